// Finding plugins and loading them so they can be loaded again. Each load bundles the plugin's own files with
// esbuild (packages stay external and are shared) and runs the bundle as a function: a reload runs the new
// code, and the old one is garbage once unloaded (an imported ES module never is).
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin, type SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isModuleNamespaceObject } from 'node:util/types';
import { compileFunction, constants as vmConstants } from 'node:vm';
import type { Metafile } from 'esbuild';
import { bundle, BundleError, IMPORT_META_URL } from './bundler.ts';
import { capabilityProblem } from './capabilities.ts';
import * as definitionHelpers from './define.ts';
import * as errorHelpers from './errors.ts';
import type { AnyPluginDefinition } from './types.ts';

export const HOST_API_VERSION = 1;
const ENTRY_NAMES = ['index.ts', 'index.mts', 'index.js', 'index.mjs'];

export interface PluginSource {
  /** Where it came from: a built-in folder, a folder from `pluginPaths`, or an npm package. */
  readonly kind: 'builtin' | 'folder' | 'package';
  /** Folder of the plugin (for packages: the package folder when known). */
  readonly dir: string;
  /** Entry file, or the package name. */
  readonly entry: string;
  /** For a package: its name (then `entry` is its resolved entry file, once found, and `dir` its folder). */
  readonly package?: string;
}

export interface LoadedModule {
  readonly definition: AnyPluginDefinition;
  /** Absolute paths of the plugin's own source files (what a watcher should watch). */
  readonly files: readonly string[];
  /** A stack of an error thrown by the plugin's code, with its own files, lines and columns. */
  readonly mapStack?: (stack: string) => string;
  /** Set on a module loaded for its definition only (`defer`): loads it whole, with its packages. */
  readonly complete?: () => Promise<LoadedModule>;
}

export class PluginLoadError extends Error {
  override name = 'PluginLoadError';
}

function entryOf(dir: string): string | undefined {
  for (const n of ENTRY_NAMES) {
    const f = path.join(dir, n);
    if (existsSync(f)) return f;
  }
  return undefined;
}

/** A folder is a plugin if it has an index file; otherwise each of its subfolders may be one. */
export function discover(builtinDir: string, pluginPaths: readonly string[], packages: readonly string[], baseDir: string): { sources: PluginSource[]; problems: string[] } {
  const sources: PluginSource[] = [];
  const problems: string[] = [];
  const scan = (dir: string, kind: 'builtin' | 'folder') => {
    const own = entryOf(dir);
    if (own) {
      sources.push({ kind, dir, entry: own });
      return;
    }
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const sub = path.join(dir, name);
      if (!statSync(sub).isDirectory()) continue;
      const entry = entryOf(sub);
      if (entry) sources.push({ kind, dir: sub, entry });
    }
  };
  if (existsSync(builtinDir)) scan(builtinDir, 'builtin');
  for (const p of pluginPaths) {
    const dir = path.resolve(baseDir, p);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      problems.push(`plugin folder ${p} (from bot.pluginPaths) does not exist`);
      continue;
    }
    scan(dir, 'folder');
  }
  for (const pkg of packages) sources.push({ kind: 'package', dir: baseDir, entry: pkg });
  return { sources, problems };
}

let generation = 0;

/**
 * Where an installed plugin package is: its entry file as Node resolves it from the bot's folder, and the
 * package's own folder (where its `migrations`, assets and `ctx.dir` are). Undefined when it is not installed
 * there (then it is imported by name, as before).
 */
export async function resolvePackage(source: PluginSource, botDir: string): Promise<PluginSource | undefined> {
  if (source.kind !== 'package' || source.package) return undefined;
  let url: string;
  try {
    url = (await importerIn(botDir)).resolve(source.entry);
  } catch {
    return undefined;
  }
  if (!url.startsWith('file:')) return undefined;
  const entry = fileURLToPath(url);
  const dir = packageFolder(entry, source.entry);
  return dir ? { kind: 'package', dir, entry, package: source.entry } : undefined;
}

