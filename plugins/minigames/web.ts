// The games on the dashboard: a Games page (the running game live through the dashboard's event stream,
// start/stop, history, plays per day by type, the question bank editor with JSON import) and the API
// (`GET /api/games`, `POST /api/games/start`, `POST /api/games/stop`, `/api/games/questions...`). Registered
// through the dashboard's service with the plugin's ctx as owner; errors are `{ error, code?, details? }`.
import path from 'node:path';
import type { Context } from 'koa';
import type { DashboardService, SafeHtml } from '../dashboard/service.ts';
import type { MinigamesContext } from './config.ts';
import type { GameErrorCode, GameInfo, GameOptions, MinigamesService, TriviaQuestion } from './service.ts';
import { playsPerDay, typeTotals } from './store.ts';

const STATUS: Record<GameErrorCode, number> = {
  UNKNOWN_GAME: 404, GAME_RUNNING: 409, NO_GAME: 404, BAD_OPTIONS: 400, TYPE_TAKEN: 409, INVALID: 400, NOT_FOUND: 404,
};

const CHART_DAYS = 14;

function answer(k: Context, status: number, body: unknown): void {
  k.status = status;
  k.body = body;
}

function fail(k: Context, status: number, error: string, code?: string, details?: readonly string[]): void {
  answer(k, status, { error, ...(code ? { code } : {}), ...(details?.length ? { details } : {}) });
}

/** A service error as a JSON answer; anything else is a bug and goes up (the dashboard answers 500). */
function gameError(k: Context, err: unknown): void {
  const e = err as { code?: GameErrorCode; message?: string; details?: readonly string[] };
  if (!e?.code || !(e.code in STATUS)) throw err;
  fail(k, STATUS[e.code], e.message ?? 'failed', e.code, e.details);
}

function actorOf(k: Context): string {
  const user = (k.state as { user?: string }).user ?? 'dashboard';
  return user === 'admin' ? 'the dashboard' : user;
}

function bodyOf(k: Context): Record<string, unknown> | undefined {
  const b: unknown = k.request.body ?? {};
  if (!b || typeof b !== 'object' || Array.isArray(b)) {
    fail(k, 400, 'the body must be a JSON object', 'INVALID_BODY');
    return undefined;
  }
  return b as Record<string, unknown>;
}

/** Options as the API takes them: an object of strings, numbers and booleans. */
function optionsOf(raw: unknown): GameOptions | string {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) return 'options must be an object, e.g. {"rounds": 3}';
  for (const [key, v] of Object.entries(raw)) {
    if (!['string', 'number', 'boolean'].includes(typeof v)) return `options.${key} must be a text, a number or true/false`;
  }
  return raw as GameOptions;
}

