// The Dashboard page: bot status, start/stop of Twitch chat, every plugin with its state and a switch,
// the charts, and panels other plugins added. Plus the live event stream every page listens to.
import type Router from '@koa/router';
import { flash, httpError, page, pluginRows, seeOther, type Deps } from '../context.ts';
import { TOPICS, type Topic } from '../events.ts';
import { escapeHtml } from '../render.ts';

export function homeRoutes(router: Router, d: Deps): void {
  router.get('/', async (ctx) => {
    const panels: { id: string; title: string; owner: string; html: string }[] = [];
    for (const p of d.registry.panels()) panels.push({ id: p.item.id, title: p.item.title, owner: p.owner, html: await renderPanel(d, p) });
    await page(d, ctx, 'home', {
      title: 'Dashboard',
      plugins: pluginRows(d),
      panels,
      charts: d.registry.charts().map((c) => ({ id: c.item.id, title: c.item.title, owner: c.owner })),
      topics: 'status plugins ext',
      scripts: ['/assets/vendor/chart.umd.min.js', '/assets/charts.js', '/assets/home.js'],
    });
  });

  // One panel's body again, for home.js: a panel is redrawn when its plugin publishes an event (live counts).
  router.get('/panels/:id', async (ctx) => {
    const p = d.registry.panels().find((x) => x.item.id === ctx.params.id);
    if (!p) throw httpError(404, `there is no panel "${ctx.params.id ?? ''}"`);
    ctx.type = 'text/html';
    ctx.body = await renderPanel(d, p);
  });

  router.post('/bot/start', async (ctx) => {
    try {
      await d.ctx.runtime.startChat();
      flash(ctx, 'ok', 'Connecting to Twitch chat.');
    } catch (err) {
      flash(ctx, 'error', `Cannot start Twitch chat: ${(err as Error).message}`);
    }
    seeOther(ctx, '/');
  });

  router.post('/bot/stop', async (ctx) => {
    await d.ctx.runtime.stopChat();
    flash(ctx, 'ok', 'Disconnected from Twitch chat. Plugins and the Test chat keep running.');
    seeOther(ctx, '/');
  });

  // One stream per page; `?topics=status,chat` picks what it carries.
  router.get('/events', (ctx) => {
    const asked = String(ctx.query.topics ?? 'status').split(/[\s,]+/).filter((t): t is Topic => (TOPICS as readonly string[]).includes(t));
    d.hub.open(ctx, asked, [
      { topic: 'status', data: d.status() },
      { topic: 'plugins', data: pluginRows(d) },
    ]);
  });
}

async function renderPanel(d: Deps, p: ReturnType<Deps['registry']['panels']>[number]): Promise<string> {
  try {
    return await d.content.render(await p.item.render(), {});
  } catch (err) {
    d.ctx.log.warn(`dashboard panel ${p.item.id} of ${p.owner} failed: ${(err as Error).message}`);
    return `<p class="note bad">This panel failed: ${escapeHtml((err as Error).message)}</p>`;
  }
}
