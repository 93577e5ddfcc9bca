// config/bakebot.yaml: reading it with line numbers, validating every section against its schema (all
// errors at once, each with file, line and path), environment overrides, and writing settings back
// without losing the streamer's comments.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import type { JSONSchema } from 'json-schema-to-ts';
import { capabilityProblem } from './capabilities.ts';
import { PERMISSIONS } from './define.ts';
import { SchemaCache } from './schema-cache.ts';
import type { ConfigIssue, LogLevel, Permission, SettingsIssue } from './types.ts';

/**
 * The YAML library, loaded the first time a file must be parsed or edited: a start whose config text is
 * unchanged reads its data from `.build/config.json` (see readConfig) and skips about 30 ms of loading it.
 */
const requireHere = createRequire(import.meta.url);
const yamlLib = (): typeof Yaml => requireHere('yaml') as typeof Yaml;

/** Largest config file read (bytes). */
export const MAX_CONFIG_BYTES = 1_000_000;

export const BOT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prefix: { type: 'string', minLength: 1, maxLength: 5, pattern: '^\\S+$', default: '!', description: 'Character(s) that start a command.' },
    channels: {
      type: 'array',
      default: [],
      items: { type: 'string', pattern: '^#?[A-Za-z0-9_]{1,25}$' },
      description: 'Twitch channels to join (TWITCH_CHANNEL overrides).',
    },
    logLevel: { type: 'string', enum: ['debug', 'info', 'warn', 'error'], default: 'info' },
    commandCooldown: { type: 'number', minimum: 0, default: 3, description: 'Seconds a viewer waits between uses of one command.' },
    cooldownReply: { type: 'boolean', default: true, description: 'Answer a command used again too soon, once per cooldown ("@viewer wait 2 s"), instead of staying silent.' },
    rateLimitMessages: { type: 'integer', minimum: 1, default: 8, description: 'Commands a viewer may send per window before being ignored.' },
    rateLimitWindow: { type: 'number', exclusiveMinimum: 0, default: 10, description: 'Flood window in seconds.' },
    pluginSetupTimeout: { type: 'number', exclusiveMinimum: 0, default: 10, description: 'Seconds a plugin may take to start.' },
    pluginPaths: { type: 'array', items: { type: 'string' }, default: [], description: 'Folders with third-party plugins.' },
    pluginPackages: { type: 'array', items: { type: 'string' }, default: [], description: 'Installed npm packages that are plugins.' },
    watch: { type: 'boolean', default: true, description: 'Apply edits of this file and of plugin sources while running.' },
    unsentReplyMaxAge: {
      type: 'number',
      minimum: 0,
      default: 120,
      description: 'Seconds a confirmation (a reply stored with its change) that a crash or stop kept from being sent is still sent after a restart; older ones are logged as given up.',
    },
    backupKeep: { type: 'integer', minimum: 0, maximum: 365, default: 7, description: 'Daily backups of the database kept in data/backups (0: no automatic backup).' },
    grants: {
      type: 'object',
      default: {},
      description: 'Capabilities granted to plugins that are not built in, by plugin name, e.g. raffle: [host-control].',
      propertyNames: { pattern: '^[a-z][a-z0-9_]{0,39}$' },
      additionalProperties: { type: 'array', items: { type: 'string' } },
    },
    commands: {
      type: 'object',
      default: {},
      description: 'Per-command overrides, by command name.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean' },
          permission: { type: 'string', enum: PERMISSIONS },
          cooldown: { type: 'number', minimum: 0 },
          globalCooldown: { type: 'number', minimum: 0 },
          aliases: { type: 'array', items: { type: 'string', pattern: '^\\S+$' } },
        },
      },
    },
  },
} as const;

export interface CommandOverride {
  readonly enabled?: boolean;
  readonly permission?: Permission;
  readonly cooldown?: number;
  readonly globalCooldown?: number;
  readonly aliases?: readonly string[];
}