/** The nearest folder above `file` whose package.json names the package. */
function packageFolder(file: string, name: string): string | undefined {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === name) return dir;
    } catch {
      // An unreadable package.json on the way up is not the package's.
    }
  }
  return undefined;
}

/** The name a plugin source is known by before it loads: a package's name, or its folder's. */
export function sourceName(source: PluginSource): string {
  return source.kind === 'package' ? (source.package ?? source.entry) : path.basename(source.dir);
}

export interface LoadOptions {
  /**
   * Runs the plugin's code without its packages, for its definition (name, schema, dependencies): a plugin
   * that is switched off then costs no package imports at start (the EventSub plugin's are about half a
   * second). The module comes back `deferred`; `complete()` runs it again with its packages before setup.
   * A plugin whose top level uses a package, or that has its own `checkConfig`, is loaded whole at once.
   */
  readonly defer?: boolean;
}

export async function loadModule(source: PluginSource, importPackage: (name: string) => Promise<unknown>, options: LoadOptions = {}): Promise<LoadedModule> {
  // A package found in the bot's folder is built like a folder plugin: its files and folder are its own.
  if (source.kind === 'package' && !source.package) {
    let mod: unknown;
    try {
      await typeScriptForPackages();
      mod = await importPackage(source.entry);
    } catch (err) {
      throw new PluginLoadError(`cannot import package ${source.entry}: ${(err as Error).message}`);
    }
    return { definition: checkDefinition((mod as { default?: unknown }).default ?? mod, source.entry), files: [] };
  }
  const built = await bundle(source, { 'import.meta.url': IMPORT_META_URL }).catch((err: unknown) => {
    throw err instanceof BundleError ? new PluginLoadError(err.message) : err;
  });
  checkCoreImports(source, built.metafile);
  const files = Object.keys(built.metafile.inputs)
    .map((f) => path.resolve(source.dir, f))
    .filter((f) => !f.includes(`${path.sep}node_modules${path.sep}`));
  const { eager: externals, later } = externalsOf(source, built.metafile);
  const name = `${source.entry}?build=${++generation}`;
  let fn: BundleFunction | undefined;
  const run = async (packages: ReadonlyMap<string, unknown>, requireLater: Later['require']): Promise<LoadedModule> => {
    let exported: unknown;
    try {
      fn ??= compile(built.code, name);
      exported = evaluate(fn, source, packages, { specs: later, require: requireLater });
    } catch (err) {
      if (err instanceof DeferredPackageError) throw err;
      const at = firstFrame(mapStack(String((err as Error).stack ?? ''), name, built.map(), source.dir), source.dir);
      throw new PluginLoadError(`cannot load ${path.relative(process.cwd(), source.entry)}: ${(err as Error).message ?? String(err)}${at ? ` (at ${at})` : ''}`);
    }
    const map = built.map;
    return { definition: checkDefinition((exported as { default?: unknown }).default, source.entry), files, mapStack: (stack) => mapStack(stack, name, map(), source.dir) };
  };
  const whole = async () => run(await importExternals(source, [...externals]), later.size ? await laterPackages(source) : notLoaded);
  if (!options.defer) return whole();
  const deferred = await run(await importExternals(source, [...externals], true), notLoaded).catch((err: unknown) => (err instanceof DeferredPackageError ? undefined : Promise.reject(err)));
  if (!deferred || deferred.definition.checkConfig) return whole();
  return { ...deferred, complete: whole };
}

let typeScript: Promise<unknown> | undefined;
/**
 * A package plugin is imported by Node itself, and its `bakebot/*` imports are core's TypeScript files. Run
 * from the sources, tsx already reads them; compiled (`npm start`), tsx's loader is registered the first time
 * such a plugin loads (it costs about 350 ms, so only then).
 */
function typeScriptForPackages(): Promise<unknown> {
  typeScript ??= import.meta.url.endsWith('.mjs') ? import('tsx/esm/api').then((tsx: { register: () => unknown }) => tsx.register()) : Promise.resolve();
  return typeScript;
}

/** What a plugin's code meets when it touches a package while loaded for its definition only. */
class DeferredPackageError extends Error {}

const notLoaded = (spec: string): never => {
  throw new DeferredPackageError(`package '${spec}' is not loaded yet`);
};

