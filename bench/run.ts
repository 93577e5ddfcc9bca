// `npm run bench`: the whole bot, as its own process with every built-in plugin enabled, the chat log on
// and the bot a moderator, against the fake Twitch chat server over WebSocket; each figure is the median
// of several rounds, side by side with its baseline. `--smoke` runs a tiny version (npm test does).
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { PROJECT_ROOT } from '../core/bot.ts';
import { batchV8Helpers } from '../core/helper-threads.ts';
import { startTestBot } from '../test/support/kit.ts';
import {
  API_TOKEN, backgroundChat, bareClient, CHANNEL, count, cpuHog, cpuMs, dbProgress, echoClient, hostStalls, settleDisk, makeWorld, median, openDb, percentile, sleep, startBot, timeReplies, waitUntil, type BenchWorld, type BotProcess,
} from './harness.ts';
import { eventsubStorm, type StormResult } from './eventsub.ts';

const smoke = process.argv.includes('--smoke');
/** A CPU hog beside both sides of every figure (one of the two cores busy): a streamer's PC is never quiet. */
const contended = process.argv.includes('--contended');
// `--only ingest,latency` runs a subset (while working on one figure); the report is not written then.
const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const only = onlyArg ? new Set(onlyArg.split(',')) : undefined;
const wanted = (name: string) => !only || only.has(name);
const ROUNDS = smoke ? 1 : 3;
/** Between two measured commands: under the moderator limit (100 per 30 s) with room, so no reply is held back. */
const COMMAND_SPACING_MS = 350;
// 200 `!balance` a round: the p99 of 600 is the sixth-slowest sample, not the third. A handful of host stalls
// (docs/benchmarks.md, session 16) moved the p99 of 300 by ±0.8 ms between runs of the same build.
const SIZES = smoke
  ? { ingest: 2000, latency: 10, gives: 30, reloadChatMs: 1500, scaleUsers: 20_000, scaleSamples: 10, chatRate: 200, eventsub: 60, gameSamples: 5 }
  : { ingest: 40_000, latency: 200, gives: 3000, reloadChatMs: 4000, scaleUsers: 1_000_000, scaleSamples: 100, chatRate: 1000, eventsub: 5000, gameSamples: 100 };

interface Row {
  name: string;
  value: string;
  baseline?: string;
  ratio?: string;
  target: string;
  ok: boolean | undefined;
}
const rows: Row[] = [];
const notes: string[] = [];
const startups: { ms: number; steps: string }[] = [];
const log = (s: string) => process.stderr.write(`${s}\n`);
const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
/** BENCH_SAMPLES=1 prints every sample of a percentile figure, in the order taken (to see where the slow ones fall). */
const samples = (what: string, xs: readonly number[]) => {
  if (process.env.BENCH_SAMPLES) log(`${what} samples (ms): ${xs.map((x) => x.toFixed(1)).join(' ')}`);
};

async function withBot<T>(world: BenchWorld, fn: (bot: BotProcess) => Promise<T>): Promise<T> {
  const bot = await startBot(world);
  startups.push({ ms: bot.startMs, steps: bot.startSteps });
  try {
    return await fn(bot);
  } finally {
    await bot.stop();
  }
}

/** Accounts with tokens (and the ledger rows that explain them), written straight into the database. */
async function seedAccounts(world: BenchWorld, n: number, tokens: number, prefix: string): Promise<void> {
  const db = await open({ filename: path.join(world.dataDir, 'bakebot.sqlite3'), driver: sqlite3.Database });
  await db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;');
  const now = Date.now();
  await db.exec('BEGIN');
  const series = `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${n - 1})`;
  await db.exec(`${series} INSERT OR IGNORE INTO users (id, login, display_name, first_seen, last_seen) SELECT '${prefix}' || i, '${prefix}' || i, '${prefix}' || i, ${now}, ${now} - i FROM s`);
  await db.exec(
    `${series} INSERT OR IGNORE INTO economy_accounts (user_id, xp, tokens, created_at, updated_at) SELECT '${prefix}' || i, (i * 7919) % 100000, ${tokens} + (i * 104729) % 1000, ${now}, ${now} FROM s`,
  );
  await db.exec(
    `${series} INSERT INTO economy_ledger (user_id, kind, delta, balance_after, reason, source, key, actor, time)
     SELECT '${prefix}' || i, 'credit', ${tokens} + (i * 104729) % 1000, ${tokens} + (i * 104729) % 1000, 'bench seed', 'bench', 'bench-seed:${prefix}' || i, 'bench', ${now} FROM s`,
  );
  await db.exec('COMMIT');
  await db.close();
  settleDisk();
}