export interface BotConfig {
  readonly prefix: string;
  readonly channels: readonly string[];
  readonly logLevel: LogLevel;
  readonly commandCooldown: number;
  /** Tell a viewer once per cooldown how long to wait (default true). */
  readonly cooldownReply: boolean;
  readonly rateLimitMessages: number;
  readonly rateLimitWindow: number;
  readonly pluginSetupTimeout: number;
  readonly pluginPaths: readonly string[];
  readonly pluginPackages: readonly string[];
  readonly watch: boolean;
  readonly backupKeep: number;
  readonly unsentReplyMaxAge: number;
  readonly commands: Readonly<Record<string, CommandOverride>>;
  /** Capabilities granted to plugins that are not built in (plugin name → capabilities). */
  readonly grants: Readonly<Record<string, readonly string[]>>;
}

export interface PluginSection {
  readonly enabled: boolean | undefined;
  readonly settings: Readonly<Record<string, unknown>>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}${i.line ? `:${i.line}` : ''} ${i.path}: ${i.message}`;
}

export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Creates the config file from the commented example the first time the bot starts. */
export function ensureConfigFile(file: string, example: string): boolean {
  if (existsSync(file)) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  copyFileSync(example, file);
  return true;
}

// Environment variables with the seed's names that set the bot's own settings. Plugins declare theirs
// (`env` in definePlugin: GUI_HOST, EVENTSUB_PORT ...), so core holds no plugin's name here.
const ENV_PATHS: Record<string, { path: string[]; kind: EnvKind }> = {
  PREFIX: { path: ['bot', 'prefix'], kind: 'string' },
  TWITCH_CHANNEL: { path: ['bot', 'channels'], kind: 'list' },
  LOG_LEVEL: { path: ['bot', 'logLevel'], kind: 'level' },
};

type EnvKind = 'string' | 'number' | 'boolean' | 'list' | 'level';

function envValue(raw: string, kind: EnvKind): unknown {
  const v = raw.trim();
  switch (kind) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(v)) return true;
      if (/^(0|false|no|off)$/i.test(v)) return false;
      return v;
    case 'list':
      return v.split(/[\s,]+/).filter(Boolean).map((c) => c.replace(/^#/, '').toLowerCase());
    case 'level': {
      const l = v.toLowerCase();
      return l === 'warning' ? 'warn' : l === 'critical' ? 'error' : l;
    }
    default:
      return v;
  }
}

export interface LoadedConfig {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The file's data with environment overrides applied. */
  readonly data: { bot: Record<string, unknown>; plugins: Record<string, unknown> };
  /** Dotted paths set from the environment, and the variable that set each. */
  readonly fromEnv: ReadonlyMap<string, string>;
  /** The environment it was read with (plugins' bindings are applied from it when their section is validated). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The YAML of a config file, parsed with positions (for line numbers and edits that keep comments). */
interface ParsedYaml {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

function parseYaml(text: string): ParsedYaml {
  const { LineCounter, parseDocument } = yamlLib();
  const lines = new LineCounter();
  return { doc: parseDocument(text, { lineCounter: lines, prettyErrors: false }), lines };
}

/** Only what JSON keeps exactly (no .inf, .nan): anything else is parsed from the YAML at each read. */
function jsonSafe(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(jsonSafe);
  return isPlainObject(v) && Object.values(v).every(jsonSafe);
}

/**
 * The data of the last config texts the bot read (a few: a streamer's test config beside the live one, a
 * benchmark's variants), kept in `.build/config.json` under each text's hash: parsing the commented example
 * (18 KB) with positions costs about 30 ms of a start, 70-80 ms on a slow host. The positions are parsed only
 * when needed (an issue's line number, a save that keeps the comments).
 */
class ParsedConfigCache {
  static readonly KEPT = 4;

  constructor(private readonly dir: string) {}

  private get file(): string {
    return path.join(this.dir, 'config.json');
  }

  private entries(): { hash: string; data: unknown }[] {
    try {
      const kept = JSON.parse(readFileSync(this.file, 'utf8')) as { entries?: unknown };
      return Array.isArray(kept.entries) ? (kept.entries as { hash: string; data: unknown }[]) : [];
    } catch {
      return [];
    }
  }

  read(hash: string): unknown {
    return this.entries().find((e) => e.hash === hash)?.data;
  }

  write(hash: string, data: unknown): void {
    if (!jsonSafe(data)) return;
    try {
      const entries = [{ hash, data }, ...this.entries().filter((e) => e.hash !== hash)].slice(0, ParsedConfigCache.KEPT);
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ entries }));
      renameSync(tmp, this.file);
    } catch {
      // A folder the bot may not write to: the file is parsed at each start.
    }
  }
}

export interface ReadConfigOptions {
  /** A folder to keep the parsed data in between starts (`.build`); without it the file is parsed each time. */
  readonly cacheDir?: string;
}

export function readConfig(file: string, env: NodeJS.ProcessEnv = process.env, options: ReadConfigOptions = {}): LoadedConfig {
  const shown = displayPath(file);
  let text: string;
  try {
    // A config is a page or two; a huge one is a mistake (a log pasted in), and parsing it would stall chat.
    const size = statSync(file).size;
    if (size > MAX_CONFIG_BYTES) {
      throw new ConfigError([{ file: shown, path: '(file)', message: `is ${(size / 1e6).toFixed(1)} MB; a config file may be at most ${MAX_CONFIG_BYTES / 1e6} MB` }]);
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([{ file: shown, path: '(file)', message: `cannot read: ${(err as Error).message}` }]);
  }
  // An emptied file (an editor that crashed, `: > file`) would otherwise mean "every default": disabled
  // plugins back on, custom amounts reset. Refuse it like any other error, so the running settings stay.
  if (!text.trim()) {
    throw new ConfigError([{ file: shown, line: 1, path: '(file)', message: 'is empty; restore it (config/bakebot.example.yaml is the commented default) — the running settings are kept' }]);
  }
  let parsed: ParsedYaml | undefined;
  const yaml = () => (parsed ??= parseYaml(text));
  const cache = options.cacheDir ? new ParsedConfigCache(options.cacheDir) : undefined;
  const hash = cache && createHash('sha256').update(text).digest('hex');
  let raw: unknown = hash ? cache?.read(hash) : undefined;
  if (raw === undefined) {
    const { doc, lines } = yaml();
    if (doc.errors.length) {
      throw new ConfigError(
        doc.errors.map((e) => ({ file: shown, line: lines.linePos(e.pos[0]).line, path: '(yaml)', message: e.message.split('\n')[0] ?? e.message })),
      );
    }
    raw = doc.toJS();
    if (hash && isPlainObject(raw)) cache?.write(hash, raw);
  }
  const lineAt = (segments: readonly string[]) => lineOf(yaml().doc, yaml().lines, segments);
  const issues: ConfigIssue[] = [];
  if (raw === null || raw === undefined) {
    throw new ConfigError([{ file: shown, line: 1, path: '(file)', message: 'has no settings, only comments; it needs at least `plugins:` — the running settings are kept' }]);
  }
  if (!isPlainObject(raw)) {
    throw new ConfigError([{ file: shown, line: 1, path: '(root)', message: 'must be a mapping with `bot:` and `plugins:` sections' }]);
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'bot' && key !== 'plugins') {
      issues.push({ file: shown, line: lineAt([key]), path: key, message: 'unknown section (known: bot, plugins)' });
    }
  }
  const bot = raw.bot ?? {};
  const plugins = raw.plugins ?? {};
  if (!isPlainObject(bot)) issues.push({ file: shown, line: lineAt(['bot']), path: 'bot', message: 'must be a mapping' });
  if (!isPlainObject(plugins)) issues.push({ file: shown, line: lineAt(['plugins']), path: 'plugins', message: 'must be a mapping' });
  if (issues.length) throw new ConfigError(issues);
  const data = { bot: bot as Record<string, unknown>, plugins: plugins as Record<string, unknown> };
  const fromEnv = new Map<string, string>();
  for (const [name, spec] of Object.entries(ENV_PATHS)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    const [section, ...rest] = spec.path;
    let target: Record<string, unknown> = section === 'bot' ? data.bot : data.plugins;
    for (const seg of rest.slice(0, -1)) {
      const next = target[seg];
      if (next === true || next === false) target[seg] = { enabled: next };
      else if (!isPlainObject(next)) target[seg] = {};
      target = target[seg] as Record<string, unknown>;
    }
    target[rest[rest.length - 1] as string] = envValue(v, spec.kind);
    fromEnv.set(spec.path.join('.'), name);
  }
  return {
    file,
    get doc() {
      return yaml().doc;
    },
    get lines() {
      return yaml().lines;
    },
    data,
    fromEnv,
    env,
  };
}

/** 1-based line of the node at `segments`, or of its nearest ancestor present in the file. */
export function lineOf(doc: Document, lines: LineCounter, segments: readonly (string | number)[]): number | undefined {
  const { isMap, isScalar, isSeq } = yamlLib();
  let node: unknown = doc.contents;
  let best: number | undefined = rangeLine(node, lines);
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      best = rangeLine(pair.key, lines) ?? best;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)];
      best = rangeLine(node, lines) ?? best;
    } else break;
  }
  return best;
}

function rangeLine(node: unknown, lines: LineCounter): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? lines.linePos(range[0]).line : undefined;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export interface SchemaOwner {
  readonly name: string;
  readonly schema: JSONSchema | undefined;
  /** The plugin's own check (`checkConfig`), run on settings that passed the schema. */
  readonly check?: (settings: Record<string, unknown>) => readonly SettingsIssue[];
  /** Environment variable → setting (or `enabled`), from the plugin's definition. */
  readonly env?: Readonly<Record<string, string>>;
}

/** The kind of value a setting takes, read from its schema, so that GUI_PORT=5001 becomes the number 5001. */
function kindOf(schema: JSONSchema | undefined, key: string): EnvKind {
  if (key === 'enabled') return 'boolean';
  const prop = typeof schema === 'object' ? (schema.properties as Record<string, JSONSchema> | undefined)?.[key] : undefined;
  const type = typeof prop === 'object' ? prop.type : undefined;
  const t = Array.isArray(type) ? type.find((x) => x !== 'null') : type;
  if (t === 'number' || t === 'integer') return 'number';
  if (t === 'boolean') return 'boolean';
  if (t === 'array') return 'list';
  return 'string';
}

/**
 * A plugin's raw section with its environment bindings applied (a variable that is set, and not empty, wins
 * over the file), and the dotted paths each variable set.
 */
export function pluginSectionWithEnv(loaded: LoadedConfig, owner: SchemaOwner): { raw: unknown; fromEnv: Map<string, string> } {
  let raw = loaded.data.plugins[owner.name];
  const fromEnv = new Map<string, string>();
  for (const [variable, key] of Object.entries(owner.env ?? {})) {
    const v = loaded.env[variable];
    if (v === undefined || v === '') continue;
    if (raw === true || raw === false) raw = { enabled: raw };
    else if (!isPlainObject(raw)) raw = {};
    raw = { ...(raw as Record<string, unknown>), [key]: envValue(v, kindOf(owner.schema, key)) };
    fromEnv.set(`plugins.${owner.name}.${key}`, variable);
  }
  return { raw, fromEnv };
}

/**
 * The same file with more settings named as set by a variable. Its parsed YAML stays unparsed until an issue
 * needs a line: a copy made with `{ ...file }` read the `doc` getter, so one variable such as WEB_PORT parsed
 * the whole file (about 45 ms) at every start that the parsed-config cache should have spared.
 */
function withEnv(file: LoadedConfig, fromEnv: Map<string, string>): LoadedConfig {
  return Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(file), fromEnv: { value: fromEnv, enumerable: true } }) as LoadedConfig;
}

/** Settings of a plugin that an environment variable sets now: setting → variable. */
export function settingsFromEnv(bindings: Readonly<Record<string, string>> | undefined, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [variable, key] of Object.entries(bindings ?? {})) if (env[variable] !== undefined && env[variable] !== '') out[key] = variable;
  return out;
}

/**
 * Compiles schemas (once per distinct schema: a reload that did not change the schema reuses the compiled
 * one, which is a good part of a reload's time) and turns ajv's errors into issues a streamer can act on.
 */
export class ConfigValidator {
  private readonly schemas: SchemaCache;
  /** By the schema's JSON text: each reload brings a new, usually identical, schema object. */
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly botValidate: ValidateFunction;

  /** `cacheDir`: where compiled validators are kept between starts (none: compiled at every start). */
  constructor(cacheDir?: string) {
    // `password` is a format that says "mask me" (the dashboard does), not one to check.
    this.schemas = new SchemaCache({ allErrors: true, useDefaults: true, verbose: true, strict: false, formats: { password: true } }, cacheDir);
    this.botValidate = this.compile(BOT_SCHEMA as JSONSchema);
  }

  /** Throws a readable error if the schema itself is broken (a plugin author's mistake). */
  compile(schema: JSONSchema): ValidateFunction {
    if (typeof schema !== 'object') throw new Error('configSchema must be an object schema');
    const key = JSON.stringify(schema);
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.schemas.compile(schema, key);
      this.compiled.set(key, fn);
    }
    return fn;
  }

  /** Drops a replaced plugin's old validator, unless its successor has the same schema. */
  forget(schema: JSONSchema | undefined, successor: JSONSchema | undefined): void {
    if (!schema || typeof schema !== 'object') return;
    const key = JSON.stringify(schema);
    if (successor && JSON.stringify(successor) === key) return;
    this.compiled.delete(key);
  }

  validateBot(loaded: LoadedConfig): { bot: BotConfig; issues: ConfigIssue[] } {
    const bot = structuredClone(loaded.data.bot);
    const ok = this.botValidate(bot);
    const issues = ok ? [] : this.issues(loaded, ['bot'], this.botValidate.errors ?? []);
    if (ok) {
      for (const [plugin, list] of Object.entries(bot.grants as Record<string, string[]>)) {
        list.forEach((c, i) => {
          const problem = capabilityProblem(c);
          if (problem) issues.push(this.issue(loaded, ['bot', 'grants', plugin, String(i)], problem));
        });
      }
    }
    return { bot: deepFreeze(bot) as unknown as BotConfig, issues };
  }

  /** Validates one plugin's section; `enabled` is ours, everything else is the plugin's settings. */
  validatePlugin(file: LoadedConfig, owner: SchemaOwner): { section: PluginSection; issues: ConfigIssue[] } {
    const { raw, fromEnv } = pluginSectionWithEnv(file, owner);
    const loaded = fromEnv.size ? withEnv(file, new Map([...file.fromEnv, ...fromEnv])) : file;
    const base = ['plugins', owner.name];
    const issues: ConfigIssue[] = [];
    let enabled: boolean | undefined;
    let settings: Record<string, unknown> = {};
    if (raw === true || raw === false) enabled = raw;
    else if (raw !== undefined && raw !== null) {
      if (!isPlainObject(raw)) {
        issues.push(this.issue(loaded, base, 'must be a mapping of settings (or true/false)'));
      } else {
        const { enabled: e, ...rest } = raw;
        if (e !== undefined && typeof e !== 'boolean') issues.push(this.issue(loaded, [...base, 'enabled'], 'must be true or false'));
        else enabled = e;
        settings = structuredClone(rest);
      }
    }
    const v = this.validateSettings(loaded, owner, settings);
    return { section: { enabled, settings: v.settings }, issues: [...issues, ...v.issues] };
  }

  validateSettings(loaded: LoadedConfig | undefined, owner: SchemaOwner, input: Record<string, unknown>): { settings: Record<string, unknown>; issues: ConfigIssue[] } {
    const settings = structuredClone(input);
    const schema = owner.schema ?? { type: 'object', additionalProperties: false };
    const validate = this.compile(schema);
    const ok = validate(settings);
    const issues = ok ? [] : this.issues(loaded, ['plugins', owner.name], validate.errors ?? []);
    if (ok && owner.check) issues.push(...this.ownCheck(loaded, owner, settings));
    return { settings: deepFreeze(settings), issues };
  }

  /** The plugin's own issues, placed under `plugins.<name>`; a check that throws is an issue too (not a crash). */
  private ownCheck(loaded: LoadedConfig | undefined, owner: SchemaOwner, settings: Record<string, unknown>): ConfigIssue[] {
    const base = ['plugins', owner.name];
    try {
      return (owner.check?.(structuredClone(settings)) ?? []).map((i) => this.issue(loaded, [...base, ...String(i.path).split('.').filter(Boolean)], i.message));
    } catch (err) {
      return [this.issue(loaded, base, `the plugin's own settings check failed: ${(err as Error).message}`)];
    }
  }

  /** Defaults of a schema, e.g. for a plugin that has no section in the file. */
  defaults(schema: JSONSchema | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (schema) this.compile(schema)(out);
    return out;
  }

  private issue(loaded: LoadedConfig | undefined, segs: string[], message: string): ConfigIssue {
    const dotted = segs.join('.');
    // The value may sit inside what a variable set (TWITCH_CHANNEL sets the list, an error names an item).
    let env: string | undefined;
    for (let n = segs.length; n > 0 && !env; n--) env = loaded?.fromEnv.get(segs.slice(0, n).join('.'));
    if (env) return { file: 'environment', path: dotted, message: `${message} (set by ${env})` };
    return { file: loaded ? displayPath(loaded.file) : 'settings', line: loaded ? lineOf(loaded.doc, loaded.lines, segs) : undefined, path: dotted, message };
  }

  private issues(loaded: LoadedConfig | undefined, base: string[], errors: ErrorObject[]): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    const seen = new Set<string>();
    for (const e of errors) {
      const segs = [...base, ...e.instancePath.split('/').slice(1).map(unescapePointer)];
      let message = e.message ?? 'is invalid';
      // A key that breaks `propertyNames` (e.g. a shop item id): name the key itself.
      const badKey = (e as { propertyName?: string }).propertyName;
      if (e.keyword === 'propertyNames') continue;
      if (badKey !== undefined) {
        segs.push(badKey);
        message = e.keyword === 'pattern' ? `is not a valid name (must match ${String((e.params as { pattern?: string }).pattern)})` : `is not a valid name: ${message}`;
        const issue = this.issue(loaded, segs, message);
        if (!seen.has(`${issue.path}|${issue.message}`)) {
          seen.add(`${issue.path}|${issue.message}`);
          out.push(issue);
        }
        continue;
      }
      const params = e.params as Record<string, unknown>;
      const parentType = (e.parentSchema as { type?: string } | undefined)?.type;
      switch (e.keyword) {
        case 'additionalProperties': {
          segs.push(String(params.additionalProperty));
          const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
          message = `unknown setting${known.length ? ` (known: ${known.join(', ')})` : ''}`;
          break;
        }
        case 'required':
          segs.push(String(params.missingProperty));
          message = 'is required';
          break;
        case 'enum':
          message = `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
          break;
        case 'minimum':
        case 'maximum':
        case 'exclusiveMinimum':
        case 'exclusiveMaximum':
          if (parentType === 'integer' || parentType === 'number') message = `must be ${parentType} ${String(params.comparison)} ${String(params.limit)}`;
          break;
        case 'pattern':
          message = `does not look right (must match ${String(params.pattern)})`;
          break;
      }
      const issue = this.issue(loaded, segs, message);
      const key = `${issue.path}|${issue.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(issue);
      }
    }
    return out;
  }
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Writes values into the YAML file, keeping comments and layout: scalars are edited in place, and
 * keys that are absent from `values` but present in `remove` are deleted. Only the bytes of the edited
 * sections change (a plugin's section, or `bot`): the rest of the file keeps its flow style and line
 * width even where the yaml library would print it differently. Written atomically.
 */
export function writeConfigValues(file: string, edits: { path: string[]; value: unknown }[], remove: string[][] = []): void {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const units = new Map<string, { unit: string[]; edits: { path: string[]; value: unknown }[]; remove: string[][] }>();
  const unitOf = (p: string[]) => {
    const unit = p.slice(0, p[0] === 'plugins' ? 2 : 1);
    const key = JSON.stringify(unit);
    if (!units.has(key)) units.set(key, { unit, edits: [], remove: [] });
    return units.get(key)!;
  };
  for (const e of edits) unitOf(e.path).edits.push(e);
  for (const p of remove) unitOf(p).remove.push(p);
  for (const u of units.values()) text = editSection(file, text, u.unit, u.edits, u.remove);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function editSection(file: string, text: string, unit: string[], edits: { path: string[]; value: unknown }[], remove: string[][]): string {
  const { isScalar, parseDocument } = yamlLib();
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ConfigError([{ file: displayPath(file), path: '(yaml)', message: `cannot edit a file with YAML errors: ${doc.errors[0]?.message ?? ''}` }]);
  const before = sectionSpan(doc, unit);
  if (!doc.contents) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  for (const { path: p, value } of edits) {
    // `economy: false` shorthand becomes a mapping before a setting is written under it.
    for (let i = 1; i < p.length; i++) {
      const parent = doc.getIn(p.slice(0, i), true);
      if (isScalar(parent) && typeof parent.value === 'boolean' && p.length > i) doc.setIn(p.slice(0, i), doc.createNode({ enabled: parent.value }));
      else if (isScalar(parent) && parent.value === null) doc.setIn(p.slice(0, i), doc.createNode({}));
    }
    const node = doc.getIn(p, true);
    if (isScalar(node) && (value === null || typeof value !== 'object')) node.value = value;
    else doc.setIn(p, doc.createNode(value));
  }
  for (const p of remove) if (doc.hasIn(p)) doc.deleteIn(p);
  const whole = doc.toString();
  if (!before) return whole;
  const after = sectionSpan(parseDocument(whole), unit);
  if (!after) return whole;
  // Splice the re-printed section into the original bytes, and keep that only if it reads the same.
  const spliced = text.slice(0, before[0]) + whole.slice(after[0], after[1]) + text.slice(before[1]);
  const check = parseDocument(spliced);
  return !check.errors.length && JSON.stringify(check.toJS()) === JSON.stringify(doc.toJS()) ? spliced : whole;
}

/** Where a section (`bot`, or `plugins.<name>`) sits in the text: its key's first byte to its value's last. */
function sectionSpan(doc: Document, unit: string[]): [number, number] | undefined {
  const { isMap, isScalar } = yamlLib();
  const parent = unit.length > 1 ? doc.getIn(unit.slice(0, -1), true) : doc.contents;
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === unit[unit.length - 1]);
  const key = pair?.key as Node | undefined;
  const value = pair?.value as Node | undefined;
  if (!key?.range || !value?.range) return undefined;
  return [key.range[0], value.range[1]];
}
