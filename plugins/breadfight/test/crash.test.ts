// The bot as its own process against the fake Twitch: several fights at once (challenges, accepts, answers
// flowing), then a SIGKILL in the middle. The books must balance (`npm run economy:check`'s script), every
// fight must hold both wagers or neither, and the restarted bot must resume the fights and finish them with
// the books still balanced.
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
import { NO_COOLDOWNS, QUESTIONS } from './helpers.ts';

const CHANNEL = 'streamer';
const PAIRS = 4;
const SEED = 1000;
const WAGER = 100;

function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      if (await cond()) return resolve();
      if (Date.now() > end) return reject(new Error(`timed out waiting for ${what()}`));
      setTimeout(() => void tick(), 10);
    };
    void tick();
  });
}

describe('breadfight: a SIGKILL in the middle of fights', function () {
  // About 30 s on an idle machine; two bot starts on a loaded one take much longer.
  this.timeout(180_000);
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

  /** Runs the economy's check script on the database as it is; returns its output. */
  async function economyCheck(): Promise<{ code: number | null; out: string }> {
    const check = spawn(process.execPath, ['--import', 'tsx', 'plugins/economy/check.ts'], { cwd: PROJECT_ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    check.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    check.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => check.on('exit', resolve));
    return { code, out };
  }

  /** Every fight holds both wagers (active), or none (challenged, finished); money is neither made nor lost. */
  async function fightsConsistent(): Promise<{ active: number; finished: number }> {
    const db = await open({ filename: path.join(dir, 'data', 'bakebot.sqlite3'), driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
    try {
      const fights = await db.all<{ id: number; state: string; escrow_challenger: number | null; escrow_opponent: number | null }[]>('SELECT id, state, escrow_challenger, escrow_opponent FROM breadfight_fights');
      for (const f of fights) {
        const held = await db.all<{ state: string }[]>('SELECT state FROM economy_escrow WHERE id IN (?, ?)', [f.escrow_challenger ?? -1, f.escrow_opponent ?? -1]);
        if (f.state === 'active') expect(held.map((e) => e.state), `fight #${f.id}`).to.deep.equal(['held', 'held']);
        else expect(held.every((e) => e.state !== 'held'), `fight #${f.id} (${f.state}) left an escrow open`).to.equal(true);
      }
      const stray = await db.get<{ n: number }>("SELECT count(*) AS n FROM economy_escrow WHERE state = 'held' AND source = 'breadfight' AND id NOT IN (SELECT escrow_challenger FROM breadfight_fights WHERE state = 'active' UNION SELECT escrow_opponent FROM breadfight_fights WHERE state = 'active')");
      expect(stray?.n, 'escrows held for no running fight').to.equal(0);
      const money = await db.get<{ total: number }>('SELECT sum(tokens + held) AS total FROM economy_accounts');
      expect(money?.total).to.equal(SEED * PAIRS * 2);
      return { active: fights.filter((f) => f.state === 'active').length, finished: fights.filter((f) => f.state === 'finished').length };
    } finally {
      await db.close();
    }
  }

  /** Fighters answer every question put to them (the word after "type"), as soon as they see it. */
  function autoAnswer(): () => void {
    const answered = new Set<string>();
    const timer = setInterval(() => {
      for (const m of delivered()) {
        const q = /^@(\w+) round \d+\/\d+ ★+: Level \d word: type (\w+)/.exec(m.text.replace(/^\(fight #\d+ resumes\) /, ''));
        if (!q || answered.has(m.id)) continue;
        answered.add(m.id);
        fake.say(CHANNEL, { login: q[1] as string, text: q[2] as string });
      }
    }, 20);
    return () => clearInterval(timer);
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bakebot-fightcrash-'));
    mkdirSync(path.join(dir, 'data'));
    const plugins: Record<string, unknown> = {};
    for (const name of builtinPlugins()) plugins[name] = { enabled: ['economy', 'minigames', 'breadfight'].includes(name) };
    plugins.breadfight = { enabled: true, includeBuiltin: false, questions: QUESTIONS, concurrentFights: PAIRS, hp: 30, maxRounds: 4, turnTime: 10 };
    writeFileSync(path.join(dir, 'bakebot.yaml'), stringify({ bot: { watch: false, commandCooldown: 0, commands: NO_COOLDOWNS, rateLimitMessages: 10000, channels: [CHANNEL] }, plugins }));
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

  it('keeps the books balanced and each fight all-or-nothing, and resumes the fights after the restart', async () => {
    child = startBot();
    await fake.waitForJoin(CHANNEL, 40000).catch((err: Error) => {
      throw new Error(`${err.message}; exit ${String(child?.exitCode)} ${String(child?.signalCode)}; the bot said: ${stderr}`);
    });
    const viewers = Array.from({ length: PAIRS * 2 }, (_, i) => `fighter${i}`);
    for (const v of viewers) fake.say(CHANNEL, { login: v, text: 'hello!' });
    await settle(400); // core writes new chatters behind (every 250 ms)
    for (const v of viewers) {
      const id = fake.say(CHANNEL, { login: 'streamer', text: `!addtokens @${v} ${SEED}`, roles: ['broadcaster'] });
      await waitUntil(() => delivered().some((m) => m.tags['reply-parent-msg-id'] === id), 15000, () => `!addtokens for ${v}; stderr: ${stderr}`);
    }

    // All pairs challenge and accept at once while the fighters answer; kill once a few moves have landed.
    const stop = autoAnswer();
    for (let p = 0; p < PAIRS; p++) fake.say(CHANNEL, { login: `fighter${2 * p}`, text: `!breadfight @fighter${2 * p + 1} ${WAGER}` });
    await waitUntil(() => delivered().filter((m) => /challenges you/.test(m.text)).length === PAIRS, 15000, () => `the challenges; stderr: ${stderr}`);
    for (let p = 0; p < PAIRS; p++) fake.say(CHANNEL, { login: `fighter${2 * p + 1}`, text: '!accept' });
    await waitUntil(() => delivered().filter((m) => /-\d+ HP|\d+ damage/.test(m.text)).length >= PAIRS + 2, 20000, () => `moves; stderr: ${stderr}`);
    child.kill('SIGKILL');
    await exited(child);
    stop();
    expect(child.signalCode).to.equal('SIGKILL');

    const check = await economyCheck();
    expect(check.out).to.match(/^OK: \d+ accounts and \d+ ledger rows/m);
    expect(check.code).to.equal(0);
    const crashed = await fightsConsistent();
    expect(crashed.active + crashed.finished).to.equal(PAIRS);
    if (process.env.SHOW_CRASH) process.stdout.write(`      killed with ${crashed.active} fights running, ${crashed.finished} finished\n`);

    // The restarted bot asks the interrupted fights' questions again; the fighters answer them to the end.
    const before = delivered().length;
    child = startBot();
    const stop2 = autoAnswer();
    try {
      await waitUntil(
        () => delivered().slice(before).filter((m) => /resumes/.test(m.text)).length === crashed.active,
        60000,
        () => `the resumed fights; stderr: ${stderr}`,
      );
      await waitUntil(
        async () => (await fightsConsistent()).finished === PAIRS,
        60000,
        () => `the fights to end; said: ${JSON.stringify(delivered().slice(-5).map((m) => m.text))}; stderr: ${stderr}`,
      );
    } finally {
      stop2();
    }
    child.kill('SIGTERM');
    await exited(child);
    const after = await economyCheck();
    expect(after.code, after.out).to.equal(0);
    expect(delivered().every((m) => m.text.length <= 500)).to.equal(true);
  });
});
