// Twitch chat end to end: the real @twurple/chat client against the fake Twitch chat server, which
// enforces Twitch's send limits and records every breach.
import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import type { ChatLogService } from '../../plugins/chatlog/index.ts';
import { startFakeTwitch, type FakeTwitch } from '../support/fake-twitch.ts';
import { eventually, FakeClock, settle, startTestBot, systemClock, type TestBot, type TestBotOptions } from '../support/kit.ts';

const CHANNEL = 'streamer';

// A plugin that answers `!ping <n>` with a reply unique to n, and records what chat events it saw.
const PINGER = `
export default {
  name: 'pinger',
  version: '1.0.0',
  setup(ctx) {
    const seen = { events: [], messages: [] };
    ctx.commands.register({ name: 'ping', description: 'pong', usage: '<n>', cooldown: 0, run: (call) => call.reply('pong ' + call.rest) });
    ctx.commands.register({ name: 'modping', description: 'mods only', permission: 'moderator', cooldown: 0, run: (call) => call.reply('modpong') });
    ctx.commands.register({ name: 'slow', description: 'cooldown', cooldown: 30, run: (call) => call.reply('slow ' + call.rest) });
    ctx.commands.register({ name: 'same', description: 'same text', cooldown: 0, run: (call) => call.say('the very same text') });
    ctx.hooks.chatEvent.tap((e) => { seen.events.push(e); });
    ctx.hooks.chatMessage.tap((m) => { seen.messages.push(m); });
    return seen;
  },
};
`;

// One folder for the whole file, removed at the end (a folder per test piled up in the temp folder).
let pingerDir: string | undefined;
function pluginDir(): string {
  if (!pingerDir) {
    pingerDir = mkdtempSync(path.join(os.tmpdir(), 'bakebot-pinger-'));
    writeFileSync(path.join(pingerDir, 'index.mjs'), PINGER);
  }
  return pingerDir;
}

interface Setup {
  fake: FakeTwitch;
  t: TestBot;
}

async function connect(
  opts: { mod?: boolean; fakeLimits?: Parameters<typeof startFakeTwitch>[0]; bot?: Partial<TestBotOptions>; token?: string; bare?: boolean; fake?: FakeTwitch } = {},
): Promise<Setup> {
  const fake = opts.fake ?? (await startFakeTwitch(opts.fakeLimits));
  fake.acceptToken('goodtoken', { login: 'bakebot', userId: '1000', refreshToken: 'refresh1' });
  if (opts.mod) fake.setMod(CHANNEL, 'bakebot', true);
  process.env.TWURPLE_MOCK_API_PORT = String(fake.port);
  const limits = fake.limits;
  const t = await startTestBot({
    // The fake server counts Twitch's windows in real time, so the bot's outbox must too.
    clock: systemClock,
    plugins: ['chatlog'],
    pluginPaths: [pluginDir()],
    config: { bot: { commandCooldown: 0, rateLimitMessages: 1000 } },
    chatLimits: { windowMs: limits.windowMs, perWindow: limits.perWindow, perWindowMod: limits.perWindowMod, duplicateWindowMs: limits.duplicateWindowMs },
    env: {
      TWITCH_TOKEN: `oauth:${opts.token ?? 'goodtoken'}`,
      ...(opts.token || opts.bare ? {} : { TWITCH_REFRESH_TOKEN: 'refresh1', TWITCH_CLIENT_ID: 'clientid' }),
      TWITCH_CHANNEL: CHANNEL,
      TWITCH_CHAT_URL: fake.url,
    },
    ...opts.bot,
  });
  if (!opts.token) {
    try {
      // Twitch's client loads after the ready line: seconds on a busy machine.
      await fake.waitForJoin(CHANNEL, 15_000);
      // USERSTATE (mod or not) follows the JOIN; let it land before sending.
      await waitUntil(() => t.bot.chat.status === 'connected' && t.bot.chat.transport('twitch')?.canSend(CHANNEL) === true);
    } catch (err) {
      // Nothing of a failed set-up may stay open (it would keep mocha from ending).
      await t.stop();
      if (!opts.fake) await fake.close();
      throw err;
    }
  }
  return { fake, t };
}

