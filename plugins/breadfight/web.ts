// Bread fights on the dashboard: a Fights page (the live fight with both HP bars, kept current by the
// dashboard's event stream; recent fights; the best fighters; the question editor) and the API
// (`GET /api/fights`: live and recent). Registered through the dashboard's service with the plugin's ctx as
// owner, so it comes and goes with the plugin, behind the dashboard's login, Host checks and CSRF.
import path from 'node:path';
import type { Context } from 'koa';
import type { PluginContext } from '../../core/types.ts';
import type { DashboardService, SafeHtml } from '../dashboard/service.ts';
import type { EconomyService } from '../economy/service.ts';
import type { BreadfightConfig } from './config.ts';
import type { BreadfightService, FightView } from './service.ts';

const MAX_QUESTIONS = 5000;

function answer(k: Context, status: number, body: unknown): void {
  k.status = status;
  k.body = body;
}

function fail(k: Context, status: number, error: string, code: string, details?: unknown): void {
  answer(k, status, { error, code, ...(details !== undefined ? { details } : {}) });
}

const isCode = (err: unknown, code: string) => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;

/** The editor's body, checked here for a readable message; the config schema checks it again on save. */
function questionsProblem(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'the body must be an object with "questions"';
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (key !== 'questions' && key !== 'includeBuiltin') return `unknown field "${key}"`;
  if (!Array.isArray(b.questions)) return '"questions" must be a list';
  if (b.questions.length > MAX_QUESTIONS) return `at most ${MAX_QUESTIONS} questions`;
  if (b.includeBuiltin !== undefined && typeof b.includeBuiltin !== 'boolean') return '"includeBuiltin" must be true or false';
  return undefined;
}

