// Pieces the benchmarks share: the bot as its own process against the fake Twitch chat server, a bare
// twurple client for comparison, polling the database from outside, and statistics.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { open, type Database } from 'sqlite';
import sqlite3 from 'sqlite3';
import { stringify } from 'yaml';
import { BOT_NODE_FLAGS, PROJECT_ROOT } from '../core/bot.ts';
import { startFakeTwitch, type FakeTwitch } from '../test/support/fake-twitch.ts';

export const CHANNEL = 'benchchannel';
export const BOT_TOKEN = 'benchtoken';
export const API_TOKEN = 'bench-api-token';

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i] as number;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 5): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface BenchWorld {
  readonly dir: string;
  readonly dataDir: string;
  readonly configFile: string;
  readonly fake: FakeTwitch;
  readonly webPort: number;
}

/** A temporary folder with a config that enables every built-in plugin, and a fake Twitch. */
export async function makeWorld(): Promise<BenchWorld> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bakebot-bench-'));
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const fake = await startFakeTwitch({ limits: {} });
  fake.acceptToken(BOT_TOKEN, { login: 'bakebot', userId: '1', expiresIn: 86_400 });
  fake.setMod(CHANNEL, 'bakebot', true);
  const webPort = await freePort();
  const configFile = path.join(dir, 'bakebot.yaml');
  const example = readFileSync(path.join(PROJECT_ROOT, 'config', 'bakebot.example.yaml'), 'utf8');
  // Start from the example (every built-in enabled as shipped), with the chat log on and the web on a free port.
  writeFileSync(configFile, example);
  const extra = { chatlog: { enabled: true, retentionDays: 30 }, dashboard: { enabled: true, port: webPort } };
  const { parse } = await import('yaml');
  const doc = parse(example) as { bot?: Record<string, unknown>; plugins?: Record<string, unknown> };
  const plugins = { ...(doc.plugins ?? {}) };
  for (const [k, v] of Object.entries(extra)) plugins[k] = { ...((plugins[k] as object | null) ?? {}), ...v };
  // unsentReplyMaxAge 0: the gifts' confirmations a stopped round left unsent (thousands, at Twitch's 100 per
  // 30 s) would otherwise go out first at every later start and fill the send window of every later section.
  writeFileSync(configFile, stringify({ bot: { ...doc.bot, channels: [CHANNEL], unsentReplyMaxAge: 0 }, plugins }));
  return { dir, dataDir, configFile, fake, webPort };
}

export interface BotProcess {
  readonly child: ChildProcess;
  readonly startMs: number;
  /** The steps of the start from the bot's ready line (`boot 80, open database 5, …`). */
  readonly startSteps: string;
  output(): string;
  /** A place in the output, for since(). */
  mark(): number;
  /** What the bot wrote after the mark. */
  since(mark: number): string;
  /** Resident memory in MB, from /proc. */
  rssMb(): number;
  stop(): Promise<void>;
}

/**
 * Node flags for a process the benchmark starts. BENCH_PROFILE=<dir> writes a CPU profile of each bot and
 * baseline process there (named after it), to see where time goes; BENCH_NODE_ARGS adds flags to the bot's.
 */