function waitUntil(cond: () => boolean, timeout = 5000, what = 'condition'): Promise<true> {
  return eventually(() => cond(), { timeout, what });
}

async function teardown(s: Setup | undefined): Promise<void> {
  if (!s) return;
  await s.t.stop();
  await s.fake.close();
}

function delivered(fake: FakeTwitch): string[] {
  return fake.botMessages.filter((m) => !m.dropped).map((m) => m.text);
}

describe('Twitch chat', function () {
  this.timeout(60_000);
  let s: Setup | undefined;
  afterEach(async () => {
    await teardown(s);
    s = undefined;
  });
  after(() => {
    if (pingerDir) rmSync(pingerDir, { recursive: true, force: true });
    pingerDir = undefined;
  });

  it('connects, joins and parses tagged messages into the message shape', async () => {
    s = await connect();
    const { fake, t } = s;
    const id = fake.say(CHANNEL, { login: 'alice', displayName: 'Alice', userId: '42', roles: ['subscriber', 'vip'], text: 'hello 🍞', bits: 100, firstMsg: true });
    const seen = t.service('pinger' as never) as { messages: { id: string; user: { id: string; login: string; displayName: string; roles: string[] }; bits: number; firstMessage: boolean; text: string; channel: string; transport: string }[]; events: { type: string }[] };
    await waitUntil(() => seen.messages.length > 0);
    const m = seen.messages[0];
    expect(m).to.deep.include({ id, text: 'hello 🍞', bits: 100, firstMessage: true, channel: CHANNEL, transport: 'twitch' });
    expect(m?.user).to.deep.include({ id: '42', login: 'alice', displayName: 'Alice' });
    expect(m?.user.roles).to.have.members(['subscriber', 'vip']);
    await waitUntil(() => seen.events.some((e) => e.type === 'cheer'), 2000, 'a cheer event');
    fake.userNotice(CHANNEL, 'raid', { login: 'raider', viewers: 42 } as never);
    fake.userNotice(CHANNEL, 'sub', { login: 'subber' } as never);
    fake.clearChat(CHANNEL, 'troll', 600);
    await waitUntil(() => ['raid', 'sub', 'timeout'].every((k) => seen.events.some((e) => e.type === k)), 3000, 'raid, sub and timeout events');
  });

  it('answers commands with permissions and cooldowns, threaded to the message', async () => {
    // A fake clock, to move past the cooldown (a handful of replies: Twitch's window never fills).
    s = await connect({ bot: { clock: new FakeClock() } });
    const { fake, t } = s;
    const id = fake.say(CHANNEL, { login: 'alice', text: '!PING 1' });
    const [reply] = await fake.waitForBotMessages(1);
    expect(reply?.text).to.equal('pong 1');
    expect(reply?.tags['reply-parent-msg-id']).to.equal(id);
    fake.say(CHANNEL, { login: 'alice', text: '!modping' });
    fake.say(CHANNEL, { login: 'amod', roles: ['moderator'], text: '!modping' });
    await waitUntil(() => delivered(fake).includes('modpong'));
    fake.say(CHANNEL, { login: 'bob', text: '!slow a' });
    fake.say(CHANNEL, { login: 'bob', text: '!slow b' });
    fake.say(CHANNEL, { login: 'bob', text: '!ping done' });
    await waitUntil(() => delivered(fake).includes('pong done'));
    // The second !slow within its cooldown gets the one "wait" reply, threaded to bob (bot.cooldownReply).
    expect(delivered(fake)).to.deep.equal(['pong 1', 'modpong', 'slow a', '@bob wait 30 s before !slow again', 'pong done']);
    // The fake clock moves past bob's cooldown.
    await (t.clock as FakeClock).advance(31_000);
    fake.say(CHANNEL, { login: 'bob', text: '!slow c' });
    await waitUntil(() => delivered(fake).includes('slow c'));
  });

  for (const mod of [false, true]) {
    it(`answers a burst of 300 commands with zero limit violations as ${mod ? 'moderator' : 'a non-mod'}`, async () => {
      // Windows shrunk 60x (30 s -> 500 ms) so the non-mod run takes seconds, not minutes.
      s = await connect({ mod, fakeLimits: { limits: { windowMs: 500, duplicateWindowMs: 500 } } });
      const { fake } = s;
      for (let i = 0; i < 300; i++) fake.say(CHANNEL, { login: `viewer${i}`, text: `!ping ${i}` });
      // A few identical messages too: the outbox must not trip Twitch's duplicate rule.
      for (let i = 0; i < 3; i++) fake.say(CHANNEL, { login: `dup${i}`, text: '!same' });
      await fake.waitForBotMessages(303, 40_000);
      expect(fake.violations).to.deep.equal([]);
      const texts = new Set(delivered(fake));
      for (let i = 0; i < 300; i++) expect(texts.has(`pong ${i}`), `pong ${i}`).to.equal(true);
    });
  }

  it('counts what the previous run sent: a bot restarted mid-burst stays within Twitch\'s window', async () => {
    // Not a moderator (20 per window), the window shrunk to 3 s. The first run sends a full window and stops;
    // the next starts at once on the same data folder, and must wait for what the first one sent.
    s = await connect({ fakeLimits: { limits: { windowMs: 3000, duplicateWindowMs: 500 } } });
    const { fake } = s;
    for (let i = 0; i < 20; i++) fake.say(CHANNEL, { login: `viewer${i}`, text: `!ping ${i}` });
    await fake.waitForBotMessages(20, 10_000);
    const dir = s.t.dir;
    await s.t.stop({ keepDir: true });
    s = await connect({ fake, bot: { dir } });
    for (let i = 20; i < 30; i++) fake.say(CHANNEL, { login: `viewer${i}`, text: `!ping ${i}` });
    await fake.waitForBotMessages(30, 15_000);
    expect(fake.violations).to.deep.equal([]);
    expect(new Set(delivered(fake)).size).to.equal(30);
  });

  it('after an unclean stop with a garbled send-times file, waits the window out instead of guessing it empty', async () => {
    s = await connect({ fakeLimits: { limits: { windowMs: 3000, duplicateWindowMs: 500 } } });
    const { fake } = s;
    for (let i = 0; i < 20; i++) fake.say(CHANNEL, { login: `viewer${i}`, text: `!ping ${i}` });
    await fake.waitForBotMessages(20, 10_000);
    const dir = s.t.dir;
    await s.t.stop({ keepDir: true });
    // What a crash leaves: the running mark still set, and (here) a send-times file cut off mid-write.
    const db = await open({ filename: path.join(dir, 'data', 'bakebot.sqlite3'), driver: sqlite3.Database });
    await db.run("UPDATE core_meta SET value = '1' WHERE key = 'running'");
    await db.close();
    writeFileSync(path.join(dir, 'data', 'chat-sends.json'), '{"times":[17650');
    s = await connect({ fake, bot: { dir } });
    expect(s.t.bot.logs.recent().map((e) => e.msg).join('\n')).to.match(/chat-sends\.json is unreadable after an unclean stop/);
    for (let i = 20; i < 30; i++) fake.say(CHANNEL, { login: `viewer${i}`, text: `!ping ${i}` });
    await fake.waitForBotMessages(30, 15_000);
    expect(fake.violations).to.deep.equal([]);
  });

  it('handles a burst from Twitch a frame at a time', async () => {
    // With ws's default, every frame already read from the socket is handled in one go: a burst came over as
    // a few huge pieces, and the main thread handled each at once while timers and database callbacks waited.
    s = await connect();
    const { fake, t } = s;
    const transport = t.bot.chat.transport('twitch') as unknown as { chat(rows: readonly unknown[]): void };
    const pieces: number[] = [];
    const chat = transport.chat.bind(transport);
    transport.chat = (rows) => {
      pieces.push(rows.length);
      chat(rows);
    };
    const frames = 40;
    fake.batch(() => {
      for (let i = 0; i < frames * 100; i++) fake.say(CHANNEL, { login: `viewer${i % 300}`, text: `burst message number ${i} with a few more words to make it longer` });
    }, 100);
    await waitUntil(() => t.bot.chat.handled >= frames * 100, 20_000, 'the burst');
    expect(pieces.reduce((a, b) => a + b, 0)).to.equal(frames * 100);
    expect(Math.max(...pieces)).to.be.at.most(100);
  });

  it('logs a frame whose handling fails and keeps reading chat', async () => {
    // Twitch's client runs on the bot's main thread: an error thrown while its socket is read would end the
    // process, so the transport catches and logs what it does with each report.
    s = await connect({ mod: true });
    const { fake, t } = s;
    const transport = t.bot.chat.transport('twitch') as unknown as { chat(rows: readonly (readonly unknown[])[]): void };
    const chat = transport.chat.bind(transport);
    transport.chat = (rows) => {
      if (rows.some((r) => r[2] === 'poison')) throw new Error('a poisoned frame');
      chat(rows);
    };
    fake.say(CHANNEL, { login: 'mallory', text: 'poison' });
    await waitUntil(() => t.bot.logs.recent().some((e) => e.level === 'error' && /handling Twitch chat failed: a poisoned frame/.test(e.msg)));
    fake.say(CHANNEL, { login: 'alice', text: '!ping after' });
    await waitUntil(() => delivered(fake).includes('pong after'));
  });

  it('comes back after the connection drops, and answers', async () => {
    s = await connect({ mod: true });
    const { fake, t } = s;
    fake.dropConnections();
    await fake.waitForJoin(CHANNEL, { count: 2, timeoutMs: 15_000 });
    await waitUntil(() => t.bot.chat.status === 'connected' && t.bot.chat.transport('twitch')?.canSend(CHANNEL) === true, 10_000, 'the bot to be back');
    fake.say(CHANNEL, { login: 'alice', text: '!ping back' });
    await waitUntil(() => delivered(fake).includes('pong back'));
    expect(t.bot.logs.recent().some((e) => /disconnected from Twitch chat/.test(e.msg))).to.equal(true);
  });

  it('logs a reply Twitch refused with its text', async () => {
    // The bot believes it may send 25 a window; Twitch allows 20: the rest are refused with a NOTICE.
    s = await connect({ fakeLimits: { limits: { windowMs: 30_000 } }, bot: { chatLimits: { windowMs: 30_000, perWindow: 25 } } });
    const { fake, t } = s;
    for (let i = 0; i < 22; i++) fake.say(CHANNEL, { login: `viewer${i}`, text: `!ping ${i}` });
    await waitUntil(() => fake.violations.length >= 1, 10_000, 'a refusal');
    await waitUntil(() => t.bot.logs.recent().some((e) => /gave up a reply: Twitch refused it in #streamer \(.+\): "pong 2\d"/.test(e.msg)), 5000, 'the refusal logged with its text');
  });

  it('loses no reply when Twitch sends RECONNECT mid-burst', async () => {
    s = await connect({ mod: true, fakeLimits: { limits: { windowMs: 1000 } } });
    const { fake } = s;
    for (let i = 0; i < 150; i++) fake.say(CHANNEL, { login: `viewer${i}`, text: `!ping ${i}` });
    await waitUntil(() => delivered(fake).length >= 40, 10_000, '40 replies');
    await fake.sendReconnect();
    await fake.waitForJoin(CHANNEL, { count: 2, timeoutMs: 10_000 });
    await waitUntil(() => s?.t.bot.chat.transport('twitch')?.canSend(CHANNEL) === true);
    for (let i = 150; i < 300; i++) fake.say(CHANNEL, { login: `viewer${i}`, text: `!ping ${i}` });
    await waitUntil(() => new Set(delivered(fake)).size >= 300, 30_000, '300 distinct replies');
    const texts = new Set(delivered(fake));
    for (let i = 0; i < 300; i++) expect(texts.has(`pong ${i}`), `pong ${i}`).to.equal(true);
    expect(fake.violations).to.deep.equal([]);
  });

  it('stores hostile and malformed messages byte for byte', async () => {
    s = await connect();
    const { fake, t } = s;
    const corpus = [
      'bell\u0007 esc\u001b[31m red tab\tend',
      'x'.repeat(10 * 1024),
      'lone \uD800 surrogate and \uDFFF',
      'emoji 🍞🥖🥐 👩🏽‍🍳 ZWJ',
      'مرحبا بالعالم RTL \u202Eevil\u202C',
      "'; DROP TABLE chatlog_messages; --",
      '<script>alert(1)</script><img src=x onerror=alert(1)>',
      '\\ backslash \\s ; semicolon : colon',
    ];
    for (const text of corpus) fake.say(CHANNEL, { login: 'hostile', text });
    const log = t.service('chatlog' as never) as ChatLogService;
    await waitUntil(() => (t.service('pinger' as never) as { messages: unknown[] }).messages.length === corpus.length, 5000, 'all messages');
    await log.flush();
    const stored = (await log.query({ user: 'hostile', limit: 100 })).map((r) => r.message).reverse();
    // What goes over the wire is UTF-8: a lone surrogate can only arrive as U+FFFD.
    expect(stored.map((m) => Buffer.from(m, 'utf8').toString('hex'))).to.deep.equal(corpus.map((c) => Buffer.from(c, 'utf8').toString('hex')));
    // And the bot still answers.
    fake.say(CHANNEL, { login: 'alice', text: '!ping ok' });
    await waitUntil(() => delivered(fake).includes('pong ok'));
  });

  it('keeps outgoing messages within 500 characters, split on word boundaries', async () => {
    s = await connect({ mod: true });
    const { fake } = s;
    const long = Array.from({ length: 150 }, (_, i) => `word${i}`).join(' ');
    fake.say(CHANNEL, { login: 'alice', text: `!ping ${long}` });
    const parts = await eventually(() => delivered(fake).join(' ').replace(/\s+/g, ' ') === `pong ${long}` && delivered(fake), { what: 'every part' });
    expect(parts.length).to.be.greaterThan(1);
    for (const p of parts) expect(Array.from(p).length).to.be.at.most(500);
    expect(parts.join(' ').replace(/\s+/g, ' ')).to.equal(`pong ${long}`);
    expect(fake.violations).to.deep.equal([]);
  });

  it('reports an invalid token once, clearly, and keeps running in local mode', async () => {
    s = await connect({ token: 'badtoken' });
    const { t } = s;
    await waitUntil(() => t.bot.chat.status === 'auth-failed', 5000, 'auth-failed');
    const errors = t.bot.logs.recent().filter((e) => e.level === 'error' && /token/i.test(e.msg));
    expect(errors).to.have.length(1);
    expect(errors[0]?.msg).to.match(/TWITCH_TOKEN/);
    expect(await t.ask('alice', '!ping local')).to.equal('pong local');
    await settle(1500); // wall-clock on purpose: nothing may report the bad token again meanwhile
    expect(t.bot.logs.recent().filter((e) => e.level === 'error' && /token/i.test(e.msg))).to.have.length(1);
  });

  it('connects with a bare access token (no refresh token, no client id)', async () => {
    s = await connect({ bare: true });
    s.fake.say(CHANNEL, { login: 'alice', text: '!ping bare' });
    await waitUntil(() => delivered(s?.fake as FakeTwitch).includes('pong bare'), 5000, 'a reply');
  });

  it('refreshes a revoked token, stores it with mode 0600 and rejoins', async () => {
    s = await connect();
    const { fake, t } = s;
    fake.revokeToken('goodtoken');
    fake.dropConnections();
    await fake.waitForJoin(CHANNEL, { count: 2, timeoutMs: 15_000 });
    const file = path.join(t.bot.dataDir, 'twitch-token.json');
    await waitUntil(() => existsSync(file), 5000, 'the token file');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).accessToken).to.not.equal('goodtoken');
    fake.say(CHANNEL, { login: 'alice', text: '!ping again' });
    await waitUntil(() => delivered(fake).includes('pong again'), 5000, 'a reply after the refresh');
  });
});
