// The economy's follow-ups for its dependents: the `xp_boost` shop effect (offered as `shopEffects`, bought
// through the shop, applied to chat XP, kept across a reload, expiring by the clock) and onUserDeleted.
import { expect } from 'chai';
import type { Owner } from '../../../core/types.ts';
import { FakeClock, settle, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import type { OfferedEffect, ShopService } from '../../shop/service.ts';
import type { EconomyService, UserDeleted } from '../service.ts';

const ITEMS = {
  boost: { name: 'Proofing Boost', cost: 50, category: 'boosts', effect: 'xp_boost', params: { multiplier: 3, minutes: 10 } },
  lump: { name: 'XP Lump', cost: 10, category: 'boosts', effect: 'xp_boost', params: { xp: 100 } },
  cookie: { name: 'Cookie', cost: 10, effect: 'none' },
};

function owner(name: string): Owner & { dispose(): Promise<void> } {
  const fns: (() => void | Promise<void>)[] = [];
  return {
    name,
    onDispose: (fn) => void fns.push(fn),
    async dispose() {
      for (const f of fns.splice(0).reverse()) await f();
    },
  };
}

describe('economy: XP boosts through the shop', function () {
  this.timeout(30000);
  let t: TestBot;
  let clock: FakeClock;
  const eco = () => t.service('economy');
  const shop = (): ShopService => t.service('shop');

  /** A chat message that earns XP, then the XP written. */
  async function chatXp(login: string): Promise<number> {
    const before = (await eco().getAccount(`local:${login}`))?.xp ?? 0;
    t.say(login, 'the bread smells great today');
    await t.idle();
    await eco().flush();
    return ((await eco().getAccount(`local:${login}`))?.xp ?? 0) - before;
  }

  beforeEach(async () => {
    clock = new FakeClock('2026-01-15T12:00:00Z');
    t = await startTestBot({
      plugins: ['economy', 'shop'],
      clock,
      config: {
        bot: { commandCooldown: 0, commands: { buy: { cooldown: 0 } } },
        plugins: { economy: { xpPerParticipation: 2, participationCooldown: 15 }, shop: { items: ITEMS } },
      },
    });
    for (const login of ['alice', 'bob']) {
      await t.bot.users.ensure({ id: `local:${login}`, login });
      await eco().credit(`local:${login}`, 500, { reason: 'test money', source: 'test' });
    }
  });
  afterEach(async () => {
    await t.stop();
  });

  it('is offered as shopEffects, registered by the shop in the economy\'s name; bad params are a catalog problem', async () => {
    const offered: OfferedEffect | undefined = eco().shopEffects?.xp_boost; // the economy's type fits the shop's
    expect(offered).to.be.an('object');
    expect(shop().effects().find((e) => e.name === 'xp_boost')).to.include({ provider: 'economy' });
    expect(shop().problems()).to.deep.equal([
      { item: 'lump', message: 'item "lump" (XP Lump): effect "xp_boost": params.multiplier must be a number above 1 and at most 10 (2 doubles chat XP); xp_boost multiplies chat XP for a while, it does not give a lump of XP' },
    ]);
    expect((await shop().items()).find((i) => i.id === 'boost')).to.include({ available: true, effectProvider: 'economy' });
  });

  it('multiplies chat XP for the minutes bought, survives a reload, and ends by the clock', async () => {
    expect(await chatXp('alice')).to.equal(2);
    expect(await t.ask('alice', '!buy boost 2')).to.equal('You bought 2× Proofing Boost for 100 tokens (order #1). 3× chat XP for 20 minutes, starting now. You have 400 tokens left.');
    expect(await shop().redemption(1)).to.include({ status: 'fulfilled', handledBy: 'economy' });
    await clock.advance(15_000);
    expect(await chatXp('alice')).to.equal(6);
    expect(await chatXp('bob')).to.equal(2);
    // A second purchase queues behind the first: every minute bought is boosted.
    expect(await t.ask('alice', '!buy boost')).to.equal('You bought Proofing Boost for 50 tokens (order #2). 3× chat XP for 10 minutes, after the boost you have (it starts in 20m). You have 350 tokens left.');

    await t.host.reload('economy');
    expect(t.bot.logs.recent().some((e) => /1 viewer\(s\) keep their XP boost across the reload/.test(e.msg))).to.equal(true);
    await clock.advance(15_000);
    expect(await chatXp('alice')).to.equal(6);

    // 30 minutes in all from 12:00:15: still boosted at 12:29, not at 12:31.
    await clock.set('2026-01-15T12:29:00Z');
    expect(await chatXp('alice')).to.equal(6);
    await clock.set('2026-01-15T12:31:00Z');
    expect(await chatXp('alice')).to.equal(2);
    expect((await eco().check()).ok).to.equal(true);
  });

  it('a boost that cannot apply is refunded by the shop', async () => {
    await t.stop();
    clock = new FakeClock('2026-01-15T12:00:00Z');
    t = await startTestBot({
      plugins: ['economy', 'shop'],
      clock,
      config: { bot: { commandCooldown: 0 }, plugins: { economy: { xpPerParticipation: 0 }, shop: { items: ITEMS } } },
    });
    await t.bot.users.ensure({ id: 'local:alice', login: 'alice' });
    await eco().credit('local:alice', 100, { reason: 'test money', source: 'test' });
    expect(await t.ask('alice', '!buy boost')).to.equal('Sorry, Proofing Boost could not be delivered (chat earns no XP on this channel). Your 50 tokens are back: order #1 refunded.');
    expect(await eco().balance('local:alice')).to.equal(100);
  });
});

describe('economy: onUserDeleted', function () {
  this.timeout(20000);
  let t: TestBot;
  let economy: EconomyService;

  beforeEach(async () => {
    t = await startTestBot({ plugins: ['economy'], config: { bot: { commandCooldown: 0 } } });
    economy = t.service('economy');
  });
  afterEach(async () => {
    await t.stop();
  });

  it('runs after the deletion committed, is waited for, survives a failing listener, and goes with its owner', async () => {
    await t.bot.users.ensure({ id: 'u1', login: 'carol' });
    await economy.credit('u1', 40, { reason: 'seed' });
    const seen: { event: UserDeleted; accountThen: unknown; userThen: unknown }[] = [];
    let finished = false;
    const shopLike = owner('shop');
    economy.onUserDeleted(shopLike, async (event) => {
      // Committed: the reader (committed data only) no longer finds the account or the user.
      seen.push({ event, accountThen: await t.storage.get('SELECT * FROM economy_accounts WHERE user_id = ?', [event.userId]), userThen: await t.bot.users.byId(event.userId) });
      await settle(30); // a slow listener, on purpose: deleteUser must wait for it
      finished = true;
    });
    const broken = owner('broken');
    economy.onUserDeleted(broken, () => {
      throw new Error('cannot reach my table');
    });
    const r = await economy.deleteUser('u1');
    expect(finished, 'deleteUser waits for its listeners').to.equal(true);
    expect(seen).to.deep.equal([{ event: { userId: 'u1', anonymousId: r.anonymousId }, accountThen: undefined, userThen: undefined }]);
    expect(t.bot.logs.recent().some((e) => e.level === 'warn' && /onUserDeleted listener of broken failed: cannot reach my table/.test(e.msg))).to.equal(true);
    expect((await economy.check()).ok).to.equal(true);

    await shopLike.dispose();
    await broken.dispose();
    await economy.credit('u2', 1, { reason: 'seed' });
    await economy.deleteUser('u2');
    expect(seen).to.have.length(1);
  });

  it('!deleteme answers once the listeners are done', async () => {
    const order: string[] = [];
    economy.onUserDeleted(owner('shop'), async () => {
      await settle(20); // a slow listener, on purpose: the reply must wait for it
      order.push('listener');
    });
    t.bot.local.onBotMessage((o) => void (/^Done: your account/.test(o.text) && order.push('reply')));
    await t.ask('dave', '!deleteme');
    await t.ask('dave', '!deleteme confirm');
    expect(order).to.deep.equal(['listener', 'reply']);
  });
});
