// The shop from chat: !shop, !buy (by id, by name, quantities), the reasons a purchase is refused (each
// changes nothing), !inventory, and the moderators' !refund.
import { expect } from 'chai';
import { startShop, type ShopBot } from './helpers.ts';

const MOD = { login: 'mod', roles: ['moderator' as const] };

describe('shop: chat', function () {
  this.timeout(20000);
  let s: ShopBot;

  afterEach(async () => {
    await s?.t.stop();
  });

  describe('with the default bakery', () => {
    beforeEach(async () => {
      s = await startShop();
    });

    it('opens with a fun catalog and no problems; disabled items are neither listed nor reported', async () => {
      const items = await s.shop.items();
      expect(items.map((i) => i.id)).to.include.members(['cookie', 'croissant', 'bakers_dozen', 'sourdough_starter', 'shoutout_baguette', 'frosted_message']);
      expect(s.shop.problems()).to.deep.equal([]);
      expect(s.t.host.plugin('shop')?.error).to.equal(undefined);
      const xp = items.find((i) => i.id === 'proofing_boost');
      expect(xp).to.include({ enabled: false, available: false, effect: 'xp_boost' });
    });

    it('!shop fits in one or two chat lines and lists what is on sale', async () => {
      const m = s.t.say('alice', '!shop');
      await s.t.idle();
      const lines = s.t.outputs.filter((o) => o.replyTo === m.id).map((o) => o.text);
      expect(lines.length).to.be.within(1, 2);
      for (const l of lines) expect(l.length).to.be.at.most(500);
      const all = lines.join(' ');
      expect(all).to.match(/Chocolate Chip Cookie 10/);
      expect(all).to.match(/Sourdough Starter 500 \(1 left\)/);
      expect(all).to.match(/Golden Loaf 1000 \(subs and VIPs\)/);
      expect(all).to.not.match(/Proofing Boost/);
      expect(all).to.match(/!buy <item> \[qty\]/);
    });

    it('!shop <category> lists that category with descriptions; !shop <item> describes one item', async () => {
      expect(await s.t.ask('alice', '!shop specials')).to.match(/^🧁 specials \(tokens\): Sourdough Starter 500 \(1 left\): Adopt/);
      expect(await s.t.ask('alice', '!shop CROISSANT')).to.match(/^Butter Croissant 25 tokens: Flaky.*up to 5 at a time.*!buy croissant/);
      expect(await s.t.ask('alice', '!shop pies')).to.match(/^No "pies" in the bakery\. Categories: treats, chat, specials/);
    });

    it('!buy by id, by name (any case), by a unique word, with a quantity; replies after the commit', async () => {
      await s.fund('alice', 500);
      // When the receipt is on its way out, the reader connection (committed data only) already sees the
      // order and the debit: the reply comes after the commit.
      const atReply: unknown[] = [];
      s.t.bot.hooks.outgoingMessage.tapPromise('test', async (out) => {
        if (out.text.startsWith('You bought')) atReply.push(await s.t.storage.get('SELECT count(*) AS orders, (SELECT tokens FROM economy_accounts WHERE user_id = ?) AS tokens FROM shop_redemptions', ['local:alice']));
        return out;
      });
      expect(await s.t.ask('alice', '!buy cookie')).to.equal('You bought Chocolate Chip Cookie for 10 tokens (order #1). You have 490 tokens left.');
      expect(atReply).to.deep.equal([{ orders: 1, tokens: 490 }]);
      expect(await s.t.ask('alice', '!buy Butter CROISSANT 3')).to.equal('You bought 3× Butter Croissant for 75 tokens (order #2). You have 415 tokens left.');
      expect(await s.t.ask('alice', '!buy "chocolate chip cookie" x2')).to.match(/^You bought 2× Chocolate Chip Cookie for 20 tokens \(order #3\)/);
      expect(await s.t.ask('alice', '!buy dozen')).to.match(/^You bought Baker's Dozen for 120 tokens \(order #4\)/);
      // The highlight effect spoke in chat (not as a reply).
      const said = s.t.outputs.filter((o) => !o.replyTo).map((o) => o.text);
      expect(said).to.include('🍪 alice munches 1 warm chocolate chip cookie. Crumbs everywhere!');
      expect(said).to.include('🥐 alice tears into 3 flaky butter croissants. So. Many. Layers.');
      expect(await s.balance('alice')).to.equal(500 - 10 - 75 - 20 - 120);
      const rows = await s.rows('SELECT id, username, reward, cost, user_id, item_id, quantity, status, via FROM shop_redemptions ORDER BY id');
      expect(rows[1]).to.deep.include({ username: 'alice', reward: 'Butter Croissant', cost: 75, user_id: 'local:alice', item_id: 'croissant', quantity: 3, status: 'fulfilled', via: 'chat' });
      const ledger = await s.economy.history('local:alice');
      expect(ledger.filter((e) => e.kind === 'debit').map((e) => [e.delta, e.source, e.key])).to.deep.include([-75, 'shop', 'shop:order:2']);
    });

    it('refuses clearly and changes nothing: unknown item, not enough tokens, bad quantity, missing message', async () => {
      await s.fund('bob', 30);
      const before = await s.rows('SELECT * FROM shop_stock');
      expect(await s.t.ask('bob', '!buy unicorn cake')).to.equal('There is no "unicorn cake" in the bakery. See !shop');
      expect(await s.t.ask('bob', '!buy croissant 2')).to.equal('2× Butter Croissant costs 50 tokens; you have 30 tokens.');
      expect(await s.t.ask('bob', '!buy sourdough')).to.equal('Sourdough Starter costs 500 tokens; you have 30 tokens.');
      expect(await s.t.ask('bob', '!buy croissant 6')).to.equal('You can buy 1 to 5 Butter Croissant at a time.');
      expect(await s.t.ask('bob', '!buy croissant 0')).to.equal('Usage: !buy <item> [qty] [message] (the quantity is a whole number above 0)');
      expect(await s.t.ask('bob', '!buy frosted')).to.equal('Frosted Message: add your message after the item.');
      expect(await s.t.ask('bob', '!buy')).to.equal('Usage: !buy <item> [qty] [message] (see !shop)');
      expect(await s.balance('bob')).to.equal(30);
      expect(await s.rows('SELECT * FROM shop_redemptions')).to.deep.equal([]);
      expect(await s.rows('SELECT * FROM shop_stock')).to.deep.equal(before);
      expect((await s.economy.history('local:bob')).length).to.equal(1);
    });

    it('a frosted message posts what the viewer typed; a shoutout baguette shouts out a friend', async () => {
      await s.fund('carol', 1000);
      expect(await s.t.ask('carol', '!buy frosted message I love sourdough')).to.match(/^You bought Frosted Message for 50 tokens/);
      expect(s.t.outputs.map((o) => o.text)).to.include('✨ carol says: I love sourdough ✨');
      expect(await s.t.ask('carol', '!buy baguette @DoughMaster')).to.match(/^You bought Shoutout Baguette/);
      expect(s.t.outputs.map((o) => o.text)).to.include('📣 Fresh out of the oven: a shoutout to DoughMaster! Go give them a follow at https://twitch.tv/doughmaster');
      expect(await s.t.ask('carol', '!buy baguette not-a-name!')).to.equal('Shoutout Baguette: "not-a-name!" is not a Twitch name.');
      // A viewer's text can never become a chat command (/me, /ban…) when the bot posts it.
      await s.clock.advance(60_000);
      const s2 = await s.t.host.saveConfig('shop', { items: { raw: { name: 'Raw Message', cost: 1, effect: 'highlight', params: { message: '{input}' } } } });
      expect(s2.ok).to.equal(true);
      expect(await s.t.ask('carol', '!buy raw /ban streamer')).to.match(/^You bought Raw Message/);
      expect(s.t.outputs.map((o) => o.text)).to.include('» /ban streamer');
    });

    it('stock, per-viewer limits, cooldowns and roles', async () => {
      await s.fund('dave', 5000);
      await s.fund('erin', 5000);
      // Sourdough Starter: stock 1, one per viewer, a manual effect (waits in the queue).
      expect(await s.t.ask('dave', '!buy sourdough starter')).to.equal("You bought Sourdough Starter for 500 tokens: order #1 is in the streamer's queue. You have 4,500 tokens left.");
      expect(await s.t.ask('erin', '!buy sourdough starter')).to.equal('Sourdough Starter is sold out.');
      expect(await s.t.ask('dave', '!buy sourdough starter')).to.equal('You already have Sourdough Starter: it is limited to 1 per viewer.');
      // Baker's Dozen: a 300 s cooldown per viewer.
      expect(await s.t.ask('dave', '!buy bakers dozen')).to.match(/^You bought Baker's Dozen/);
      expect(await s.t.ask('dave', '!buy bakers dozen')).to.equal("Your Baker's Dozen is still in the oven: try again in 5 min.");
      await s.clock.advance(299_000);
      expect(await s.t.ask('dave', '!buy bakers dozen')).to.equal("Your Baker's Dozen is still in the oven: try again in 1 s.");
      await s.clock.advance(1_000);
      expect(await s.t.ask('dave', '!buy bakers dozen')).to.match(/^You bought Baker's Dozen/);
      // Golden Loaf: subscribers and VIPs (and the broadcaster).
      expect(await s.t.ask('erin', '!buy golden loaf')).to.equal('Golden Loaf is only for subs and VIPs.');
      expect(await s.t.ask({ login: 'erin', roles: ['vip'] }, '!buy golden loaf')).to.match(/^You bought Golden Loaf/);
      expect(await s.t.ask({ login: 'dave', roles: ['founder'] }, '!buy golden loaf')).to.match(/^You bought Golden Loaf/);
      expect(await s.balance('erin')).to.equal(4000);
    });

    it('!inventory shows what was bought, fulfilled and waiting', async () => {
      expect(await s.t.ask('frank', '!inventory')).to.equal('Your bakery bag is empty. See !shop');
      await s.fund('frank', 2000);
      await s.t.ask('frank', '!buy cookie 3');
      await s.t.ask('frank', '!buy cookie');
      await s.t.ask('frank', '!buy sourdough');
      expect(await s.t.ask('frank', '!bag')).to.equal('Your bakery bag: Chocolate Chip Cookie ×4 · waiting for the streamer: Sourdough Starter ×1 (#3)');
    });

    it('!refund (moderators): tokens, stock and the limit come back; twice is refused; viewers cannot', async () => {
      await s.fund('gina', 600);
      await s.t.ask('gina', '!buy sourdough');
      expect(await s.balance('gina')).to.equal(100);
      expect(await s.t.repliesTo('gina', '!refund 1')).to.deep.equal([]);
      expect(await s.t.ask(MOD, '!refund 1 the starter died')).to.equal('Refunded order #1 (Sourdough Starter): 500 tokens back to gina.');
      expect(await s.balance('gina')).to.equal(600);
      const [row] = await s.rows('SELECT status, refund_reason, handled_by FROM shop_redemptions WHERE id = 1');
      expect(row).to.deep.equal({ status: 'refunded', refund_reason: 'the starter died', handled_by: 'local:mod' });
      expect(await s.t.ask(MOD, '!refund #1')).to.equal('Cannot refund: order #1 was already refunded.');
      expect(await s.t.ask(MOD, '!refund 99')).to.equal('Cannot refund: there is no order #99.');
      expect(await s.t.ask(MOD, '!refund x')).to.equal('Usage: !refund <order number> [reason]');
      expect(await s.balance('gina')).to.equal(600);
      // Stock and the per-viewer limit are back: she can buy it again.
      expect(await s.t.ask('gina', '!buy sourdough')).to.match(/^You bought Sourdough Starter/);
      expect((await s.economy.check()).ok).to.equal(true);
    });
  });

  it('a catalog from the config: free items, items without stock, changed stock restocks', async () => {
    s = await startShop({ items: { sticker: { name: 'Bread Sticker', cost: 0, effect: 'none', category: 'merch', stock: 2 } } });
    expect(await s.t.ask('hal', '!buy sticker 2')).to.equal('You bought 2× Bread Sticker (order #1). You have 0 tokens left.');
    expect(await s.t.ask('ivy', '!buy sticker')).to.equal('Bread Sticker is sold out.');
    expect(await s.t.ask('ivy', '!shop')).to.equal('🧁 Bakery (tokens): merch: Bread Sticker 0 (sold out) · !buy <item> [qty]');
  });
});
