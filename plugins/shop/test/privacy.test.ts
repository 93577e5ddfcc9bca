// A viewer's deletion request reaches the shop: their orders stay (sales and the ledger still add up) under
// the anonymous id of their ledger rows, without their name or what they typed.
import { expect } from 'chai';
import { startShop, type ShopBot } from './helpers.ts';

describe('shop: privacy', function () {
  this.timeout(20000);
  let s: ShopBot;
  afterEach(async () => {
    await s?.t.stop();
  });

  it('anonymizes the orders of a viewer whose data is deleted', async () => {
    s = await startShop({ items: { note: { name: 'Note', cost: 5, effect: 'manual', perUserLimit: 3 } } });
    await s.fund('alice', 50);
    await s.fund('bob', 50);
    expect(await s.t.ask('alice', '!buy note please read this')).to.match(/note/i);
    expect(await s.t.ask('bob', '!buy note')).to.match(/note/i);
    const { anonymousId } = await s.economy.deleteUser('local:alice');
    const rows = await s.rows('SELECT user_id, username, input FROM shop_redemptions ORDER BY id');
    expect(rows).to.deep.equal([
      { user_id: anonymousId, username: anonymousId, input: '' },
      { user_id: 'local:bob', username: 'bob', input: '' },
    ]);
    expect(await s.rows("SELECT count(*) AS n FROM shop_user_limits WHERE user_id = 'local:alice'")).to.deep.equal([{ n: 0 }]);
    expect((await s.economy.check()).ok).to.equal(true);
  });
});