/** Stands in for a package: esbuild's interop may ask what it has (nothing yet); anything else is refused. */
function deferredPackage(spec: string): unknown {
  const refuse = (): never => notLoaded(spec);
  return new Proxy(() => undefined, {
    get: (_t, k) => (k === '__esModule' ? undefined : refuse()),
    has: () => false,
    ownKeys: () => [],
    getOwnPropertyDescriptor: () => undefined,
    getPrototypeOf: () => Object.prototype,
    apply: refuse,
    construct: refuse,
    set: refuse,
    defineProperty: refuse,
  });
}

// What a plugin may run from core: it holds no state, so a copy bundled into the plugin is harmless.
const CORE_AT_RUNTIME = ['define.ts', 'errors.ts'];
const BAKEBOT_AT_RUNTIME = ['bakebot/plugin', 'bakebot/errors'];

/**
 * A plugin that imports a value from core (not a type) would bundle its own copy of that part of core, with
 * its own state, beside the bot's: refused with what to write instead.
 */
function checkCoreImports(source: PluginSource, metafile: Metafile): void {
  const core = path.join(ROOT, 'core') + path.sep;
  for (const [file, input] of Object.entries(metafile.inputs)) {
    if (path.resolve(source.dir, file).startsWith(core)) continue;
    for (const i of input.imports) {
      const target = i.external ? undefined : path.resolve(source.dir, i.path);
      const fromCore = target?.startsWith(core) && !CORE_AT_RUNTIME.includes(path.relative(core, target));
      const fromBakebot = i.external && i.path.startsWith('bakebot/') && !BAKEBOT_AT_RUNTIME.includes(i.path);
      if (!fromCore && !fromBakebot) continue;
      const what = fromCore ? `core/${path.relative(core, target!)}` : `'${i.path}'`;
      throw new PluginLoadError(
        `${path.resolve(source.dir, file)} imports a value from ${what} (${JSON.stringify(i.original ?? i.path)}): a plugin imports only types from core ` +
          `(\`import type { … }\`); at run time only definePlugin and PERMISSIONS (bakebot/plugin) and the error helpers (bakebot/errors) are allowed`,
      );
    }
  }
}


/**
 * Runs the bundle as a function. Node never frees an imported ES module (nodejs/node#49442), so importing a
 * fresh bundle per reload kept every old version (about 0.8 MB a reload of the shop); a function is garbage
 * once the plugin is unloaded and nothing refers to it.
 */
type BundleFunction = (...args: unknown[]) => void;

function compile(code: string, name: string): BundleFunction {
  return compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname', IMPORT_META_URL], {
    filename: name,
    // Only a plugin that imports at run time gets the (experimental) loader hook, and with it Node's warning.
    ...(code.includes('import(') ? { importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  }) as BundleFunction;
}

/**
 * The packages a bundle needs: `eager` for the files its entry imports statically (imported before it runs),
 * `later` for those only a part it imports at run time needs (`await import('./web.ts')`): esbuild runs such a
 * part, and its `require` of a package, when that import runs. The dashboard loads its web server after the
 * bot's ready line this way instead of making every start wait for Koa.
 */
function externalsOf(source: PluginSource, metafile: Metafile): { eager: Set<string>; later: Set<string> } {
  const eager = new Set<string>();
  const all = new Set<string>();
  for (const input of Object.values(metafile.inputs)) for (const i of input.imports) if (i.external) all.add(i.path);
  const entry = path.relative(source.dir, source.entry);
  // An entry the metafile names differently: everything is loaded ahead, as it always was.
  if (!metafile.inputs[entry]) return { eager: all, later: new Set() };
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of metafile.inputs[file]?.imports ?? []) {
      if (i.kind === 'dynamic-import') continue;
      if (i.external) eager.add(i.path);
      else queue.push(i.path);
    }
  }
  // Without require(esm) (Node 22 before 22.12) an ES-module package could not be required later: load all ahead.
  if (!(process.features as { require_module?: boolean }).require_module) return { eager: all, later: new Set() };
  const later = new Set([...all].filter((spec) => !eager.has(spec) && !spec.startsWith('bakebot') && !spec.startsWith('node:') && !isBuiltin(spec)));
  for (const spec of all) if (!later.has(spec)) eager.add(spec);
  return { eager, later };
}

