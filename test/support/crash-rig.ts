// The bot as its own process against the fake Twitch, for the tests that SIGKILL it: one place that writes
// the config, starts and kills `core/main.ts`, runs `npm run economy:check`'s script on the database the
// kill left, and reads that database as one consistent snapshot (two separate SELECTs could straddle one
// of the bot's commits and see a fight both running and paid).
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open, type Database } from 'sqlite';
import sqlite3 from 'sqlite3';
import { stringify } from 'yaml';
import { BOT_NODE_FLAGS, PROJECT_ROOT } from '../../core/bot.ts';
import { eventually } from './eventually.ts';
import { startFakeTwitch, type BotMessage, type FakeTwitch, type ViewerRole } from './fake-twitch.ts';
import { builtinPlugins } from './kit.ts';

export interface CrashRigOptions {
  /** Names the temporary folder. */
  readonly name: string;
  /** Settings of the built-in plugins to enable (`{}` for the defaults); every other built-in is disabled. */
  readonly plugins: Record<string, Record<string, unknown>>;
  /** The `bot:` section, over a fast test default (no watcher, no cooldowns, the rig's channel). */
  readonly bot?: Record<string, unknown>;
  /** Extra plugin folders: folder name → files (name → text); they are added to `bot.pluginPaths`. */
  readonly extraPlugins?: Record<string, Record<string, string>>;
}

export const CRASH_CHANNEL = 'streamer';

export class CrashRig {
  child: ChildProcess | undefined;
  private err = '';

  private constructor(
    readonly fake: FakeTwitch,
    readonly dir: string,
  ) {}

  static async create(o: CrashRigOptions): Promise<CrashRig> {
    const dir = mkdtempSync(path.join(os.tmpdir(), `bakebot-${o.name}-`));
    mkdirSync(path.join(dir, 'data'));
    const plugins: Record<string, unknown> = {};
    for (const name of builtinPlugins()) plugins[name] = { enabled: false };
    for (const [name, settings] of Object.entries(o.plugins)) plugins[name] = { ...settings, enabled: true };
    const pluginPaths: string[] = [];
    for (const [name, files] of Object.entries(o.extraPlugins ?? {})) {
      const folder = path.join(dir, 'plugins', name);
      mkdirSync(folder, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(path.join(folder, file), text);
      plugins[name] = { enabled: true };
      if (!pluginPaths.length) pluginPaths.push(path.join(dir, 'plugins'));
    }
    const bot = { watch: false, commandCooldown: 0, rateLimitMessages: 10000, channels: [CRASH_CHANNEL], ...(pluginPaths.length ? { pluginPaths } : {}), ...o.bot };
    writeFileSync(path.join(dir, 'bakebot.yaml'), stringify({ bot, plugins }));
    // Not a test of Twitch's send limit (test/chat/twitch.test.ts has that): with the real one, answering a
    // burst would take minutes.
    const fake = await startFakeTwitch({ limits: { perWindowMod: 100_000 } });
    fake.acceptToken('crashtoken', { login: 'bakebot', userId: '1000', refreshToken: 'crashrefresh', scopes: ['chat:read', 'chat:edit'] });
    fake.setMod(CRASH_CHANNEL, 'bakebot', true);
    return new CrashRig(fake, dir);
  }

  get dbFile(): string {
    return path.join(this.dir, 'data', 'bakebot.sqlite3');
  }

  /** What the running (or last) bot process wrote to stderr. */
  get stderr(): string {
    return this.err;
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      BAKEBOT_CONFIG: path.join(this.dir, 'bakebot.yaml'),
      BAKEBOT_DATA_DIR: path.join(this.dir, 'data'),
      TWITCH_TOKEN: 'oauth:crashtoken',
      TWITCH_REFRESH_TOKEN: 'crashrefresh',
      TWITCH_CLIENT_ID: 'clientid',
      TWITCH_CHANNEL: CRASH_CHANNEL,
      TWITCH_CHAT_URL: this.fake.url,
      TWURPLE_MOCK_API_PORT: String(this.fake.port),
      LOG_LEVEL: 'warn',
      LOGGING: 'rate-limiter=error',
      ...extra,
    };
  }