export function mountDashboard(ctx: PluginContext<BreadfightConfig>, dashboard: DashboardService, fights: BreadfightService, economy: EconomyService): void {
  const router = dashboard.router();

  router.get('/api/fights', async (k) => {
    const limit = typeof k.query.limit === 'string' && /^\d{1,3}$/.test(k.query.limit) ? Number(k.query.limit) : 20;
    const [live, recent] = await Promise.all([fights.live(), fights.recent(limit)]);
    answer(k, 200, { live, recent });
  });

  router.get('/api/fights/stats', async (k) => {
    answer(k, 200, { top: await fights.top(20) });
  });

  router.get('/api/fights/questions', (k) => {
    answer(k, 200, { includeBuiltin: ctx.config.includeBuiltin, questions: ctx.config.questions, builtin: fights.questions().filter((q) => q.source === 'builtin').length });
  });

  // Saved into plugins.breadfight.questions of the config file; the config schema is the judge, and a valid
  // save sets the plugin up again (a running fight is handed over and carries on).
  router.put('/api/fights/questions', async (k) => {
    const problem = questionsProblem(k.request.body);
    if (problem) return fail(k, 400, problem, 'INVALID_BODY');
    const b = k.request.body as { questions: unknown[]; includeBuiltin?: boolean };
    const current = { ...(ctx.host.pluginConfig('breadfight') ?? {}) };
    const result = await ctx.host.saveConfig('breadfight', { ...current, questions: b.questions, ...(b.includeBuiltin !== undefined ? { includeBuiltin: b.includeBuiltin } : {}) });
    if (!result.ok) return fail(k, 400, 'the questions have errors', 'INVALID_QUESTIONS', result.issues);
    answer(k, 200, { ok: true });
  });

  router.get('/api/fights/:id', async (k) => {
    if (!/^\d{1,12}$/.test(k.params.id ?? '')) return fail(k, 400, 'the fight number must be a whole number', 'INVALID_ID');
    const fight = await fights.fight(Number(k.params.id));
    if (!fight) return fail(k, 404, `no bread fight #${k.params.id}`, 'NOT_FOUND');
    answer(k, 200, { fight });
  });

  router.post('/api/fights/:id/cancel', async (k) => {
    if (!/^\d{1,12}$/.test(k.params.id ?? '')) return fail(k, 400, 'the fight number must be a whole number', 'INVALID_ID');
    const user = (k.state as { user?: string }).user ?? 'dashboard';
    try {
      answer(k, 200, { fight: await fights.cancel(Number(k.params.id), user === 'admin' ? 'dashboard' : user) });
    } catch (err) {
      if (isCode(err, 'NOT_FOUND')) return fail(k, 404, (err as Error).message, 'NOT_FOUND');
      if (isCode(err, 'ALREADY_FINISHED')) return fail(k, 409, (err as Error).message, 'ALREADY_FINISHED');
      throw err;
    }
  });

  dashboard.addApi(ctx, router);
  fights.onFight(ctx, (e) => dashboard.publish(ctx, 'fight', { type: e.type, fight: e.fight }));

  const assets = dashboard.addAssets(ctx, path.join(ctx.dir, 'web'));
  dashboard.addPage(ctx, {
    path: '/fights',
    title: 'Fights',
    order: 45,
    scripts: [`${assets}fights.js`],
    styles: [`${assets}fights.css`],
    render: async (request) => renderPage(request.csrf),
  });
  dashboard.addPanel(ctx, {
    id: 'breadfight-live',
    title: 'Bread fights',
    order: 65,
    render: async () => {
      const live = await fights.live();
      const h = dashboard.html;
      return h`<p>${live.length ? live.map((f) => h`<strong>${f.challenger.login}</strong> ${f.challenger.hp} HP vs <strong>${f.opponent.login}</strong> ${f.opponent.hp} HP (${f.state}) `) : 'No fight on.'}</p><p><a href="/fights">Open the Fights page</a></p>`;
    },
  });

  function fightCard(f: FightView): SafeHtml {
    const h = dashboard.html;
    const bar = (side: 'challenger' | 'opponent') => {
      const x = f[side];
      const pct = Math.max(0, Math.min(100, Math.round((x.hp / Math.max(1, f.hpMax)) * 100)));
      // Widths are steps of 5 % as classes: the CSP forbids inline styles.
      return h`<div class="bf-fighter${f.activeFighter === x.login ? ' bf-active' : ''}" data-side="${side}">
        <div class="bf-name"><span>${x.login}</span> <span class="bf-hp">${x.hp} / ${f.hpMax} HP</span>${x.cheers ? h` <span class="bf-cheers">${x.cheers} cheer${x.cheers === 1 ? '' : 's'}</span>` : ''}</div>
        <div class="bf-bar" role="progressbar" aria-label="${x.login} health" aria-valuemin="0" aria-valuemax="${f.hpMax}" aria-valuenow="${x.hp}"><div class="bf-fill w${Math.round(pct / 5) * 5}${pct <= 25 ? ' low' : ''}"></div></div>
      </div>`;
    };
    const status = f.state === 'challenged' ? `waiting for ${f.opponent.login} to accept` : f.state === 'active' ? `round ${f.round} of ${f.maxRounds}, ${f.activeFighter ?? ''}'s turn` : `${f.outcome ?? 'over'}${f.winner ? `: ${f.winner} won` : ''}`;
    return h`<article class="bf-fight" data-id="${f.id}" data-state="${f.state}">
      <header><strong>#${f.id}</strong> <span class="bf-status">${status}</span> <span class="bf-wager">${f.wager ? economy.format(f.wager) + ' each' : 'friendly'}</span>
        ${f.state !== 'finished' ? h`<button type="button" class="small danger bf-cancel" data-id="${f.id}">Cancel &amp; refund</button>` : ''}</header>
      <div class="bf-versus">${bar('challenger')}<span class="bf-vs">vs</span>${bar('opponent')}</div>
      <p class="bf-question">${f.question ? h`${'★'.repeat(f.difficulty ?? 1)} ${f.question}` : ''}</p>
      <ol class="bf-moves">${f.moves.slice(-4).map((m) => h`<li>${m.text}</li>`)}</ol>
    </article>`;
  }

  async function renderPage(csrf: string): Promise<SafeHtml> {
    const h = dashboard.html;
    const [live, recent, top] = await Promise.all([fights.live(), fights.recent(25), fights.top(10)]);
    const custom = ctx.config.questions;
    const builtin = fights.questions().filter((q) => q.source === 'builtin').length;
    const when = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) : '');
    const qRow = (q: { question: string; answer: string; aliases?: readonly string[]; difficulty: number }) => h`<tr class="bf-q">
      <td><input name="question" value="${q.question}" maxlength="300" required aria-label="question"></td>
      <td><input name="answer" value="${q.answer}" maxlength="100" required aria-label="answer"></td>
      <td><input name="aliases" value="${(q.aliases ?? []).join(', ')}" aria-label="other accepted answers"></td>
      <td><select name="difficulty" aria-label="difficulty">${[1, 2, 3].map((d) => h`<option value="${d}"${d === q.difficulty ? h` selected` : ''}>${d}</option>`)}</select></td>
      <td><button type="button" class="small bf-remove" title="Remove (then save)">✕</button></td>
    </tr>`;
    return h`<div id="fights-page" data-csrf="${csrf}" data-currency="${economy.currency.name}">
  <section class="card">
    <h2>Live</h2>
    <div id="bf-live">${live.length ? live.map(fightCard) : h`<p class="bf-empty">No fight on. Viewers start one with <code>!breadfight @user [wager]</code>.</p>`}</div>
  </section>
  <section class="card">
    <h2>Recent fights</h2>
    <div class="table-wrap"><table id="bf-recent"><thead><tr><th>#</th><th>Ended (UTC)</th><th>Challenger</th><th>Opponent</th><th>Wager</th><th>Outcome</th><th>Winner</th><th>HP</th><th>House</th></tr></thead>
    <tbody>${recent.map((f) => h`<tr data-id="${f.id}"><td>${f.id}</td><td>${when(f.finishedAt)}</td><td>${f.challenger.login}</td><td>${f.opponent.login}</td><td>${f.wager}</td><td>${f.outcome ?? ''}</td><td>${f.winner ?? ''}</td><td>${f.challenger.hp}–${f.opponent.hp}</td><td>${f.houseCut || ''}</td></tr>`)}</tbody></table></div>
  </section>
  <section class="card">
    <h2>Best fighters</h2>
    ${top.length ? h`<div class="table-wrap"><table id="bf-top"><thead><tr><th>Viewer</th><th>Wins</th><th>Losses</th><th>Draws</th><th>Streak</th><th>Best streak</th><th>Tokens won</th></tr></thead>
    <tbody>${top.map((s) => h`<tr><td>${s.login}</td><td>${s.wins}</td><td>${s.losses}</td><td>${s.draws}</td><td>${s.streak}</td><td>${s.bestStreak}</td><td>${s.tokensWon}</td></tr>`)}</tbody></table></div>` : h`<p>No fight decided yet.</p>`}
  </section>
  <section class="card">
    <h2>Questions</h2>
    <p>Saved into <code>plugins.breadfight.questions</code> of the config file and checked against the plugin's schema. Difficulty 1 is asked in rounds 1–2, 2 in rounds 3–4, 3 after that. Other accepted answers: separated by commas.</p>
    <p><label><input type="checkbox" id="bf-builtin"${ctx.config.includeBuiltin ? h` checked` : ''}> Also ask the bundled bread and baking questions${builtin ? ` (${builtin})` : ''}</label></p>
    <div class="table-wrap"><table id="bf-questions"><thead><tr><th>Question</th><th>Answer</th><th>Also accepted</th><th>Difficulty</th><th></th></tr></thead>
    <tbody>${custom.map(qRow)}</tbody></table></div>
    <p class="actions"><button type="button" id="bf-add">Add question</button> <button type="button" id="bf-save" class="primary">Save questions</button></p>
    <ul id="bf-issues" class="bf-issues" role="status"></ul>
  </section>
</div>`;
  }
}