async function prepare(world: BenchWorld): Promise<void> {
  // One start creates the tables (migrations); the benchmarks then seed them from outside.
  await withBot(world, async () => undefined);
  await seedAccounts(world, 5000, 1000, 'giver');
}

async function ingest(world: BenchWorld): Promise<void> {
  const botRates: number[] = [];
  const bareRates: number[] = [];
  const botCpu: number[] = [];
  const bareCpu: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const n = SIZES.ingest;
    // Prepared in frames of 100 lines, as Twitch sends a busy channel: the server must not be the bottleneck.
    const blast = () =>
      world.fake.batch(() => {
        for (let i = 0; i < n; i++) world.fake.say(CHANNEL, { login: `ingest${i % 1000}`, userId: `i${i % 1000}`, text: `ingest round ${r} message ${i} with a few words in it` });
      });
    await withBot(world, async (bot) => {
      // max(id): polling must not scan the table the bot is writing.
      const committed = await dbProgress(world, 'SELECT max(id) AS n FROM chatlog_messages');
      const pid = bot.child.pid ?? 0;
      const cpu0 = cpuMs(pid);
      botRates.push(await committed.rateSince(blast(), n, 120_000));
      botCpu.push(((cpuMs(pid) - cpu0) * 1000) / n);
      committed.stop();
    });
    const bare = await bareClient(world);
    const cpu0 = cpuMs(bare.pid);
    bareRates.push(await bare.rateSince(blast(), n, 120_000));
    bareCpu.push(((cpuMs(bare.pid) - cpu0) * 1000) / n);
    bare.stop();
    await sleep(100);
  }
  const bot = median(botRates);
  const bare = median(bareRates);
  const target = contended ? 0.8 : 1.0;
  rows.push({ name: 'ingest (messages/s, chat log committed)', value: fmt(bot), baseline: `${fmt(bare)} bare twurple`, ratio: fmt(bot / bare, 2), target: `ratio ≥ ${target.toFixed(1)}`, ok: bot / bare >= target });
  rows.push({ name: 'ingest CPU per message (µs, all threads)', value: fmt(median(botCpu), 1), baseline: `${fmt(median(bareCpu), 1)} bare twurple`, ratio: fmt(median(botCpu) / median(bareCpu), 2), target: '', ok: undefined });
}

/**
 * The round trips' baseline: a bare twurple client that answers `!echo` at once (the same trip with no bot in
 * it), `n` times at the bots' spacing, under the same chat as the bot had (`chatRate`, or none). It runs in its
 * own round right after the bot's, with the bot stopped. Measured beside the bot (session 4), the second client
 * parsed the same chat and collected its garbage on the same two cores: a scheduler trace found its collection
 * threads running during several of the bot's slowest round trips.
 */
async function echoRound(world: BenchWorld, echoer: string, chatRate: number, n: number, into: number[], warm: { n: number; into: number[] } = { n: 5, into: [] }): Promise<void> {
  const echo = await echoClient(world);
  const chat = chatRate ? backgroundChat(world.fake, chatRate) : undefined;
  const before = into.length;
  try {
    await timeReplies(world.fake, warm.n, COMMAND_SPACING_MS, (i) => ({ login: `${echoer}w${i}`, text: '!echo' }), warm.into);
    await timeReplies(world.fake, n, COMMAND_SPACING_MS, (i) => ({ login: `${echoer}${i}`, text: '!echo' }), into);
  } finally {
    chat?.stop();
    echo.stop();
  }
  if (into.length - before < n) notes.push(`bare echo: only ${into.length - before} of ${n} replies arrived`);
}