  /** Starts the bot and waits for its join of the channel (the count-th join over the rig's life). */
  async start(extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
    this.err = '';
    const joinsBefore = this.fake.joins.filter((j) => j.channel === CRASH_CHANNEL).length;
    // As `npm start` runs it (core compiled ahead).
    const p = spawn(process.execPath, [...BOT_NODE_FLAGS, 'core/start.mjs'], { cwd: PROJECT_ROOT, env: this.env(extraEnv), stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', (d: Buffer) => (this.err += d.toString()));
    this.child = p;
    await this.fake.waitForJoin(CRASH_CHANNEL, { count: joinsBefore + 1, timeoutMs: 40_000 }).catch((err: Error) => {
      throw new Error(`${err.message}; exit ${String(p.exitCode)} ${String(p.signalCode)}; the bot said: ${this.err}`);
    });
    return p;
  }

  /** Kills the bot and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const p = this.child;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill(signal);
    await gone;
    if (signal === 'SIGKILL') expect(p.signalCode).to.equal('SIGKILL');
  }

  delivered(): BotMessage[] {
    return this.fake.botMessages.filter((m) => !m.dropped);
  }

  repliesTo(id: string): BotMessage | undefined {
    return this.delivered().find((m) => m.tags['reply-parent-msg-id'] === id);
  }

  /** Waits for a condition of the test, naming it and the bot's stderr when it does not come. */
  async waitFor<T>(check: () => T | Promise<T>, timeout: number, what: string | (() => string)): Promise<Exclude<T, false | undefined | null>> {
    try {
      return await eventually(check, { timeout, what: typeof what === 'string' ? what : 'the condition' });
    } catch (err) {
      const said = typeof what === 'string' ? '' : ` (${what()})`;
      throw new Error(`${(err as Error).message}${said}; the bot said: ${this.err || '(nothing)'}`, { cause: err });
    }
  }

  /** A viewer's chat line, and the bot's threaded answer to it. */
  async ask(login: string, text: string, roles: ViewerRole[] = [], timeout = 15_000): Promise<BotMessage> {
    const id = this.fake.say(CRASH_CHANNEL, { login, text, roles });
    return this.waitFor(() => this.repliesTo(id), timeout, `a reply to ${login}'s "${text}"`);
  }

  /** Says hello as each viewer and waits until the bot has written them down (it batches new chatters). */
  async introduce(logins: readonly string[]): Promise<void> {
    for (const login of logins) this.fake.say(CRASH_CHANNEL, { login, text: 'hello!' });
    const list = logins.map(() => '?').join(',');
    await this.waitFor(async () => (await this.read((db) => db.get<{ n: number }>(`SELECT count(*) AS n FROM users WHERE login IN (${list})`, [...logins])))?.n === logins.length, 15_000, 'the viewers to be recorded');
  }

  /** Runs the queries on the database read-only inside one read transaction: a snapshot between commits. */
  async read<T>(fn: (db: Database) => Promise<T>): Promise<T> {
    const db = await open({ filename: this.dbFile, driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
    try {
      await db.exec('BEGIN');
      try {
        return await fn(db);
      } finally {
        await db.exec('COMMIT');
      }
    } finally {
      await db.close();
    }
  }

  /** `npm run economy:check`'s script on the database as it is; fails the test unless it is clean. */
  async expectBooksBalanced(): Promise<void> {
    const check = spawn(process.execPath, ['--import', 'tsx', 'plugins/economy/check.ts'], { cwd: PROJECT_ROOT, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    check.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    check.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => check.on('exit', resolve));
    expect(out).to.match(/^OK: \d+ accounts and \d+ ledger rows/m);
    expect(code, out).to.equal(0);
  }

  async close(): Promise<void> {
    await this.kill('SIGKILL');
    await this.fake.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