function nodeArgs(name: string): string[] {
  const dir = process.env.BENCH_PROFILE;
  // A folder per process: its loader thread (tsx) writes a profile too; the main thread's is `*.0.001.cpuprofile`.
  const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, `${name}-${Date.now()}`)}`] : [];
  const extra = name === 'bot' && process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  return [...profile, ...extra];
}

/**
 * Writes every dirty page to disk (sync(1)). The kernel writes dirty pages back 30 s after they were written:
 * without this, the pages of a seeding or of an earlier round were written back in the middle of a later
 * measurement, and took the machine's two cores and its disk with them (the first !top samples after seeding
 * a million accounts took 10-40 ms, each in a different stage, the benchmark's own process included).
 */
export function settleDisk(): void {
  execFileSync('sync');
}

/**
 * Starts `npm start`'s entry point as its own process; resolves when it has joined the channel. `extraEnv`
 * adds or replaces variables (the EventSub figure points TWURPLE_MOCK_API_PORT at its fake).
 */
export async function startBot(world: BenchWorld, extraEnv: NodeJS.ProcessEnv = {}): Promise<BotProcess> {
  settleDisk();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    BAKEBOT_CONFIG: world.configFile,
    BAKEBOT_DATA_DIR: world.dataDir,
    TWITCH_TOKEN: `oauth:${BOT_TOKEN}`,
    TWITCH_CLIENT_ID: 'benchclient',
    TWITCH_CHANNEL: CHANNEL,
    TWITCH_CHAT_URL: world.fake.url,
    TWURPLE_MOCK_API_PORT: String(world.fake.port),
    DASHBOARD_PASSWORD: 'bench-password',
    BAKEBOT_API_TOKEN: API_TOKEN,
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const joinsBefore = world.fake.joins.length;
  const t0 = performance.now();
  // As `npm start` runs it: core compiled ahead (core/start.mjs builds it when a core file changed).
  const child = spawn(process.execPath, [...BOT_NODE_FLAGS, ...nodeArgs('bot'), path.join(PROJECT_ROOT, 'core', 'start.mjs')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // The last 200 KB, and how much came in all (a mark taken before an action finds what followed it even after
  // thousands of lines, such as the gifts' given-up confirmations, pushed the start out of the buffer).
  let out = '';
  let total = 0;
  const take = (d: Buffer) => {
    const text = d.toString();
    total += text.length;
    out = (out + text).slice(-200_000);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  let readyAt = 0;
  await waitUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`the bot exited (${child.exitCode}):\n${out}`);
      if (!readyAt && /ready:/.test(out)) readyAt = performance.now();
      return readyAt > 0 && world.fake.joins.length > joinsBefore;
    },
    60_000,
    'the bot to start and join',
  );
  // USERSTATE (the bot is a moderator) follows the JOIN.
  await sleep(100);
  return {
    child,
    startMs: readyAt - t0,
    startSteps: /ready:.*steps="([^"]*)"/.exec(out)?.[1] ?? '',
    output: () => out,
    mark: () => total,
    since: (mark: number) => out.slice(Math.max(0, mark - (total - out.length))),
    rssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return kb / 1024;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** A read-only look at the bot's database from the benchmark process. */
export async function openDb(world: BenchWorld): Promise<Database> {
  const db = await open({ filename: path.join(world.dataDir, 'bakebot.sqlite3'), driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
  await db.exec('PRAGMA busy_timeout=5000');
  return db;
}

export async function count(db: Database, sql: string): Promise<number> {
  return (await db.get<{ n: number }>(sql))?.n ?? 0;
}

export interface Progress {
  /** The latest count. */
  readonly count: () => number;
  /** Steady-state rate per second: the slope across 10 % to 90 % of `total`, timed by the reporter. */
  readonly rate: (total: number, timeoutMs: number) => Promise<number>;
  /**
   * End-to-end rate per second: `total` over the time from `since` (epoch ms, when the work was sent) until the
   * reporter saw all of it, so a slow start or a slow finish counts.
   */
  readonly rateSince: (since: number, total: number, timeoutMs: number) => Promise<number>;
  readonly stop: () => void;
  /** The reporter's process (the bare client's, for its CPU time). */
  readonly pid: number;
}

/**
 * Runs bench/progress.ts: counting happens, and is timed, in its own process, so the benchmark's own
 * event loop (busy sending) cannot distort the figures.
 */
export async function progress(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Progress> {
  const child = spawn(process.execPath, [...nodeArgs(`progress-${args[0]}`), '--import', 'tsx', path.join(PROJECT_ROOT, 'bench', 'progress.ts'), ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const samples: { n: number; t: number }[] = [];
  let joined = false;
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      if (l === 'joined') joined = true;
      else if (l) {
        const [n, t] = l.split(' ').map(Number);
        samples.push({ n: n ?? 0, t: t ?? 0 });
      }
    }
  });
  await waitUntil(() => joined && samples.length > 0, 30_000, 'the progress reporter');
  const base = samples[samples.length - 1]?.n ?? 0;
  return {
    count: () => (samples[samples.length - 1]?.n ?? base) - base,
    rate: async (total, timeoutMs) => {
      const lo = base + total * 0.1;
      const hi = base + total * 0.9;
      await waitUntil(() => (samples[samples.length - 1]?.n ?? 0) >= hi, timeoutMs, `${total} to be processed`, 20);
      // From the last sample below 10 % to the first at or above 90 %: a batch may commit 10 % to 90 % at once.
      const end = samples.findIndex((x) => x.n >= hi);
      let start = -1;
      for (let i = 0; i < end; i++) if ((samples[i]?.n ?? 0) < lo) start = i;
      const a = samples[Math.max(0, start)];
      const b = samples[end];
      if (!a || !b || b.t <= a.t) return NaN;
      return ((b.n - a.n) / (b.t - a.t)) * 1000;
    },
    rateSince: async (since, total, timeoutMs) => {
      await waitUntil(() => (samples[samples.length - 1]?.n ?? 0) >= base + total, timeoutMs, `${total} to be processed`, 20);
      const done = samples.find((x) => x.n >= base + total);
      return done && done.t > since ? (total / (done.t - since)) * 1000 : NaN;
    },
    stop: () => child.kill('SIGTERM'),
    pid: child.pid ?? 0,
  };
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc. */
export function cpuMs(pid: number): number {
  // Fields after the command name (which may hold spaces, inside parentheses): utime is the 14th, stime the 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
}

/**
 * `--contended`: a process that keeps one core busy (as OBS encoding beside the bot does), for the whole run:
 * every round of the bot and of its baseline then shares the machine with it.
 */
export function cpuHog(): { stop: () => void } {
  // It ends itself once the benchmark is gone (its parent changes), so a run stopped with Ctrl-C or a kill
  // does not leave a core busy; the check costs nothing next to the loop.
  const loop = `const parent = process.ppid; for (let i = 0; ; i++) if ((i & 0xfffff) === 0 && process.ppid !== parent) process.exit();`;
  const child = spawn(process.execPath, ['-e', loop], { stdio: 'ignore' });
  return { stop: () => child.kill('SIGKILL') };
}


/**
 * How often this host stops a process that only waits: a bare Node process with a 1 ms timer, run for `ms` before
 * any bot or baseline starts (`beside` says what else runs: nothing, or the hog), counts the times it fired
 * more than 2 ms late. Session 16 found such stalls every 5.12 s on this VM: the
 * kernel's DAMON reclaim thread (kdamond) takes a vCPU for about 4 ms each time it applies its scheme, and
 * whatever ran there waits. Round trips of a millisecond feel them; the p99s are read against this.
 */
export async function hostStalls(ms: number, beside: string): Promise<string> {
  const probe = `let last = process.hrtime.bigint(); const late = [];
    setInterval(() => { const now = process.hrtime.bigint(); const d = Number(now - last) / 1e6; if (d > 2) late.push(d); last = now; }, 1);
    setTimeout(() => { process.stdout.write(JSON.stringify(late)); process.exit(0); }, ${ms});`;
  const late = await new Promise<number[]>((resolve) => {
    execFile(process.execPath, ['-e', probe], { timeout: ms + 10_000 }, (err, out) => resolve(err ? [] : (JSON.parse(out || '[]') as number[])));
  });
  const worst = late.length ? Math.max(...late) : 0;
  let damon = '';
  try {
    const ctx = '/sys/kernel/mm/damon/admin/kdamonds/0';
    if (readFileSync(`${ctx}/state`, 'utf8').trim() === 'on') {
      const aggr = Number(readFileSync(`${ctx}/contexts/0/monitoring_attrs/intervals/aggr_us`, 'utf8')) / 1e6;
      damon = `; DAMON (kdamond) is on, aggregating every ${aggr} s`;
    }
  } catch {
    // no DAMON on this kernel, or not readable: nothing to say
  }
  return `host: a 1 ms timer (${beside}) for ${ms / 1000} s fired over 2 ms late ${late.length} times (worst ${worst.toFixed(1)} ms)${damon}`;
}

/** A bare twurple client that only counts messages, in its own process like the bot: the ingest baseline. */
export function bareClient(world: BenchWorld): Promise<Progress> {
  settleDisk();
  world.fake.acceptToken('baretoken', { login: 'barebot', userId: '2', expiresIn: 86_400 });
  return progress(['bare', String(world.fake.port), CHANNEL, 'baretoken'], { ...process.env, TWURPLE_MOCK_API_PORT: String(world.fake.port) });
}

/** A bare twurple client, a moderator like the bot, that answers every `!echo` at once: the round trips' baseline. */
export function echoClient(world: BenchWorld): Promise<Progress> {
  settleDisk();
  world.fake.acceptToken('echotoken', { login: 'echobot', userId: '3', expiresIn: 86_400 });
  world.fake.setMod(CHANNEL, 'echobot', true);
  return progress(['echo', String(world.fake.port), CHANNEL, 'echotoken'], { ...process.env, TWURPLE_MOCK_API_PORT: String(world.fake.port) });
}

/** Polls a count on the bot's database from its own process. */
export function dbProgress(world: BenchWorld, sql: string): Promise<Progress> {
  return progress(['db', path.join(world.dataDir, 'bakebot.sqlite3'), sql]);
}

/** Sends plain chat at `perSecond` until stopped; returns how many were sent. */
export function backgroundChat(fake: FakeTwitch, perSecond: number): { stop: () => number } {
  let sent = 0;
  const started = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    // What is due goes out as one frame, as Twitch sends a busy channel.
    fake.batch(() => {
      while (sent < due) {
        fake.say(CHANNEL, { login: `chatter${sent % 500}`, userId: `c${sent % 500}`, text: `just chatting, message number ${sent}`, forget: true });
        sent++;
      }
    });
  }, 5);
  return {
    stop: () => {
      clearInterval(timer);
      return sent;
    },
  };
}

/**
 * BENCH_TRACE=<file>: a line per timed round trip (`<viewer> <ms> <send time, CLOCK_MONOTONIC ns>`), written at
 * exit, to line slow samples up with a kernel scheduler trace taken with the same clock (ftrace's
 * `trace_clock` mono, with sched_switch and sched_waking): docs/benchmarks.md says how.
 */
const traced: string[] = [];
function traceRoundTrip(login: string, ms: number): void {
  if (!process.env.BENCH_TRACE) return;
  if (!traced.length) process.once('exit', () => writeFileSync(process.env.BENCH_TRACE ?? '', `${traced.join('\n')}\n`));
  traced.push(`${login} ${ms.toFixed(3)} ${process.hrtime.bigint() - BigInt(Math.round(ms * 1e6))}`);
}

/**
 * Sends `n` commands, `spacingMs` apart, each from the viewer `command(i)` names, and adds the round trip of
 * each threaded reply (server sends the command -> the reply arrives) to `into`.
 */
export async function timeReplies(fake: FakeTwitch, n: number, spacingMs: number, command: (i: number) => { login: string; text: string }, into: number[]): Promise<void> {
  const sentAt = new Map<string, { at: number; login: string }>();
  const off = fake.onBotSays((m) => {
    const id = m.tags['reply-parent-msg-id'];
    const sent = id && !m.dropped ? sentAt.get(id) : undefined;
    if (!sent) return;
    const ms = performance.now() - sent.at;
    into.push(ms);
    traceRoundTrip(sent.login, ms);
  });
  try {
    for (let i = 0; i < n; i++) {
      const { login, text } = command(i);
      // The clock is read before the send: read after, a pause of this process inside say() would be missing.
      const at = performance.now();
      sentAt.set(fake.say(CHANNEL, { login, userId: login, text }), { at, login });
      await sleep(spacingMs);
    }
    await sleep(300); // the last reply
  } finally {
    off();
  }
}
