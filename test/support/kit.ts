// The plugin test kit: a real bot (real SQLite file in a temporary folder, real plugin host) with the
// local chat transport, a fake clock, and helpers to talk to it as viewers. Built-in plugins' tests use
// it, and so can third-party plugin authors (`import { startTestBot } from 'bakebot/testkit'`).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { Bot, PROJECT_ROOT, type BotOptions } from '../../core/bot.ts';
import type { LocalInput, LocalOutput } from '../../core/chat.ts';
import type { ChatMessage, Clock, PluginServices, Role } from '../../core/types.ts';
import { eventually } from './eventually.ts';
import { leftoverResources, resourceCounts, resourceMark, resourceOrigins } from './resources.ts';

export { eventually, EventuallyTimeout, type EventuallyOptions } from './eventually.ts';
export { systemClock } from '../../core/limits.ts';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock that only moves when told; timers set through it fire as it passes their time. */
export class FakeClock implements Clock {
  private time: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(start: number | string | Date = '2026-01-15T12:00:00Z') {
    this.time = new Date(start).getTime();
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const t = { id: this.nextId++, at: this.time + Math.max(0, ms), fn };
    this.timers.push(t);
    return t.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Timers set and not yet fired or cleared (a stopped bot must leave none). */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward, firing due timers in order (and letting their promises settle). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.time = next.at;
      next.fn();
      await settle();
    }
    this.time = end;
    await settle();
  }

  /** Jumps to a moment (forward only), firing timers on the way. */
  async set(when: number | string | Date): Promise<void> {
    const t = new Date(when).getTime();
    if (t < this.time) throw new Error('the fake clock only moves forward');
    await this.advance(t - this.time);
  }
}

/**
 * Lets pending promise callbacks and I/O run (one turn of the event loop). With `ms`, a fixed sleep: only
 * for what is about wall-clock time itself; to wait for the bot, use `t.idle()` or `eventually`.
 */