export function mountDashboard(ctx: MinigamesContext, dashboard: DashboardService, games: MinigamesService): void {
  const router = dashboard.router();
  const overview = async () => ({ now: ctx.clock.now(), types: games.types(), running: games.running() ?? null, history: await games.history(25) });

  router.get('/api/games', async (k) => answer(k, 200, await overview()));

  router.post('/api/games/start', async (k) => {
    const b = bodyOf(k);
    if (!b) return;
    if (typeof b.type !== 'string' || !b.type) return fail(k, 400, 'type is required (GET /api/games lists the types)', 'INVALID_BODY');
    const options = optionsOf(b.options);
    if (typeof options === 'string') return fail(k, 400, options, 'INVALID_BODY');
    if (b.channel !== undefined && typeof b.channel !== 'string') return fail(k, 400, 'channel must be a text', 'INVALID_BODY');
    try {
      const game = await games.start({ type: b.type, options, ...(b.channel ? { channel: b.channel } : {}), startedBy: { kind: 'dashboard', name: actorOf(k) } });
      answer(k, 201, { game });
    } catch (err) {
      gameError(k, err);
    }
  });

  router.post('/api/games/stop', async (k) => {
    const b = bodyOf(k);
    if (!b) return;
    if (b.channel !== undefined && typeof b.channel !== 'string') return fail(k, 400, 'channel must be a text', 'INVALID_BODY');
    const game = await games.stop(typeof b.channel === 'string' ? b.channel : undefined, actorOf(k));
    if (!game) return fail(k, 404, 'no game is running', 'NO_GAME');
    answer(k, 200, { game });
  });

  router.get('/api/games/chart', async (k) => {
    const days = typeof k.query.days === 'string' && /^\d{1,3}$/.test(k.query.days) ? Math.max(1, Math.min(365, Number(k.query.days))) : CHART_DAYS;
    answer(k, 200, await playsPerDay(ctx.db, ctx.clock.now(), days));
  });

  router.get('/api/games/questions', (k) => {
    answer(k, 200, { custom: games.customQuestions(), categories: games.categories(), includeBuiltin: ctx.config.trivia.includeBuiltin, fromConfig: ctx.config.trivia.questions.length });
  });

  const idOf = (k: Context): number | undefined => {
    const raw = String(k.params.id ?? '');
    if (/^\d{1,12}$/.test(raw)) return Number(raw);
    fail(k, 400, 'the question id must be a whole number', 'INVALID_ID');
    return undefined;
  };

  router.post('/api/games/questions', async (k) => {
    const b = bodyOf(k);
    if (!b) return;
    try {
      answer(k, 201, { question: await games.saveQuestion(b as never) });
    } catch (err) {
      gameError(k, err);
    }
  });

  router.put('/api/games/questions/:id', async (k) => {
    const id = idOf(k);
    const b = id === undefined ? undefined : bodyOf(k);
    if (id === undefined || !b) return;
    try {
      answer(k, 200, { question: await games.saveQuestion(b as never, id) });
    } catch (err) {
      gameError(k, err);
    }
  });

  router.delete('/api/games/questions/:id', async (k) => {
    const id = idOf(k);
    if (id === undefined) return;
    if (!(await games.deleteQuestion(id))) return fail(k, 404, `there is no question ${id}`, 'NOT_FOUND');
    answer(k, 200, { deleted: id });
  });

  router.post('/api/games/questions/import', async (k) => {
    try {
      answer(k, 201, { imported: await games.importQuestions(k.request.body) });
    } catch (err) {
      gameError(k, err);
    }
  });

  dashboard.addApi(ctx, router);

  const assets = dashboard.addAssets(ctx, path.join(ctx.dir, 'web'));
  dashboard.addPage(ctx, {
    path: '/games',
    title: 'Games',
    order: 38,
    scripts: ['/assets/vendor/chart.umd.min.js', `${assets}games.js`],
    styles: [`${assets}games.css`],
    render: () => renderPage(),
  });

  async function renderPage(): Promise<SafeHtml> {
    const h = dashboard.html;
    const [data, chart, totals] = await Promise.all([overview(), playsPerDay(ctx.db, ctx.clock.now(), CHART_DAYS), typeTotals(ctx.db)]);
    const when = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) : '');
    const winners = (g: GameInfo) => g.winners.map((w) => `${w.login}${w.tokens ? ` (+${w.tokens})` : ''}`).join(', ');
    const question = (q: TriviaQuestion) => h`<tr data-id="${q.id.replace('custom:', '')}">
      <td><input name="question" value="${q.question}" required maxlength="300" aria-label="question"></td>
      <td><input name="answer" value="${q.answer}" required maxlength="100" aria-label="answer"></td>
      <td><input name="aliases" value="${q.aliases.join(', ')}" aria-label="other accepted answers"></td>
      <td><input name="category" value="${q.category}" maxlength="40" aria-label="category"></td>
      <td><select name="difficulty" aria-label="difficulty">${[1, 2, 3].map((d) => h`<option value="${d}"${q.difficulty === d ? h` selected` : ''}>${d}</option>`)}</select></td>
      <td class="games-row-actions"><button type="button" class="small games-save-q">Save</button> <button type="button" class="small danger games-delete-q">Delete</button></td>
    </tr>`;
    const builtin = games.categories().reduce((s, c) => s + c.count, 0) - games.customQuestions().length;
    return h`<div id="games-page" data-now="${data.now}" data-running="${JSON.stringify(data.running)}">
  <section class="card games-live">
    <h2>Running game</h2>
    <div id="games-live" aria-live="polite"></div>
    <p class="actions"><button type="button" id="games-stop" class="danger">Stop the game</button></p>
    <form id="games-start" class="games-start">
      <label>Game <select name="type">${data.types.map((t) => h`<option value="${t.type}" title="${t.description}">${t.title} (${t.type})</option>`)}</select></label>
      <label>Options (JSON) <input name="options" placeholder='{"rounds": 3, "category": "bakery"}' size="34"></label>
      <button type="submit" class="primary">Start</button>
    </form>
    <p id="games-message" class="games-message" role="status"></p>
    <details><summary>Game types</summary><div class="table-wrap"><table><thead><tr><th>Type</th><th>Options</th><th>From</th><th>What it is</th></tr></thead>
      <tbody>${data.types.map((t) => h`<tr><td><code>${t.type}</code></td><td><code>${t.usage}</code></td><td>${t.provider}</td><td>${t.description}</td></tr>`)}</tbody></table></div></details>
  </section>
  <section class="card games-stats">
    <h2>Plays per day</h2>
    <div class="games-chart"><canvas id="games-chart" aria-label="Games started per day by type, last ${CHART_DAYS} days" data-chart="${JSON.stringify(chart)}"></canvas></div>
    ${totals.length ? h`<p class="games-totals">${totals.map((t) => `${t.type}: ${t.games} games, ${t.won} won, ${t.tokensWon} tokens paid`).join(' · ')}</p>` : ''}
  </section>
  <section class="card games-history">
    <h2>History</h2>
    ${data.history.length
      ? h`<div class="table-wrap"><table id="games-history"><thead><tr><th>#</th><th>Started (UTC)</th><th>Game</th><th>By</th><th>Result</th><th>Winners</th><th>Answer</th><th>Answers</th></tr></thead>
        <tbody>${data.history.map((g) => h`<tr class="games-${g.status}"><td>${g.id}</td><td>${when(g.startedAt)}</td><td>${g.title}</td><td>${g.startedBy.name}</td><td>${g.status}</td><td>${winners(g)}</td><td>${g.view.answer ?? ''}</td><td>${g.answers}</td></tr>`)}</tbody></table></div>`
      : h`<p class="games-empty">No game has been played yet.</p>`}
  </section>
  <section class="card games-bank">
    <h2>Question bank</h2>
    <p>${builtin} questions from the bundled file and the config (<code>trivia.questions</code>), ${games.customQuestions().length} added here. Categories: ${games.categories().map((c) => `${c.category} (${c.count})`).join(', ')}.</p>
    <div class="table-wrap"><table id="games-questions"><thead><tr><th>Question</th><th>Answer</th><th>Also accepted (comma-separated)</th><th>Category</th><th>Difficulty</th><th></th></tr></thead>
      <tbody>${games.customQuestions().map(question)}</tbody></table></div>
    <form id="games-add" class="games-add">
      <input name="question" placeholder="Question" required maxlength="300" aria-label="new question">
      <input name="answer" placeholder="Answer" required maxlength="100" aria-label="new answer">
      <input name="aliases" placeholder="Also accepted" aria-label="new other answers">
      <input name="category" placeholder="Category" maxlength="40" aria-label="new category">
      <select name="difficulty" aria-label="new difficulty"><option value="1">1 easy</option><option value="2" selected>2 medium</option><option value="3">3 hard</option></select>
      <button type="submit" class="primary">Add question</button>
    </form>
    <p><label>Import a JSON file (a list of {question, answer, aliases?, category?, difficulty?}): <input type="file" id="games-import" accept="application/json,.json"></label></p>
    <ul id="games-issues" class="games-issues"></ul>
  </section>
</div>`;
  }
}
