// Shared helpers for the core tests: plugins written at test time into temporary folders (plain .mjs,
// no imports: a temp folder has no node_modules), a probe they report to, and a bot started with no
// built-in plugins at all, so these tests exercise the core alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BOT_NODE_FLAGS, PROJECT_ROOT } from '../../core/bot.ts';
import type { Clock, LogEntry } from '../../core/types.ts';
import { startTestBot, type TestBot } from '../support/kit.ts';

/** What test plugins report to (as `globalThis.__probe`), and gates the test opens to let them go on. */
export class Probe {
  readonly events: string[] = [];
  private waiters: (() => boolean)[] = [];
  private readonly gates = new Map<string, { promise: Promise<void>; open: () => void }>();

  readonly push = (event: string): void => {
    this.events.push(event);
    this.waiters = this.waiters.filter((w) => !w());
  };

  readonly count = (event: string | RegExp): number => this.events.filter((e) => (typeof event === 'string' ? e === event : event.test(e))).length;

  /** Resolves once `event` has been pushed `times` times in all. */
  readonly waitFor = (event: string | RegExp, timeoutMs = 3000, times = 1): Promise<void> => {
    if (this.count(event) >= times) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for probe event ${String(event)} (x${times}); events: ${JSON.stringify(this.events.slice(-15))}`));
      }, timeoutMs);
      const check = () => {
        if (this.count(event) < times) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      this.waiters.push(check);
    });
  };

  /** A plugin awaits `gate(name)`; the test calls `open(name)`. */
  readonly gate = (name: string): Promise<void> => this.gateFor(name).promise;

  readonly open = (name: string): void => this.gateFor(name).open();

  private gateFor(name: string) {
    let g = this.gates.get(name);
    if (!g) {
      let open!: () => void;
      const promise = new Promise<void>((r) => (open = r));
      g = { promise, open };
      this.gates.set(name, g);
    }
    return g;
  }
}

/** Installs a fresh probe as `globalThis.__probe`. */
export function newProbe(): Probe {
  const probe = new Probe();
  (globalThis as { __probe?: Probe }).__probe = probe;
  return probe;
}

export interface PluginSpec {
  readonly name: string;
  readonly version?: string;
  readonly dependsOn?: readonly string[];
  readonly optionalDependsOn?: readonly string[];
  readonly configSchema?: object;
  readonly migrations?: string;
  readonly apiVersion?: number;
  readonly enabledByDefault?: boolean;
  /** Body of `async setup(ctx)`; `P` is the probe. */
  readonly setup: string;
}

/** Source of a plugin module: `export default { ..., async setup(ctx) { <body> } }`. */
export function pluginSource(spec: PluginSpec): string {
  const { setup, ...fields } = spec;
  const def = { version: '1.0.0', ...fields };
  return `const P = globalThis.__probe;\nexport default {\n  ...${JSON.stringify(def)},\n  async setup(ctx) {\n${setup}\n  },\n};\n`;
}

const cleanups: (() => Promise<void> | void)[] = [];

/**
 * Runs (last first) everything tests registered to undo; call it from `afterEach`. Everything runs; then the
 * first failure is thrown (e.g. a bot that left a handle open after stopping).
 */
export async function cleanup(): Promise<void> {
  const errors: unknown[] = [];
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn?.();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw errors[0];
}

export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

export function tempDir(prefix = 'bakebot-core-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A folder of plugins: each entry is a subfolder with `index.mjs` (or the file name given). */
export class PluginFolder {
  constructor(readonly root: string) {}

  dir(name: string): string {
    return path.join(this.root, name);
  }

  file(name: string, file = 'index.mjs'): string {
    return path.join(this.root, name, file);
  }

  write(name: string, source: string | PluginSpec, file = 'index.mjs'): string {
    const f = this.file(name, file);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, typeof source === 'string' ? source : pluginSource(source));
    return f;
  }

  /** Writes `NNN-name.sql` into the plugin's migrations folder. */
  migration(plugin: string, file: string, sql: string): string {
    const f = path.join(this.root, plugin, 'migrations', file);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, sql);
    return f;
  }
}

export function pluginFolder(...specs: PluginSpec[]): PluginFolder {
  const folder = new PluginFolder(tempDir('bakebot-plugins-'));
  for (const s of specs) folder.write(s.name, s);
  return folder;
}

export interface CoreConfig {
  bot?: Record<string, unknown>;
  plugins?: Record<string, unknown>;
}

export interface CoreBotOptions {
  readonly folder: PluginFolder;
  readonly config?: CoreConfig;
  readonly clock?: Clock;
  readonly env?: NodeJS.ProcessEnv;
  /** Reuse a bot folder (config and database) from an earlier start. */
  readonly dir?: string;
  /** The config file's text as is (instead of `config`). */
  readonly yaml?: string;
}

/** The YAML the core tests write: bot settings default to no watching and the test's plugin folder. */
export function coreConfig(folder: PluginFolder, config: CoreConfig = {}): { bot: Record<string, unknown>; plugins: Record<string, unknown> } {
  // No command cooldown or flood limit: the fake clock does not move unless a test moves it.
  return { bot: { watch: false, pluginPaths: [folder.root], commandCooldown: 0, rateLimitMessages: 1000, ...config.bot }, plugins: { ...config.plugins } };
}

/** A real bot (real SQLite file, host, local chat) with only the given plugin folder: no built-ins. */
export async function startCoreBot(options: CoreBotOptions): Promise<TestBot> {
  const dir = options.dir ?? tempDir('bakebot-bot-');
  const config = coreConfig(options.folder, options.config);
  const t = await startTestBot({
    dir,
    builtins: false,
    yaml: options.yaml,
    keepConfig: !!options.dir && !options.config,
    pluginPaths: config.bot.pluginPaths as string[],
    config,
    clock: options.clock,
    env: options.env,
  });
  // The folder is a tempDir, removed by its own cleanup (after this one).
  onCleanup(() => t.stop({ keepDir: true }));
  return t;
}

/** Rewrites the running bot's config file with the core tests' defaults filled in. */
export function rewriteConfig(t: TestBot, folder: PluginFolder, config: CoreConfig): void {
  t.writeConfig(coreConfig(folder, config));
}

export function logLines(t: TestBot, level?: LogEntry['level']): string[] {
  return t.bot.logs
    .recent()
    .filter((e) => !level || e.level === level)
    .map((e) => `[${e.source}] ${e.msg}`);
}

/** Resolves once `times` log entries in all (already logged or coming) have matched `[source] msg`. */
export function waitForLog(t: TestBot, pattern: RegExp, timeoutMs = 3000, times = 1): Promise<void> {
  let seen = logLines(t).filter((l) => pattern.test(l)).length;
  if (seen >= times) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for a log line matching ${String(pattern)} (x${times}); last lines:\n${logLines(t).slice(-10).join('\n')}`));
    }, timeoutMs);
    const off = t.host.onLog((e) => {
      if (!pattern.test(`[${e.source}] ${e.msg}`) || ++seen < times) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

export { eventually } from '../support/eventually.ts';

export interface Spawned {
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr so far (the log goes there). */
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stderr matches. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** `npm start` as a child process: `node <flags> core/start.mjs` with the given config and data folder. */
export function spawnMain(configFile: string, dataDir: string, extraEnv: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [...BOT_NODE_FLAGS, 'core/start.mjs'], {
    cwd: PROJECT_ROOT,
    // A clean environment: no TWITCH_TOKEN from the developer's shell (an empty one also beats a .env file).
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), BAKEBOT_CONFIG: configFile, BAKEBOT_DATA_DIR: dataDir, TWITCH_TOKEN: '', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const listeners = new Set<() => void>();
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    for (const l of listeners) l();
  });
  child.stdout?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    stderr: () => err,
    exited,
    waitForStderr(pattern, timeoutMs = 15000) {
      if (pattern.test(err)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${String(pattern)} on stderr:\n${err}`));
        }, timeoutMs);
        const check = () => {
          if (!pattern.test(err)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            clearTimeout(timer);
            listeners.delete(check);
            if (pattern.test(err)) resolve();
            else reject(new Error(`the process exited before ${String(pattern)} appeared on stderr:\n${err}`));
          }
        });
      });
    },
  };
}
