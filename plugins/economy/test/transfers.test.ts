// Transfers are group-committed (transfers.ts): requests that wait for the writer are applied together in one
// transaction. These tests pin what that must not change: every caller gets its own result or typed error,
// decided in arrival order exactly as one transfer after the other would; idempotency keys hold within a
// group and across groups; a failing group takes no innocent transfer down; replies follow the commit; and
// the books balance.
import { expect } from 'chai';
import { FakeClock, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import type { EconomyService, TransferResult } from '../service.ts';

type Settled = { ok: true; value: TransferResult } | { ok: false; code: string; err: Record<string, unknown> };

async function settledAll(work: Promise<TransferResult>[]): Promise<Settled[]> {
  return (await Promise.allSettled(work)).map((s) =>
    s.status === 'fulfilled'
      ? { ok: true, value: s.value }
      : { ok: false, code: String((s.reason as { code?: unknown }).code ?? (s.reason as Error).message), err: s.reason as Record<string, unknown> },
  );
}

/** Sizes of the groups committed so far (the queue logs one debug line per group). */
function groups(t: TestBot): number[] {
  return t.bot.logs
    .recent()
    .map((e) => /one transaction settled (\d+) transfer requests/.exec(e.msg)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

/** Small seeded PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe('economy: transfers in groups (group commit)', function () {
  this.timeout(60000);
  let t: TestBot;
  let eco: EconomyService;

  beforeEach(async () => {
    t = await startTestBot({ plugins: ['economy'], clock: new FakeClock('2026-01-15T12:00:00Z'), config: { bot: { commandCooldown: 0, rateLimitMessages: 100000 } } });
    t.bot.logs.level = 'debug';
    eco = t.service('economy');
  });
  afterEach(async () => {
    await t.stop();
  });

  it('one transaction for transfers asked together; each caller gets its own result or error, in arrival order', async () => {
    await eco.credit('a', 100, { reason: 'seed' });
    await eco.credit('b', 50, { reason: 'seed' });
    await eco.credit('x', 20, { reason: 'seed' });
    await eco.setExcluded('x', true);
    const before = groups(t).length;
    const r = await settledAll([
      eco.transfer('a', 'b', 30, { reason: 'gift' }), // 0: a 70, b 80
      eco.transfer('c', 'a', 5, { reason: 'gift' }), // 1: c has no account
      eco.transfer('b', 'c', 80, { reason: 'gift' }), // 2: needs 0's tokens: b 0, c 80 (c is created)
      eco.transfer('b', 'a', 1, { reason: 'gift' }), // 3: b is empty now
      eco.transfer('a', 'x', 1, { reason: 'gift' }), // 4: receiver excluded
      eco.transfer('x', 'a', 1, { reason: 'gift' }), // 5: sender excluded
      eco.transfer('x', 'a', 2, { reason: 'mod fix', allowExcluded: true }), // 6: allowed: x 18, a 72
      eco.transfer('a', 'newbie', 10, { reason: 'welcome' }), // 7: a 62, newbie 10 (created)
      eco.transfer('newbie', 'c', 10, { reason: 'pass it on' }), // 8: spends what 7 gave: newbie 0, c 90
      eco.transfer('a', 'b', 5, { reason: 'gift', key: 'k1' }), // 9: a 57, b 5
      eco.transfer('a', 'b', 5, { reason: 'gift', key: 'k1' }), // 10: same key: the same answer, not applied again
      eco.transfer('a', 'b', 999, { reason: 'gift', key: 'k2' }), // 11: too much
      eco.transfer('a', 'b', 1, { reason: 'gift', key: 'k2' }), // 12: the key was not used by the failure: a 56, b 6
      eco.transfer('a', 'a', 1, { reason: 'gift' }), // 13: refused before queueing
      eco.transfer('a', 'b', 0, { reason: 'gift' }), // 14: refused before queueing
    ]);
    expect(r.map((s) => (s.ok ? 'ok' : s.code))).to.deep.equal([
      'ok', 'INSUFFICIENT_FUNDS', 'ok', 'INSUFFICIENT_FUNDS', 'ACCOUNT_EXCLUDED', 'ACCOUNT_EXCLUDED', 'ok', 'ok', 'ok', 'ok', 'ok', 'INSUFFICIENT_FUNDS', 'ok', 'SAME_USER', 'INVALID_AMOUNT',
    ]);
    // The 13 queued requests went through one transaction.
    expect(groups(t).slice(before)).to.deep.equal([13]);
    const ok = (i: number) => (r[i] as { value: TransferResult }).value;
    const err = (i: number) => (r[i] as { err: Record<string, unknown> }).err;
    expect(ok(0).from).to.include({ userId: 'a', kind: 'transfer', delta: -30, balanceAfter: 70, counterparty: 'b', actor: 'a', reason: 'gift', source: 'economy', xpDelta: 0, escrowId: null });
    expect(ok(0).to).to.include({ userId: 'b', delta: 30, balanceAfter: 80, counterparty: 'a', key: `${ok(0).from.key}#2` });
    expect(ok(0).from.key).to.match(/^auto:/);
    expect(err(1)).to.include({ userId: 'c', balance: 0, needed: 5 });
    expect(ok(2).to).to.include({ userId: 'c', balanceAfter: 80 });
    expect(err(3)).to.include({ userId: 'b', balance: 0, needed: 1 });
    expect(ok(6).from).to.include({ userId: 'x', balanceAfter: 18 });
    expect(ok(8).from).to.include({ userId: 'newbie', delta: -10, balanceAfter: 0 });
    expect(ok(8).to).to.include({ userId: 'c', balanceAfter: 90 });
    expect(ok(10)).to.deep.equal(ok(9));
    expect(err(11)).to.include({ balance: 57, needed: 999 });
    expect(ok(12).from).to.include({ key: 'k2', balanceAfter: 56 });
    // Every entry carries the id the database gave it, and equals the row as history() reads it back.
    const rows = new Map((await eco.history('a', 100)).map((e) => [e.id, e]));
    for (const i of [0, 7, 9, 12]) expect(rows.get(ok(i).from.id)).to.deep.equal(ok(i).from);
    expect(await Promise.all(['a', 'b', 'c', 'x', 'newbie'].map((u) => eco.balance(u)))).to.deep.equal([56, 6, 90, 18, 0]);
    expect((await eco.getAccount('newbie'))?.createdAt).to.be.a('number');
    const check = await eco.check();
    expect(check.ok, JSON.stringify(check)).to.equal(true);
    expect(check.ledgerRows).to.equal(3 + 2 * 7);
  });

  it('idempotency keys across groups: a key applied earlier returns the first result; half a pair fails as before', async () => {
    await eco.credit('a', 100, { reason: 'seed' });
    const first = await eco.transfer('a', 'b', 10, { reason: 'gift', key: 'give:m1' });
    await eco.credit('b', 1, { reason: 'a credit that took a key', key: 'taken' });
    const r = await settledAll([
      eco.transfer('a', 'b', 10, { reason: 'gift', key: 'give:m1' }),
      eco.transfer('a', 'b', 10, { reason: 'gift', key: 'give:m1' }),
      eco.transfer('a', 'b', 3, { reason: 'gift', key: 'taken' }), // `taken` exists as a credit: not a transfer's pair
      eco.transfer('a', 'c', 7, { reason: 'gift', key: 'give:m2' }),
    ]);
    expect(r[0]).to.deep.equal({ ok: true, value: first });
    expect(r[1]).to.deep.equal({ ok: true, value: first });
    expect(r[2]?.ok).to.equal(false);
    expect(String((r[2] as { err: unknown }).err)).to.match(/UNIQUE constraint failed: economy_ledger\.key/);
    expect(r[3]?.ok).to.equal(true);
    expect(await eco.balance('a')).to.equal(83);
    expect(await eco.balance('b')).to.equal(11);
    expect(await eco.balance('c')).to.equal(7);
    expect((await eco.check()).ok).to.equal(true);
  });

  it('a group whose transaction fails is applied again one transfer at a time: innocent transfers go through', async () => {
    for (const u of ['a', 'b', 'c']) await eco.credit(u, 100, { reason: 'seed' });
    // A trigger stands in for any failure of the group's statements (a constraint, a full disk).
    await t.storage.run("CREATE TRIGGER test_poison BEFORE INSERT ON economy_ledger WHEN NEW.user_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END");
    const r = await settledAll([
      eco.transfer('a', 'b', 1, { reason: 'gift' }),
      eco.transfer('b', 'poison', 1, { reason: 'gift' }),
      eco.transfer('c', 'a', 1, { reason: 'gift' }),
      eco.transfer('c', 'a', 500, { reason: 'gift' }),
    ]);
    expect(r.map((s) => (s.ok ? 'ok' : s.code))).to.deep.equal(['ok', 'SQLITE_CONSTRAINT', 'ok', 'INSUFFICIENT_FUNDS']);
    expect(String((r[1] as { err: unknown }).err)).to.match(/poisoned row/);
    expect(t.bot.logs.recent().some((e) => e.level === 'warn' && /a group of 4 transfers failed \(.*poisoned row.*\); applying them one by one/.test(e.msg))).to.equal(true);
    expect(await Promise.all(['a', 'b', 'c', 'poison'].map((u) => eco.balance(u)))).to.deep.equal([100, 101, 99, 0]);
    await t.storage.run('DROP TRIGGER test_poison');
    // The queue carries on with groups.
    const before = groups(t).length;
    await Promise.all([eco.transfer('a', 'b', 1, { reason: 'gift' }), eco.transfer('b', 'c', 1, { reason: 'gift' })]);
    expect(groups(t).length).to.be.greaterThan(before);
    expect((await eco.check()).ok).to.equal(true);
  });

  it('thousands of random concurrent transfers end exactly as the same transfers one after the other would', async () => {
    const random = rng(Number(process.env.ECONOMY_SEED ?? 20260116));
    const users = Array.from({ length: 24 }, (_, i) => `u${i}`);
    const model = new Map<string, number>();
    for (const u of users.slice(0, 20)) {
      await eco.credit(u, 50, { reason: 'seed' });
      model.set(u, 50);
    }
    // u20..u23 have no account yet; u3 and u7 are excluded.
    const excludedUsers = new Set(['u3', 'u7']);
    for (const u of excludedUsers) await eco.setExcluded(u, true);
    const applied = new Map<string, TransferResult>();
    const ops = 3000;
    const chunk = 600;
    let mismatches = 0;
    for (let done = 0; done < ops; done += chunk) {
      const asked: { from: string; to: string; n: number; key?: string }[] = [];
      const work: Promise<TransferResult>[] = [];
      for (let i = 0; i < chunk; i++) {
        const from = users[Math.floor(random() * users.length)] as string;
        const to = users[Math.floor(random() * users.length)] as string;
        const n = 1 + Math.floor(random() * 30);
        // Some keys repeat, within this chunk and across chunks.
        const key = random() < 0.3 ? `r:${Math.floor(random() * 400)}` : undefined;
        asked.push({ from, to, n, key });
        work.push(eco.transfer(from, to, n, { reason: 'load', ...(key ? { key } : {}) }));
      }
      const got = await settledAll(work);
      // The same requests, one after the other, in the order they were asked.
      for (const [i, q] of asked.entries()) {
        const g = got[i] as Settled;
        let want: string;
        const replay = q.key ? applied.get(q.key) : undefined;
        if (q.from === q.to) want = 'SAME_USER';
        else if (replay) want = `replay:${replay.from.id}`;
        else if (excludedUsers.has(q.from)) want = 'ACCOUNT_EXCLUDED';
        else if ((model.get(q.from) ?? 0) < q.n) want = `INSUFFICIENT_FUNDS:${model.get(q.from) ?? 0}`;
        else if (excludedUsers.has(q.to)) want = 'ACCOUNT_EXCLUDED';
        else {
          model.set(q.from, (model.get(q.from) ?? 0) - q.n);
          model.set(q.to, (model.get(q.to) ?? 0) + q.n);
          want = `ok:${model.get(q.from)}:${model.get(q.to)}`;
        }
        let have: string;
        if (!g.ok) have = g.code === 'INSUFFICIENT_FUNDS' ? `${g.code}:${String(g.err.balance)}` : g.code;
        else if (q.key && applied.has(q.key)) have = `replay:${g.value.from.id}`;
        else {
          have = `ok:${g.value.from.balanceAfter}:${g.value.to.balanceAfter}`;
          if (q.key) applied.set(q.key, g.value);
        }
        if (have !== want && mismatches++ < 5) console.log(`request ${done + i} ${JSON.stringify(q)}: got ${have}, one-by-one gives ${want}`);
      }
    }
    expect(mismatches).to.equal(0);
    for (const u of users) expect(await eco.balance(u), u).to.equal(model.get(u) ?? 0);
    const check = await eco.check();
    expect(check.ok, JSON.stringify(check).slice(0, 500)).to.equal(true);
    // They really went in groups.
    expect(Math.max(...groups(t))).to.be.greaterThan(100);
  });

  it('!give: a burst from many viewers; every reply comes after its transfer committed; a message delivered twice pays once', async () => {
    const viewers = Array.from({ length: 60 }, (_, i) => `viewer${i}`);
    for (const v of viewers) t.say(v, 'hi');
    await t.idle();
    for (const v of viewers) await eco.credit(`local:${v}`, 10, { reason: 'seed' });
    await eco.setExcluded('local:viewer59', true);
    const order: string[] = [];
    eco.onTokensChanged({ name: 'test', onDispose: () => undefined }, (c) => void order.push(`commit:${c.entryId}`));
    t.bot.local.onBotMessage((out) => void (out.replyTo && order.push(`reply:${out.replyTo}`)));
    const asked: { id: string; text: string }[] = [];
    for (const [i, v] of viewers.entries()) {
      // Each gives to the next: 4 tokens, or 15 (more than they have) every fifth.
      const text = `!give @${viewers[(i + 1) % viewers.length]} ${i % 5 === 4 ? 15 : 4}`;
      asked.push({ id: t.say(v, text).id, text });
    }
    // Twitch delivering the same message twice: one gift.
    const dup = t.say('viewer0', '!give @viewer2 3', { id: 'same-message' });
    t.say('viewer0', '!give @viewer2 3', { id: 'same-message' });
    const replies = await Promise.all([...asked.map((a) => t.waitFor((o) => o.replyTo === a.id, 5000)), t.waitFor((o) => o.replyTo === dup.id, 5000)]);
    await t.idle(); // the copy of the duplicate is handled too (and must not have paid or answered)
    expect(replies[1]?.text).to.equal('viewer1 gave 4 tokens to viewer2! You have 10 tokens left.');
    expect(replies[4]?.text).to.equal('You only have 14 tokens, not 15 tokens.');
    expect(replies[58]?.text).to.equal('viewer59 is not part of the economy.');
    expect(replies[59]?.text).to.equal("You're excluded from the economy, so you can't earn or spend tokens.");
    // The confirmation is part of the gift (stored in its transaction): one gift, one confirmation.
    expect(t.outputs.filter((o) => o.replyTo === 'same-message')).to.have.length(1);
    const ledger = await t.storage.all<{ id: number; key: string }>("SELECT id, key FROM economy_ledger WHERE key LIKE 'give:%' AND key NOT LIKE '%#2'");
    expect(ledger.filter((r) => r.key === 'give:same-message')).to.have.length(1);
    // Every acknowledged gift: its rows' commit events came before the reply.
    for (const r of ledger) {
      const msg = r.key.slice('give:'.length);
      const reply = order.indexOf(`reply:${msg}`);
      const commit = order.indexOf(`commit:${r.id}`);
      expect(commit, r.key).to.be.at.least(0);
      expect(reply, r.key).to.be.greaterThan(commit);
    }
    expect(ledger.length).to.equal(1 + viewers.filter((_, i) => i % 5 !== 4 && i < 58).length);
    const check = await eco.check();
    expect(check.ok, JSON.stringify(check)).to.equal(true);
    const supply = await t.storage.get<{ s: number }>('SELECT sum(tokens) AS s FROM economy_accounts');
    expect(supply?.s).to.equal(600);
  });

  it('!give all gives the balance at the moment the transfer is applied', async () => {
    t.say('bob', 'hi');
    await t.idle();
    await eco.credit('local:alice', 7, { reason: 'seed' });
    const a = t.say('alice', '!give @bob all');
    const b = t.say('alice', '!give @bob all', { id: 'second' });
    const [ra, rb] = await Promise.all([t.waitFor((o) => o.replyTo === a.id), t.waitFor((o) => o.replyTo === b.id)]);
    expect([ra.text, rb.text].sort()).to.deep.equal(['You have no tokens to give.', 'alice gave 7 tokens to bob! You have 0 tokens left.']);
    expect(await eco.balance('local:bob')).to.equal(7);
  });

  it('economy.transaction(fn) refuses a top-level transfer inside it instead of waiting forever', async () => {
    await eco.credit('a', 10, { reason: 'seed' });
    let inner: unknown;
    await eco.transaction(async (_tx, e) => {
      await eco.transfer('a', 'b', 1, { reason: 'wrong' }).catch((err: unknown) => (inner = err));
      await e.transfer('a', 'b', 2, { reason: 'right' });
    });
    expect(String(inner)).to.match(/inside economy\.transaction\(\): use the `eco` it gives you/);
    expect(await eco.balance('b')).to.equal(2);
    // Afterwards (even from work the transaction left running) transfers work again.
    expect((await eco.transfer('a', 'b', 1, { reason: 'later' })).to.balanceAfter).to.equal(3);
  });

  it('a reload waits for queued transfers: none is lost', async () => {
    await eco.credit('a', 1000, { reason: 'seed' });
    const work = Array.from({ length: 300 }, (_, i) => eco.transfer('a', `r${i % 10}`, 1, { reason: 'gift' }));
    const reload = t.host.reload('economy');
    const r = await settledAll(work);
    await reload;
    expect(r.filter((s) => !s.ok)).to.deep.equal([]);
    const fresh = t.service('economy');
    expect(await fresh.balance('a')).to.equal(700);
    expect((await fresh.check()).ok).to.equal(true);
  });
});
