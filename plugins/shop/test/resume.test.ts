// A paid order whose effect a crash kept from running (`effect_due`) is taken up at the next start: run
// then (test/faults/crash-after-commit.test.ts, with a real SIGKILL), or refunded if it cannot run.
import { expect } from 'chai';
import { startTestBot, type TestBot } from '../../../test/support/kit.ts';
import type { EconomyService } from '../../economy/service.ts';
import { DEFAULT_ITEMS } from '../catalog.ts';
import { NO_COOLDOWNS, startShop, type ShopBot } from './helpers.ts';

describe('shop: orders a crash left paid but undelivered', () => {
  let s: ShopBot | undefined;
  let again: TestBot | undefined;
  afterEach(async () => {
    await again?.stop();
    await s?.t.stop().catch(() => undefined);
    again = s = undefined;
  });

  it('refunds at start an interrupted order whose item can no longer be delivered, and tells the buyer', async () => {
    s = await startShop();
    await s.fund('alice', 100);
    expect(await s.t.ask('alice', '!buy cookie')).to.match(/^You bought Chocolate Chip Cookie for 10 tokens \(order #1\)/);
    // What a SIGKILL right after the purchase's commit leaves: paid, pending, its effect still due.
    await s.t.storage.run("UPDATE shop_redemptions SET status = 'pending', fulfilled_at = NULL, handled_by = NULL, effect_due = 1 WHERE id = 1");
    await s.t.stop({ keepDir: true });
    // The streamer took the cookie off the menu meanwhile.
    again = await startTestBot({
      dir: s.t.dir,
      plugins: ['economy', 'shop'],
      clock: s.clock,
      config: { bot: { commandCooldown: 0, commands: NO_COOLDOWNS }, plugins: { shop: { items: { ...DEFAULT_ITEMS, cookie: { ...DEFAULT_ITEMS.cookie, enabled: false } } } } },
    });
    const told = await again.waitFor((o) => o.text.startsWith('@alice your Chocolate Chip Cookie (order #1)'), 3000, 'the buyer told');
    expect(told.text).to.equal('@alice your Chocolate Chip Cookie (order #1) could not be delivered because the bot restarted: your 10 tokens are back.');
    const row = await again.storage.get<{ status: string; refund_reason: string }>('SELECT status, refund_reason FROM shop_redemptions WHERE id = 1');
    expect(row).to.deep.equal({ status: 'refunded', refund_reason: 'the bot stopped before it was delivered, and it cannot be delivered now' });
    const economy = again.service('economy') as EconomyService;
    expect(await economy.balance('local:alice')).to.equal(100);
    expect((await economy.check()).ok).to.equal(true);
  });
});
