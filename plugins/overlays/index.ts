// OBS browser sources on the viewer-facing server (WEB_HOST/WEB_PORT): alerts, the running game, the bread
// fight, the leaderboard and recent shop orders, live over server-sent events. Other plugins publish into
// them through this plugin's service (service.ts) and may add widgets of their own.
import { definePlugin } from '../../core/define.ts';
import { feedLeaderboard, feedShop } from './feeds.ts';
import { OverlayRegistry } from './registry.ts';
import { startServer, type OverlayServer } from './server.ts';
import { sampleEvent } from './events.ts';
import type { OverlayInfo, OverlaysService } from './service.ts';
import { mountDashboard } from './web.ts';

export type * from './service.ts';

export default definePlugin({
  name: 'overlays',
  version: '1.0.0',
  description: 'OBS browser-source overlays (alerts, game, bread fight, leaderboard, orders) on the viewer-facing web server.',
  optionalDependsOn: ['economy', 'shop', 'dashboard'],
  // Its dashboard page's script and stylesheet are served through the dashboard's addAssets (no login for static files).
  capabilities: ['public-assets'],
  // The seed's names for the viewer-facing server.
  env: { WEB_HOST: 'host', WEB_PORT: 'port' },
  envVars: ['BAKEBOT_NO_WEB'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      host: { type: 'string', default: '127.0.0.1', description: 'Address the overlay server listens on (WEB_HOST). Keep 127.0.0.1 when OBS runs on this computer.' },
      port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080, description: 'Port of the overlay server (WEB_PORT); 0 picks a free one.' },
      allowedHosts: { type: 'array', items: { type: 'string' }, default: [], description: 'Other host names OBS uses to reach the server (besides localhost and the address above).' },
      publicLeaderboard: { type: 'boolean', default: false, description: 'Also serve a read-only leaderboard page without a key at /public/leaderboard.' },
      leaderboardBy: { type: 'string', enum: ['tokens', 'xp', 'wins'], default: 'tokens', description: 'What the leaderboard ranks.' },
      leaderboardSize: { type: 'integer', minimum: 1, maximum: 25, default: 10, description: 'Rows on the leaderboard.' },
      listSize: { type: 'integer', minimum: 1, maximum: 20, default: 5, description: 'Lines of "Recent orders" (and other lists).' },
      alertSeconds: { type: 'number', minimum: 1, maximum: 60, default: 6, description: 'How long an alert stays on screen.' },
      customCss: { type: 'string', default: 'overlays.css', description: 'Your own CSS for the overlays, relative to the config folder; loaded after the default style.' },
    },
  },
  migrations: 'migrations',

  async setup(ctx) {
    const registry = new OverlayRegistry(ctx, ctx.name);
    await registry.loadKeys();
    registry.restore(ctx.inherited);
    ctx.handOver(() => ({ screens: registry.snapshot() }));

    let server: OverlayServer | undefined;
    let notListening: string | undefined;
    if (ctx.env.BAKEBOT_NO_WEB === '1' || ctx.env.BAKEBOT_NO_WEB === 'true') notListening = 'BAKEBOT_NO_WEB is set';
    else {
      try {
        server = await startServer(ctx, ctx.config, registry);
        ctx.onDispose(() => server?.close());
        ctx.log.info(`overlays for OBS at ${server.url}/overlay/<name>?key=… (the dashboard's Overlays page lists them)`);
      } catch (err) {
        // The bot runs on without overlays; the dashboard's Overlays page says why.
        notListening = `cannot listen on ${ctx.config.host}:${ctx.config.port}: ${(err as Error).message}`;
        ctx.log.error(`overlay server ${notListening} (set WEB_PORT or plugins.overlays.port to a free port)`);
      }
    }

    const urlOf = (name: string): string | undefined => (server ? `${server.url}/overlay/${name}?key=${registry.keyOf(name)}` : undefined);
    const info = (name: string): OverlayInfo => {
      const o = registry.get(name);
      return { name: o.name, title: o.title, layout: o.layout, description: o.description, owner: o.owner, url: urlOf(o.name), viewers: registry.viewersOf(o.name) };
    };

    const service: OverlaysService = {
      get url() {
        return server?.url;
      },
      publish: (owner, overlay, event) => {
        const withDuration = event.type === 'alert' && event.durationMs === undefined ? { ...event, durationMs: ctx.config.alertSeconds * 1000 } : event;
        registry.publish(owner, overlay, withDuration);
      },
      registerWidget: (owner, spec) => registry.registerWidget(owner, spec),
      list: () => [...registry.overlays.keys()].map(info),
      async test(name) {
        const o = registry.get(name);
        const event = o.testEvent ?? sampleEvent(o.layout, ctx.clock.now());
        service.publish(undefined, o.name, event);
        return event;
      },
      async rotateKey(name) {
        registry.rotate(name);
        return info(name);
      },
    };

    const shop = ctx.optionalService('shop');
    if (shop) await feedShop(ctx, shop, registry);
    const economy = ctx.optionalService('economy');
    if (economy) await feedLeaderboard(ctx, economy, registry);

    const dashboard = ctx.optionalService('dashboard');
    if (dashboard) mountDashboard(ctx, dashboard, service, registry, () => notListening);
    return service;
  },
});
