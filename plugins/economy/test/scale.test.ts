// A million accounts: !top and !balance answer from indexes (no full scan), and fast.
import { expect } from 'chai';
import { startTestBot, type TestBot, type Viewer } from '../../../test/support/kit.ts';
import { ACCOUNT_BY_ID_SQL, leaderboardSql, rankSql } from '../queries.ts';

const ACCOUNTS = 1_000_000;

describe('economy: a million accounts', function () {
  this.timeout(120000);
  let t: TestBot;

  before(async () => {
    t = await startTestBot({ plugins: ['economy'], config: { bot: { commandCooldown: 0 } } });
    const db = t.storage;
    // Build the rows first and the indexes after (as a bulk import would): the same indexes, from
    // sqlite_master, so the plans below are the plans of the real schema.
    const indexes = await db.all<{ name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('economy_accounts', 'users') AND sql IS NOT NULL",
    );
    await db.transaction(async (tx) => {
      for (const i of indexes) await tx.exec(`DROP INDEX ${i.name}`);
      await tx.exec('PRAGMA cache_size = -200000');
      await tx.run(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ACCOUNTS})
         INSERT INTO economy_accounts (user_id, xp, tokens, wins, is_excluded, created_at, updated_at)
         SELECT printf('u%07d', i), abs(random()) % 1000000, abs(random()) % 100000, i % 7, i % 1000 = 0, 0, 0 FROM n`,
      );
      await tx.run(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ACCOUNTS})
         INSERT INTO users (id, login, display_name, first_seen, last_seen) SELECT printf('u%07d', i), printf('viewer%07d', i), '', 0, 0 FROM n`,
      );
      for (const i of indexes) await tx.exec(i.sql);
    });
    // No ANALYZE: a bot's database usually has no statistics, and the plans must not depend on them.
  });
  after(async () => {
    await t.stop();
  });

  async function plan(sql: string, params: (string | number)[]): Promise<string> {
    const rows = await t.storage.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params);
    return rows.map((r) => r.detail).join('\n');
  }

  for (const by of ['xp', 'tokens', 'wins'] as const) {
    it(`the ${by} leaderboard walks its index: no scan of economy_accounts, no sort`, async () => {
      const p = await plan(leaderboardSql(by), [5, 0]);
      if (process.env.SHOW_PLANS) console.log(p);
      expect(p).to.match(new RegExp(`(SCAN|SEARCH) a USING (COVERING )?INDEX idx_economy_accounts_${by}`));
      expect(p).to.not.match(/SCAN (economy_accounts|a)$/m);
      expect(p).to.not.match(/TEMP B-TREE/);
      expect(p).to.match(/SEARCH u USING INDEX sqlite_autoindex_users_1 \(id=\?\)|SEARCH u USING .*\(id=\?\)/);
      const rp = await plan(rankSql(by), [10]);
      expect(rp).to.match(new RegExp(`SEARCH economy_accounts USING COVERING INDEX idx_economy_accounts_${by}`));
    });
  }

  it('a balance is one primary-key lookup', async () => {
    const p = await plan(ACCOUNT_BY_ID_SQL, ['u0000042']);
    expect(p).to.match(/SEARCH a USING PRIMARY KEY \(user_id=\?\)/);
    expect(p).to.not.match(/SCAN/);
  });

  it('!top and !balance answer quickly', async () => {
    const viewer: Viewer = { login: 'viewer0000042', userId: 'u0000042' };
    let started = Date.now();
    const top = await t.ask(viewer, '!top');
    const topMs = Date.now() - started;
    expect(top).to.match(/^Top by XP: 1\. viewer\d{7} \(Lv \d+, [\d,]+ XP\)( · \d\. viewer\d{7} \(Lv \d+, [\d,]+ XP\)){4}$/);
    started = Date.now();
    const bal = await t.ask(viewer, '!balance');
    const balMs = Date.now() - started;
    expect(bal).to.match(/^viewer0000042, you have [\d,]+ tokens?\.$/);
    const other = await t.ask(viewer, '!tokens @viewer0999999');
    expect(other).to.match(/^viewer0999999 has [\d,]+ tokens?\./);
    expect(await t.ask(viewer, '!top tokens')).to.match(/^Top by tokens: 1\. /);
    expect(topMs, `!top took ${topMs} ms`).to.be.below(500);
    expect(balMs, `!balance took ${balMs} ms`).to.be.below(500);
    const eco = t.service('economy');
    const board = await eco.leaderboard('xp', 5);
    const best = await t.storage.get<{ xp: number }>('SELECT max(xp) AS xp FROM economy_accounts WHERE is_excluded = 0');
    expect(board[0]?.xp).to.equal(best?.xp);
    const page = await eco.listAccounts({ sort: 'tokens', page: 3, limit: 50 });
    expect(page.rows).to.have.length(50);
    expect(page.total).to.equal(ACCOUNTS);
    const found = await eco.listAccounts({ search: 'viewer000004' });
    expect(found.total).to.equal(10);
  });
});