/**
 * Commands before the measured ones, about 10 s of them. For its first seconds a fresh bot process is still
 * optimizing its code: its event loop was held up 2-7 ms every few hundred milliseconds for about 7 s after
 * the start. In one traced run of session 16, 8 of the 11 `!balance` samples over 1.5 ms were among the
 * first 25 of a round (the echo: 2 of 5). A streamer's bot runs for hours; these samples are reported beside
 * the figure, not in it.
 */
const SETTLE_COMMANDS = smoke ? 5 : 30;

async function latency(world: BenchWorld): Promise<void> {
  const all: number[] = [];
  const bare: number[] = [];
  const early: number[] = [];
  const earlyBare: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    await withBot(world, async () => {
      const chat = backgroundChat(world.fake, SIZES.chatRate);
      try {
        await timeReplies(world.fake, SETTLE_COMMANDS, COMMAND_SPACING_MS, (i) => ({ login: `giver${4700 + r * 100 + i}`, text: '!balance' }), early);
        // Spaced under the moderator limit (100 per 30 s), so the outbox never has to hold a reply back.
        await timeReplies(world.fake, SIZES.latency, COMMAND_SPACING_MS, (i) => ({ login: `giver${r * 1000 + i}`, text: '!balance' }), all);
      } finally {
        chat.stop();
      }
    });
    await echoRound(world, `echoer${r}x`, SIZES.chatRate, SIZES.latency, bare, { n: SETTLE_COMMANDS, into: earlyBare });
  }
  samples('!balance', all);
  samples('!balance, bare echo', bare);
  const p99 = percentile(all, 99);
  const spread = (xs: number[]) => `${fmt(percentile(xs, 50), 2)} / ${fmt(percentile(xs, 95), 2)} / ${fmt(percentile(xs, 99), 2)}`;
  const echo99 = percentile(bare, 99);
  rows.push({
    name: `!balance latency under ${SIZES.chatRate} msg/s chat (ms; p50 / p95 / p99)`,
    value: spread(all),
    baseline: `${spread(bare)} bare echo`,
    ratio: `${p99 >= echo99 ? '+' : ''}${fmt(p99 - echo99, 2)}`,
    target: 'p99 ≤ echo + 1 ms',
    ok: p99 <= echo99 + 1,
  });
  notes.push(`!balance in the first ${SETTLE_COMMANDS} commands after each start (not in the figure): ${spread(early)} ms; bare echo ${spread(earlyBare)}`);
  if (all.length < ROUNDS * SIZES.latency) notes.push(`latency: only ${all.length} of ${ROUNDS * SIZES.latency} replies arrived`);
}

/** Waits until the bot's sends still in Twitch's window leave room for `room` more (a bot that is a moderator). */
async function roomToSend(world: BenchWorld, room: number): Promise<void> {
  const { windowMs, perWindowMod } = world.fake.limits;
  const inWindow = () => world.fake.botMessages.filter((m) => !m.dropped && Date.now() - m.at < windowMs).length;
  await waitUntil(() => inWindow() <= perWindowMod - room, windowMs + 5000, 'room in the send window', 100);
}

async function rawTransactions(world: BenchWorld, n: number): Promise<number> {
  const file = path.join(world.dataDir, 'raw-baseline.sqlite3');
  rmSync(file, { force: true });
  const db = await open({ filename: file, driver: sqlite3.Database });
  await db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL);');
  await db.exec('WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 999) INSERT INTO t SELECT i, 0 FROM s');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await db.exec('BEGIN IMMEDIATE');
    await db.run('UPDATE t SET v = v + 1 WHERE id = ?', i % 1000);
    await db.exec('COMMIT');
  }
  const rate = (n / (performance.now() - t0)) * 1000;
  await db.close();
  rmSync(file, { force: true });
  return rate;
}

