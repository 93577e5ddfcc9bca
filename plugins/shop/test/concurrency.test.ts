// Concurrent buyers: the purchase is one transaction (debit, stock, limit, redemption row), so no
// interleaving can oversell or spend a token twice, and the economy's books still add up afterwards.
import { expect } from 'chai';
import { startShop, type ShopBot } from './helpers.ts';

describe('shop: concurrent buyers', function () {
  this.timeout(30000);
  let s: ShopBot;

  afterEach(async () => {
    await s?.t.stop();
  });

  it('50 viewers buying the last Sourdough Starter at once: one sale, one debit, everyone else keeps their tokens', async () => {
    s = await startShop({ items: { starter: { name: 'Sourdough Starter', cost: 100, effect: 'manual', stock: 1 } } });
    const viewers = Array.from({ length: 50 }, (_, i) => `buyer${i}`);
    for (const v of viewers) await s.fund(v, 150);
    const messages = viewers.map((v) => s.t.say(v, '!buy starter'));
    const replies = await Promise.all(messages.map((m) => s.t.waitFor((o) => o.replyTo === m.id, 15000)));
    const sold = replies.filter((r) => r.text.startsWith('You bought'));
    expect(sold).to.have.length(1);
    expect(replies.filter((r) => r.text === 'Sourdough Starter is sold out.')).to.have.length(49);

    const winner = viewers[messages.findIndex((m) => m.id === sold[0]?.replyTo)] as string;
    expect(await s.rows('SELECT user_id, quantity, cost, status FROM shop_redemptions')).to.deep.equal([{ user_id: `local:${winner}`, quantity: 1, cost: 100, status: 'pending' }]);
    expect(await s.rows('SELECT remaining FROM shop_stock')).to.deep.equal([{ remaining: 0 }]);
    const debits = await s.rows("SELECT user_id, delta FROM economy_ledger WHERE source = 'shop'");
    expect(debits).to.deep.equal([{ user_id: `local:${winner}`, delta: -100 }]);
    for (const v of viewers) expect(await s.balance(v), v).to.equal(v === winner ? 50 : 150);
    const check = await s.economy.check();
    expect(check.ok, JSON.stringify(check)).to.equal(true);
  });

  it('one viewer racing 20 purchases against their own balance can spend each token once', async () => {
    s = await startShop({ items: { bun: { name: 'Bun', cost: 30, effect: 'none' } } });
    await s.fund('quick', 100);
    const user = { id: 'local:quick', login: 'quick', displayName: 'quick' };
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => s.shop.purchase({ user, item: 'bun', via: 'api' })));
    expect(outcomes.filter((o) => o.ok)).to.have.length(3);
    expect(outcomes.filter((o) => !o.ok && o.code === 'INSUFFICIENT_FUNDS')).to.have.length(17);
    expect(await s.balance('quick')).to.equal(10);
    expect(await s.rows('SELECT count(*) AS n FROM shop_redemptions')).to.deep.equal([{ n: 3 }]);
    expect((await s.economy.check()).ok).to.equal(true);
  });

  it('a repeated request with the same idempotency key buys once', async () => {
    s = await startShop({ items: { bun: { name: 'Bun', cost: 30, effect: 'none' } } });
    await s.fund('retry', 100);
    const user = { id: 'local:retry', login: 'retry', displayName: 'retry' };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => s.shop.purchase({ user, item: 'bun', key: 'order-abc', via: 'api' })));
    expect(outcomes.every((o) => o.ok)).to.equal(true);
    expect(outcomes.filter((o) => o.ok && !o.replayed)).to.have.length(1);
    expect(new Set(outcomes.map((o) => (o.ok ? o.redemption.id : 0)))).to.deep.equal(new Set([1]));
    expect(await s.balance('retry')).to.equal(70);
  });
});
