// The hot reads: `!top` answered from a kept top while nothing the economy changed can have moved it,
// bans applied at once, and the economy's prepared-read connection, which only ever reads the bot's own
// database and falls back to ctx.db when it cannot.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import type { Logger, PluginDb } from '../../../core/types.ts';
import { settle, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { preparedReads } from '../reads.ts';
import type { EconomyService } from '../service.ts';

describe('economy: hot reads', function () {
  this.timeout(20000);
  let t: TestBot;
  let eco: EconomyService;

  beforeEach(async () => {
    t = await startTestBot({ plugins: ['economy'], config: { bot: { commandCooldown: 0 } } });
    eco = t.service('economy');
  });
  afterEach(async () => {
    await t.stop();
  });

  it('!top is kept until the economy changes the board; a ban takes a viewer off at once', async () => {
    for (const [name, tokens] of [['ann', 30], ['ben', 20], ['cat', 10]] as const) {
      t.say(name, 'hi');
      await eco.credit(`local:${name}`, tokens, { reason: 'seed' });
    }
    await settle(300); // core has written the names
    expect(await t.ask('zed', '!top tokens')).to.equal('Top by tokens: 1. ann (30) · 2. ben (20) · 3. cat (10)');
    // Behind the economy's back (nothing does this but a test): the kept top does not see it.
    await t.storage.run("UPDATE economy_accounts SET tokens = 99 WHERE user_id = 'local:cat'");
    expect(await t.ask('zed', '!top tokens')).to.equal('Top by tokens: 1. ann (30) · 2. ben (20) · 3. cat (10)');
    await t.storage.run("UPDATE economy_accounts SET tokens = 10 WHERE user_id = 'local:cat'");
    // A change through the economy is seen by the next !top.
    await eco.transfer('local:ben', 'local:cat', 15, { reason: 'gift' });
    expect(await t.ask('zed', '!top tokens')).to.equal('Top by tokens: 1. ann (30) · 2. cat (25) · 3. ben (5)');
    expect((await eco.leaderboard('tokens', 2)).map((r) => [r.rank, r.login])).to.deep.equal([[1, 'ann'], [2, 'cat']]);
    await t.bot.users.setBanned('local:ann', true);
    expect(await t.ask('zed', '!top tokens')).to.equal('Top by tokens: 1. cat (25) · 2. ben (5)');
    // Paging past the kept rows reads the database.
    expect((await eco.leaderboard('tokens', 5, 1)).map((r) => [r.rank, r.login])).to.deep.equal([[2, 'ben']]);
    expect((await eco.check()).ok).to.equal(true);
    expect(t.bot.logs.recent().some((e) => /prepared reads are off/.test(e.msg))).to.equal(false);
  });

  it('!balance: one row, names from chat; excluded and held tokens shown', async () => {
    await eco.credit('local:amy', 12, { reason: 'seed' });
    await eco.hold('local:amy', 2, { reason: 'bet' });
    expect(await t.ask('amy', '!balance')).to.equal('amy, you have 10 tokens (+2 tokens in open bets).');
    await eco.setExcluded('local:amy', true);
    expect(await t.ask('amy', '!balance')).to.equal('amy, you have 10 tokens (+2 tokens in open bets). (excluded from the economy)');
    expect(await t.ask('newbie', '!balance')).to.equal('newbie, you have 0 tokens.');
  });
});

describe('economy: the prepared-read connection', () => {
  const log: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => log };
  const fallback = (calls: string[]): PluginDb =>
    ({ all: async (sql: string) => (calls.push(sql), [{ from: 'fallback' }]) }) as unknown as PluginDb;

  it('reads only a database with this install\'s salt; otherwise everything goes through ctx.db', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'economy-reads-'));
    try {
      const file = path.join(dir, 'other.sqlite3');
      await new Promise<void>((resolve, reject) => {
        const db = new sqlite3.Database(file, (err) => {
          if (err) return reject(err);
          db.exec("CREATE TABLE economy_meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO economy_meta VALUES ('anonymous_id_salt', 'theirs'); CREATE TABLE x (v); INSERT INTO x VALUES (1);", (e) => db.close(() => (e ? reject(e) : resolve())));
        });
      });
      const calls: string[] = [];
      const wrong = preparedReads(file, 'ours', fallback(calls), log);
      expect(await wrong.opened).to.equal(false);
      expect(await wrong.all('SELECT v FROM x', [])).to.deep.equal([{ from: 'fallback' }]);
      const right = preparedReads(file, 'theirs', fallback(calls), log);
      expect(await right.opened).to.equal(true);
      expect(await right.all('SELECT v FROM x', [])).to.deep.equal([{ v: 1 }]);
      // Concurrent reads of one query, then a failing one (no such table): the failure asks ctx.db.
      expect(await Promise.all([1, 2, 3, 4].map(() => right.all('SELECT v FROM x', [])))).to.deep.equal([[{ v: 1 }], [{ v: 1 }], [{ v: 1 }], [{ v: 1 }]]);
      expect(await right.all('SELECT v FROM nowhere', [])).to.deep.equal([{ from: 'fallback' }]);
      right.close();
      expect(await right.all('SELECT v FROM x', [])).to.deep.equal([{ from: 'fallback' }]);
      expect(await preparedReads(path.join(dir, 'missing.sqlite3'), 'ours', fallback(calls), log).opened).to.equal(false);
      expect(calls).to.deep.equal(['SELECT v FROM x', 'SELECT v FROM nowhere', 'SELECT v FROM x']);
    } finally {
      await settle(50);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
