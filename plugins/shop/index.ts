// The Bakery shop: viewers spend the economy's tokens on items (!shop, !buy, !inventory); what an item
// does is an *effect* that any plugin can provide. It is the first plugin built on another plugin's
// service, so it reads as the model for that: `dependsOn: ['economy']`, then `ctx.service('economy')`
// is typed and always the live one (when the economy reloads, the shop is set up again around it).
import { definePlugin } from '../../core/define.ts';
import { CONFIG_SCHEMA } from './catalog.ts';
import { registerCommands } from './commands.ts';
import { builtinEffects, EffectRegistry, registerOfferedEffects, type RegisteredEffect } from './effects.ts';
import { watchCatalog } from './check.ts';
import { createShopCore } from './purchase.ts';
import type { ShopService } from './service.ts';
import { mountDashboard } from './web.ts';

export type * from './service.ts';

export default definePlugin({
  name: 'shop',
  version: '1.0.0',
  description: 'The Bakery: viewers spend tokens on items (!shop, !buy, !inventory); plugins provide what items do.',
  dependsOn: ['economy'],
  optionalDependsOn: ['dashboard'],
  configSchema: CONFIG_SCHEMA,
  migrations: 'migrations',
  // Its page's script and stylesheet are served through the dashboard's addAssets (no login for static files).
  capabilities: ['public-assets'],

  async setup(ctx) {
    // The economy's service: typed, because `economy` is in dependsOn, and always the running one (when the
    // economy reloads, the shop is set up again around it). Purchases go through its transaction().
    const economy = ctx.service('economy');

    // Effects: the shop's own, those a dependency offers on its service, then any plugin's (provideEffect).
    // When one comes or goes, the catalog is checked again (check.ts).
    const catalog = watchCatalog(ctx, () => shop.problems());
    const effects = new EffectRegistry(ctx.registry<RegisteredEffect>({ key: (e) => e.name, what: 'effect', onChange: () => catalog.changed() }));
    for (const e of builtinEffects()) effects.provide(ctx, e.name, e.handler, e.options);
    registerOfferedEffects(effects, 'economy', economy, ctx, ctx.log);

    const shop = createShopCore(ctx, economy, effects);
    await shop.syncStock();
    registerCommands(ctx, shop, economy);
    // Once every plugin has started (effects come from other plugins too): orders a crash left paid but
    // undelivered are delivered now, or refunded. Only at the bot's start: during a reload the previous
    // generation's orders may still be running their effects.
    ctx.hooks.ready.tap(() => shop.resumeInterrupted());

    // A viewer's deletion request (core's userForgotten: the dashboard, !deleteme): their orders stay, so sales
    // figures and the ledger still add up, but under the anonymous id their ledger rows now carry, without
    // their name or what they typed.
    ctx.hooks.userForgotten.tap(async ({ userId }) => {
      const anonymousId = economy.anonymousId(userId);
      await ctx.db.transaction(async (tx) => {
        await tx.run("UPDATE shop_redemptions SET user_id = ?, username = ?, input = '' WHERE user_id = ?", [anonymousId, anonymousId, userId]);
        await tx.run('UPDATE shop_user_limits SET user_id = ? WHERE user_id = ?', [anonymousId, userId]);
      });
    });

    const service: ShopService = {
      provideEffect: (owner, name, handler, options) => effects.provide(owner, name, handler, options),
      effects: () => effects.list(),
      items: () => shop.views(),
      findItem: (text) => shop.find(text),
      purchase: (request) => shop.purchase(request),
      redemption: (id) => shop.redemption(id),
      redemptions: (query) => shop.redemptions(query),
      fulfil: (id, actor) => shop.fulfil(id, actor),
      refund: (id, options) => shop.refund(id, options),
      restock: (itemId, remaining) => shop.restock(itemId, remaining),
      stats: (days) => shop.stats(days),
      problems: () => shop.problems(),
      onRedemption: (owner, fn) => shop.onRedemption(owner, fn),
    };

    // The dashboard is optional: with it, a Shop page and the API; without it, chat alone.
    const dashboard = ctx.optionalService('dashboard');
    if (dashboard) mountDashboard(ctx, dashboard, service, economy);

    return service;
  },
});
