// A plugin's own files built into one CommonJS bundle with esbuild (packages stay external and are shared),
// kept in the plugin's `.build` folder with the size and time of every file it was built from: a start whose
// plugins did not change reads the bundles back instead of building them again (about 20-80 ms a plugin).
// The code and its source map are files of their own beside the record: a start reads the code only (the map,
// 40 % of the bytes, only when a stack from the plugin needs it), about 10 ms less for the built-in plugins.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import type { Metafile } from 'esbuild';

export interface Built {
  readonly code: string;
  /** Parsed when first asked for: only a stack from the plugin's code needs it. */
  readonly map: () => SourceMap;
  readonly metafile: Metafile;
}

export interface BundleSource {
  readonly dir: string;
  readonly entry: string;
}

export class BundleError extends Error {
  override name = 'BundleError';
}

/** What the build depends on besides the files: a change here makes every cached bundle stale. */
const FORMAT = 'cjs-node20-v3';

interface Cached {
  readonly key: string;
  readonly entry: string;
  /** file (relative to the plugin folder) → [size, mtimeMs] when it was built. */
  readonly inputs: Record<string, [number, number]>;
  readonly metafile: Metafile;
  /** Length of the code file's text: a record and code written by two different builds do not match. */
  readonly codeLength: number;
}

const EMPTY_MAP = '{"version":3,"sources":[],"mappings":""}';

export const IMPORT_META_URL = '__bakebot_import_meta_url';

export async function bundle(source: BundleSource, defines: Record<string, string>): Promise<Built> {
  const files = cacheFiles(source.dir);
  const key = `${FORMAT} ${JSON.stringify(defines)}`;
  const cached = readCache(files, source, key);
  if (cached) return built(cached.code, () => readMap(files.map), cached.metafile);
  const started = Date.now();
  const { code, map, metafile } = await build(source, defines);
  const inputs = stamps(source.dir, metafile);
  // A file saved during the build (or just before it, within the clock's and file system's slack) may be newer
  // than the code built from it: such a bundle is used but not kept.
  if (Object.values(inputs).every(([, mtime]) => mtime < started - 1000)) writeCache(files, { key, entry: source.entry, inputs, metafile, codeLength: code.length }, code, map);
  return built(code, () => JSON.parse(map) as SourceMapPayload, metafile);
}

function cacheFiles(dir: string): { record: string; code: string; map: string } {
  const build = path.join(dir, '.build');
  return { record: path.join(build, 'plugin-bundle.json'), code: path.join(build, 'plugin.cjs'), map: path.join(build, 'plugin.cjs.map') };
}

function built(code: string, payload: () => SourceMapPayload, metafile: Metafile): Built {
  let map: SourceMap | undefined;
  return { code, metafile, map: () => (map ??= new SourceMap(payload())) };
}

/** A map gone or damaged only costs the plugin's stacks their original places. */
function readMap(file: string): SourceMapPayload {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SourceMapPayload;
  } catch {
    return JSON.parse(EMPTY_MAP) as SourceMapPayload;
  }
}

async function build(source: BundleSource, defines: Record<string, string>): Promise<{ code: string; map: string; metafile: Metafile }> {
  // Loaded when a bundle must be built: a start with every bundle current does not need it.
  const esbuild = await import('esbuild');
  try {
    const result = await esbuild.build({
      entryPoints: [source.entry],
      bundle: true,
      packages: 'external',
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      write: false,
      metafile: true,
      sourcemap: 'external',
      // Only positions are mapped (a stack names the plugin's file, line and column): no copy of the sources to read back.
      sourcesContent: false,
      outfile: path.join(source.dir, '.build', 'plugin.cjs'),
      define: defines,
      logLevel: 'silent',
      absWorkingDir: source.dir,
    });
    const out = result.outputFiles ?? [];
    const code = out.find((f) => f.path.endsWith('.cjs'))?.text ?? '';
    const map = out.find((f) => f.path.endsWith('.map'))?.text ?? EMPTY_MAP;
    return { code, map, metafile: result.metafile };
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
    const detail = errors?.map((e) => (e.location ? `${path.resolve(source.dir, e.location.file)}:${e.location.line}:${e.location.column + 1} ${e.text}` : e.text)).join('; ');
    throw new BundleError(`cannot build ${path.relative(process.cwd(), source.entry)}: ${detail ?? (err as Error).message}`);
  }
}

function stamps(dir: string, metafile: Metafile): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const file of Object.keys(metafile.inputs)) {
    const s = statSync(path.resolve(dir, file), { throwIfNoEntry: false });
    if (s) out[file] = [s.size, s.mtimeMs];
  }
  return out;
}

function readCache(files: ReturnType<typeof cacheFiles>, source: BundleSource, key: string): (Cached & { code: string }) | undefined {
  let cached: Cached;
  let code: string;
  try {
    cached = JSON.parse(readFileSync(files.record, 'utf8')) as Cached;
    if (cached.key !== key || cached.entry !== source.entry || Object.keys(cached.inputs).length !== Object.keys(cached.metafile.inputs).length) return undefined;
    for (const [input, [size, mtime]] of Object.entries(cached.inputs)) {
      const s = statSync(path.resolve(source.dir, input), { throwIfNoEntry: false });
      if (!s || s.size !== size || s.mtimeMs !== mtime) return undefined;
    }
    code = readFileSync(files.code, 'utf8');
  } catch {
    return undefined;
  }
  return code.length === cached.codeLength ? { ...cached, code } : undefined;
}

/**
 * Each file written whole and renamed into place, the record last: a bot starting beside this one reads the
 * old files or the new ones, and a record beside code of another build is refused by its length.
 */
function writeCache(files: ReturnType<typeof cacheFiles>, cached: Cached, code: string, map: string): void {
  try {
    mkdirSync(path.dirname(files.record), { recursive: true });
    for (const [file, text] of [[files.code, code], [files.map, map], [files.record, JSON.stringify(cached)]] as const) {
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, file);
    }
  } catch {
    // A folder the bot may not write to (a package installed read-only): built again at each start.
  }
}
