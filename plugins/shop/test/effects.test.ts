// Effects: provided by other plugins through the shop's service (owned by their ctx), failures refunded
// automatically, and catalog items whose effect nobody provides reported as config errors naming the item.
import { expect } from 'chai';
import { createRegistry } from '../../../core/registry.ts';
import type { Owner } from '../../../core/types.ts';
import { eventually } from '../../../test/support/kit.ts';
import { EffectRegistry, registerOfferedEffects, type RegisteredEffect } from '../effects.ts';
import { startShop, type ShopBot } from './helpers.ts';

const ITEMS = {
  confetti: { name: 'Confetti Cake', cost: 40, effect: 'confetti', category: 'party', maxPerPurchase: 3 },
  fire: { name: 'Flambé', cost: 30, effect: 'oven_fire', category: 'party', stock: 5, perUserLimit: 2 },
  burnt: { name: 'Burnt Toast', cost: 20, effect: 'burnt', category: 'party' },
  slow: { name: 'Slow Bread', cost: 15, effect: 'slow', category: 'party' },
  mystery: { name: 'Mystery Muffin', cost: 5, effect: 'teleport', category: 'party' },
  later: { name: 'Later Loaf', cost: 5, effect: 'teleport', category: 'party', enabled: false },
  cookie: { name: 'Cookie', cost: 10, effect: 'none' },
};

function owner(name: string): Owner & { dispose(): void } {
  const fns: (() => void | Promise<void>)[] = [];
  return { name, onDispose: (fn) => void fns.push(fn), dispose: () => fns.splice(0).reverse().forEach((f) => void f()) };
}

