// The bot as its own process against the fake Twitch: a heist is planned, a burst of viewers join it, and the
// process is SIGKILLed in the middle of the joins. Every join the bot acknowledged must hold its fee in
// escrow with an entry row, no escrow may be without one, the books must balance (`npm run economy:check`'s
// script), and the restarted bot must resume the heist and return every fee when it is stopped.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { CRASH_CHANNEL as CHANNEL, CrashRig } from '../../../test/support/crash-rig.ts';

const ROBBERS = 24;
const SEED = 1000;

describe('minigames: a crash in the middle of a heist', function () {
  this.timeout(120_000);
  let rig: CrashRig;

  before(async () => {
    rig = await CrashRig.create({ name: 'heist-crash', plugins: { economy: {}, minigames: { heist: { joinSeconds: 600, minEntry: 1, maxEntry: 500 } } } });
  });

  after(() => rig.close());

  it('loses no fee: every acknowledged join is held, the books balance, and a stop after the restart returns everything', async () => {
    await rig.start();
    await rig.ask('streamer', '!balance', ['broadcaster']);
    const robbers = Array.from({ length: ROBBERS }, (_, i) => `robber${i}`);
    await rig.introduce(robbers);
    for (const r of robbers) await rig.ask('streamer', `!addtokens @${r} ${SEED}`, ['broadcaster']);

    rig.fake.say(CHANNEL, { login: 'robber0', text: '!heist 100' });
    await rig.waitFor(() => rig.delivered().some((m) => /is planning a bakery heist/.test(m.text)), 10_000, 'the heist to be planned');

    // The burst: everyone else joins at once; kill the bot as soon as a few joins are acknowledged.
    const joins = new Map<string, { login: string; fee: number }>();
    for (let i = 1; i < ROBBERS; i++) joins.set(rig.fake.say(CHANNEL, { login: robbers[i]!, text: `!heist ${10 + i}` }), { login: robbers[i]!, fee: 10 + i });
    const acked = () => rig.delivered().filter((m) => joins.has(m.tags['reply-parent-msg-id'] ?? '') && /^you're in the crew/.test(m.text));
    await rig.waitFor(() => acked().length >= 5, 20_000, 'join acknowledgements');
    await rig.kill('SIGKILL');
    const acknowledged = acked().map((m) => joins.get(m.tags['reply-parent-msg-id'] as string)!);

    await rig.expectBooksBalanced();
    await rig.read(async (db) => {
      const entries = await db.all<{ login: string; amount: number; escrow_id: number }[]>('SELECT login, amount, escrow_id FROM minigames_entries');
      const byLogin = new Map(entries.map((e) => [e.login, e]));
      for (const j of [{ login: 'robber0', fee: 100 }, ...acknowledged]) expect(byLogin.get(j.login)?.amount, `${j.login}'s acknowledged fee`).to.equal(j.fee);
      // Every open escrow of the game is an entry, and the reverse: no fee held without the game knowing it.
      const held = await db.all<{ id: number; amount: number }[]>("SELECT id, amount FROM economy_escrow WHERE state = 'held' AND source = 'minigames' ORDER BY id");
      expect(held.map((h) => [h.id, h.amount])).to.deep.equal(entries.map((e) => [e.escrow_id, e.amount]).sort((a, b) => a[0]! - b[0]!));
      const totals = await db.get<{ tokens: number; held: number }>('SELECT sum(tokens) AS tokens, sum(held) AS held FROM economy_accounts');
      expect(totals!.tokens + totals!.held).to.equal(SEED * ROBBERS);
    });

    // The restarted bot resumes the heist (its window is still open); stopping it returns every fee.
    await rig.start();
    await rig.waitFor(() => rig.delivered().some((m) => /still recruiting/.test(m.text)), 45_000, 'the heist to resume');
    rig.fake.say(CHANNEL, { login: 'streamer', text: '!stopgame', roles: ['broadcaster'] });
    await rig.waitFor(() => rig.delivered().some((m) => /^Bakery heist was stopped by streamer\. Every entry fee is returned\.$/.test(m.text)), 45_000, 'the stop');
    await rig.kill('SIGTERM');
    await rig.expectBooksBalanced();
    const accounts = await rig.read((db) => db.all<{ tokens: number; held: number }[]>("SELECT a.tokens, a.held FROM economy_accounts a JOIN users u ON u.id = a.user_id WHERE u.login LIKE 'robber%'"));
    expect(accounts).to.have.length(ROBBERS);
    for (const a of accounts) expect(a).to.deep.equal({ tokens: SEED, held: 0 });
  });
});

// A plain win is said before its transaction commits (journal.ts). Here the transaction cannot commit: another
// connection holds the database's write lock. The bot must still announce the win, and SIGKILLed then, pay it
// at its next start instead of cancelling the game.
describe('minigames: a crash between a win said and its commit', function () {
  this.timeout(120_000);
  let rig: CrashRig;

  before(async () => {
    rig = await CrashRig.create({ name: 'win-crash', plugins: { economy: {}, minigames: {} } });
  });

  after(() => rig.close());

  it('pays the announced win at the next start, once, with the books balanced', async () => {
    await rig.start();
    await rig.introduce(['cara']);
    rig.fake.say(CHANNEL, { login: 'streamer', text: '!scramble', roles: ['broadcaster'] });
    await rig.waitFor(() => rig.delivered().some((m) => /^Word scramble! Unscramble this/.test(m.text)), 15_000, 'the scramble');
    const row = await rig.waitFor(() => rig.read((db) => db.get<{ state: string }>("SELECT state FROM minigames_games WHERE status = 'running' AND deadline IS NOT NULL")), 15_000, 'the game row');
    const word = (JSON.parse(row.state) as { word: string }).word;

    const lock = await open({ filename: rig.dbFile, driver: sqlite3.Database });
    try {
      await lock.exec('BEGIN IMMEDIATE');
      rig.fake.say(CHANNEL, { login: 'cara', text: word });
      await rig.waitFor(() => rig.delivered().some((m) => m.text === `cara unscrambled it: ${word}!`), 15_000, 'the win to be said');
      await rig.kill('SIGKILL');
    } finally {
      await lock.exec('ROLLBACK').catch(() => undefined);
      await lock.close();
    }
    // Killed before the commit: the game still runs in the database, and the win is in the journal.
    const journal = path.join(path.dirname(rig.dbFile), 'minigames-wins.jsonl');
    expect(readFileSync(journal, 'utf8')).to.match(/"winners":\[\{"userId":"[^"]+","login":"cara"/);
    expect(await rig.read((db) => db.get<{ status: string }>('SELECT status FROM minigames_games'))).to.deep.equal({ status: 'running' });
    await rig.expectBooksBalanced();

    await rig.start();
    const paid = () => rig.read((db) => db.get<{ tokens: number }>("SELECT a.tokens FROM economy_accounts a JOIN users u ON u.id = a.user_id WHERE u.login = 'cara'"));
    await rig.waitFor(async () => (await paid())?.tokens === 5, 30_000, "cara's win to be paid");
    expect(await rig.read((db) => db.get<{ status: string }>('SELECT status FROM minigames_games'))).to.deep.equal({ status: 'won' });
    expect(rig.delivered().filter((m) => /interrupted by a restart/.test(m.text))).to.deep.equal([]);
    expect(readFileSync(journal, 'utf8')).to.equal('');
    await rig.kill('SIGTERM');
    await rig.expectBooksBalanced();
    expect(await paid()).to.deep.equal({ tokens: 5 });
  });
});
