// The Quotes page on the dashboard (list, search, edit, delete) and its API, registered through the
// dashboard's service with the quotes plugin's ctx as owner: they come and go with the plugin. Forms post to
// the API routes (the dashboard checks their CSRF token) and come back to the page with a message.
import type { PluginContext } from '../../core/types.ts';
import type { ApiRequest, DashboardService, PageRequest, SafeHtml } from '../dashboard/service.ts';
import type { Quote, QuotesStore } from './store.ts';

interface QuotesConfig {
  readonly maxLength: number;
}

const EDIT_BODY = {
  type: 'object',
  required: ['text'],
  properties: { text: { type: 'string', minLength: 1, maxLength: 400 }, _csrf: { type: 'string' }, back: { type: 'string' } },
} as const;

export function mountQuotesPage(ctx: PluginContext<QuotesConfig>, dashboard: DashboardService, store: QuotesStore): void {
  const h = dashboard.html;

  const idOf = (request: ApiRequest): number => {
    const raw = request.params.id ?? '';
    if (!/^\d{1,12}$/.test(raw)) throw dashboard.httpError(400, 'the quote number must be a whole number', 'INVALID_ID');
    return Number(raw);
  };
  const back = (request: ApiRequest): string => {
    const q = typeof (request.body as { back?: unknown } | undefined)?.back === 'string' ? String((request.body as { back: string }).back) : '';
    return q ? `/quotes?q=${encodeURIComponent(q)}` : '/quotes';
  };
  const fromForm = (request: ApiRequest) => request.method === 'POST';

  async function edit(request: ApiRequest) {
    const id = idOf(request);
    const text = String((request.body as { text: string }).text).trim();
    if (!text || Array.from(text).length > ctx.config.maxLength) {
      if (fromForm(request)) return request.flash('error', `Quote #${id} not saved: it must be 1 to ${ctx.config.maxLength} characters.`), request.redirect(back(request));
      throw dashboard.httpError(400, `a quote is 1 to ${ctx.config.maxLength} characters`, 'INVALID_TEXT');
    }
    const quote = await store.update(id, text);
    if (!quote) throw dashboard.httpError(404, `there is no quote #${id}`, 'UNKNOWN_QUOTE');
    ctx.log.info(`quote #${id} edited by ${request.actor}`);
    if (fromForm(request)) return request.flash('ok', `Saved quote #${id}.`), request.redirect(back(request));
    return { quote };
  }

  async function remove(request: ApiRequest) {
    const id = idOf(request);
    if (!(await store.remove(id))) throw dashboard.httpError(404, `there is no quote #${id}`, 'UNKNOWN_QUOTE');
    ctx.log.info(`quote #${id} deleted by ${request.actor}`);
    if (fromForm(request)) return request.flash('ok', `Deleted quote #${id}.`), request.redirect(back(request));
    return { deleted: id };
  }

  dashboard.addApi(ctx, [
    { method: 'GET', path: '/api/quotes', handler: async (request) => ({ quotes: await store.search(request.query.q ?? '', 500) }) },
    { method: 'PUT', path: '/api/quotes/:id', bodySchema: EDIT_BODY, handler: edit },
    { method: 'POST', path: '/api/quotes/:id', bodySchema: EDIT_BODY, handler: edit },
    { method: 'DELETE', path: '/api/quotes/:id', handler: remove },
    { method: 'POST', path: '/api/quotes/:id/delete', handler: remove },
  ]);

  const row = (q: Quote, req: PageRequest, search: string) => h`<li class="card quote" id="quote-${q.id}">
    <form method="post" action="/api/quotes/${q.id}" class="quote-edit">
      <input type="hidden" name="_csrf" value="${req.csrf}"><input type="hidden" name="back" value="${search}">
      <label for="quote-text-${q.id}">Quote #${q.id} <span class="muted small">by ${q.addedBy}, <time datetime="${new Date(q.createdAt).toISOString()}">${new Date(q.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC</time></span></label>
      <textarea id="quote-text-${q.id}" name="text" rows="2" maxlength="${ctx.config.maxLength}" required>${q.text}</textarea>
      <div class="actions"><button type="submit">Save #${q.id}</button></div>
    </form>
    <form method="post" action="/api/quotes/${q.id}/delete" data-confirm="Delete quote #${q.id}?">
      <input type="hidden" name="_csrf" value="${req.csrf}"><input type="hidden" name="back" value="${search}">
      <button type="submit" class="danger">Delete #${q.id}</button>
    </form>
  </li>`;

  dashboard.addPage(ctx, {
    path: '/quotes',
    title: 'Quotes',
    order: 35,
    render: async (req): Promise<SafeHtml> => {
      const search = (req.query.q ?? '').trim();
      const [quotes, total] = await Promise.all([store.search(search, 200), store.count()]);
      return h`<h1>Quotes</h1>
      <form method="get" action="/quotes" class="row-form" role="search">
        <label for="quote-search">Search the text or who added it</label>
        <input type="text" id="quote-search" name="q" value="${search}">
        <button type="submit">Search</button>
      </form>
      <p class="muted" id="quote-count">${search ? `${quotes.length} of ${total} quotes match "${search}".` : `${total} quote${total === 1 ? '' : 's'}.`} Viewers add them with <code>${ctx.bot.prefix}addquote</code>.</p>
      <ul class="quotes-list" aria-label="Quotes">${quotes.map((q) => row(q, req, search))}</ul>`;
    },
  });
}