/**
 * Requires the packages of a part loaded later, as `import` would resolve them from the plugin's folder (then
 * the bot's): the part's `require` is synchronous, and Node (20.19 and later) requires an ES module the same.
 */
async function laterPackages(source: PluginSource): Promise<(spec: string) => unknown> {
  const bot = await importerIn(ROOT);
  const own = await importerIn(source.dir).catch(() => bot);
  const load = createRequire(import.meta.url);
  return (spec) => {
    let url: string;
    try {
      try {
        url = own.resolve(spec);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        url = bot.resolve(spec);
      }
      const file = url.startsWith('file:') ? fileURLToPath(url) : url;
      const value: unknown = load(file);
      // An ES module comes back as its namespace, or (where tsx compiles it on the way) as exports marked
      // __esModule: either is what `import` gives. A CommonJS file's exports are taken as they are.
      const esm = isModuleNamespaceObject(value) || ((value as { __esModule?: unknown } | null)?.__esModule === true && isEsmFile(file));
      if (!esm) return value;
      // As `import` gives it: without the __esModule mark require adds (esbuild's interop would then take
      // `.default` of the default export).
      const ns = value as Record<string, unknown>;
      return asRequired(Object.fromEntries(Object.keys(ns).filter((k) => k !== '__esModule').map((k) => [k, ns[k]])));
    } catch (err) {
      throw new PluginLoadError(`${path.relative(process.cwd(), source.entry)} imports '${spec}' in a part it loads at run time, which cannot be loaded: ${(err as Error).message}`);
    }
  };
}

/** Whether Node loads `file` as an ES module (.mjs, or .js in a package of "type": "module"). */
function isEsmFile(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

/** The packages of the parts a bundle loads later, and how to require one when such a part runs. */
interface Later {
  readonly specs: ReadonlySet<string>;
  readonly require: (spec: string) => unknown;
}

/** Runs the compiled bundle as a fresh module (a deferred load and the whole one that follows share the compile). */
function evaluate(fn: BundleFunction, source: PluginSource, packages: ReadonlyMap<string, unknown>, later: Later): unknown {
  const module = { exports: {} as unknown };
  const required = new Map<string, unknown>();
  const require = (spec: string): unknown => {
    if (packages.has(spec)) return packages.get(spec);
    if (!later.specs.has(spec)) throw new Error(`cannot find package '${spec}' (imported by ${source.entry})`);
    if (!required.has(spec)) required.set(spec, later.require(spec));
    return required.get(spec);
  };
  fn(module.exports, require, module, source.entry, source.dir, pathToFileURL(source.entry).href);
  return module.exports;
}

// One tiny module per folder imports packages as a file of that folder would. The bot's own folder answers
// `bakebot/*` (its package exports) and whatever a plugin folder outside the bot does not have itself.
// Kept for the process: one small module per folder, not one per reload.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
interface Importer {
  (specifier: string): Promise<unknown>;
  /** The URL Node's `import` resolves `specifier` to from that folder (throws when there is none). */
  resolve(specifier: string): string;
}
const importers = new Map<string, Promise<Importer>>();

function importerIn(dir: string): Promise<Importer> {
  let importer = importers.get(dir);
  if (!importer) {
    const file = path.join(dir, '.build', 'import.mjs');
    const text = 'export default (specifier) => import(specifier);\nexport const resolve = (specifier) => import.meta.resolve(specifier);\n';
    // Written once: rewriting it at every start costs a write per plugin folder.
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    importer = import(pathToFileURL(file).href).then((m: { default: (specifier: string) => Promise<unknown>; resolve: (specifier: string) => string }) =>
      Object.assign((specifier: string) => m.default(specifier), { resolve: m.resolve }),
    );
    importers.set(dir, importer);
  }
  return importer;
}

async function importExternals(source: PluginSource, specifiers: readonly string[], defer = false): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  const rest: string[] = [];
  for (const spec of specifiers) {
    // Core's own runtime parts, as the bot runs them (compiled or not): plugins share its error classes.
    if (spec === 'bakebot/plugin') found.set(spec, asRequired(definitionHelpers as Record<string, unknown>));
    else if (spec === 'bakebot/errors') found.set(spec, asRequired(errorHelpers as Record<string, unknown>));
    else if (defer && !spec.startsWith('node:') && !isBuiltin(spec)) found.set(spec, deferredPackage(spec));
    else rest.push(spec);
  }
  if (!rest.length) return found;
  const bot = await importerIn(ROOT);
  let own: Importer;
  try {
    own = await importerIn(source.dir);
  } catch {
    // A folder the bot may not write to (a package installed read-only): its packages are then the bot's.
    own = bot;
  }
  for (const spec of rest) {
    let ns: unknown;
    try {
      const held = CORE_PACKAGES[spec];
      if (held && sameFile(own, bot, spec)) ns = await held();
      else ns = spec === 'bakebot' || spec.startsWith('bakebot/') ? await bot(spec) : await own(spec).catch((err: unknown) => (isNotFound(err) ? bot(spec) : Promise.reject(err)));
    } catch (err) {
      throw new PluginLoadError(`${path.relative(process.cwd(), source.entry)} imports '${spec}', which cannot be loaded: ${(err as Error).message}`);
    }
    found.set(spec, asRequired(ns as Record<string, unknown>));
  }
  return found;
}