describe('shop: effects', function () {
  this.timeout(20000);
  let s: ShopBot;

  afterEach(async () => {
    await s?.t.stop();
  });

  it('a plugin loaded after the shop provides effects; items nobody provides are a config error naming the item', async () => {
    s = await startShop({ items: ITEMS, extras: true });
    expect(s.t.host.plugin('bakery_extras')?.state).to.equal('enabled');
    const effects = s.shop.effects();
    expect(effects.find((e) => e.name === 'confetti')).to.deep.equal({ name: 'confetti', provider: 'bakery_extras', description: 'Fires confetti in chat.' });
    expect(effects.filter((e) => e.provider === 'shop').map((e) => e.name)).to.deep.equal(['highlight', 'manual', 'none', 'shoutout']);
    // Only the enabled item with the missing effect is a problem; the disabled one is not.
    expect(s.shop.problems()).to.deep.equal([{ item: 'mystery', message: 'item "mystery" (Mystery Muffin): effect "teleport" is not provided by any loaded plugin' }]);
    const info = s.t.host.plugin('shop');
    expect(info?.state).to.equal('enabled');
    expect(info?.error).to.match(/a shop item cannot be sold: item "mystery" \(Mystery Muffin\): effect "teleport" is not provided by any loaded plugin/);
    const logged = s.t.bot.logs.recent().filter((e) => e.level === 'error' && e.source === 'shop');
    expect(logged.map((e) => e.msg).join('\n')).to.match(/item "mystery"/);
    const items = await s.shop.items();
    expect(items.find((i) => i.id === 'mystery')).to.include({ available: false, unavailableReason: 'effect "teleport" is not provided by any loaded plugin' });
    expect(items.find((i) => i.id === 'confetti')).to.include({ available: true, effectProvider: 'bakery_extras' });
    await s.fund('alice', 100);
    expect(await s.t.ask('alice', '!buy mystery')).to.equal('Mystery Muffin is not available right now. The streamer can see why on the Shop page.');
    expect(await s.t.ask('alice', '!buy later loaf')).to.equal('Later Loaf is not for sale right now.');
    expect(await s.t.ask('alice', '!shop')).to.not.match(/Mystery/);
    expect(await s.balance('alice')).to.equal(100);
  });

  it('a third-party effect runs with the buyer, quantity and reply, and fulfils the order', async () => {
    s = await startShop({ items: ITEMS, extras: true });
    await s.fund('bob', 200);
    expect(await s.t.ask('bob', '!buy confetti cake 2')).to.equal('You bought 2× Confetti Cake for 80 tokens (order #1). Confetti everywhere. You have 120 tokens left.');
    expect(s.t.outputs.map((o) => o.text)).to.include('🎉 2 confetti cannons for bob!');
    const r = await s.shop.redemption(1);
    expect(r).to.include({ status: 'fulfilled', handledBy: 'bakery_extras', quantity: 2, cost: 80 });
  });

  for (const [item, command, reason] of [
    ['fire', '!buy flambé', 'the oven caught fire'],
    ['burnt', '!buy burnt toast', 'the batch got burnt'],
  ] as const) {
    it(`an effect that ${item === 'fire' ? 'throws' : 'returns a failure'} is refunded through the economy, and the buyer is told`, async () => {
      s = await startShop({ items: ITEMS, extras: true });
      await s.fund('carol', 100);
      const cost = ITEMS[item].cost;
      expect(await s.t.ask('carol', command)).to.equal(`Sorry, ${ITEMS[item].name} could not be delivered (${reason}). Your ${cost} tokens are back: order #1 refunded.`);
      expect(await s.balance('carol')).to.equal(100);
      const r = await s.shop.redemption(1);
      expect(r).to.include({ status: 'refunded', refundReason: `effect failed: ${reason}`, handledBy: 'shop' });
      const ledger = await s.economy.history('local:carol');
      expect(ledger.map((e) => [e.kind, e.delta, e.key])).to.deep.equal([
        ['credit', cost, 'shop:refund:1'],
        ['debit', -cost, 'shop:order:1'],
        ['credit', 100, ledger[2]?.key],
      ]);
      if (item === 'fire') {
        // Stock and the per-viewer limit came back with the refund.
        expect(await s.rows('SELECT remaining FROM shop_stock WHERE item_id = ?', ['fire'])).to.deep.equal([{ remaining: 5 }]);
        expect(await s.rows('SELECT bought FROM shop_user_limits WHERE item_id = ?', ['fire'])).to.deep.equal([{ bought: 0 }]);
      }
      // A second refund of the same order is refused, and would not pay twice anyway (idempotency key).
      let code: string | undefined;
      await s.shop.refund(1, { reason: 'again', actor: 'test' }).catch((err: { code?: string }) => (code = err.code));
      expect(code).to.equal('ALREADY_REFUNDED');
      expect(await s.balance('carol')).to.equal(100);
      expect((await s.economy.check()).ok).to.equal(true);
    });
  }

  it('an effect that runs past effectTimeout is refunded', async () => {
    s = await startShop({ items: ITEMS, extras: true, shop: { effectTimeout: 5 } });
    await s.fund('dan', 50);
    const m = s.t.say('dan', '!buy slow bread');
    // Not t.idle(): the purchase waits for the effect, which waits for the fake clock.
    await eventually(async () => (await s.balance('dan')) === 35, { what: 'the purchase to be paid' });
    await s.clock.advance(5_000);
    const reply = await s.t.waitFor((o) => o.replyTo === m.id);
    expect(reply.text).to.equal('Sorry, Slow Bread could not be delivered (it took longer than 5 s). Your 15 tokens are back: order #1 refunded.');
    expect(await s.balance('dan')).to.equal(50);
  });

  it('effects go away with the plugin that provided them; the catalog is checked again once things settle', async () => {
    s = await startShop({ items: ITEMS, extras: true });
    await s.t.host.setEnabled('bakery_extras', false);
    expect(s.shop.effects().some((e) => e.name === 'confetti')).to.equal(false);
    expect((await s.shop.items()).find((i) => i.id === 'confetti')).to.include({ available: false });
    await s.fund('erin', 100);
    expect(await s.t.ask('erin', '!buy confetti cake')).to.equal('Confetti Cake is not available right now. The streamer can see why on the Shop page.');
    await s.clock.advance(1_000);
    expect(s.t.host.plugin('shop')?.error).to.match(/5 shop items cannot be sold: .*item "confetti" \(Confetti Cake\): effect "confetti" is not provided/);
    await s.t.host.setEnabled('bakery_extras', true);
    await s.clock.advance(1_000);
    expect(s.shop.problems().map((p) => p.item)).to.deep.equal(['mystery']);
    expect(await s.t.ask('erin', '!buy confetti cake')).to.match(/^You bought Confetti Cake/);
    expect(s.t.bot.logs.recent().some((e) => e.source === 'shop' && /items cannot be sold/.test(e.msg) && e.level === 'error')).to.equal(true);
  });

  it('provideEffect: names are checked, a name has one provider, and the registration belongs to its owner', async () => {
    let changes = 0;
    const registry = new EffectRegistry(createRegistry<RegisteredEffect>({ key: (e) => e.name, onChange: () => changes++ }));
    const a = owner('plugin_a');
    const b = owner('plugin_b');
    registry.provide(a, 'sparkles', () => undefined, { description: 'shiny' });
    expect(() => registry.provide(b, 'sparkles', () => undefined)).to.throw(/effect "sparkles" is already provided by plugin plugin_a/);
    expect(() => registry.provide(b, 'Bad Name', () => undefined)).to.throw(/must be lower case/);
    const remove = registry.provide(b, 'glitter', () => undefined);
    expect(registry.list().map((e) => `${e.provider}:${e.name}`)).to.deep.equal(['plugin_b:glitter', 'plugin_a:sparkles']);
    a.dispose();
    expect(registry.get('sparkles')).to.equal(undefined);
    remove();
    remove();
    expect(registry.list()).to.deep.equal([]);
    expect(changes).to.equal(4);
  });

  it('provideEffect through the service: a handler with params, and a params check that makes an item a config error', async () => {
    s = await startShop({
      items: {
        sprinkles: { name: 'Sprinkles', cost: 3, effect: 'sprinkle', params: { colours: 3 } },
        bad: { name: 'Bad Sprinkles', cost: 3, effect: 'sprinkle', params: { colours: 'many' } },
      },
    });
    const o = owner('test_plugin');
    const seen: unknown[] = [];
    s.shop.provideEffect(o, 'sprinkle', ({ params, quantity, user, redemption }) => void seen.push({ params, quantity, user: user.login, id: redemption.id }), {
      checkParams: (p) => (typeof p.colours === 'number' ? undefined : 'params.colours must be a number'),
    });
    await s.clock.advance(1_000);
    expect(s.shop.problems()).to.deep.equal([{ item: 'bad', message: 'item "bad" (Bad Sprinkles): effect "sprinkle": params.colours must be a number' }]);
    expect(s.t.host.plugin('shop')?.error).to.match(/item "bad"/);
    await s.fund('fay', 10);
    expect(await s.t.ask('fay', '!buy sprinkles 2')).to.match(/^You bought 2× Sprinkles/);
    expect(seen).to.deep.equal([{ params: { colours: 3 }, quantity: 2, user: 'fay', id: 1 }]);
    expect(await s.t.ask('fay', '!buy bad sprinkles')).to.equal('Bad Sprinkles is not available right now. The streamer can see why on the Shop page.');
    o.dispose();
    expect((await s.shop.items()).find((i) => i.id === 'sprinkles')?.available).to.equal(false);
  });

  it('a dependency (the economy, later: xp_boost) offers effects on its service as shopEffects', () => {
    const registry = new EffectRegistry(createRegistry<RegisteredEffect>({ key: (e) => e.name }));
    const shop = owner('shop');
    const errors: string[] = [];
    const economyLike = {
      shopEffects: {
        xp_boost: { description: 'Adds XP', checkParams: (p: Readonly<Record<string, unknown>>) => (typeof p.xp === 'number' ? undefined : 'params.xp must be a number'), run: () => undefined },
        tip_jar: () => undefined,
        broken: 42,
      },
    };
    const done = registerOfferedEffects(registry, 'economy', economyLike, shop, { error: (m) => void errors.push(m) });
    expect(done).to.deep.equal(['xp_boost', 'tip_jar']);
    expect(registry.list()).to.deep.equal([
      { name: 'tip_jar', provider: 'economy', description: '' },
      { name: 'xp_boost', provider: 'economy', description: 'Adds XP' },
    ]);
    expect(registry.get('xp_boost')?.options.checkParams?.({ xp: 'lots' }, {} as never)).to.equal('params.xp must be a number');
    expect(errors).to.deep.equal(['effect "broken" offered by economy was not registered: it is neither a handler nor { run, ... }']);
    expect(registerOfferedEffects(registry, 'economy', {}, shop, { error: () => undefined })).to.deep.equal([]);
    shop.dispose();
    expect(registry.list()).to.deep.equal([]);
  });

  it('when the shop reloads, the plugins that provide effects are set up again around it', async () => {
    s = await startShop({ items: ITEMS, extras: true });
    await s.t.host.reload('shop');
    expect(s.t.host.plugin('shop')).to.include({ state: 'enabled', reloads: 1 });
    const shop = s.t.service('shop');
    expect(shop.effects().find((e) => e.name === 'confetti')?.provider).to.equal('bakery_extras');
    await s.clock.advance(1_000);
    expect(shop.problems().map((p) => p.item)).to.deep.equal(['mystery']);
    await s.fund('gus', 100);
    expect(await s.t.ask('gus', '!buy confetti cake')).to.match(/^You bought Confetti Cake/);
  });

  it('onRedemption tells other plugins each order once its effect has run, then each change; it goes with its owner', async () => {
    s = await startShop({ items: { ...ITEMS, starter: { name: 'Starter', cost: 10, effect: 'manual' } }, extras: true });
    const o = owner('overlay');
    const seen: string[] = [];
    s.shop.onRedemption(o, (r) => void seen.push(`#${r.id} ${r.itemId} ${r.status}`));
    await s.fund('hana', 500);
    await s.t.ask('hana', '!buy cookie');
    await s.t.ask('hana', '!buy starter');
    await s.t.ask('hana', '!buy burnt toast');
    await s.shop.fulfil(2, 'test');
    expect(seen).to.deep.equal(['#1 cookie fulfilled', '#2 starter pending', '#3 burnt refunded', '#2 starter fulfilled']);
    o.dispose();
    await s.shop.refund(2, { reason: 'x', actor: 'test' });
    expect(seen).to.have.length(4);
  });
});
