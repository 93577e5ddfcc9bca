// Between the config file and the plugins: reading it without throwing at a bad edit, validating every
// plugin's section (its schema and its environment bindings), and turning a settings save into the few
// edits of the file that keep the streamer's comments and leave defaults unwritten.
import { ConfigError, readConfig, type ConfigValidator, type LoadedConfig, type PluginSection, type SchemaOwner } from './config.ts';
import type { AnyPluginDefinition, ConfigIssue, SettingsIssue } from './types.ts';

export interface SectionTarget {
  readonly name: string;
  readonly definition: AnyPluginDefinition;
}

export function schemaOwner(t: SectionTarget): SchemaOwner {
  const d = t.definition;
  // The plugin's own check runs wherever its schema does: at start, on a file edit, before a save is written.
  const check = d.checkConfig ? (settings: Record<string, unknown>) => (d.checkConfig as (c: Record<string, unknown>) => readonly SettingsIssue[])(settings) : undefined;
  return { name: t.name, schema: d.configSchema, env: d.env, check };
}

/** Whether the plugin should run: `plugins.<name>.enabled` (or an env binding of it), else its default. */
export function wantedOf(section: PluginSection, d: AnyPluginDefinition): boolean {
  return section.enabled ?? d.enabledByDefault ?? true;
}

/**
 * Reads the config file; an unreadable or unparsable one is undefined (the running config stays). `cacheDir`
 * as for readConfig: without it every hot reload parsed the whole YAML file (40-70 ms of a reload here).
 */
export function tryReadConfig(file: string, env: NodeJS.ProcessEnv | undefined, options: { cacheDir?: string } = {}): LoadedConfig | undefined {
  try {
    return readConfig(file, env, options);
  } catch (err) {
    if (err instanceof ConfigError) return undefined;
    throw err;
  }
}

/**
 * Validates every plugin's section. A schema ajv cannot compile is its author's bug: that plugin is listed
 * in `broken` (it cannot run), the rest go on.
 */
export function validateSections(validator: ConfigValidator, loaded: LoadedConfig, targets: Iterable<SectionTarget>) {
  const issues: ConfigIssue[] = [];
  const sections = new Map<string, PluginSection>();
  const broken = new Map<string, string>();
  for (const t of targets) {
    try {
      const { section, issues: found } = validator.validatePlugin(loaded, schemaOwner(t));
      issues.push(...found);
      sections.set(t.name, section);
    } catch (err) {
      broken.set(t.name, `its config schema is invalid: ${(err as Error).message}`);
    }
  }
  return { sections, issues, broken };
}

/** Sections of the file for plugins that are not installed (a typo, or a plugin removed). */
export function unknownSections(loaded: LoadedConfig, installed: (name: string) => boolean): string[] {
  return Object.keys(loaded.data.plugins).filter((name) => !installed(name));
}

/**
 * What saving `input` for a plugin means: the validated settings (what is left out keeps its current value,
 * as it does in the file) and the file edits, only for values that differ from the file, or from the
 * default when the file does not have them.
 */
export function settingsSave(validator: ConfigValidator, loaded: LoadedConfig | undefined, t: SectionTarget, current: Readonly<Record<string, unknown>>, input: Record<string, unknown>) {
  const { enabled: _ignored, ...rest } = input;
  const { settings, issues } = validator.validateSettings(undefined, schemaOwner(t), { ...current, ...rest });
  if (issues.length) return { ok: false as const, issues };
  const defaults = validator.defaults(t.definition.configSchema);
  const inFile = (loaded?.doc.getIn(['plugins', t.name]) ?? {}) as unknown;
  const fileSection = inFile && typeof inFile === 'object' ? ((loaded?.doc.toJS() as { plugins?: Record<string, unknown> } | undefined)?.plugins?.[t.name] ?? {}) as Record<string, unknown> : {};
  const edits: { path: string[]; value: unknown }[] = [];
  for (const [k, v] of Object.entries(rest)) {
    const present = Object.prototype.hasOwnProperty.call(fileSection, k);
    if (present ? !sameData(fileSection[k], v) : !sameData(defaults[k], v)) edits.push({ path: ['plugins', t.name, k], value: v });
  }
  return { ok: true as const, settings, edits };
}

export function sameData(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => a.localeCompare(b))) : val,
  );
}
