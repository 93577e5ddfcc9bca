// A confirmation is part of its change: the bot, as its own process against the fake Twitch, commits a
// !daily and is SIGKILLed before the reply leaves (a test plugin's outgoingMessage tap holds it). The
// restarted bot sends the stored confirmation, once, and the outbox table is empty afterwards.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { stringify } from 'yaml';
import { PROJECT_ROOT } from '../../../core/bot.ts';
import { startFakeTwitch, type FakeTwitch } from '../../../test/support/fake-twitch.ts';
import { builtinPlugins, settle } from '../../../test/support/kit.ts';

const CHANNEL = 'streamer';

// Holds every daily bonus confirmation forever while BAKEBOT_TEST_HOLD is set: the change has committed,
// its reply is on its way out, and the process dies there.
const HOLDER = `export default {
  name: 'holdreplies', version: '1.0.0', description: 'test: holds confirmations',
  async setup(ctx) {
    ctx.hooks.outgoingMessage.tap(async (m) => {
      if (process.env.BAKEBOT_TEST_HOLD && m.text.startsWith('Daily bonus')) await new Promise(() => undefined);
      return m;
    });
  },
};
`;

describe('economy: a crash between the commit and the confirmation', function () {
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
    for (const name of builtinPlugins()) plugins[name] = { enabled: name === 'economy' };
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
    const deadline = Date.now() + 15000;
    while (((await query<{ n: number }>("SELECT count(*) AS n FROM core_outbox WHERE text LIKE 'Daily bonus%'").catch(() => undefined))?.n ?? 0) < 1) {
      if (Date.now() > deadline) throw new Error(`the confirmation was not stored; stderr: ${stderr}`);
      await settle(20);
    }
    expect((await query<{ n: number }>("SELECT count(*) AS n FROM economy_ledger WHERE reason LIKE '%daily%'"))?.n).to.equal(1);
    child.kill('SIGKILL');
    await exited(child);
    const repliesTo = () => fake.botMessages.filter((m) => !m.dropped && m.tags['reply-parent-msg-id'] === id);
    expect(repliesTo()).to.have.length(0);

    child = startBot(false);
    await fake.waitForJoin(CHANNEL, { count: 2, timeoutMs: 20000 });
    await fake.waitFor(() => (repliesTo().length ? true : undefined), 15000, () => `the stored confirmation; stderr: ${stderr}`);
    expect(repliesTo()[0]?.text).to.match(/^Daily bonus: \+\d+ tokens?! You have \d+ tokens?\.$/);
    // Sent means deleted: a second restart would not send it again.
    await fake.waitFor(() => undefined, 300).catch(() => undefined);
    expect((await query<{ n: number }>('SELECT count(*) AS n FROM core_outbox'))?.n).to.equal(0);
    expect(repliesTo()).to.have.length(1);
    child.kill('SIGTERM');
    await exited(child);
  });
});