async function economy(world: BenchWorld): Promise<void> {
  const gives: number[] = [];
  const raws: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    await withBot(world, async () => {
      // Two ledger rows per transfer; max(id) rather than count(*): polling must not scan the ledger.
      const ledger = await dbProgress(world, 'SELECT max(id) / 2 AS n FROM economy_ledger');
      const n = SIZES.gives;
      for (let i = 0; i < n; i++) {
        const from = (r * 1000 + i) % 5000;
        world.fake.say(CHANNEL, { login: `giver${from}`, userId: `giver${from}`, text: `!give @giver${(from + 1) % 5000} 1` });
      }
      gives.push(await ledger.rate(n, 180_000));
      ledger.stop();
    });
    raws.push(await rawTransactions(world, SIZES.gives));
  }
  // The gifts' replies filled Twitch's send window (100 per 30 s), and the bot remembers its sends across
  // restarts as Twitch does: wait for room, so the next sections' replies are not held back by these.
  await roomToSend(world, 50);
  const give = median(gives);
  const raw = median(raws);
  rows.push({ name: 'durable !give transfers/s', value: fmt(give), baseline: `${fmt(raw)} raw 1-row txns`, ratio: fmt(give / raw, 2), target: 'ratio ≥ 0.5', ok: give / raw >= 0.5 });
}

async function hotReload(world: BenchWorld): Promise<void> {
  const times: number[] = [];
  const stepsOf: { ms: number; steps: string }[] = [];
  let lostMessages = 0;
  let lostReplies = 0;
  const source = path.join(PROJECT_ROOT, 'plugins', 'economy', 'index.ts');
  const { readFileSync } = await import('node:fs');
  const original = readFileSync(source, 'utf8');
  for (let r = 0; r < ROUNDS; r++) {
    await withBot(world, async (bot) => {
      const db = await openDb(world);
      const before = await count(db, 'SELECT count(*) AS n FROM chatlog_messages');
      const chat = backgroundChat(world.fake, SIZES.chatRate);
      await sleep(SIZES.reloadChatMs / 4);
      const replies = new Set<string>();
      const asked: string[] = [];
      const off = world.fake.onBotSays((m) => {
        const id = m.tags['reply-parent-msg-id'];
        // A reply Twitch refused (over its limit) is a lost reply.
        if (id && !m.dropped) replies.add(id);
      });
      const marker = bot.mark();
      // Saving the file (same content) is what an editor does: the watcher reloads the plugin.
      writeFileSync(source, original);
      for (let i = 0; i < 20; i++) {
        asked.push(world.fake.say(CHANNEL, { login: `giver${4000 + r * 20 + i}`, userId: `giver${4000 + r * 20 + i}`, text: '!balance' }));
        await sleep(SIZES.reloadChatMs / 40);
      }
      await waitUntil(() => /plugin economy reloaded/.test(bot.since(marker)), 10_000, 'the reload').catch((err: Error) => {
        throw new Error(`${err.message}; the bot said:\n${bot.since(marker).slice(-3000)}`);
      });
      await sleep(SIZES.reloadChatMs / 4);
      const sent = chat.stop();
      const m = /plugin economy reloaded \(source changed\) in (\d+(?:\.\d+)?) ms/.exec(bot.since(marker));
      if (m) times.push(Number(m[1]));
      const steps = /plugin economy reloaded .*steps="([^"]*)"/.exec(bot.since(marker))?.[1];
      if (steps) stepsOf.push({ ms: Number(m?.[1] ?? NaN), steps });
      await waitUntil(async () => (await count(db, 'SELECT count(*) AS n FROM chatlog_messages')) - before >= sent + asked.length, 10_000, 'every message in the chat log').catch(() => undefined);
      // The !balance commands are chat messages too.
      lostMessages += sent + asked.length - ((await count(db, 'SELECT count(*) AS n FROM chatlog_messages')) - before);
      await waitUntil(() => asked.every((id) => replies.has(id)), 10_000, 'every reply').catch(() => undefined);
      lostReplies += asked.filter((id) => !replies.has(id)).length;
      off();
      await db.close();
    });
  }
  const t = median(times);
  // Where the median reload spent its time, from the bot's log line.
  const mid = stepsOf.find((x) => x.ms === t);
  if (mid) notes.push(`hot reload steps (ms) of the median round: ${mid.steps}`);
  rows.push({ name: `hot reload of economy under ${SIZES.chatRate} msg/s (ms)`, value: fmt(t, 1), target: '≤ 150 ms', ok: t <= 150 });
  rows.push({ name: 'messages / replies lost during reloads', value: `${lostMessages} / ${lostReplies}`, target: '0 / 0', ok: lostMessages === 0 && lostReplies === 0 });
}

