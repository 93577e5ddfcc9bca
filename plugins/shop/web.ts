// The shop on the dashboard: a Shop page (sales chart, redemption queue with fulfil/refund, catalog editor)
// and the API (the seed's GET /api/shop and POST /api/purchase, plus the queue and the catalog). Everything
// is registered through the dashboard's extension point with the shop's ctx as owner, so it comes and goes
// with the shop, and sits behind the dashboard's login, Host/Origin checks and CSRF protection.
import path from 'node:path';
import type { PluginContext } from '../../core/types.ts';
import type { ApiRequest, ApiRoute, DashboardService, PageRequest, SafeHtml } from '../dashboard/service.ts';
import type { EconomyService } from '../economy/service.ts';
import type { ShopConfig } from './purchase.ts';
import { ITEM_SCHEMA } from './catalog.ts';
import type { ParamsChecker } from './params-check.ts';
import { isShopError, type PurchaseErrorCode, type Redemption, type ShopService } from './service.ts';

const BODIES = {
  purchase: {
    type: 'object',
    additionalProperties: false,
    required: ['user', 'item'],
    properties: {
      user: { type: 'string', minLength: 1, maxLength: 64, description: 'Login (with or without @) or Twitch user id of the buyer.' },
      item: { type: 'string', minLength: 1, maxLength: 80, description: 'Item id or name.' },
      qty: { type: 'integer', minimum: 1, maximum: 100 },
      input: { type: 'string', maxLength: 500, description: 'What the buyer would type after the item (a message, a @name).' },
      key: { type: 'string', minLength: 1, maxLength: 100, description: 'Idempotency key: the same key never buys twice.' },
    },
  },
  refund: {
    type: 'object',
    additionalProperties: false,
    properties: { reason: { type: 'string', maxLength: 200 } },
  },
  fulfil: { type: 'object', additionalProperties: false, properties: {} },
  restock: {
    type: 'object',
    additionalProperties: false,
    required: ['remaining'],
    properties: { remaining: { type: 'integer', minimum: 0, maximum: 1000000 } },
  },
  catalog: {
    type: 'object',
    additionalProperties: false,
    required: ['items'],
    properties: { items: { type: 'object' } },
  },
} as const;

// The item id rule (catalog.ts ITEM_ID) for the browser: `pattern` is anchored and uses the `v` flag, where a
// literal `-` in a class must be escaped.
const ID_PATTERN = '[a-z0-9][a-z0-9_\\-]{0,31}';

const STATUS: Record<PurchaseErrorCode | 'EFFECT_FAILED', number> = {
  UNKNOWN_ITEM: 404,
  UNKNOWN_USER: 404,
  UNAVAILABLE: 409,
  NOT_ALLOWED: 403,
  INVALID_QUANTITY: 400,
  INVALID_INPUT: 400,
  ACCOUNT_EXCLUDED: 403,
  OUT_OF_STOCK: 409,
  LIMIT_REACHED: 409,
  COOLDOWN: 429,
  INSUFFICIENT_FUNDS: 402,
  EFFECT_FAILED: 409,
};

// Settings an item has when they are left out: the editor does not write them into the config file.
const ITEM_DEFAULTS: Record<string, unknown> = { description: '', params: {}, enabled: true, roles: ['everyone'], maxPerPurchase: 10 };

