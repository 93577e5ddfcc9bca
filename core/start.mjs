// `npm start`: runs core compiled ahead into one file (.build/main.mjs, with .build/twitch-connection.mjs for
// Twitch chat, loaded after the ready line), rebuilt here only when a file it was built from changed. Running
// core's TypeScript through tsx instead costs a loader thread (about 350 ms to start) and makes every import
// after it about 2.5 times slower; plugins never needed it (the loader bundles each with esbuild). Plain
// JavaScript, so it needs nothing compiled to run. Tests and the command-line tools still run the sources with
// tsx.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mapStacks } from './stack-map.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, '.build');
const stamp = path.join(out, 'core-inputs.json');
const entries = { main: 'core/main.ts', 'twitch-connection': 'core/twitch-connection.ts' };

/** The build is current when every file it was built from is unchanged (size and modification time). */
function current() {
  if (!existsSync(stamp) || Object.keys(entries).some((e) => !existsSync(path.join(out, `${e}.mjs`)))) return false;
  try {
    const inputs = JSON.parse(readFileSync(stamp, 'utf8'));
    if (!inputs['core/start.mjs']) return false; // built by an older version of this file
    return Object.entries(inputs).every(([file, [size, mtime]]) => {
      const s = statSync(path.join(root, file), { throwIfNoEntry: false });
      return s !== undefined && s.size === size && s.mtimeMs === mtime;
    });
  } catch {
    return false;
  }
}

// Packages built into core's files instead of imported at each start, with the packages they use: Node resolved,
// read and compiled their files one by one. sqlite3, sqlite and tapable took 35-45 ms of the main thread;
// Twitch's client (about 250 files) took 220 ms to load, against 46 ms built in. Only plain JavaScript belongs
// here; the rest (the dashboard's packages, esbuild, chokidar) stays a package of its own. A plugin importing
// sqlite or sqlite3 gets core's copy (CORE_PACKAGES in core/loader.ts).
const inBuild = new Set(['tapable', 'sqlite', 'sqlite3', '@twurple/chat', '@twurple/auth']);
/** Optional native helpers `ws` tries at run time (absent here): never built in. */
const neverInBuild = new Set(['bufferutil', 'utf-8-validate']);

/** The package a bare import names (`@scope/name/sub` → `@scope/name`). */
const packageOf = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/**
 * Bare imports from core stay external unless in `inBuild`; what a built-in package imports is built in too.
 * A native part (`.node`) stays a file of its own, required from the build's folder. sqlite3 finds its native
 * part through `bindings`, which tries a dozen places at run time: the place it finds now is written into the
 * build instead (sqlite3's own files are inputs of the build, so reinstalling it builds core again).
 */
const packagesPlugin = {
  name: 'bakebot-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const name = packageOf(args.path);
      if (isBuiltin(args.path) || neverInBuild.has(name)) return { path: args.path, external: true };
      // Relative to the bot's folder: a bot folder that itself sits inside a node_modules is still core.
      const fromPackage = path.relative(root, args.importer).split(path.sep).includes('node_modules');
      return fromPackage || inBuild.has(name) ? undefined : { path: args.path, external: true };
    });
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const relative = path.relative(out, path.resolve(args.resolveDir, args.path)).split(path.sep).join('/');
      return { path: relative.startsWith('.') ? relative : `./${relative}`, external: true };
    });
    b.onLoad({ filter: /[\\/]sqlite3[\\/]lib[\\/]sqlite3-binding\.js$/ }, (args) => {
      const sqlite3 = path.resolve(path.dirname(args.path), '..');
      const found = createRequire(path.join(sqlite3, 'package.json'))('bindings')({ bindings: 'node_sqlite3.node', module_root: sqlite3, path: true });
      return { contents: `module.exports = require(${JSON.stringify(found)});`, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

/** Written whole and renamed into place: a bot starting beside this one loads the old build or the new one. */
async function rebuild() {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: entries,
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    plugins: [packagesPlugin],
    // A built-in CommonJS package's `require` of Node's modules and of sqlite3's native part.
    banner: { js: "import { createRequire as __bakebotRequire } from 'node:module'; const require = __bakebotRequire(import.meta.url);" },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    // The map only places frames (core/stack-map.mjs reads it when a stack is made): the sources are on disk.
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'warning',
    absWorkingDir: root,
  });
  mkdirSync(out, { recursive: true });
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  const inputs = {};
  // This file too: a change to how core is built (the options above) builds it again.
  for (const file of [...Object.keys(result.metafile.inputs), 'core/start.mjs']) {
    const s = statSync(path.join(root, file));
    inputs[file] = [s.size, s.mtimeMs];
  }
  const tmp = `${stamp}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(inputs));
  renameSync(tmp, stamp);
}

if (!current()) await rebuild();
mapStacks(path.join(out, 'main.mjs'));
await import(pathToFileURL(path.join(out, 'main.mjs')).href);