// Memory kept by hot reloads: the shop (the largest bundle) reloaded in this process, heap measured after
// forced collections. A reload that kept its build (as an imported ES module would) grows it ~0.8 MB a time.
async function reloadMemory(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed / 1e6;
  };
  const n = smoke ? 20 : 500;
  const t = await startTestBot({ plugins: ['economy', 'shop'] });
  try {
    for (let i = 0; i < 10; i++) await t.host.reload('shop');
    const before = heap();
    for (let i = 0; i < n; i++) await t.host.reload('shop');
    const per100 = ((heap() - before) / n) * 100;
    rows.push({ name: `heap kept per 100 reloads of the shop, after GC (MB, over ${n})`, value: fmt(per100, 2), target: '≤ 1 MB', ok: per100 <= 1 });
  } finally {
    await t.stop();
  }
}

async function scale(world: BenchWorld): Promise<void> {
  await seedAccounts(world, SIZES.scaleUsers, 10, 'scale');
  const top: number[] = [];
  const bare: number[] = [];
  const api: number[] = [];
  const rss: number[] = [];
  // Several rounds, each a fresh bot process (the first !top after a start is part of what is measured).
  for (let r = 0; r < ROUNDS; r++) {
    await withBot(world, async (bot) => {
      await timeReplies(world.fake, SIZES.scaleSamples, COMMAND_SPACING_MS, (i) => ({ login: `giver${2000 + r * 100 + i}`, text: i % 2 ? '!top tokens' : '!top' }), top);
      for (let i = 0; i < SIZES.scaleSamples * 3; i++) {
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${world.webPort}/api/leaderboard`, { headers: { authorization: `Bearer ${API_TOKEN}`, host: `127.0.0.1:${world.webPort}` } });
        await res.arrayBuffer();
        if (res.ok) api.push(performance.now() - t0);
        else if (i === 0 && r === 0) notes.push(`GET /api/leaderboard answered ${res.status}`);
      }
      rss.push(bot.rssMb());
    });
    // No chat flows in this section: the echo is the machine's round trip from idle, as `!top`'s is.
    await echoRound(world, `topechoer${r}x`, 0, SIZES.scaleSamples, bare);
  }
  samples('!top', top);
  samples('!top, bare echo', bare);
  samples('GET /api/leaderboard', api);
  const p99Top = percentile(top, 99);
  const p99Api = percentile(api, 99);
  const users = SIZES.scaleUsers.toLocaleString('en');
  rows.push({ name: `!top with ${users} accounts (ms, p99)`, value: fmt(p99Top, 2), baseline: `${fmt(percentile(bare, 99), 2)} bare echo`, target: '≤ 10 ms', ok: p99Top <= 10 });
  rows.push({ name: `GET /api/leaderboard with ${users} accounts (ms, p99)`, value: fmt(p99Api, 2), target: '≤ 10 ms', ok: api.length ? p99Api <= 10 : undefined });
  const mem = median(rss);
  rows.push({ name: `resident memory with ${users} accounts (MB)`, value: fmt(mem, 0), target: '≤ 200 MB', ok: mem <= 200 });
}

/**
 * Answer matching off the hot path (issue 16): a game runs while every chat message is a wrong answer (the
 * background chat, `chatRate` msg/s), and a viewer types the right one; the round trip of the threaded
 * winner announcement, beside a `!balance` timed just before each game under the same chat. Each sample is a
 * word scramble started over the API (`POST /api/games/start`) with a known word, answered the commands'
 * spacing after its question. Interleaved, the two face
 * the same moments of the bot and the host, and their p99s are taken over the same 300 samples (the 4th
 * largest each: with 30 games a round, the win's p99 was its maximum, one stall of the host).
 */
const WARM_UP_GAMES = 5;

async function games(world: BenchWorld): Promise<void> {
  const wins: number[] = [];
  const balances: number[] = [];
  const web = `http://127.0.0.1:${world.webPort}`;
  const headers = { authorization: `Bearer ${API_TOKEN}`, host: `127.0.0.1:${world.webPort}`, 'content-type': 'application/json' };
  const scrambles = () => world.fake.botMessages.filter((m) => !m.dropped && m.text.startsWith('Word scramble!')).length;
  for (let r = 0; r < ROUNDS; r++) {
    await withBot(world, async (bot) => {
      const chat = backgroundChat(world.fake, SIZES.chatRate);
      try {
        // Warm-up as for !balance: the first games compile the engine's and the economy's write paths (the
        // first win of a fresh process took 29 ms, the next two 6-9 ms, then 2-4 ms); they are not measured.
        for (let i = -WARM_UP_GAMES; i < SIZES.gameSamples; i++) {
          // Three lines (the balance, the scramble, the winner): a reply the outbox held back for room in
          // Twitch's window would time the limit, not the bot.
          await roomToSend(world, 5);
          await timeReplies(world.fake, 1, COMMAND_SPACING_MS, () => ({ login: `giver${3000 + r * 300 + i + WARM_UP_GAMES}`, text: '!balance' }), i < 0 ? [] : balances);
          const before = scrambles();
          const marker = bot.mark();
          const res = await fetch(`${web}/api/games/start`, { method: 'POST', headers, body: JSON.stringify({ type: 'scramble', options: { word: 'baguette' } }) });
          if (!res.ok) {
            notes.push(`games: POST /api/games/start answered ${res.status}: ${await res.text()}`);
            break;
          }
          const announced = await waitUntil(() => scrambles() > before, 40_000, 'the scramble to be announced').then(
            () => true,
            (err: Error) => {
              // Reported with what the bot said and logged, and the round ends: the other figures still count.
              const last = world.fake.botMessages.slice(-5).map((m) => `${m.dropped ? '(dropped) ' : ''}${m.text}`);
              notes.push(`games: ${err.message} (game ${i} of round ${r}); the bot's last messages: ${JSON.stringify(last)}; it logged: ${bot.since(marker).slice(-1500).replace(/\s+/g, ' ')}`);
              return false;
            },
          );
          if (!announced) break;
          // A viewer reads the word before typing it: the answer comes the commands' spacing after the
          // question, as each !balance comes after the command before it. Sent the instant the question
          // arrives, it raced the start's own last steps (the API's answer, the dashboard's update).
          await sleep(COMMAND_SPACING_MS);
          await timeReplies(world.fake, 1, COMMAND_SPACING_MS, () => ({ login: `winner${r}x${i}`, text: 'baguette' }), i < 0 ? [] : wins);
        }
      } finally {
        chat.stop();
      }
    });
  }
  samples('game winner, !balance', balances);
  samples('game winner', wins);
  const p99Win = percentile(wins, 99);
  const p99Balance = percentile(balances, 99);
  rows.push({
    name: `game winner announcement under ${SIZES.chatRate} msg/s of wrong answers (ms, p99)`,
    value: fmt(p99Win, 2),
    baseline: `${fmt(p99Balance, 2)} !balance, interleaved`,
    ratio: fmt(p99Win / p99Balance, 2),
    target: 'ratio ≤ 1 (within the !balance p99)',
    ok: wins.length ? p99Win <= p99Balance : undefined,
  });
  if (wins.length < ROUNDS * SIZES.gameSamples) notes.push(`games: only ${wins.length} of ${ROUNDS * SIZES.gameSamples} winner announcements arrived`);
}

function table(): string {
  const head = ['benchmark', 'BakeBot', 'baseline', 'ratio', 'target', ''];
  const body = rows.map((r) => [r.name, r.value, r.baseline ?? '', r.ratio ?? '', r.target, r.ok === undefined ? '?' : r.ok ? 'ok' : 'MISSED']);
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((c, i) => c.padEnd(w[i] ?? 0)).join('  ')).join('\n');
}

async function eventsub(world: BenchWorld): Promise<void> {
  const runs: StormResult[] = [];
  for (let r = 0; r < ROUNDS; r++) runs.push(await eventsubStorm(world, SIZES.eventsub));
  const rate = median(runs.map((x) => x.rate));
  const bare = median(runs.map((x) => x.bareRate));
  const p99 = median(runs.map((x) => x.p99));
  const doubles = runs.reduce((s, x) => s + x.doublePays, 0);
  const missing = runs.reduce((s, x) => s + x.missing, 0);
  rows.push({ name: `EventSub storm of ${SIZES.eventsub} (a fifth redelivered), credited events/s`, value: fmt(rate), baseline: `${fmt(bare)} bare twurple`, ratio: fmt(rate / bare, 2), target: '', ok: undefined });
  rows.push({ name: 'EventSub event → committed credit (ms, p99)', value: fmt(p99, 1), target: '', ok: undefined });
  rows.push({ name: 'EventSub double pays / missing credits', value: `${doubles} / ${missing}`, target: '0 / 0', ok: doubles === 0 && missing === 0 });
}

async function main(): Promise<void> {
  // The fake Twitch server times every reply: its own helper threads must not preempt it (as in the bot).
  batchV8Helpers((moved, skipped) => notes.push(`bench process: ${moved.length ? `V8's ${moved.length} helper threads run as batch threads` : `V8's helper threads keep their class (${skipped ?? ''})`}`));
  const world = await makeWorld();
  const t0 = performance.now();
  const hog = contended ? cpuHog() : undefined;
  try {
    log('preparing (migrations, 5,000 seeded accounts)…');
    await prepare(world);
    notes.push(await hostStalls(smoke ? 2000 : 10_000, contended ? 'beside the hog' : 'alone'));
    log('ingest…');
    if (wanted('ingest')) await ingest(world);
    log('command latency…');
    if (wanted('latency')) await latency(world);
    log('economy…');
    if (wanted('economy')) await economy(world);
    log('hot reload…');
    if (wanted('hotReload')) await hotReload(world);
    log('reload memory…');
    if (wanted('reloadMemory')) await reloadMemory();
    log('games…');
    if (wanted('games')) await games(world);
    log(`scale (${SIZES.scaleUsers} accounts)…`);
    if (wanted('scale')) await scale(world);
    log(`EventSub storm (${SIZES.eventsub} events)…`);
    if (wanted('eventsub')) await eventsub(world);
    const start = median(startups.map((x) => x.ms));
    rows.push({ name: 'start-up to ready (ms, median)', value: fmt(start), target: '≤ 400 ms', ok: startups.length ? start <= 400 : undefined });
    const typical = [...startups].sort((a, b) => a.ms - b.ms)[Math.floor((startups.length - 1) / 2)];
    if (typical?.steps) notes.push(`start-up steps (ms) of the median start: ${typical.steps}`);
  } finally {
    hog?.stop();
    await world.fake.close();
    rmSync(world.dir, { recursive: true, force: true });
  }
  const out = table();
  process.stdout.write(`${out}\n`);
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  process.stdout.write(`(${ROUNDS} round(s)${contended ? ', contended: one core kept busy' : ''}, ${fmt((performance.now() - t0) / 1000)} s, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'})\n`);
  if (!smoke && !only) {
    const { updateBenchmarksDoc } = await import('./report.ts');
    updateBenchmarksDoc(out, notes, contended);
  }
}

await main();
// The bare twurple EventSub listener (the storm's baseline) keeps a ten-minute timer per event id it saw:
// the report is written, so end here instead of waiting for them.
process.exit(0);
