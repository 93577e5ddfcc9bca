// The bot as its own process against the fake Twitch: seed balances, fire a burst of !give, SIGKILL the
// process in the middle of it. Every gift the bot acknowledged in chat must be in the ledger, the books
// must balance (checked with `npm run economy:check`'s script), and the restarted bot must carry on.
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
import { builtinPlugins, eventually } from '../../../test/support/kit.ts';

const CHANNEL = 'streamer';
const GIVERS = 6;
const RECEIVERS = 4;
const SEED = 1000;
const GIFTS = 300;

function waitUntil(cond: () => boolean, timeout: number, what: string): Promise<true> {
  return eventually(cond, { timeout, what, interval: 5 });
}

describe('economy: a crash in the middle of a burst of gifts', function () {
  this.timeout(120_000);
  let fake: FakeTwitch;
  let dir: string;
  let child: ChildProcess | undefined;
  let stderr = '';

  const env = () => ({
    ...process.env,
    BAKEBOT_CONFIG: path.join(dir, 'bakebot.yaml'),
    BAKEBOT_DATA_DIR: path.join(dir, 'data'),
    TWITCH_TOKEN: 'oauth:crashtoken',
    TWITCH_REFRESH_TOKEN: 'crashrefresh',
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

  /** A viewer's command, and the bot's threaded answer. */
  async function ask(login: string, text: string, roles: ('broadcaster' | 'moderator')[] = [], timeoutMs = 15000): Promise<BotMessage> {
    const id = fake.say(CHANNEL, { login, text, roles });
    await waitUntil(() => !!repliesTo(id), timeoutMs, `a reply to "${text}"; stderr: ${stderr}`);
    return repliesTo(id) as BotMessage;
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bakebot-crash-'));
    mkdirSync(path.join(dir, 'data'));
    const plugins: Record<string, unknown> = {};
    for (const name of builtinPlugins()) plugins[name] = { enabled: name === 'economy' };
    writeFileSync(
      path.join(dir, 'bakebot.yaml'),
      // unsentReplyMaxAge 0: the confirmations the kill kept from being sent (up to a few hundred) would go out
      // first at Twitch's pace, ahead of the answers below; sending them is test/faults/crash-after-commit's subject.
      stringify({ bot: { watch: false, commandCooldown: 0, rateLimitMessages: 10000, channels: [CHANNEL], unsentReplyMaxAge: 0 }, plugins }),
    );
    // Not a test of Twitch's send limit (test/chat/twitch.test.ts has that, across a restart too): with the real
    // limit, answering 300 gifts would take a minute and a half.
    fake = await startFakeTwitch({ limits: { perWindowMod: 100_000 } });
    fake.acceptToken('crashtoken', { login: 'bakebot', userId: '1000', refreshToken: 'crashrefresh', scopes: ['chat:read', 'chat:edit'] });
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

  it('loses no acknowledged gift and keeps the books balanced', async () => {
    child = startBot();
    await fake.waitForJoin(CHANNEL, 20000).catch((err: Error) => {
      throw new Error(`${err.message}; the bot said: ${stderr}`);
    });
    // The first answer shows the bot is up and allowed to talk.
    await ask('streamer', '!balance', ['broadcaster']);

    const givers = Array.from({ length: GIVERS }, (_, i) => `giver${i}`);
    const receivers = Array.from({ length: RECEIVERS }, (_, i) => `taker${i}`);
    for (const login of [...givers, ...receivers]) fake.say(CHANNEL, { login, text: 'hello!' });
    // Core writes new chatters behind (every 250 ms); let that land so the restarted bot knows them too.
    const live = await open({ filename: path.join(dir, 'data', 'bakebot.sqlite3'), driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
    try {
      const recorded = async () => ((await live.get<{ n: number }>("SELECT count(*) AS n FROM users WHERE login LIKE 'giver%' OR login LIKE 'taker%'"))?.n ?? 0) >= GIVERS + RECEIVERS;
      await eventually(recorded, { timeout: 10_000, interval: 20, what: 'the bot to record the viewers' });
    } finally {
      await live.close();
    }
    for (const g of givers) {
      const r = await ask('streamer', `!addtokens @${g} ${SEED}`, ['broadcaster']);
      expect(r.text).to.equal(`Added ${SEED.toLocaleString('en-US')} tokens to ${g}. They have ${SEED.toLocaleString('en-US')} tokens now.`);
    }

    // The burst: every gift at once; kill the bot as soon as a few have been acknowledged.
    const gifts = new Map<string, { from: string; to: string; amount: number }>();
    for (let i = 0; i < GIFTS; i++) {
      const from = givers[i % GIVERS] as string;
      const to = receivers[i % RECEIVERS] as string;
      const amount = 1 + (i % 9);
      gifts.set(fake.say(CHANNEL, { login: from, text: `!give @${to} ${amount}` }), { from, to, amount });
    }
    const acked = () => delivered().filter((m) => gifts.has(m.tags['reply-parent-msg-id'] ?? ''));
    await waitUntil(() => acked().length >= 15, 20000, `gift acknowledgements; stderr: ${stderr}`);
    child.kill('SIGKILL');
    await exited(child);
    expect(child.signalCode).to.equal('SIGKILL');
    const acknowledged = acked();

    // The command-line check, on the database as the crash left it.
    const check = spawn(process.execPath, ['--import', 'tsx', 'plugins/economy/check.ts'], { cwd: PROJECT_ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    check.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    check.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => check.on('exit', resolve));
    expect(out).to.match(/^OK: \d+ accounts and \d+ ledger rows/m);
    expect(code).to.equal(0);

    // Every acknowledged gift is in the ledger, both sides, with the amount the bot announced.
    const db = await open({ filename: path.join(dir, 'data', 'bakebot.sqlite3'), driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
    let committed: number;
    try {
      for (const m of acknowledged) {
        const id = m.tags['reply-parent-msg-id'] as string;
        const gift = gifts.get(id) as { from: string; to: string; amount: number };
        expect(m.text).to.match(new RegExp(`^${gift.from} gave ${gift.amount} tokens? to ${gift.to}! You have [\\d,]+ tokens? left\\.$`));
        const rows = await db.all<{ delta: number; key: string }[]>('SELECT delta, key FROM economy_ledger WHERE key IN (?, ?) ORDER BY key', [`give:${id}`, `give:${id}#2`]);
        expect(rows.map((r) => r.delta), `gift ${id} acknowledged but not in the ledger`).to.deep.equal([-gift.amount, gift.amount]);
      }
      committed = (await db.get<{ n: number }>("SELECT count(*) AS n FROM economy_ledger WHERE kind = 'transfer' AND delta < 0"))?.n ?? 0;
      const totals = await db.get<{ tokens: number; ledger: number }>('SELECT (SELECT sum(tokens) FROM economy_accounts) AS tokens, (SELECT sum(delta) FROM economy_ledger) AS ledger');
      expect(totals).to.deep.equal({ tokens: SEED * GIVERS, ledger: SEED * GIVERS });
    } finally {
      await db.close();
    }
    expect(committed).to.be.at.least(acknowledged.length);
    if (process.env.SHOW_CRASH) process.stdout.write(`      ${acknowledged.length} acknowledged, ${committed} committed of ${GIFTS} sent before the kill\n`);

    // The restarted bot carries on from the same books.
    child = startBot();
    await fake.waitForJoin(CHANNEL, { count: 2, timeoutMs: 20000 });
    // The crashed run's sends still count in Twitch's 30 s window (data/chat-sends.json): if it got close to
    // the moderator limit (100) before the kill, as it can on a loaded machine, the restarted bot rightly waits
    // for room before it answers.
    const windowMs = 30_000;
    const r = await ask('giver0', '!balance', [], windowMs + 15000);
    expect(r.text).to.match(/^giver0, you have [\d,]+ tokens\.$/);
    const after = await ask('giver1', '!give @taker0 1', [], windowMs + 15000);
    expect(after.text).to.match(/^giver1 gave 1 token to taker0!/);
    child.kill('SIGTERM');
    await exited(child);
  });
});
