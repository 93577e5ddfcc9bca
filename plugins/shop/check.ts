// Watching the catalog for items that cannot be sold: an enabled item whose effect no loaded plugin
// provides, or whose params its effect rejects. Effects may come from plugins that start after the shop,
// so the check waits until the bot is ready, and runs again once things settle (a reload is an unload and
// a load) whenever a plugin loads or unloads or an effect comes or goes.
//
// Where the streamer sees a problem: it is thrown from the hook (or ctx timer) that found it, so the host
// logs it at error level against the shop AND records it as the shop's error (the dashboard's Plugins page,
// ctx.host.plugins()). The shop keeps running (one bad item must not close the bakery), the items are shown
// as unavailable, and the Shop page lists the problems as they are now.
import type { PluginContext } from '../../core/types.ts';
import type { CatalogProblem } from './service.ts';

/** How long the plugin list must stay quiet before the catalog is checked again. */
export const SETTLE_MS = 300;

export function problemText(found: readonly CatalogProblem[]): string {
  const head = found.length === 1 ? 'a shop item cannot be sold' : `${found.length} shop items cannot be sold`;
  return `${head}: ${found.map((p) => p.message).join('; ')}. Fix plugins.shop.items in the config (or on the Shop page), or enable the plugin that provides the effect.`;
}

/** Starts watching; `changed()` tells it an effect came or went. `problems` is read only when checking. */
export function watchCatalog<C>(ctx: PluginContext<C>, problems: () => CatalogProblem[]): { changed(): void } {
  // Set up while the bot already runs (a reload, a saved config): no `ready` will come.
  let started = ctx.runtime.status().chat !== 'stopped';
  let reported = '';
  let cancel: (() => void) | undefined;
  const check = (): void => {
    const found = problems();
    const key = found.map((p) => p.message).join('\n');
    if (key === reported) return;
    reported = key;
    if (!found.length) ctx.log.info('every enabled item of the catalog is available');
    else throw new Error(problemText(found));
  };
  const changed = (): void => {
    if (!started || ctx.signal.aborted) return;
    cancel?.();
    cancel = ctx.timers.setTimeout(check, SETTLE_MS);
  };
  ctx.hooks.ready.tap(() => {
    started = true;
    cancel?.();
    check();
  });
  ctx.hooks.pluginLoaded.tap(changed);
  ctx.hooks.pluginUnloaded.tap(changed);
  changed();
  return { changed };
}
