// The economy service as dependents use it: the ledger rules, idempotency, escrow, shared transactions,
// events with the Owner pattern, the dashboard's queries, and privacy.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../core/bot.ts';
import type { Owner } from '../../../core/types.ts';
import { FakeClock, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { isEconomyError, type EconomyService, type LevelUp, type TokensChange } from '../service.ts';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? `no code: ${(err as Error).message}`;
  }
  return undefined;
}

function fakeOwner(name = 'shop'): Owner & { dispose(): Promise<void> } {
  const fns: (() => void | Promise<void>)[] = [];
  return {
    name,
    onDispose: (fn) => void fns.push(fn),
    async dispose() {
      for (const fn of fns.reverse()) await fn();
    },
  };
}

describe('economy: service', function () {
  this.timeout(20000);
  let t: TestBot;
  let eco: EconomyService;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock('2026-01-15T12:00:00Z');
    t = await startTestBot({ plugins: ['economy'], clock, config: { bot: { commandCooldown: 0 } } });
    eco = t.service('economy');
  });
  afterEach(async () => {
    await t.stop();
  });

  it('credit and debit write a ledger row with the balance after, in the same transaction', async () => {
    const c = await eco.credit('u1', 50, { reason: 'won a duel', source: 'minigames', actor: 'system' });
    expect(c).to.include({ userId: 'u1', kind: 'credit', delta: 50, balanceAfter: 50, reason: 'won a duel', source: 'minigames', actor: 'system' });
    const d = await eco.debit('u1', 20, { reason: 'bought Cookie', source: 'shop' });
    expect(d).to.include({ kind: 'debit', delta: -20, balanceAfter: 30, actor: 'shop' });
    expect(await eco.balance('u1')).to.equal(30);
    expect((await eco.history('u1')).map((e) => e.delta)).to.deep.equal([-20, 50]);
  });

  it('refuses bad amounts and overdrafts with typed codes; nothing changes', async () => {
    await eco.credit('u1', 10, { reason: 'x' });
    expect(await codeOf(eco.credit('u1', 0, { reason: 'x' }))).to.equal('INVALID_AMOUNT');
    expect(await codeOf(eco.credit('u1', -1, { reason: 'x' }))).to.equal('INVALID_AMOUNT');
    expect(await codeOf(eco.credit('u1', 1.5, { reason: 'x' }))).to.equal('INVALID_AMOUNT');
    expect(await codeOf(eco.credit('u1', Number.NaN, { reason: 'x' }))).to.equal('INVALID_AMOUNT');
    expect(await codeOf(eco.credit('u1', 1e13, { reason: 'x' }))).to.equal('INVALID_AMOUNT');
    let err: unknown;
    await eco.debit('u1', 11, { reason: 'x' }).catch((e: unknown) => (err = e));
    expect(isEconomyError(err, 'INSUFFICIENT_FUNDS')).to.equal(true);
    expect(err).to.include({ code: 'INSUFFICIENT_FUNDS', userId: 'u1', balance: 10, needed: 11 });
    expect(await codeOf(eco.debit('nobody', 1, { reason: 'x' }))).to.equal('INSUFFICIENT_FUNDS');
    expect(await codeOf(eco.transfer('u1', 'u1', 1, { reason: 'x' }))).to.equal('SAME_USER');
    expect(await codeOf(eco.transfer('u1', 'u2', 11, { reason: 'x' }))).to.equal('INSUFFICIENT_FUNDS');
    expect(await eco.balance('u1')).to.equal(10);
    expect(await eco.history('u1')).to.have.length(1);
  });

  it('the database refuses a negative balance and edits of the ledger', async () => {
    await eco.credit('u1', 5, { reason: 'x' });
    let err: unknown;
    await t.storage.run("UPDATE economy_accounts SET tokens = -1 WHERE user_id = 'u1'").catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/CHECK constraint failed/);
    err = undefined;
    await t.storage.run('UPDATE economy_ledger SET delta = 500').catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/append-only/);
    err = undefined;
    await t.storage.run('DELETE FROM economy_ledger').catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/append-only/);
  });

  it('a repeated idempotency key applies once and returns the original result', async () => {
    const a = await eco.credit('u1', 5, { reason: 'order', key: 'shop:order:1' });
    const b = await eco.credit('u1', 5, { reason: 'order', key: 'shop:order:1' });
    expect(b).to.deep.equal(a);
    await eco.credit('u2', 100, { reason: 'seed' });
    const all = await Promise.all([1, 2, 3].map(() => eco.transfer('u2', 'u1', 7, { reason: 'gift', key: 'give:msg-1' })));
    expect(all[1]).to.deep.equal(all[0]);
    expect(all[2]).to.deep.equal(all[0]);
    expect(await eco.balance('u1')).to.equal(12);
    expect(await eco.balance('u2')).to.equal(93);
    const h = await eco.hold('u2', 10, { reason: 'bet', key: 'duel:1:u2' });
    expect(await eco.hold('u2', 10, { reason: 'bet', key: 'duel:1:u2' })).to.deep.equal(h);
    expect(await eco.balance('u2')).to.equal(83);
  });

  it('transfers move tokens atomically between two accounts', async () => {
    await eco.credit('a', 10, { reason: 'seed' });
    const r = await eco.transfer('a', 'b', 4, { reason: 'gift' });
    expect(r.amount).to.equal(4);
    expect(r.from).to.include({ userId: 'a', delta: -4, balanceAfter: 6, counterparty: 'b', kind: 'transfer', actor: 'a' });
    expect(r.to).to.include({ userId: 'b', delta: 4, balanceAfter: 4, counterparty: 'a', kind: 'transfer' });
    expect(r.to.key).to.equal(`${r.from.key}#2`);
  });

  it('escrow: hold, release and payout keep check() exact', async () => {
    await eco.credit('p1', 100, { reason: 'seed' });
    await eco.credit('p2', 100, { reason: 'seed' });
    const h1 = await eco.hold('p1', 30, { reason: 'duel stake', source: 'minigames' });
    const h2 = await eco.hold('p2', 30, { reason: 'duel stake', source: 'minigames' });
    expect(h1).to.include({ userId: 'p1', amount: 30, state: 'held' });
    expect(await eco.getAccount('p1')).to.include({ tokens: 70, held: 30 });
    expect((await eco.stats()).escrowed).to.equal(60);
    expect(await codeOf(eco.hold('p1', 71, { reason: 'x' }))).to.equal('INSUFFICIENT_FUNDS');
    let check = await eco.check();
    expect(check.ok, JSON.stringify(check)).to.equal(true);
    const paid = await eco.payout([h1.id, h2.id], 'p2', { reason: 'won the duel' });
    expect(paid.amount).to.equal(60);
    expect(paid.entries.map((e) => [e.userId, e.delta, e.escrowId])).to.deep.equal([['p2', 30, h1.id], ['p2', 30, h2.id]]);
    expect(await eco.getAccount('p2')).to.include({ tokens: 130, held: 0 });
    expect(await eco.getAccount('p1')).to.include({ tokens: 70, held: 0 });
    // The same payout again (a retry): the same answer, nothing paid twice.
    expect(await eco.payout([h1.id, h2.id], 'p2')).to.deep.equal(paid);
    expect(await codeOf(eco.payout([h1.id], 'p1'))).to.equal('ESCROW_SETTLED');
    expect(await codeOf(eco.release(h1.id))).to.equal('ESCROW_SETTLED');
    expect(await codeOf(eco.release(999))).to.equal('ESCROW_NOT_FOUND');
    const h3 = await eco.hold('p1', 20, { reason: 'raffle' });
    const rel = await eco.release(h3.id);
    expect(rel.state).to.equal('released');
    expect(await eco.release(h3.id)).to.include({ state: 'released' });
    expect(await eco.balance('p1')).to.equal(70);
    check = await eco.check();
    expect(check.ok, JSON.stringify(check)).to.equal(true);
    expect((await eco.stats()).escrowed).to.equal(0);
  });

  it('check() finds a balance that does not match its ledger', async () => {
    await eco.credit('u1', 5, { reason: 'x' });
    await t.storage.run("UPDATE economy_accounts SET tokens = 6 WHERE user_id = 'u1'");
    const r = await eco.check();
    expect(r.ok).to.equal(false);
    expect(r.mismatches).to.deep.equal([{ userId: 'u1', balance: 6, ledgerSum: 5 }]);
    // `npm run economy:check` on the same database says so too, and exits 1.
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'plugins/economy/check.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, BAKEBOT_DATA_DIR: path.join(t.dir, 'data') },
      encoding: 'utf8',
    });
    expect(cli.stdout).to.contain('user u1: balance 6, ledger sum 5 (off by 1)');
    expect(cli.stdout).to.match(/FAILED: 1 problem\(s\) in 1 accounts and 1 ledger rows\./);
    expect(cli.status).to.equal(1);
  });

  it('transaction(): a dependent debits and writes its own table in one transaction', async () => {
    await t.storage.run('CREATE TABLE shop_orders (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, item TEXT NOT NULL)');
    await eco.credit('buyer', 50, { reason: 'seed' });
    const order = await eco.transaction(async (tx, e) => {
      await e.debit('buyer', 20, { reason: 'bought Cookie', source: 'shop', key: 'shop:order:1' });
      const { lastID } = await tx.run('INSERT INTO shop_orders (user_id, item) VALUES (?, ?)', ['buyer', 'Cookie']);
      return lastID;
    });
    expect(order).to.equal(1);
    // A failure after the debit rolls back the debit too.
    const failed = await codeOf(
      eco.transaction(async (tx, e) => {
        await e.debit('buyer', 20, { reason: 'bought Cake', source: 'shop' });
        await tx.run('INSERT INTO shop_orders (user_id, item) VALUES (?, NULL)', ['buyer']);
      }),
    );
    expect(failed).to.equal('SQLITE_CONSTRAINT');
    expect(await eco.balance('buyer')).to.equal(30);
    expect(await t.storage.all('SELECT * FROM shop_orders')).to.have.length(1);
    // A caught economy error inside leaves nothing half done, and the rest commits.
    const r = await eco.transaction(async (tx, e) => {
      const err = await codeOf(e.transfer('buyer', 'friend', 31, { reason: 'too much' }));
      // Refusals for a viewer without an account open none (they write nothing, so they can be caught).
      expect(await codeOf(e.adjust('newcomer', -5, { reason: 'fine' }))).to.equal('INSUFFICIENT_FUNDS');
      expect(await codeOf(e.setXp('newcomer', -1, { reason: 'bad' }))).to.equal('INVALID_AMOUNT');
      await e.credit('buyer', 1, { reason: 'consolation' });
      return err;
    });
    expect(await eco.getAccount('newcomer')).to.equal(undefined);
    expect(r).to.equal('INSUFFICIENT_FUNDS');
    expect(await eco.balance('buyer')).to.equal(31);
    expect(await eco.getAccount('friend')).to.equal(undefined);
    expect((await eco.check()).ok).to.equal(true);
  });

  it('transaction(): a call that fails after writing fails the whole transaction, even when caught', async () => {
    await eco.credit('buyer', 50, { reason: 'seed' });
    // The ledger refuses one row after the balance has changed: the call fails half-way through its writes.
    await t.storage.run("CREATE TRIGGER refuse_row BEFORE INSERT ON economy_ledger WHEN NEW.reason = 'refused' BEGIN SELECT RAISE(ABORT, 'the ledger refused it'); END");
    const events: number[] = [];
    const owner = fakeOwner();
    eco.onTokensChanged(owner, (c) => void events.push(c.delta));
    let caught: string | undefined;
    let after: string | undefined;
    const failed = await codeOf(
      eco.transaction(async (_tx, e) => {
        await e.credit('buyer', 7, { reason: 'kept if the transaction commits' });
        caught = await codeOf(e.debit('buyer', 20, { reason: 'refused' }));
        after = await codeOf(e.credit('buyer', 1, { reason: 'after the failure' })); // refused: nothing commits anyway
      }),
    );
    expect(caught).to.equal('SQLITE_CONSTRAINT');
    expect(after).to.equal('TRANSACTION_FAILED');
    expect(failed).to.equal('TRANSACTION_FAILED');
    // The balance moved by the failed call and the credit before it are both rolled back; no event fired.
    expect(await eco.balance('buyer')).to.equal(50);
    expect(await t.storage.all("SELECT * FROM economy_ledger WHERE user_id = 'buyer' AND reason <> 'seed'")).to.deep.equal([]);
    expect(events).to.deep.equal([]);
    expect((await eco.check()).ok).to.equal(true);
    await owner.dispose();
  });

  it('onTokensChanged / onLevelUp: after commit, removed when the owner unloads', async () => {
    const owner = fakeOwner();
    const changes: TokensChange[] = [];
    const levels: LevelUp[] = [];
    const seenBalances: number[] = [];
    eco.onTokensChanged(owner, async (c) => {
      changes.push(c);
      seenBalances.push(await eco.balance(c.userId)); // committed before the event
    });
    eco.onLevelUp(owner, (l) => void levels.push(l));
    eco.onTokensChanged(owner, () => {
      throw new Error('a broken listener does not break the economy');
    });
    await eco.credit('u1', 5, { reason: 'x', source: 'shop' });
    await eco.awardWin('u1', { reason: 'won trivia', source: 'minigames' });
    await eco.addXp('u1', 100, { reason: 'bonus' });
    await codeOf(eco.transaction(async (_tx, e) => {
      await e.credit('u1', 1000, { reason: 'rolled back' });
      throw new Error('nope');
    }));
    await t.idle();
    expect(changes.map((c) => [c.userId, c.delta, c.balance, c.kind, c.source])).to.deep.equal([
      ['u1', 5, 5, 'credit', 'shop'],
      ['u1', 5, 10, 'credit', 'minigames'],
    ]);
    expect(seenBalances).to.deep.equal([5, 10]);
    expect(levels).to.deep.equal([{ userId: 'u1', previousLevel: 1, level: 2, xp: 125 }]);
    await owner.dispose();
    await eco.credit('u1', 5, { reason: 'x' });
    await t.idle();
    expect(changes).to.have.length(2);
  });

  it('awardWin pays tokensPerWin and xpPerWin and counts the win; setTokens and setXp go through the ledger', async () => {
    const w = await eco.awardWin('u1', { reason: 'won the heist', source: 'minigames' });
    expect(w.tokens).to.equal(5);
    expect(w.xp).to.equal(25);
    expect(w.account).to.include({ tokens: 5, xp: 25, wins: 1 });
    expect(w.entry).to.include({ kind: 'credit', delta: 5, xpDelta: 25 });
    const set = await eco.setTokens('u1', 40, { reason: 'dashboard edit', actor: 'dashboard' });
    expect(set).to.include({ kind: 'admin', delta: 35, balanceAfter: 40, actor: 'dashboard' });
    expect(await eco.setTokens('u1', 40, { reason: 'same' })).to.equal(null);
    await eco.setTokens('u1', 0, { reason: 'reset' });
    expect(await eco.balance('u1')).to.equal(0);
    const acc = await eco.setXp('u1', 10, { reason: 'fix', actor: 'dashboard' });
    expect(acc).to.include({ xp: 10, level: 1 });
    expect((await eco.history('u1', 1))[0]).to.include({ xpDelta: -15, delta: 0, actor: 'dashboard' });
    expect((await eco.check()).ok).to.equal(true);
  });

  it('awardWin: the account it returns is the one getAccount reads; once per key; an excluded account is not paid unless allowed', async () => {
    await t.bot.users.ensure({ id: 'local:alice', login: 'alice', displayName: 'Alice' });
    const first = await eco.awardWin('local:alice', { reason: 'won', source: 'minigames', key: 'game:1:win' });
    expect(first.account).to.deep.equal(await eco.getAccount('local:alice'));
    expect(first.account).to.include({ login: 'alice', displayName: 'Alice', tokens: 5, xp: 25, wins: 1 });
    const again = await eco.awardWin('local:alice', { reason: 'won', source: 'minigames', key: 'game:1:win' });
    expect(again).to.deep.include({ tokens: 5, xp: 25, entry: first.entry });
    expect(again.account).to.include({ tokens: 5, wins: 1 });
    // An account the win opens: no names known, and the same as getAccount's.
    const fresh = await eco.awardWin('u9', { reason: 'won', tokens: 7, xp: 0 });
    expect(fresh.account).to.deep.equal(await eco.getAccount('u9'));
    expect(fresh.account).to.include({ login: 'u9', tokens: 7, xp: 0, wins: 1 });

    await eco.setExcluded('local:alice', true);
    expect(eco.isExcluded('local:alice')).to.equal(true);
    const skipped = await eco.awardWin('local:alice', { reason: 'won', source: 'minigames', key: 'game:2:win' });
    expect(skipped).to.deep.include({ tokens: 0, xp: 0, entry: null });
    expect(skipped.account).to.include({ tokens: 5, wins: 1, excluded: true });
    const allowed = await eco.awardWin('local:alice', { reason: 'won', source: 'minigames', key: 'game:3:win', allowExcluded: true });
    expect(allowed.account).to.include({ tokens: 10, wins: 2 });
    await eco.setExcluded('local:alice', false);
    expect(eco.isExcluded('local:alice')).to.equal(false);
    expect((await eco.check()).ok).to.equal(true);
  });

  it('survives a hot reload: same books, commands and service work again', async () => {
    await eco.credit('u1', 9, { reason: 'x' });
    await t.host.reload('economy');
    const again = t.service('economy');
    expect(again).to.not.equal(eco);
    expect(await again.balance('u1')).to.equal(9);
    expect(await t.ask('alice', '!daily')).to.match(/^Daily bonus: \+10 tokens/);
    expect((await again.check()).ok).to.equal(true);
  });

  it('findAccount by login or id; getAccount of a known user without an account is a zero account', async () => {
    // Known, not by chatting: a chat message would earn XP (and make an account) once its batch is written.
    await t.bot.users.ensure({ id: 'local:alice', login: 'alice' });
    expect(await eco.getAccount('local:alice')).to.include({ userId: 'local:alice', login: 'alice', tokens: 0, xp: 0, level: 1 });
    await eco.credit('local:alice', 3, { reason: 'x' });
    expect(await eco.findAccount('@Alice')).to.include({ userId: 'local:alice', tokens: 3 });
    expect(await eco.findAccount('local:alice')).to.include({ login: 'alice' });
    expect(await eco.findAccount('nobody')).to.equal(undefined);
  });

  it('listAccounts: search, sort, order, pages and total for the dashboard', async () => {
    for (let i = 1; i <= 12; i++) {
      const login = `user${String(i).padStart(2, '0')}`;
      t.say({ login, userId: `id${i}` }, 'hi');
      await eco.credit(`id${i}`, i * 10, { reason: 'seed' });
    }
    await t.bot.users.flush();
    const page1 = await eco.listAccounts({ sort: 'tokens', order: 'desc', page: 1, limit: 5 });
    expect(page1.total).to.equal(12);
    expect(page1.rows.map((r) => r.tokens)).to.deep.equal([120, 110, 100, 90, 80]);
    const page3 = await eco.listAccounts({ sort: 'tokens', order: 'desc', page: 3, limit: 5 });
    expect(page3.rows.map((r) => r.tokens)).to.deep.equal([20, 10]);
    const asc = await eco.listAccounts({ sort: 'login', order: 'asc', limit: 3 });
    expect(asc.rows.map((r) => r.login)).to.deep.equal(['user01', 'user02', 'user03']);
    const found = await eco.listAccounts({ search: '@USER1' });
    expect(found.rows.map((r) => r.login).sort()).to.deep.equal(['user10', 'user11', 'user12']);
    expect(found.total).to.equal(3);
    expect((await eco.listAccounts({ search: 'id7' })).rows.map((r) => r.login)).to.deep.equal(['user07']);
    await eco.setExcluded('id12', true);
    expect((await eco.listAccounts({ includeExcluded: false })).total).to.equal(11);
    expect((await eco.leaderboard('tokens', 2)).map((r) => [r.rank, r.login, r.tokens])).to.deep.equal([[1, 'user11', 110], [2, 'user10', 100]]);
    expect((await eco.leaderboard('tokens', 2, 2)).map((r) => r.rank)).to.deep.equal([3, 4]);
    expect(await eco.rankOf('id9', 'tokens')).to.equal(3);
    expect(await eco.rankOf('id12', 'tokens')).to.equal(undefined);
  });

  it('history pages back; stats; circulation and top earners for the charts', async () => {
    await eco.credit('a', 100, { reason: 'seed' });
    await clock.advance(86_400_000 + 1_000);
    await eco.credit('b', 50, { reason: 'seed' });
    await eco.debit('a', 30, { reason: 'shop' });
    await eco.transfer('a', 'b', 20, { reason: 'gift' });
    await eco.hold('b', 10, { reason: 'bet' });
    const h = await eco.history('a', 2);
    expect(h.map((e) => e.delta)).to.deep.equal([-20, -30]);
    expect((await eco.history('a', 2, h[1]?.id)).map((e) => e.delta)).to.deep.equal([100]);
    const stats = await eco.stats();
    expect(stats).to.deep.equal({ users: 2, excludedUsers: 0, tokensInCirculation: 110, totalXp: 0, ledgerRows: 6, escrowed: 10, openEscrows: 1 });
    const circ = await eco.circulationOverTime(3);
    expect(circ).to.deep.equal([
      { day: '2026-01-14', circulation: 0, created: 0, destroyed: 0 },
      { day: '2026-01-15', circulation: 100, created: 100, destroyed: 0 },
      { day: '2026-01-16', circulation: 120, created: 50, destroyed: 30 },
    ]);
    const top = await eco.topEarners(1);
    expect(top.map((r) => [r.userId, r.earned])).to.deep.equal([['b', 50]]);
    expect((await eco.topEarners(7)).map((r) => [r.userId, r.earned])).to.deep.equal([['a', 100], ['b', 50]]);
  });

  it('exportUser and deleteUser: data goes, anonymous ledger rows stay and still add up', async () => {
    t.say('alice', 'hi');
    await t.idle();
    await eco.credit('local:alice', 40, { reason: 'seed' });
    await eco.credit('bob', 40, { reason: 'seed' });
    await eco.transfer('bob', 'local:alice', 5, { reason: 'gift' });
    const bet = await eco.hold('local:alice', 15, { reason: 'bet' });
    const ex = await eco.exportUser('local:alice');
    expect(ex.user?.login).to.equal('alice');
    expect(ex.account).to.include({ tokens: 30, held: 15 });
    expect(ex.ledger.map((e) => e.kind)).to.deep.equal(['credit', 'transfer', 'hold']);
    expect(ex.escrows.map((e) => e.id)).to.deep.equal([bet.id]);
    const del = await eco.deleteUser('local:alice');
    expect(del).to.include({ tokensClosed: 45, userForgotten: true, chatMessagesDeleted: 0, ledgerRowsAnonymized: 5 });
    expect(del.anonymousId).to.match(/^anon-[0-9a-f]{16}$/);
    expect(await eco.getAccount('local:alice')).to.equal(undefined);
    const anonRows = await eco.history(del.anonymousId, 10);
    expect(anonRows.map((e) => e.kind)).to.deep.equal(['close', 'release', 'hold', 'transfer', 'credit']);
    expect(anonRows.reduce((s, e) => s + e.delta, 0)).to.equal(0);
    expect((await eco.history('bob', 1))[0]?.counterparty).to.equal(del.anonymousId);
    // Stable: the same user id always maps to the same anonymous id.
    await eco.credit('local:alice', 1, { reason: 'came back' });
    expect((await eco.deleteUser('local:alice')).anonymousId).to.equal(del.anonymousId);
    const check = await eco.check();
    expect(check.ok, JSON.stringify(check)).to.equal(true);
  });
});
