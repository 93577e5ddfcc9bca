// The overlays on the dashboard: an Overlays page (each overlay's URL for OBS with its key, "send test",
// "new key", and a live preview drawn by the same script as the OBS page), and the API
// (GET /api/overlays, POST /api/overlays/test, POST /api/overlays/rotate). All of it behind the dashboard's
// login, Host/Origin checks and CSRF protection; registered with the overlays' ctx as owner.
import path from 'node:path';
import type { Context } from 'koa';
import type { PluginContext } from '../../core/types.ts';
import type { DashboardService, SafeHtml } from '../dashboard/service.ts';
import type { OverlayRegistry } from './registry.ts';
import { isOverlayError, type OverlaysService } from './service.ts';

function answer(k: Context, status: number, body: unknown): void {
  k.status = status;
  k.body = body;
}

/** The `name` of a JSON body, or a 400 answered. */
function nameOf(k: Context): string | undefined {
  const b = k.request.body as unknown;
  const name = b && typeof b === 'object' ? (b as { name?: unknown }).name : undefined;
  if (typeof name !== 'string' || !name) {
    answer(k, 400, { error: 'send {"name": "<overlay>"}', code: 'INVALID_BODY' });
    return undefined;
  }
  return name;
}

export function mountDashboard(ctx: PluginContext<object>, dashboard: DashboardService, overlays: OverlaysService, registry: OverlayRegistry, notListening: () => string | undefined): void {
  registry.onPublished((o, event) => dashboard.publish(ctx, 'overlay', { overlay: o.name, event }));

  const router = dashboard.router();
  router.get('/api/overlays', (k) => {
    answer(k, 200, overlays.list().map((o) => ({ name: o.name, url: o.url ?? null, title: o.title, layout: o.layout, owner: o.owner, viewers: o.viewers })));
  });
  const fail = (k: Context, err: unknown) => {
    if (!isOverlayError(err)) throw err;
    answer(k, err.code === 'UNKNOWN_OVERLAY' ? 404 : 400, { error: err.message, code: err.code, ...(err.code === 'UNKNOWN_OVERLAY' ? { details: { known: overlays.list().map((o) => o.name) } } : {}) });
  };
  router.post('/api/overlays/test', async (k) => {
    const name = nameOf(k);
    if (!name) return;
    try {
      answer(k, 200, { ok: true, name, event: await overlays.test(name) });
    } catch (err) {
      fail(k, err);
    }
  });
  router.post('/api/overlays/rotate', async (k) => {
    const name = nameOf(k);
    if (!name) return;
    try {
      const o = await overlays.rotateKey(name);
      answer(k, 200, { name: o.name, url: o.url ?? null });
    } catch (err) {
      fail(k, err);
    }
  });
  dashboard.addApi(ctx, router);

  const assets = dashboard.addAssets(ctx, path.join(ctx.dir, 'web'));
  const h = dashboard.html;
  dashboard.addPage(ctx, {
    path: '/overlays',
    title: 'Overlays',
    order: 45,
    scripts: [`${assets}overlay.js`, `${assets}overlays-page.js`],
    styles: [`${assets}overlay.css`, `${assets}overlays-page.css`],
    render(): SafeHtml {
      const down = notListening();
      const cards = overlays.list().map((o) => {
        const state = registry.overlays.get(o.name)?.state ?? null;
        return h`<section class="card overlay-card" aria-labelledby="ov-${o.name}-h" data-overlay="${o.name}" data-layout="${o.layout}" data-state="${JSON.stringify(state)}">
  <h2 id="ov-${o.name}-h">${o.title}</h2>
  <p class="muted">${o.description}${o.owner !== 'overlays' ? ` (from the ${o.owner} plugin)` : ''} · <span class="overlay-viewers">${o.viewers}</span> open</p>
  <label class="overlay-url-label">URL for an OBS browser source
    <input class="overlay-url" id="ov-${o.name}-url" type="text" readonly value="${o.url ?? 'the overlay server is not running'}"></label>
  <p class="overlay-actions">
    <button type="button" class="overlay-test" data-name="${o.name}">${o.layout === 'alerts' ? 'Send test alert' : 'Send test'}</button>
    <button type="button" class="overlay-rotate secondary" data-name="${o.name}">New key</button>
  </p>
  <div class="overlay-preview" id="ov-${o.name}-preview" aria-label="Live preview of ${o.title}"></div>
</section>`;
      });
      return h`<div id="overlays-page" data-clock-offset-base="${ctx.clock.now()}">
<p>Paste a URL into OBS as a <strong>browser source</strong> (the page is transparent). The key in the URL is its password:
keep it off stream; "New key" makes the old URL stop working. Restyle every overlay with your own CSS file
(<code>plugins.overlays.customCss</code>, loaded after the default style).</p>
${down ? h`<p class="note bad">The overlay server is not running: ${down}.</p>` : ''}
<p id="overlays-message" class="overlays-message" role="status" aria-live="polite"></p>
<div class="overlay-grid">${cards}</div>
</div>`;
    },
  });
}