export function mountDashboard(ctx: PluginContext<ShopConfig>, dashboard: DashboardService, shop: ShopService, economy: EconomyService): void {
  // ajv costs about 40 ms to load: imported on the first catalog save, not at every start.
  let checker: Promise<ParamsChecker> | undefined;
  const params = () => (checker ??= import('./params-check.ts').then((m) => new m.ParamsChecker()));
  // Bodies are checked by the dashboard against each route's bodySchema (400 INVALID_BODY, every error named).
  const idParam = (raw: string | undefined): number => {
    if (!raw || !/^\d{1,12}$/.test(raw)) throw dashboard.httpError(400, 'the order number must be a whole number', 'INVALID_ID');
    return Number(raw);
  };
  const shopError = (err: unknown): never => {
    if (!isShopError(err)) throw err;
    const status = err.code === 'NOT_FOUND' || err.code === 'UNKNOWN_ITEM' ? 404 : err.code === 'INVALID' ? 400 : 409;
    throw dashboard.httpError(status, err.message, err.code);
  };
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      return shopError(err);
    }
  };

  const routes: ApiRoute[] = [
    // ---- the seed's API
    {
      method: 'GET',
      path: '/api/shop',
      handler: async () => {
        const items = await shop.items();
        return { currency: economy.currency, items, categories: [...new Set(items.map((i) => i.category))], effects: shop.effects(), problems: shop.problems() };
      },
    },
    {
      method: 'GET',
      path: '/api/shop/summary',
      // The Shop page's totals line, live: the page asks again when an order changes.
      handler: async () => {
        const { totals } = await shop.stats(14);
        return { totals, tokensText: economy.format(totals.tokens) };
      },
    },
    {
      method: 'POST',
      path: '/api/purchase',
      bodySchema: BODIES.purchase,
      handler: async (req: ApiRequest<{ user: string; item: string; qty?: number; input?: string; key?: string }>) => {
        const b = req.body;
        const who = b.user.replace(/^@/, '');
        const account = await economy.findAccount(who);
        const known = account ? undefined : ((await ctx.users.byLogin(who.toLowerCase())) ?? (await ctx.users.byId(who)));
        if (!account && !known) throw dashboard.httpError(404, `no viewer "${who}" is known to the bot`, 'UNKNOWN_USER');
        const user = account
          ? { id: account.userId, login: account.login, displayName: account.displayName }
          : { id: known?.id ?? who, login: known?.login ?? who, displayName: known?.displayName ?? who };
        const outcome = await shop.purchase({
          user,
          item: b.item,
          quantity: b.qty ?? 1,
          input: b.input ?? '',
          ...(b.key !== undefined ? { key: b.key } : {}),
          via: 'api',
        });
        if (outcome.ok) {
          req.status(outcome.replayed ? 200 : 201);
          return { redemption: outcome.redemption, balance: outcome.balance, replayed: outcome.replayed };
        }
        const details = {
          ...(outcome.refunded ? { redemption: outcome.refunded } : {}),
          ...(outcome.balance !== undefined ? { balance: outcome.balance } : {}),
          ...(outcome.retryInMs !== undefined ? { retryInMs: outcome.retryInMs } : {}),
        };
        throw dashboard.httpError(STATUS[outcome.code], outcome.message, outcome.code, Object.keys(details).length ? details : undefined);
      },
    },

    // ---- the redemption queue
    {
      method: 'GET',
      path: '/api/shop/redemptions',
      handler: async ({ query: q }: ApiRequest) => {
        const status = q.status && ['pending', 'fulfilled', 'refunded'].includes(q.status) ? (q.status as Redemption['status']) : undefined;
        const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
        const limit = num(q.limit);
        const before = num(q.before);
        return {
          redemptions: await shop.redemptions({
            ...(status ? { status } : {}),
            ...(limit !== undefined ? { limit } : {}),
            ...(before !== undefined ? { before } : {}),
            ...(q.user ? { userId: q.user } : {}),
          }),
        };
      },
    },
    {
      method: 'POST',
      path: '/api/shop/redemptions/:id/fulfil',
      bodySchema: BODIES.fulfil,
      handler: async (req: ApiRequest) => {
        const id = idParam(req.params.id);
        return { redemption: await guarded(() => shop.fulfil(id, req.actor)) };
      },
    },
    {
      method: 'POST',
      path: '/api/shop/redemptions/:id/refund',
      bodySchema: BODIES.refund,
      handler: async (req: ApiRequest<{ reason?: string }>) => {
        const id = idParam(req.params.id);
        const reason = req.body.reason?.trim() || 'refunded from the dashboard';
        return { redemption: await guarded(() => shop.refund(id, { reason, actor: req.actor })) };
      },
    },
    {
      method: 'GET',
      path: '/api/shop/stats',
      handler: async ({ query }: ApiRequest) => shop.stats(query.days && /^\d+$/.test(query.days) ? Number(query.days) : 14),
    },

    // ---- the catalog (saved into the config file, validated against the shop's schema)
    {
      method: 'PUT',
      path: '/api/shop/catalog',
      bodySchema: BODIES.catalog,
      handler: async (req: ApiRequest<{ items: Record<string, unknown> }>) => {
        const items: Record<string, Record<string, unknown>> = {};
        for (const [id, raw] of Object.entries(req.body.items)) {
          if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw dashboard.httpError(400, `items.${id}: must be an object`, 'INVALID_BODY');
          const item: Record<string, unknown> = {};
          for (const [key, v] of Object.entries(raw)) if (JSON.stringify(v) !== JSON.stringify(ITEM_DEFAULTS[key])) item[key] = v;
          items[id] = item;
        }
        // The effects' own params schemas, which the config schema cannot know (effects come and go with plugins).
        const paramIssues = (await params()).check(items, shop.effects());
        if (paramIssues.length) throw dashboard.httpError(400, 'the catalog has errors', 'INVALID_CATALOG', { issues: paramIssues });
        const current = { ...(ctx.host.pluginConfig('shop') ?? {}) };
        // Saving re-sets-up the shop with the new catalog (this generation, and this request's router, goes away).
        const result = await ctx.host.saveConfig('shop', { ...current, items });
        if (!result.ok) throw dashboard.httpError(400, 'the catalog has errors', 'INVALID_CATALOG', { issues: result.issues });
        return { ok: true };
      },
    },
    {
      method: 'POST',
      path: '/api/shop/items/:id/restock',
      bodySchema: BODIES.restock,
      handler: async (req: ApiRequest<{ remaining: number }>) => {
        await guarded(() => shop.restock(req.params.id ?? '', req.body.remaining));
        return { ok: true };
      },
    },
  ];
  dashboard.addApi(ctx, routes);

  // ---- the page
  const assets = dashboard.addAssets(ctx, path.join(ctx.dir, 'web'));
  dashboard.addPage(ctx, {
    path: '/shop',
    title: 'Shop',
    order: 35,
    scripts: ['/assets/vendor/chart.umd.min.js', `${assets}shop.js`, `${assets}catalog.js`],
    render: (request) => renderPage(request),
  });
  dashboard.addPanel(ctx, {
    id: 'shop-queue',
    title: 'Bakery orders',
    order: 60,
    render: async () => {
      const { totals } = await shop.stats(1);
      const problems = shop.problems().length;
      return dashboard.html`<p><strong>${totals.pending}</strong> waiting for you · ${totals.orders} sold · ${economy.format(totals.tokens)} spent</p>
        ${problems ? dashboard.html`<p class="note bad">${problems === 1 ? '1 item cannot' : `${problems} items cannot`} be sold: see the Shop page.</p>` : ''}
        <p><a href="/shop">Open the Shop page</a></p>`;
    },
  });
  shop.onRedemption(ctx, (r) => dashboard.publish(ctx, 'redemption', r));

  async function renderPage(request: PageRequest): Promise<SafeHtml> {
    const h = dashboard.html;
    const [items, pending, recent, stats] = await Promise.all([shop.items(), shop.redemptions({ status: 'pending', limit: 200 }), shop.redemptions({ limit: 25 }), shop.stats(14)]);
    const problems = shop.problems();
    const effects = shop.effects();
    const fmt = (n: number) => economy.format(n);
    // <time datetime>: the dashboard shows it in the viewer's time zone, with how long ago.
    const when = (ms: number) => h`<time datetime="${new Date(ms).toISOString()}">${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC</time>`;
    const row = (r: Redemption, actions: boolean) => h`<tr data-id="${r.id}" class="shop-${r.status}">
      <td data-label="Order">#${r.id}</td><td data-label="When">${when(r.createdAt)}</td><td data-label="Viewer">${r.username}</td><td data-label="Item">${r.quantity > 1 ? `${r.quantity}× ` : ''}${r.reward}</td>
      <td data-label="Paid">${fmt(r.cost)}</td><td class="shop-input" data-label="Note">${r.input}</td><td class="shop-status" data-label="Status">${r.status}${r.refundReason ? h`: ${r.refundReason}` : ''}</td>
      ${actions ? h`<td class="shop-actions"><button type="button" class="small shop-fulfil" data-id="${r.id}">Fulfil</button>
        <input type="text" class="shop-reason" maxlength="200" placeholder="refund reason" aria-label="refund reason for order ${r.id}">
        <button type="button" class="small danger shop-refund" data-id="${r.id}">Refund</button></td>` : r.status !== 'refunded' ? h`<td><button type="button" class="small shop-refund" data-id="${r.id}">Refund</button></td>` : h`<td></td>`}
    </tr>`;
    return h`<link rel="stylesheet" href="${assets}shop.css">
<div id="shop-page" data-csrf="${request.csrf}">
  ${problems.length ? h`<div class="note bad shop-problems"><strong>Items that cannot be sold:</strong><ul>${problems.map((p) => h`<li>${p.message}</li>`)}</ul></div>` : ''}
  <section class="card shop-stats">
    <h2>Sales</h2>
    <p class="shop-totals" aria-live="polite"><span id="shop-orders-count">${stats.totals.orders}</span> orders · <span id="shop-tokens">${fmt(stats.totals.tokens)}</span> spent · <span id="shop-pending-count">${stats.totals.pending}</span> waiting · <span id="shop-refunded-count">${stats.totals.refunded}</span> refunded</p>
    <div class="shop-chart"><canvas id="shop-chart" aria-label="Tokens spent per day, last 14 days" data-days="${JSON.stringify(stats.days)}" data-currency="${economy.currency.name}"></canvas></div>
    ${stats.items.length ? h`<div class="table-wrap"><table class="shop-top"><thead><tr><th>Item</th><th>Orders</th><th>Units</th><th>Tokens</th></tr></thead><tbody>${stats.items.map((s) => h`<tr><td>${s.reward}</td><td>${s.orders}</td><td>${s.units}</td><td>${s.tokens}</td></tr>`)}</tbody></table></div>` : ''}
  </section>
  <section class="card shop-queue">
    <h2>Redemption queue</h2>
    <p id="shop-message" class="shop-message" role="status"></p>
    ${pending.length
      ? h`<div class="table-wrap"><table id="shop-pending" class="cards"><thead><tr><th>Order</th><th>When</th><th>Viewer</th><th>Item</th><th>Paid</th><th>Note</th><th>Status</th><th></th></tr></thead><tbody>${pending.map((r) => row(r, true))}</tbody></table></div>`
      : h`<p id="shop-pending" class="shop-empty">Nothing waiting. Orders for items with the <code>manual</code> effect appear here.</p>`}
    <details><summary>Recent orders</summary>
      <div class="table-wrap"><table id="shop-recent" class="cards"><thead><tr><th>Order</th><th>When</th><th>Viewer</th><th>Item</th><th>Paid</th><th>Note</th><th>Status</th><th></th></tr></thead><tbody>${recent.map((r) => row(r, false))}</tbody></table></div>
    </details>
  </section>
  <section class="card shop-catalog" aria-labelledby="shop-catalog-h">
    <h2 id="shop-catalog-h">Catalog</h2>
    <p>One card per item: open it to edit. Saved into <code>plugins.shop.items</code> of the config file and checked against the shop's schema and each effect's settings; the shop restarts with the new catalog.</p>
    <div id="shop-catalog-errors" class="error-summary" role="alert" tabindex="-1" hidden></div>
    <div id="shop-catalog" class="shop-cards" data-items="${JSON.stringify(items)}" data-effects="${JSON.stringify(effects)}" data-schema="${JSON.stringify(ITEM_SCHEMA)}" data-id-pattern="${ID_PATTERN}" data-currency="${economy.currency.name}">
      <noscript><p class="note bad">The catalog editor needs JavaScript.</p></noscript>
    </div>
    <p class="actions shop-catalog-actions"><button type="button" id="shop-add">Add item</button> <button type="button" id="shop-save" class="primary">Save catalog</button></p>
    <p id="shop-catalog-status" class="shop-message" role="status"></p>
    <details class="shop-import">
      <summary>Import a catalog as JSON</summary>
      <label for="shop-import-text">The catalog: <code>{"cookie": {"name": "Cookie", "cost": 10, "effect": "none"}}</code> (or <code>{"items": {…}}</code>); it replaces the catalog</label>
      <textarea id="shop-import-text" rows="8" spellcheck="false" aria-describedby="shop-import-error"></textarea>
      <p id="shop-import-error" class="field-error" role="alert" hidden></p>
      <p class="actions"><button type="button" id="shop-import">Import and save</button></p>
    </details>
  </section>
  <section class="card shop-effects">
    <h2>Effects</h2>
    <div class="table-wrap"><table><thead><tr><th>Effect</th><th>From</th><th>What it does</th></tr></thead><tbody>${effects.map((e) => h`<tr><td><code>${e.name}</code></td><td>${e.provider}</td><td>${e.description}</td></tr>`)}</tbody></table></div>
  </section>
</div>`;
  }
}
