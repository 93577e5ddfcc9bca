// The shop's HTTP API on the dashboard: the seed's GET /api/shop and POST /api/purchase (JSON-schema checked,
// 4xx JSON errors), the redemption queue actions and the catalog, all behind the dashboard's login and CSRF.
import { expect } from 'chai';
import { Client } from '../../dashboard/test/helpers.ts';
import { call, PASSWORD, startShop, type ShopBot } from './helpers.ts';

const ITEMS = {
  cookie: { name: 'Chocolate Chip Cookie', cost: 10, effect: 'none', maxPerPurchase: 12 },
  starter: { name: 'Sourdough Starter', cost: 100, effect: 'manual', category: 'specials', stock: 1 },
  fire: { name: 'Flambé', cost: 30, effect: 'oven_fire' },
};

describe('shop: API', function () {
  this.timeout(30000);
  let s: ShopBot;

  beforeEach(async () => {
    s = await startShop({ items: ITEMS, dashboard: true, extras: true });
    await s.fund('alice', 1000);
    await s.fund('poor', 5);
  });
  afterEach(async () => {
    await s?.t.stop();
  });

  it('GET /api/shop lists the catalog with availability, stock, currency, effects and problems', async () => {
    const r = await call(s.url, 'GET', '/api/shop');
    expect(r.status).to.equal(200);
    const items = r.body.items as Record<string, unknown>[];
    expect(items.map((i) => i.id)).to.deep.equal(['cookie', 'starter', 'fire']);
    expect(items[1]).to.deep.include({ name: 'Sourdough Starter', cost: 100, category: 'specials', effect: 'manual', available: true, remaining: 1, stock: 1 });
    expect(r.body.currency).to.deep.equal({ name: 'tokens', singular: 'token' });
    expect(r.body.categories).to.deep.equal(['treats', 'specials']);
    expect((r.body.effects as { name: string }[]).map((e) => e.name)).to.include.members(['highlight', 'manual', 'oven_fire']);
    expect(r.body.problems).to.deep.equal([]);
  });

  it('POST /api/purchase buys (201), and answers every refusal with a 4xx JSON error', async () => {
    const ok = await call(s.url, 'POST', '/api/purchase', { user: '@alice', item: 'Chocolate Chip Cookie', qty: 3 });
    expect(ok.status).to.equal(201);
    expect(ok.body.balance).to.equal(970);
    expect(ok.body.redemption).to.deep.include({ id: 1, userId: 'local:alice', username: 'alice', itemId: 'cookie', quantity: 3, cost: 30, status: 'fulfilled', via: 'api' });
    const cases: [unknown, number, string, RegExp][] = [
      [{ item: 'cookie' }, 400, 'INVALID_BODY', /user is required/],
      [{ user: 'alice', item: 'cookie', qty: 0 }, 400, 'INVALID_BODY', /qty must be >= 1/],
      [{ user: 'alice', item: 'cookie', qty: 'two' }, 400, 'INVALID_BODY', /qty must be integer/],
      [{ user: 'alice', item: 'cookie', price: 0 }, 400, 'INVALID_BODY', /price is not a known field/],
      ['[1, 2]', 400, 'INVALID_BODY', /must be a JSON object/],
      [{ user: 'nobody', item: 'cookie' }, 404, 'UNKNOWN_USER', /no viewer "nobody"/],
      [{ user: 'alice', item: 'pie' }, 404, 'UNKNOWN_ITEM', /There is no "pie"/],
      [{ user: 'alice', item: 'cookie', qty: 13 }, 400, 'INVALID_QUANTITY', /1 to 12/],
      [{ user: 'poor', item: 'cookie' }, 402, 'INSUFFICIENT_FUNDS', /costs 10 tokens; you have 5 tokens/],
    ];
    for (const [body, status, code, error] of cases) {
      const r = await call(s.url, 'POST', '/api/purchase', body);
      expect([r.status, r.body.code], JSON.stringify(body)).to.deep.equal([status, code]);
      expect(r.body.error, JSON.stringify(body)).to.match(error);
    }
    expect((await call(s.url, 'POST', '/api/purchase', { user: 'alice', item: 'starter' })).status).to.equal(201);
    const sold = await call(s.url, 'POST', '/api/purchase', { user: 'alice', item: 'starter' });
    expect([sold.status, sold.body.code, sold.body.error]).to.deep.equal([409, 'OUT_OF_STOCK', 'Sourdough Starter is sold out.']);
    const failed = await call(s.url, 'POST', '/api/purchase', { user: 'alice', item: 'fire' });
    expect([failed.status, failed.body.code]).to.deep.equal([409, 'EFFECT_FAILED']);
    expect((failed.body.details as { redemption: unknown }).redemption).to.deep.include({ status: 'refunded', refundReason: 'effect failed: the oven caught fire' });
    expect(await s.balance('alice')).to.equal(870);
    expect(await s.balance('poor')).to.equal(5);
  });

  it('an idempotency key makes a retried POST /api/purchase buy once', async () => {
    const first = await call(s.url, 'POST', '/api/purchase', { user: 'alice', item: 'cookie', key: 'stream-deck-42' });
    const again = await call(s.url, 'POST', '/api/purchase', { user: 'alice', item: 'cookie', key: 'stream-deck-42' });
    expect([first.status, again.status, again.body.replayed]).to.deep.equal([201, 200, true]);
    expect((again.body.redemption as { id: number }).id).to.equal((first.body.redemption as { id: number }).id);
    expect(await s.balance('alice')).to.equal(990);
  });

  it('the queue: list pending, fulfil, refund with a reason; wrong states are 409, unknown orders 404', async () => {
    await call(s.url, 'POST', '/api/purchase', { user: 'alice', item: 'starter' });
    await call(s.url, 'POST', '/api/purchase', { user: 'alice', item: 'cookie' });
    const pending = await call(s.url, 'GET', '/api/shop/redemptions?status=pending');
    expect((pending.body.redemptions as { id: number }[]).map((r) => r.id)).to.deep.equal([1]);
    const all = await call(s.url, 'GET', '/api/shop/redemptions?limit=10');
    expect((all.body.redemptions as { id: number }[]).map((r) => r.id)).to.deep.equal([2, 1]);

    const done = await call(s.url, 'POST', '/api/shop/redemptions/1/fulfil', {});
    expect(done.status).to.equal(200);
    expect(done.body.redemption).to.deep.include({ id: 1, status: 'fulfilled', handledBy: 'api:env' });
    const twice = await call(s.url, 'POST', '/api/shop/redemptions/1/fulfil', {});
    expect([twice.status, twice.body.code]).to.deep.equal([409, 'NOT_PENDING']);

    const refund = await call(s.url, 'POST', '/api/shop/redemptions/1/refund', { reason: 'starter went mouldy' });
    expect(refund.status).to.equal(200);
    expect(refund.body.redemption).to.deep.include({ status: 'refunded', refundReason: 'starter went mouldy' });
    expect(await s.balance('alice')).to.equal(990);
    expect((await call(s.url, 'POST', '/api/shop/redemptions/1/refund', {})).body.code).to.equal('ALREADY_REFUNDED');
    expect((await call(s.url, 'POST', '/api/shop/redemptions/99/refund', {})).status).to.equal(404);
    expect((await call(s.url, 'POST', '/api/shop/redemptions/abc/fulfil', {})).status).to.equal(400);
    expect((await call(s.url, 'POST', '/api/shop/redemptions/2/refund', { reason: 5 })).status).to.equal(400);
    // Restock: the units left of an item with a stock.
    expect((await call(s.url, 'POST', '/api/shop/items/starter/restock', { remaining: 3 })).status).to.equal(200);
    expect(((await call(s.url, 'GET', '/api/shop')).body.items as { id: string; remaining?: number }[]).find((i) => i.id === 'starter')?.remaining).to.equal(3);
    const unlimited = await call(s.url, 'POST', '/api/shop/items/cookie/restock', { remaining: 3 });
    expect([unlimited.status, unlimited.body.code]).to.deep.equal([400, 'INVALID']);
    expect((await call(s.url, 'POST', '/api/shop/items/pie/restock', { remaining: 3 })).status).to.equal(404);
    expect((await call(s.url, 'POST', '/api/shop/items/starter/restock', { remaining: -1 })).status).to.equal(400);
    const stats = await call(s.url, 'GET', '/api/shop/stats?days=7');
    expect(stats.body.totals).to.deep.equal({ orders: 1, tokens: 10, pending: 0, refunded: 1 });
    expect((stats.body.days as unknown[]).length).to.equal(7);
    expect((await s.economy.check()).ok).to.equal(true);
  });

  it('PUT /api/shop/catalog: schema errors come back as issues; a valid catalog replaces the running one', async () => {
    const bad = await call(s.url, 'PUT', '/api/shop/catalog', { items: { cookie: { name: 'Cookie', cost: -5, effect: 'none', colour: 'brown' } } });
    expect(bad.status).to.equal(400);
    expect(((bad.body.details as { issues: unknown }).issues as { path: string; message: string }[]).map((i) => `${i.path}: ${i.message}`)).to.have.members([
      'plugins.shop.items.cookie.cost: must be integer >= 0',
      'plugins.shop.items.cookie.colour: unknown setting (known: name, description, cost, category, effect, params, enabled, stock, perUserLimit, cooldown, roles, maxPerPurchase)',
    ]);
    const good = await call(s.url, 'PUT', '/api/shop/catalog', {
      items: { cookie: { name: 'Cookie', cost: 12, effect: 'none', description: '', enabled: true, roles: ['everyone'], maxPerPurchase: 10, params: {}, category: 'treats' } },
    });
    expect(good.status).to.equal(200);
    const after = await call(s.url, 'GET', '/api/shop');
    expect((after.body.items as { id: string; cost: number }[]).map((i) => [i.id, i.cost])).to.deep.equal([['cookie', 12]]);
    // Defaults are left out of the file.
    const { readFileSync } = await import('node:fs');
    const yaml = readFileSync(s.t.configFile, 'utf8');
    expect(yaml).to.match(/cookie:\s+name: Cookie\s+cost: 12\s+effect: none\s+category: treats/);
    expect(yaml).to.not.match(/maxPerPurchase/);
  });

  it("is behind the dashboard's login, CSRF and Origin checks", async () => {
    const none = { accept: 'application/json' };
    expect((await call(s.url, 'GET', '/api/shop', undefined, none)).status).to.equal(401);
    expect((await call(s.url, 'POST', '/api/purchase', { user: 'alice', item: 'cookie' }, none)).status).to.equal(401);
    expect((await call(s.url, 'GET', '/api/shop', undefined, { authorization: 'Bearer wrong' })).status).to.equal(401);
    // A browser session (the dashboard's test client logs in through its form and keeps the cookie).
    const browser = new Client(s.url);
    expect((await browser.login(PASSWORD)).status).to.equal(303);
    const csrf = browser.csrf;
    expect(csrf).to.not.equal('');
    const noToken = await call(s.url, 'POST', '/api/purchase', { user: 'alice', item: 'cookie' }, {}, browser);
    expect([noToken.status, noToken.body.error]).to.deep.equal([403, 'invalid or missing CSRF token; reload the page and try again']);
    const crossSite = await call(s.url, 'POST', '/api/purchase', { user: 'alice', item: 'cookie' }, { 'x-csrf-token': csrf, origin: 'https://evil.example' }, browser);
    expect(crossSite.status).to.equal(403);
    const fine = await call(s.url, 'POST', '/api/purchase', { user: 'alice', item: 'cookie' }, { 'x-csrf-token': csrf }, browser);
    expect(fine.status).to.equal(201);
    expect((fine.body.redemption as { via: string }).via).to.equal('api');
    expect(await s.balance('alice')).to.equal(990);
  });
});
