// Finding plugins and importing them so they can be imported again. Node never frees or re-evaluates an
// ESM module, so each load bundles the plugin's own files with esbuild (packages stay external and are
// shared) into a fresh file and imports that: a reload runs the new code, and the old module is garbage.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { capabilityProblem } from './capabilities.ts';
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
}

export interface LoadedModule {
  readonly definition: AnyPluginDefinition;
  /** Absolute paths of the plugin's own source files (what a watcher should watch). */
  readonly files: readonly string[];
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

export async function loadModule(source: PluginSource, importPackage: (name: string) => Promise<unknown>): Promise<LoadedModule> {
  if (source.kind === 'package') {
    let mod: unknown;
    try {
      mod = await importPackage(source.entry);
    } catch (err) {
      throw new PluginLoadError(`cannot import package ${source.entry}: ${(err as Error).message}`);
    }
    return { definition: checkDefinition((mod as { default?: unknown }).default ?? mod, source.entry), files: [] };
  }
  let result;
  try {
    result = await build({
      entryPoints: [source.entry],
      bundle: true,
      packages: 'external',
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      metafile: true,
      sourcemap: 'inline',
      logLevel: 'silent',
      absWorkingDir: source.dir,
    });
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const detail = errors?.map((e) => (e.location ? `${e.location.file}:${e.location.line} ${e.text}` : e.text)).join('; ');
    throw new PluginLoadError(`cannot build ${path.relative(process.cwd(), source.entry)}: ${detail ?? (err as Error).message}`);
  }
  const code = result.outputFiles?.[0]?.text ?? '';
  const files = Object.keys(result.metafile?.inputs ?? {})
    .map((f) => path.resolve(source.dir, f))
    .filter((f) => !f.includes(`${path.sep}node_modules${path.sep}`));
  // The bundle lives beside the plugin so that its bare imports resolve exactly as the source's do.
  const outDir = path.join(source.dir, '.build');
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `${path.basename(source.dir)}-${process.pid}-${++generation}.mjs`);
  writeFileSync(out, code);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(out).href)) as { default?: unknown };
  } catch (err) {
    throw new PluginLoadError(`cannot load ${path.relative(process.cwd(), source.entry)}: ${(err as Error).message}`);
  } finally {
    // Once imported the module lives in memory; the file is not needed and must not pile up.
    rmSync(out, { force: true });
  }
  return { definition: checkDefinition(mod.default, source.entry), files };
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
  const api = d.apiVersion ?? HOST_API_VERSION;
  if (api !== HOST_API_VERSION) fail(`was written for plugin API ${String(api)}, this BakeBot offers ${HOST_API_VERSION}`);
  return value as AnyPluginDefinition;
}
