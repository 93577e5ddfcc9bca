// 10,000 random concurrent credits, debits, transfers and escrow moves through the service: afterwards every
// balance is the sum of its ledger rows, every escrow balances, no balance is negative, and no token was
// created or lost beyond the credits and debits that succeeded.
import { expect } from 'chai';
import { startTestBot, type TestBot } from '../../../test/support/kit.ts';
import type { EconomyService } from '../service.ts';

const USERS = 40;
const OPS = 10_000;
const CHUNK = 250;
const EXPECTED = new Set(['INSUFFICIENT_FUNDS', 'ESCROW_SETTLED', 'SAME_USER']);

/** Small seeded PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('economy: the invariant under load', function () {
  this.timeout(60000);
  let t: TestBot;
  let eco: EconomyService;
  before(async () => {
    t = await startTestBot({ plugins: ['economy'] });
    eco = t.service('economy');
  });
  after(async () => {
    await t.stop();
  });

  it(`${OPS} random concurrent operations keep sum(ledger) == balance for every user`, async () => {
    const seed = Number(process.env.ECONOMY_SEED ?? 20260115);
    const random = rng(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const users = Array.from({ length: USERS }, (_, i) => `user${i}`);
    const amount = (max: number) => 1 + Math.floor(random() * max);
    let created = 0;
    let destroyed = 0;
    const open: number[] = [];
    const counts: Record<string, number> = {};
    const failures: Record<string, number> = {};

    for (const u of users) {
      await eco.credit(u, 100, { reason: 'seed' });
      created += 100;
    }

    const op = async (): Promise<void> => {
      const r = random();
      let kind: string;
      try {
        if (r < 0.2) {
          kind = 'credit';
          const n = amount(20);
          await eco.credit(pick(users), n, { reason: 'load', source: 'test' });
          created += n;
        } else if (r < 0.35) {
          kind = 'debit';
          const n = amount(40);
          await eco.debit(pick(users), n, { reason: 'load', source: 'test' });
          destroyed += n;
        } else if (r < 0.65) {
          kind = 'transfer';
          await eco.transfer(pick(users), pick(users), amount(40), { reason: 'load' });
        } else if (r < 0.8) {
          kind = 'hold';
          const h = await eco.hold(pick(users), amount(30), { reason: 'bet' });
          open.push(h.id);
        } else if (r < 0.88) {
          kind = 'release';
          const id = open.length ? pick(open) : 0;
          if (!id) return;
          await eco.release(id);
        } else if (r < 0.96) {
          kind = 'payout';
          if (open.length < 2) return;
          const a = pick(open);
          const b = pick(open);
          if (a === b) return;
          await eco.payout([a, b], pick(users), { reason: 'duel' });
        } else {
          kind = 'shop';
          // A dependent's transaction: a debit and a credit that must go together.
          const buyer = pick(users);
          const seller = pick(users);
          const n = amount(25);
          await eco.transaction(async (_tx, e) => {
            await e.debit(buyer, n, { reason: 'bought', source: 'shop' });
            await e.credit(seller, Math.floor(n / 2) + 1, { reason: 'sold', source: 'shop' });
          });
          destroyed += n;
          created += Math.floor(n / 2) + 1;
        }
        counts[kind] = (counts[kind] ?? 0) + 1;
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (!EXPECTED.has(code)) throw err;
        failures[code] = (failures[code] ?? 0) + 1;
      }
    };

    for (let done = 0; done < OPS; done += CHUNK) {
      await Promise.all(Array.from({ length: Math.min(CHUNK, OPS - done) }, op));
    }

    const check = await eco.check();
    expect(check.ok, JSON.stringify(check).slice(0, 2000)).to.equal(true);
    expect(check.accounts).to.equal(USERS);
    const totals = await t.storage.get<{ ledger: number; tokens: number; held: number; negative: number; escrowed: number }>(
      `SELECT (SELECT sum(delta) FROM economy_ledger) AS ledger, sum(tokens) AS tokens, sum(held) AS held,
         sum(tokens < 0 OR held < 0) AS negative,
         (SELECT coalesce(sum(amount), 0) FROM economy_escrow WHERE state = 'held') AS escrowed
       FROM economy_accounts`,
    );
    expect(totals?.negative).to.equal(0);
    expect(totals?.ledger).to.equal(totals?.tokens);
    expect(totals?.held).to.equal(totals?.escrowed);
    // Nothing created or lost: what exists is what was credited minus what was debited.
    expect((totals?.tokens ?? 0) + (totals?.held ?? 0)).to.equal(created - destroyed);
    expect(Object.keys(counts).sort()).to.deep.equal(['credit', 'debit', 'hold', 'payout', 'release', 'shop', 'transfer']);
    expect(failures.INSUFFICIENT_FUNDS ?? 0).to.be.greaterThan(0);
  });
});
