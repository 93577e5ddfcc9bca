// A SIGKILL right after a commit, the bot as its own process against the fake Twitch (a test plugin's
// outgoingMessage tap holds what follows the commit while BAKEBOT_TEST_HOLD is set):
// - a !daily's confirmation is stored with it: the restarted bot sends it, once;
// - a paid !buy whose effect never ran: the restarted shop runs it, and the order is fulfilled.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { stringify } from 'yaml';
import { PROJECT_ROOT } from '../../core/bot.ts';
import { startFakeTwitch, type FakeTwitch } from '../support/fake-twitch.ts';
import { builtinPlugins, settle } from '../support/kit.ts';

const CHANNEL = 'streamer';

// Holds daily bonus confirmations and cookie lines (the cookie's effect says one) forever while
// BAKEBOT_TEST_HOLD is set: the change has committed, what follows is on its way, and the process dies there.
const HOLDER = `export default {
  name: 'holdreplies', version: '1.0.0', description: 'test: holds confirmations',
  async setup(ctx) {
    ctx.hooks.outgoingMessage.tap(async (m) => {
      if (process.env.BAKEBOT_TEST_HOLD && /^(Daily bonus|🍪)/.test(m.text)) await new Promise(() => undefined);
      return m;
    });
  },
};
`;

describe('faults: a SIGKILL right after a commit', function () {
  this.timeout(60_000);
  let fake: FakeTwitch;
  let dir: string;
  let child: ChildProcess | undefined;
  let stderr = '';

  const exited = (p: ChildProcess) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));
  const dbFile = () => path.join(dir, 'data', 'bakebot.sqlite3');

  function startBot(hold: boolean): ChildProcess {
    stderr = '';
    const env: NodeJS.ProcessEnv = {
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
    };
    if (hold) env.BAKEBOT_TEST_HOLD = '1';
    else delete env.BAKEBOT_TEST_HOLD;
    const p = spawn(process.execPath, ['--import', 'tsx', 'core/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    return p;
  }

  async function waitForRow(sql: string, what: string): Promise<void> {
    const deadline = Date.now() + 15000;
    while (((await query<{ n: number }>(sql).catch(() => undefined))?.n ?? 0) < 1) {
      if (Date.now() > deadline) throw new Error(`${what}; stderr: ${stderr}`);
      await settle(20);
    }
  }

  const repliesTo = (id: string) => fake.botMessages.filter((m) => !m.dropped && m.tags['reply-parent-msg-id'] === id);

  async function query<T>(sql: string): Promise<T | undefined> {
    const db = await open({ filename: dbFile(), driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
    try {
      return await db.get<T>(sql);
    } finally {
      await db.close();
    }
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bakebot-confirm-'));
    mkdirSync(path.join(dir, 'data'));
    mkdirSync(path.join(dir, 'plugins', 'holdreplies'), { recursive: true });
    writeFileSync(path.join(dir, 'plugins', 'holdreplies', 'index.mjs'), HOLDER);
    const plugins: Record<string, unknown> = { holdreplies: { enabled: true } };
    for (const name of builtinPlugins()) plugins[name] = { enabled: name === 'economy' || name === 'shop' };
    writeFileSync(
      path.join(dir, 'bakebot.yaml'),
      stringify({ bot: { watch: false, commandCooldown: 0, channels: [CHANNEL], pluginPaths: [path.join(dir, 'plugins')] }, plugins }),
    );
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

  it('sends the confirmation of a committed !daily after a SIGKILL, once', async () => {
    child = startBot(true);
    await fake.waitForJoin(CHANNEL, 20000).catch((err: Error) => {
      throw new Error(`${err.message}; the bot said: ${stderr}`);
    });
    // A first answer: the bot is up, and its send times are on file (else the restart waits out the window).
    const hello = fake.say(CHANNEL, { login: 'alice', text: '!balance' });
    await fake.waitFor(() => fake.botMessages.find((m) => m.tags['reply-parent-msg-id'] === hello), 15000, () => `a reply to !balance; stderr: ${stderr}`);
    await settle(100);
    const id = fake.say(CHANNEL, { login: 'alice', text: '!daily' });
    // Committed: the bonus is in the ledger and its confirmation in the outbox table, not yet sent.
    await waitForRow("SELECT count(*) AS n FROM core_outbox WHERE text LIKE 'Daily bonus%'", 'the confirmation was not stored');
    expect((await query<{ n: number }>("SELECT count(*) AS n FROM economy_ledger WHERE reason LIKE '%daily%'"))?.n).to.equal(1);
    child.kill('SIGKILL');
    await exited(child);
    expect(repliesTo(id)).to.have.length(0);

    child = startBot(false);
    await fake.waitForJoin(CHANNEL, { count: 2, timeoutMs: 20000 });
    await fake.waitFor(() => (repliesTo(id).length ? true : undefined), 15000, () => `the stored confirmation; stderr: ${stderr}`);
    expect(repliesTo(id)[0]?.text).to.match(/^Daily bonus: \+\d+ tokens?! You have \d+ tokens?\.$/);
    // Sent means deleted: a second restart would not send it again.
    await fake.waitFor(() => undefined, 300).catch(() => undefined);
    expect((await query<{ n: number }>('SELECT count(*) AS n FROM core_outbox'))?.n).to.equal(0);
    expect(repliesTo(id)).to.have.length(1);
    child.kill('SIGTERM');
    await exited(child);
  });

  it('runs the effect of a paid order a SIGKILL interrupted, at the next start', async () => {
    child = startBot(true);
    await fake.waitForJoin(CHANNEL, { count: 3, timeoutMs: 20000 });
    const topUp = fake.say(CHANNEL, { login: CHANNEL, text: '!addtokens @alice 100', roles: ['broadcaster'] });
    await fake.waitFor(() => (repliesTo(topUp).length ? true : undefined), 15000, () => `a reply to !addtokens; stderr: ${stderr}`);
    fake.say(CHANNEL, { login: 'alice', text: '!buy cookie' });
    // Paid and recorded; its effect (a chat line) is held, so the verdict is not.
    await waitForRow("SELECT count(*) AS n FROM shop_redemptions WHERE effect_due = 1 AND status = 'pending'", 'the order was not recorded');
    child.kill('SIGKILL');
    await exited(child);

    child = startBot(false);
    await fake.waitForJoin(CHANNEL, { count: 4, timeoutMs: 20000 });
    const line = await fake.waitFor(() => fake.botMessages.find((m) => m.text.startsWith('🍪 alice munches 1')), 15000, () => `the cookie's line; stderr: ${stderr}`);
    expect(line.text).to.include('chocolate chip cookie');
    await fake.waitFor(() => fake.botMessages.find((m) => /@alice your Chocolate Chip Cookie \(order #1\) is delivered now/.test(m.text)), 5000, () => `the buyer told; stderr: ${stderr}`);
    await waitForRow("SELECT count(*) AS n FROM shop_redemptions WHERE id = 1 AND status = 'fulfilled' AND effect_due = 0", 'the order is not fulfilled');
    const books = await query<{ tokens: number; ledger: number }>('SELECT (SELECT sum(tokens) FROM economy_accounts) AS tokens, (SELECT sum(delta) FROM economy_ledger) AS ledger');
    expect(books?.tokens).to.equal(books?.ledger);
    child.kill('SIGTERM');
    await exited(child);
  });
});
