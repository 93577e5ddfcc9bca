// The EventSub page on the dashboard: connection and transport, each subscription with its status, the
// managed rewards, the recent events with what was done, and a "send a test event" button per type (a plain
// form posting to the API, which redirects back: the page needs no script). Registered with this plugin's
// ctx as owner, so it goes away with the plugin.
import path from 'node:path';
import type { Context } from 'koa';
import type { PluginContext } from '../../core/types.ts';
import type { DashboardService, PageRequest } from '../dashboard/service.ts';
import { EVENT_TYPES, type EventType } from './events.ts';
import type { createLogin } from './login.ts';
import type { EventSubService } from './service.ts';
import type { EventSubConfig } from './settings.ts';
import { loginBlock, loginReturn } from './setup-step.ts';

const LABELS: Record<EventType, string> = { redemption: 'Redemption', follow: 'Follow', subscribe: 'Sub', resub: 'Resub', gift: 'Gift subs', cheer: 'Cheer', raid: 'Raid' };
const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export function mountDashboard(ctx: PluginContext<EventSubConfig>, dashboard: DashboardService, service: EventSubService, login: ReturnType<typeof createLogin>): void {
  const h = dashboard.html;
  const router = dashboard.router();

  router.get('/api/eventsub', async (k) => {
    k.body = { ...service.status(), recent: await service.recent(50) };
  });

  router.post('/api/eventsub/test', async (k: Context) => {
    const b = (k.request as { body?: Record<string, unknown> }).body ?? {};
    const type = String(b.type ?? '');
    const form = k.is('urlencoded') !== false;
    if (!(EVENT_TYPES as readonly string[]).includes(type)) {
      k.status = 400;
      k.body = { error: `type must be one of: ${EVENT_TYPES.join(', ')}`, code: 'INVALID_TYPE' };
      return;
    }
    const login = typeof b.login === 'string' && /^@?[A-Za-z0-9_]{1,25}$/.test(b.login.trim()) ? b.login.trim() : undefined;
    const amount = b.amount === undefined || b.amount === '' ? undefined : Number(b.amount);
    if (amount !== undefined && (!Number.isSafeInteger(amount) || amount < 1 || amount > 1_000_000)) {
      k.status = 400;
      k.body = { error: 'amount must be a whole number from 1 to 1000000', code: 'INVALID_AMOUNT' };
      return;
    }
    const outcome = await service.test(type as EventType, {
      ...(login ? { login } : {}),
      ...(typeof b.reward === 'string' && b.reward ? { reward: b.reward } : {}),
      ...(typeof b.input === 'string' ? { input: b.input.slice(0, 500) } : {}),
      ...(amount !== undefined ? { amount } : {}),
    });
    if (form) {
      k.redirect(`/eventsub?tested=${encodeURIComponent(type)}&status=${encodeURIComponent(outcome.status)}`);
      return;
    }
    k.body = { ok: outcome.status === 'done', ...outcome };
  });
  // The broadcaster's login (login.ts): plain forms that answer with a redirect to where they were sent from.
  const from = (k: Context) => (k.request as { body?: Record<string, unknown> }).body?.from;
  router.post('/api/eventsub/broadcaster/start', async (k: Context) => k.redirect(loginReturn(from(k), await login.start())));
  router.post('/api/eventsub/broadcaster/check', async (k: Context) => {
    const step = await login.check();
    // Logged in: this plugin restarts with the new token (this generation, and this router, goes away).
    if (step.ok && step.done) await ctx.host.reload('eventsub');
    k.redirect(loginReturn(from(k), step));
  });
  dashboard.addApi(ctx, router);

  const assets = dashboard.addAssets(ctx, path.join(ctx.dir, 'web'));
  dashboard.addPage(ctx, { path: '/eventsub', title: 'EventSub', order: 45, styles: [`${assets}eventsub.css`], render: (request) => render(request) });

  async function render(request: PageRequest) {
    const s = service.status();
    const recent = await service.recent(30);
    const c = s.connection;
    const tested = request.query.tested;
    return h`
<div id="eventsub-page">
  ${tested ? h`<p class="note" id="eventsub-tested">Test ${tested} event: ${request.query.status ?? ''}. See it at the top of the recent events.</p>` : ''}
  <section class="card" id="eventsub-connection">
    <h2>Connection</h2>
    <p>Transport: <strong>${c.transport}</strong> · state: <strong class="state-${c.status}">${c.status}</strong>${c.detail ? h` (${c.detail})` : ''} · since ${time(c.since)} UTC${c.reconnects ? h` · ${c.reconnects} reconnect(s)` : ''}</p>
    <p>Broadcaster: ${s.broadcaster ? h`<strong>${s.broadcaster.login}</strong> (token from ${s.broadcaster.source}; scopes: ${s.broadcaster.scopes.join(' ') || 'none'})` : 'not connected'}</p>
  </section>
  <section class="card" id="eventsub-login">
    <h2>Broadcaster login</h2>
    ${loginBlock(h, request, service, login, 'eventsub')}
  </section>
  <section class="card" id="eventsub-subscriptions">
    <h2>Subscriptions</h2>
    ${s.subscriptions.length
      ? h`<div class="table-wrap"><table><thead><tr><th>Event</th><th>Twitch topic</th><th>Status</th><th>Detail</th><th>Since (UTC)</th></tr></thead><tbody>${s.subscriptions.map((x) => h`<tr class="sub-${x.status.replace(' ', '-')}"><td>${LABELS[x.event]}</td><td><code>${x.topic}</code></td><td>${x.status}</td><td>${x.detail}</td><td>${time(x.since)}</td></tr>`)}</tbody></table></div>`
      : h`<p>None: set <code>rewards</code>, <code>follow</code>, <code>subscribe</code>, <code>gift</code>, <code>cheer</code> or <code>raid</code> under <code>plugins.eventsub</code>, with a broadcaster token.</p>`}
  </section>
  <section class="card" id="eventsub-rewards">
    <h2>Channel-point rewards</h2>
    ${s.rewards.length
      ? h`<div class="table-wrap"><table><thead><tr><th>Title</th><th>Cost</th><th>On Twitch</th><th>Detail</th></tr></thead><tbody>${s.rewards.map((r) => h`<tr><td>${r.title}</td><td>${r.cost}</td><td>${r.state}</td><td>${r.detail}</td></tr>`)}</tbody></table></div>`
      : h`<p>No rewards configured (<code>plugins.eventsub.rewards</code>).</p>`}
  </section>
  <section class="card" id="eventsub-test">
    <h2>Send a test event</h2>
    <p>Runs the same actions as a real event (tokens, XP, effect, game, chat line), marked as a test; nothing is sent to Twitch.</p>
    <div class="eventsub-tests">${EVENT_TYPES.map((type) => h`
      <form method="post" action="/api/eventsub/test" class="inline">
        <input type="hidden" name="_csrf" value="${request.csrf}">
        <input type="hidden" name="type" value="${type}">
        <input name="login" placeholder="viewer" value="testviewer" size="10" aria-label="viewer">
        ${type === 'cheer' || type === 'raid' || type === 'gift' ? h`<input name="amount" type="number" min="1" placeholder="${type === 'cheer' ? 'bits' : type === 'raid' ? 'viewers' : 'subs'}" size="6" aria-label="amount">` : ''}
        ${type === 'redemption' ? h`<input name="input" placeholder="viewer input" size="12" aria-label="input">` : ''}
        <button type="submit" data-type="${type}">${LABELS[type]}</button>
      </form>`)}</div>
  </section>
  <section class="card" id="eventsub-recent">
    <h2>Recent events</h2>
    ${recent.length
      ? h`<div class="table-wrap"><table><thead><tr><th>When (UTC)</th><th>Event</th><th>Result</th><th>What was done</th></tr></thead><tbody>${recent.map((e) => h`<tr class="ev-${e.status}"><td>${time(e.receivedAt)}</td><td>${e.summary}${e.test ? h` <span class="badge">test</span>` : ''}</td><td>${e.status}</td><td>${e.detail}</td></tr>`)}</tbody></table></div>`
      : h`<p>No events yet.</p>`}
  </section>
</div>`;
  }
}
