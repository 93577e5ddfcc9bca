// The bot as its own process against the fake Twitch: a heist is planned, a burst of viewers join it, and the
// process is SIGKILLed in the middle of the joins. Every join the bot acknowledged must hold its fee in
// escrow with an entry row, no escrow may be without one, the books must balance (`npm run economy:check`'s
// script), and the restarted bot must resume the heist and return every fee when it is stopped.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { stringify } from 'yaml';
import { PROJECT_ROOT } from '../../../core/bot.ts';
import { startFakeTwitch, type BotMessage, type FakeTwitch } from '../../../test/support/fake-twitch.ts';
import { builtinPlugins, settle } from '../../../test/support/kit.ts';

const CHANNEL = 'streamer';
const ROBBERS = 24;
const SEED = 1000;

function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      if (await cond()) return resolve();
      if (Date.now() > end) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(() => void tick(), 10);
    };
    void tick();
  });
}

describe('minigames: a crash in the middle of a heist', function () {
  this.timeout(120_000);
  let fake: FakeTwitch;
  let dir: string;
  let child: ChildProcess | undefined;
  let stderr = '';

  const env = () => ({
    ...process.env,
    BAKEBOT_CONFIG: path.join(dir, 'bakebot.yaml'),
    BAKEBOT_DATA_DIR: path.join(dir, 'data'),
    TWITCH_TOKEN: 'oauth:heisttoken',
    TWITCH_REFRESH_TOKEN: 'heistrefresh',
    TWITCH_CLIENT_ID: 'clientid',
    TWITCH_CHANNEL: CHANNEL,
    TWITCH_CHAT_URL: fake.url,
    TWURPLE_MOCK_API_PORT: String(fake.port),
    LOG_LEVEL: 'warn',
    LOGGING: 'rate-limiter=error',
  });

  function startBot(): ChildProcess {
    stderr = '';
    const p = spawn(process.execPath, ['--import', 'tsx', 'core/main.ts'], { cwd: PROJECT_ROOT, env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    return p;
  }

  const exited = (p: ChildProcess) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));
  const delivered = () => fake.botMessages.filter((m) => !m.dropped);
  const repliesTo = (id: string) => delivered().find((m) => m.tags['reply-parent-msg-id'] === id);

  async function ask(login: string, text: string, roles: ('broadcaster' | 'moderator')[] = [], timeoutMs = 15000): Promise<BotMessage> {
    const id = fake.say(CHANNEL, { login, text, roles });
    await waitUntil(() => !!repliesTo(id), timeoutMs, `a reply to "${text}"; stderr: ${stderr}`);
    return repliesTo(id) as BotMessage;
  }

  async function checkBooks(): Promise<void> {
    const check = spawn(process.execPath, ['--import', 'tsx', 'plugins/economy/check.ts'], { cwd: PROJECT_ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    check.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    check.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => check.on('exit', resolve));
    expect(out).to.match(/^OK: \d+ accounts and \d+ ledger rows/m);
    expect(code).to.equal(0);
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bakebot-heist-crash-'));
    mkdirSync(path.join(dir, 'data'));
    const plugins: Record<string, unknown> = {};
    for (const name of builtinPlugins()) plugins[name] = { enabled: name === 'economy' || name === 'minigames' };
    plugins.minigames = { enabled: true, heist: { joinSeconds: 600, minEntry: 1, maxEntry: 500 } };
    writeFileSync(
      path.join(dir, 'bakebot.yaml'),
      stringify({ bot: { watch: false, commandCooldown: 0, rateLimitMessages: 10000, channels: [CHANNEL] }, plugins }),
    );
    fake = await startFakeTwitch({ limits: { perWindowMod: 100_000 } });
    fake.acceptToken('heisttoken', { login: 'bakebot', userId: '1000', refreshToken: 'heistrefresh', scopes: ['chat:read', 'chat:edit'] });
    fake.setMod(CHANNEL, 'bakebot', true);
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no fee: every acknowledged join is held, the books balance, and a stop after the restart returns everything', async () => {
    child = startBot();
    await fake.waitForJoin(CHANNEL, 20000).catch((err: Error) => {
      throw new Error(`${err.message}; the bot said: ${stderr}`);
    });
    await ask('streamer', '!balance', ['broadcaster']);
    const robbers = Array.from({ length: ROBBERS }, (_, i) => `robber${i}`);
    for (const login of robbers) fake.say(CHANNEL, { login, text: 'hi!' });
    const dbFile = path.join(dir, 'data', 'bakebot.sqlite3');
    const live = await open({ filename: dbFile, driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
    try {
      await waitUntil(async () => ((await live.get<{ n: number }>("SELECT count(*) AS n FROM users WHERE login LIKE 'robber%'"))?.n ?? 0) >= ROBBERS, 10000, 'the viewers to be recorded');
    } finally {
      await live.close();
    }
    for (const r of robbers) await ask('streamer', `!addtokens @${r} ${SEED}`, ['broadcaster']);

    fake.say(CHANNEL, { login: 'robber0', text: '!heist 100' });
    await waitUntil(() => delivered().some((m) => /is planning a bakery heist/.test(m.text)), 10000, 'the heist to be planned');

    // The burst: everyone else joins at once; kill the bot as soon as a few joins are acknowledged.
    const joins = new Map<string, { login: string; fee: number }>();
    for (let i = 1; i < ROBBERS; i++) joins.set(fake.say(CHANNEL, { login: robbers[i]!, text: `!heist ${10 + i}` }), { login: robbers[i]!, fee: 10 + i });
    const acked = () => delivered().filter((m) => joins.has(m.tags['reply-parent-msg-id'] ?? '') && /^you're in the crew/.test(m.text));
    await waitUntil(() => acked().length >= 5, 20000, `join acknowledgements; stderr: ${stderr}`);
    child.kill('SIGKILL');
    await exited(child);
    expect(child.signalCode).to.equal('SIGKILL');
    const acknowledged = acked().map((m) => joins.get(m.tags['reply-parent-msg-id'] as string)!);

    await checkBooks();
    const db = await open({ filename: dbFile, driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
    try {
      const entries = await db.all<{ login: string; amount: number; escrow_id: number }[]>('SELECT login, amount, escrow_id FROM minigames_entries');
      const byLogin = new Map(entries.map((e) => [e.login, e]));
      for (const j of [{ login: 'robber0', fee: 100 }, ...acknowledged]) expect(byLogin.get(j.login)?.amount, `${j.login}'s acknowledged fee`).to.equal(j.fee);
      // Every open escrow of the game is an entry, and the reverse: no fee held without the game knowing it.
      const held = await db.all<{ id: number; amount: number }[]>("SELECT id, amount FROM economy_escrow WHERE state = 'held' AND source = 'minigames' ORDER BY id");
      expect(held.map((h) => [h.id, h.amount])).to.deep.equal(entries.map((e) => [e.escrow_id, e.amount]).sort((a, b) => a[0]! - b[0]!));
      const totals = await db.get<{ tokens: number; held: number }>('SELECT sum(tokens) AS tokens, sum(held) AS held FROM economy_accounts');
      expect(totals!.tokens + totals!.held).to.equal(SEED * ROBBERS);
    } finally {
      await db.close();
    }

    // The restarted bot resumes the heist (its window is still open); stopping it returns every fee.
    child = startBot();
    await fake.waitForJoin(CHANNEL, { count: 2, timeoutMs: 20000 });
    await waitUntil(() => delivered().some((m) => /still recruiting/.test(m.text)), 45000, `the heist to resume; stderr: ${stderr}`);
    fake.say(CHANNEL, { login: 'streamer', text: '!stopgame', roles: ['broadcaster'] });
    await waitUntil(() => delivered().some((m) => /^Bakery heist was stopped by streamer\. Every entry fee is returned\.$/.test(m.text)), 45000, `the stop; stderr: ${stderr}`);
    child.kill('SIGTERM');
    await exited(child);
    await checkBooks();
    const after = await open({ filename: dbFile, driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
    try {
      const accounts = await after.all<{ tokens: number; held: number }[]>("SELECT a.tokens, a.held FROM economy_accounts a JOIN users u ON u.id = a.user_id WHERE u.login LIKE 'robber%'");
      expect(accounts).to.have.length(ROBBERS);
      for (const a of accounts) expect(a).to.deep.equal({ tokens: SEED, held: 0 });
    } finally {
      await after.close();
    }
    await settle(10);
  });
});