export function settle(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface TestBotOptions {
  /** Built-in plugins to enable; every other built-in is disabled. */
  readonly plugins?: readonly string[];
  /** Settings per plugin (`plugins.<name>` in the YAML), and bot settings. */
  readonly config?: { readonly bot?: Record<string, unknown>; readonly plugins?: Record<string, unknown> };
  /** Extra folders with plugins (third-party plugins under test). */
  readonly pluginPaths?: readonly string[];
  readonly clock?: Clock;
  readonly env?: NodeJS.ProcessEnv;
  readonly chatLimits?: BotOptions['chatLimits'];
  /** Keep logs on stderr (default: silent, unless BAKEBOT_TEST_LOGS is set; they are still in bot.logs.recent()). */
  readonly showLogs?: boolean;
  /** Receives every line the bot writes to the terminal (including `log.terminalOnly` lines), instead of stderr. */
  readonly logWrite?: (line: string) => void;
  /** The bot's folder (config and database); reuse one to restart a bot on the same data. */
  readonly dir?: string;
  /** Without built-in plugins (core tests): only `pluginPaths` are loaded. */
  readonly builtins?: boolean;
  /**
   * The bot's project folder (default: BakeBot's own): relative `pluginPaths` and the packages of
   * `bot.pluginPackages` (its node_modules) are found from it.
   */
  readonly root?: string;
  /** The config file's text as is, instead of one generated from the options. */
  readonly yaml?: string;
  /** Keep the config file already in `dir` (a restart). */
  readonly keepConfig?: boolean;
}

export interface Viewer {
  readonly login: string;
  readonly roles?: readonly Role[];
  readonly displayName?: string;
  readonly userId?: string;
}

/** Bots started and not stopped yet: a bot's leftovers can only be told apart when it ran alone. */
const live = new Set<TestBot>();

export interface StopOptions {
  /** Keep the bot's folder (to start another bot on the same data). */
  readonly keepDir?: boolean;
  /**
   * Skip the check that the stopped bot left no handle, timer or socket open (for a test that itself keeps
   * something open across the stop, e.g. a connection it opened to the bot's web server).
   */
  readonly allowLeftovers?: boolean;
}

export interface IdleOptions {
  /** Fail after this many milliseconds of wall-clock time (default 5000). */
  readonly timeout?: number;
}

export class TestBot {
  readonly outputs: LocalOutput[] = [];
  private waiters: { check: (out: LocalOutput) => boolean }[] = [];
  /** Open handles by type before this bot started, and whether another bot was running then. */
  private readonly before: Map<string, number>;
  private readonly sharedStart: boolean;
  /** For BAKEBOT_TRACE_LEAKS: resources created after this were created while the bot ran. */
  private readonly mark = resourceMark();

  /** For a bot whose start failed: not running, so not one to wait for or check. */
  forget(): void {
    live.delete(this);
  }

  constructor(readonly bot: Bot, readonly dir: string, readonly clock: Clock, before = resourceCounts()) {
    this.before = before;
    this.sharedStart = live.size > 0;
    live.add(this);
    bot.local.onBotMessage((out) => {
      this.outputs.push(out);
      // Each waiter looks at the new message only: tests that send thousands stay linear.
      if (this.waiters.length) this.waiters = this.waiters.filter((w) => !w.check(out));
    });
  }

  get host() {
    return this.bot.host;
  }

  get configFile(): string {
    return this.bot.configFile;
  }

  get storage() {
    return this.bot.storage;
  }

  service<K extends keyof PluginServices>(name: K): PluginServices[K] {
    const s = this.bot.host.serviceOf(name as string);
    if (!s) throw new Error(`plugin ${String(name)} is not running`);
    return s as PluginServices[K];
  }

  /** A viewer says something; returns the message as plugins saw it. */
  say(viewer: Viewer | string, text: string, extra: Partial<LocalInput> = {}): ChatMessage {
    const v = typeof viewer === 'string' ? { login: viewer } : viewer;
    return this.bot.local.post({ ...v, ...extra, text });
  }

  /** Says something and waits for the bot's threaded reply to it. */
  async ask(viewer: Viewer | string, text: string, timeoutMs = 3000): Promise<string> {
    const m = this.say(viewer, text);
    const out = await this.waitFor((o) => o.replyTo === m.id, timeoutMs, `a reply to "${text}"`);
    return out.text;
  }

  /**
   * Says something, waits until the bot is idle, and returns every reply to it (`[]` when the bot stays
   * silent). `timeoutMs` bounds the wait for idle.
   */
  async repliesTo(viewer: Viewer | string, text: string, timeoutMs = 5000): Promise<string[]> {
    const m = this.say(viewer, text);
    await this.idle({ timeout: timeoutMs });
    return this.outputs.filter((o) => o.replyTo === m.id).map((o) => o.text);
  }

  /**
   * Resolves when the bot has nothing left to do for what it was told so far: every chat message and event
   * handled (commands and hooks finished), every reply through the outgoing hook and out of the outbox, and
   * every write-behind batch (core's and plugins') committed. It does not move a fake clock: what waits for
   * the bot's clock (a command awaiting a ctx.timers timer, a reply waiting for Twitch's window) keeps it from
   * being idle until the test advances the clock.
   */
  async idle(options: IdleOptions = {}): Promise<void> {
    const timeout = options.timeout ?? 5000;
    const chat = this.bot.chat;
    const storage = this.bot.storage;
    const work = (async () => {
      for (;;) {
        await chat.whenIdle();
        await storage.flushAll();
        // Whatever a commit set off (an afterCommit callback, a hook it fired) starts within a turn.
        await new Promise((r) => setImmediate(r));
        if (chat.isIdle) return;
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const waiting = chat.pendingOutgoing ? `; ${chat.pendingOutgoing} message(s) in the outbox (waiting for Twitch's window? advance the clock)` : '';
        reject(new Error(`t.idle() timed out after ${timeout} ms: the bot is still handling chat or sending${waiting}`));
      }, timeout);
    });
    try {
      await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  waitFor(pred: (o: LocalOutput) => boolean, timeoutMs = 3000, what = 'a bot message'): Promise<LocalOutput> {
    const found = this.outputs.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the bot said: ${JSON.stringify(this.outputs.slice(-5).map((o) => o.text))}`));
      }, timeoutMs);
      const waiter = {
        check: (o: LocalOutput) => {
          if (!pred(o)) return false;
          clearTimeout(timer);
          resolve(o);
          return true;
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Rewrites the config file (as a streamer would) — the running bot picks it up. */
  writeConfig(config: { bot?: Record<string, unknown>; plugins?: Record<string, unknown> }): void {
    writeFileSync(this.configFile, stringify(config));
  }

  /** Reloads a plugin from its source, as saving one of its files would; resolves once it runs again (or failed). */
  reload(name: string): ReturnType<Bot['host']['reload']> {
    return this.bot.host.reload(name);
  }

  /**
   * Stops the bot (and removes its folder). Fails when the bot left a handle, timer or socket open (or a
   * timer on its fake clock): checked when it ran alone, as the handles of other bots cannot be told apart.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    const wasLive = live.delete(this);
    await this.bot.stop();
    if (!options.keepDir) rmSync(this.dir, { recursive: true, force: true });
    if (!wasLive || options.allowLeftovers || this.sharedStart || live.size) return;
    const clockTimers = () => (this.clock instanceof FakeClock ? this.clock.pending : 0);
    let left: string[] = [];
    try {
      // Sockets and child threads close a few turns after close() returns.
      await eventually(() => (left = leftoverResources(this.before)).length === 0 && clockTimers() === 0, { timeout: 2000, what: 'the stopped bot to release its handles' });
    } catch {
      const timers = clockTimers();
      const what = [...left, ...(timers ? [`${timers} timer(s) on the fake clock`] : [])];
      // With BAKEBOT_TRACE_LEAKS=1, where the leftovers were created (async_hooks names timers "Timeout").
      const origins = resourceOrigins(left.map((l) => l.replace(/^\d+ x /, '')), this.mark);
      const where = origins.length ? `\n${origins.join('\n\n')}` : ' (set BAKEBOT_TRACE_LEAKS=1 to see where they were created)';
      throw new Error(`the bot left open after stop(): ${what.join(', ')}${where}`);
    }
  }
}

/** Names of the built-in plugins (their folder names). */
export function builtinPlugins(): string[] {
  const dir = path.join(PROJECT_ROOT, 'plugins');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name);
}

/** Starts a bot in a fresh temporary folder with the chosen plugins. Call `stop()` when done. */
export async function startTestBot(options: TestBotOptions = {}): Promise<TestBot> {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'bakebot-test-'));
  const builtins = options.builtins !== false;
  const configFile = path.join(dir, 'bakebot.yaml');
  if (options.yaml !== undefined) writeFileSync(configFile, options.yaml);
  else if (!options.keepConfig) {
    const wanted = new Set(options.plugins ?? []);
    const plugins: Record<string, unknown> = {};
    if (builtins) for (const name of builtinPlugins()) plugins[name] = { enabled: wanted.has(name) };
    for (const [name, value] of Object.entries(options.config?.plugins ?? {})) {
      plugins[name] = { ...(plugins[name] as object | undefined), ...(value as object) };
    }
    const config = {
      bot: { watch: false, pluginPaths: options.pluginPaths ?? [], ...options.config?.bot },
      plugins,
    };
    writeFileSync(configFile, stringify(config));
  }
  const clock = options.clock ?? new FakeClock();
  // Counted after a turn: mocha's timer for the running test or hook is set once it returned its promise,
  // and is then running at stop() too.
  await new Promise((r) => setImmediate(r));
  const before = resourceCounts();
  const bot = new Bot({
    root: options.root,
    configFile,
    dataDir: path.join(dir, 'data'),
    builtinDir: builtins ? path.join(PROJECT_ROOT, 'plugins') : path.join(dir, 'no-builtin-plugins'),
    env: { ...options.env },
    clock,
    chatLimits: options.chatLimits,
    logWrite: options.logWrite ?? (options.showLogs || process.env.BAKEBOT_TEST_LOGS ? undefined : () => undefined),
    twitch: !!options.env?.TWITCH_TOKEN,
  });
  // Listening from before the start: what the bot sends while starting (confirmations a crash kept) counts.
  const t = new TestBot(bot, dir, clock, before);
  try {
    await bot.start();
  } catch (err) {
    // A bot that never started is not running: left in the set, it would stop later bots' leftover checks.
    t.forget();
    throw err;
  }
  return t;
}
