// What the overlays show by themselves: shop orders (an alert and a line in "Recent orders", through the
// shop's onRedemption hook) and the leaderboard (read from the economy, refreshed when tokens change).
import type { PluginContext } from '../../core/types.ts';
import type { EconomyService, LeaderboardBy } from '../economy/service.ts';
import type { Redemption, ShopService } from '../shop/service.ts';
import type { ListItem } from './service.ts';
import type { OverlayRegistry } from './registry.ts';

interface FeedConfig {
  readonly listSize: number;
  readonly leaderboardSize: number;
  readonly leaderboardBy: LeaderboardBy;
}

function orderItem(r: Redemption, name: string): ListItem {
  return { text: `${r.quantity > 1 ? `${r.quantity} × ` : ''}${r.reward}`, detail: `by ${name}`, at: r.createdAt };
}

export async function feedShop(ctx: PluginContext<FeedConfig>, shop: ShopService, registry: OverlayRegistry): Promise<void> {
  const recent = (await shop.redemptions({ limit: ctx.config.listSize * 2 })).filter((r) => r.status !== 'refunded').slice(0, ctx.config.listSize);
  registry.publish(undefined, 'orders', { type: 'list', title: 'Recent orders', items: recent.map((r) => orderItem(r, r.username)) });

  shop.onRedemption(ctx, async (r) => {
    // A purchase is announced once: when it waits for the streamer (pending) or when its effect delivered it
    // right away (fulfilled by the effect's provider). A streamer's later fulfil or a refund is not news.
    const provider = shop.effects().find((e) => e.name === r.effect)?.provider;
    const bought = r.status === 'pending' || (r.status === 'fulfilled' && r.handledBy !== null && r.handledBy === provider);
    if (!bought) return;
    const user = (await ctx.users.byId(r.userId))?.displayName ?? r.username;
    const what = `${r.quantity > 1 ? `${r.quantity} × ` : ''}${r.reward}`;
    registry.publish(undefined, 'alerts', { type: 'alert', kind: 'purchase', title: `${user} bought ${what}!`, ...(r.input ? { text: r.input } : {}) });
    registry.publish(undefined, 'orders', { type: 'item', ...orderItem(r, user) });
  });
}

export async function feedLeaderboard(ctx: PluginContext<FeedConfig>, economy: EconomyService, registry: OverlayRegistry): Promise<void> {
  const by = ctx.config.leaderboardBy;
  const value = (row: { tokens: number; level: number; wins: number }) =>
    by === 'tokens' ? economy.format(row.tokens) : by === 'xp' ? `level ${row.level}` : `${row.wins} ${row.wins === 1 ? 'win' : 'wins'}`;
  const refresh = async () => {
    const rows = await economy.leaderboard(by, ctx.config.leaderboardSize);
    registry.publish(undefined, 'leaderboard', {
      type: 'leaderboard',
      title: by === 'tokens' ? `Top bakers (${economy.currency.name})` : by === 'xp' ? 'Top bakers (level)' : 'Top bakers (wins)',
      rows: rows.map((r) => ({ rank: r.rank, name: r.displayName, value: value(r) })),
    });
  };
  // After the ready line: the first board formats amounts, and the first formatter loads ICU's locale data
  // (about 25 ms of every start over a database with accounts). OBS connects after the start anyway.
  ctx.afterStart(refresh);
  // Tokens change with every chat reward: redraw at most every two seconds.
  let pending = false;
  economy.onTokensChanged(ctx, () => {
    if (pending) return;
    pending = true;
    ctx.timers.setTimeout(async () => {
      pending = false;
      await refresh();
    }, 2000);
  });
}