/**
 * Packages built into core's own file when it runs compiled (core/start.mjs, `inBuild`; Twitch's client is
 * built into the Twitch connection's file, which plugins do not share): a plugin that would import the bot's copy gets
 * core's instead of loading the package a second time before the ready line.
 */
const CORE_PACKAGES: Partial<Record<string, () => Promise<unknown>>> = {
  sqlite: () => import('sqlite'),
  sqlite3: () => import('sqlite3'),
};

/** The plugin's folder and the bot's resolve `spec` to the same file (the plugin has no copy of its own). */
function sameFile(own: Importer, bot: Importer, spec: string): boolean {
  try {
    return own === bot || own.resolve(spec) === bot.resolve(spec);
  } catch {
    return false;
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
}

/**
 * What `require(spec)` must give the bundle for an ES namespace `ns`. esbuild's bundle (Node interop) takes
 * the required value itself as the default import and reads named imports off it, so: the default export when
 * the named ones are its properties (every CommonJS package, Node's built-ins), else the default export with
 * the named ones laid over it, else the namespace.
 */
function asRequired(ns: Record<string, unknown>): unknown {
  if (!('default' in ns)) return ns;
  const base = ns.default;
  const named = Object.keys(ns).filter((k) => k !== 'default');
  if (base === null || (typeof base !== 'object' && typeof base !== 'function')) return named.length ? ns : base;
  const b = base as Record<string | symbol, unknown>;
  if (named.every((k) => b[k] === ns[k])) return base;
  return new Proxy(b, {
    get: (t, k) => (typeof k === 'string' && k !== 'default' && k in ns ? ns[k] : Reflect.get(t, k)),
    has: (t, k) => (typeof k === 'string' && k in ns) || Reflect.has(t, k),
    ownKeys: (t) => [...new Set([...Reflect.ownKeys(t), ...named])],
    getOwnPropertyDescriptor: (t, k) =>
      typeof k === 'string' && named.includes(k) ? { value: ns[k], enumerable: true, configurable: true, writable: false } : Reflect.getOwnPropertyDescriptor(t, k),
  });
}

const STACK_FRAME = /(\(|at )([^()\s]+\?build=\d+):(\d+):(\d+)/g;

/** The first place in a (mapped) stack that is in the plugin's folder: `file:line:column`. */
export function firstFrame(stack: string, dir: string): string | undefined {
  for (const m of stack.matchAll(/(?:\(|at )([^()\s]+):(\d+):(\d+)\)?$/gm)) {
    if (m[1]!.startsWith(dir + path.sep)) return `${m[1]}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** The stack with the bundle's positions turned into the plugin's own file:line:column (from esbuild's map). */
function mapStack(stack: string, name: string, map: SourceMap, dir: string): string {
  return stack.replace(STACK_FRAME, (whole, lead: string, file: string, line: string, column: string) => {
    if (file !== name) return whole;
    const hit = map.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (!hit.originalSource) return whole;
    return `${lead}${path.resolve(dir, '.build', hit.originalSource)}:${(hit.originalLine ?? 0) + 1}:${(hit.originalColumn ?? 0) + 1}`;
  });
}

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/** `env` binds variables to settings the schema has (or `enabled`); `envVars` lists variable names. */
function checkEnvironment(d: Record<string, unknown>, fail: (msg: string) => never): void {
  if (d.env !== undefined) {
    if (!d.env || typeof d.env !== 'object' || Array.isArray(d.env)) fail('env must map environment variables to settings, e.g. { MY_PORT: "port" }');
    const properties = ((d.configSchema as { properties?: Record<string, unknown> } | undefined)?.properties) ?? {};
    for (const [variable, key] of Object.entries(d.env as Record<string, unknown>)) {
      if (!ENV_NAME.test(variable)) fail(`env: ${JSON.stringify(variable)} is not an environment variable name (upper case, digits, _)`);
      if (typeof key !== 'string' || (key !== 'enabled' && !Object.prototype.hasOwnProperty.call(properties, key))) {
        fail(`env: ${variable} sets ${JSON.stringify(key)}, which is not a setting of its configSchema (nor "enabled")`);
      }
    }
  }
  if (d.envVars !== undefined && (!Array.isArray(d.envVars) || d.envVars.some((v) => typeof v !== 'string' || !ENV_NAME.test(v)))) {
    fail('envVars must be a list of environment variable names, e.g. ["MY_API_KEY"]');
  }
}

/** Checks the shape of what a plugin exports, with messages that tell its author what to fix. */
export function checkDefinition(value: unknown, where: string): AnyPluginDefinition {
  const fail = (msg: string): never => {
    throw new PluginLoadError(`${where}: ${msg}`);
  };
  if (!value || typeof value !== 'object') fail('must `export default definePlugin({...})`');
  const d = value as Record<string, unknown>;
  if (typeof d.name !== 'string' || !/^[a-z][a-z0-9_]{0,39}$/.test(d.name)) fail('name must be lower case letters, digits or _ (e.g. "my_plugin")');
  if (typeof d.version !== 'string' || !/^\d+\.\d+\.\d+/.test(d.version)) fail('version must look like 1.0.0');
  if (typeof d.setup !== 'function') fail('setup(ctx) is missing');
  for (const key of ['dependsOn', 'optionalDependsOn'] as const) {
    const v = d[key];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) fail(`${key} must be a list of plugin names`);
  }
  if (d.configSchema !== undefined && (typeof d.configSchema !== 'object' || d.configSchema === null || (d.configSchema as { type?: unknown }).type !== 'object')) {
    fail('configSchema must be a JSON schema with type "object"');
  }
  checkEnvironment(d, fail);
  if (d.capabilities !== undefined) {
    if (!Array.isArray(d.capabilities)) fail('capabilities must be a list, e.g. ["host-control"]');
    for (const c of d.capabilities as unknown[]) {
      const problem = capabilityProblem(c);
      if (problem) fail(`capabilities: ${problem}`);
    }
  }
  if (d.migrations !== undefined && typeof d.migrations !== 'string') fail('migrations must be a folder name relative to the plugin, e.g. "migrations"');
  const own = `${String(d.name)}_`;
  if (d.historyTables !== undefined && (!Array.isArray(d.historyTables) || d.historyTables.some((t) => typeof t !== 'string' || !t.startsWith(own) || !/^[a-z0-9_]+$/.test(t)))) {
    fail(`historyTables must list tables of its own, named ${own}…, e.g. ["${own}log"]`);
  }
  const api = d.apiVersion ?? HOST_API_VERSION;
  if (api !== HOST_API_VERSION) fail(`was written for plugin API ${String(api)}, this BakeBot offers ${HOST_API_VERSION}`);
  return value as AnyPluginDefinition;
}
