/* global window, document, CSS */
// The Fights page: live fights (HP bars, question, last moves) kept current by the dashboard's event stream
// (`ext` events from the breadfight plugin), the cancel button, and the question editor. Uses the
// dashboard's BakeBot helper; text from the server only ever goes in with textContent.
'use strict';
(function () {
  const B = window.BakeBot;
  const root = document.getElementById('fights-page');
  if (!B || !root) return;
  const topics = (document.body.dataset.topics || '').split(/\s+/).filter(Boolean);
  if (!topics.includes('ext')) document.body.dataset.topics = topics.concat('ext').join(' ');

  // ---- live fights
  function bar(f, side) {
    const x = f[side];
    const pct = Math.max(0, Math.min(100, Math.round((x.hp / Math.max(1, f.hpMax)) * 100)));
    const fill = B.el('div', { class: 'bf-fill w' + Math.round(pct / 5) * 5 + (pct <= 25 ? ' low' : '') });
    return B.el(
      'div',
      { class: 'bf-fighter' + (f.activeFighter === x.login ? ' bf-active' : ''), 'data-side': side },
      B.el('div', { class: 'bf-name' }, B.el('span', {}, x.login), ' ', B.el('span', { class: 'bf-hp' }, x.hp + ' / ' + f.hpMax + ' HP'), x.cheers ? ' ' : null, x.cheers ? B.el('span', { class: 'bf-cheers' }, x.cheers + (x.cheers === 1 ? ' cheer' : ' cheers')) : null),
      B.el('div', { class: 'bf-bar', role: 'progressbar', 'aria-label': x.login + ' health', 'aria-valuemin': 0, 'aria-valuemax': f.hpMax, 'aria-valuenow': x.hp }, fill),
    );
  }

  function statusOf(f) {
    if (f.state === 'challenged') return 'waiting for ' + f.opponent.login + ' to accept';
    if (f.state === 'active') return 'round ' + f.round + ' of ' + f.maxRounds + ', ' + (f.activeFighter || '') + "'s turn";
    return (f.outcome || 'over') + (f.winner ? ': ' + f.winner + ' won' : '');
  }

  function card(f) {
    return B.el(
      'article',
      { class: 'bf-fight', 'data-id': f.id, 'data-state': f.state },
      B.el(
        'header',
        {},
        B.el('strong', {}, '#' + f.id),
        ' ',
        B.el('span', { class: 'bf-status' }, statusOf(f)),
        ' ',
        B.el('span', { class: 'bf-wager' }, f.wager ? f.wager + ' ' + (root.dataset.currency || 'tokens') + ' each' : 'friendly'),
        f.state !== 'finished' ? B.el('button', { type: 'button', class: 'small danger bf-cancel', 'data-id': f.id }, 'Cancel & refund') : null,
      ),
      B.el('div', { class: 'bf-versus' }, bar(f, 'challenger'), B.el('span', { class: 'bf-vs' }, 'vs'), bar(f, 'opponent')),
      B.el('p', { class: 'bf-question' }, f.question ? '★'.repeat(f.difficulty || 1) + ' ' + f.question : ''),
      B.el('ol', { class: 'bf-moves' }, ...f.moves.slice(-4).map((m) => B.el('li', {}, m.text))),
    );
  }

  function show(f) {
    const live = document.getElementById('bf-live');
    if (!live) return;
    const empty = live.querySelector('.bf-empty');
    if (empty) empty.remove();
    const next = card(f);
    const old = live.querySelector('article.bf-fight[data-id="' + CSS.escape(String(f.id)) + '"]');
    if (old) old.replaceWith(next);
    else live.prepend(next);
    // A finished fight stays in view as its recap until the next one starts; older recaps go.
    if (f.state !== 'finished') for (const done of live.querySelectorAll('article.bf-fight[data-state="finished"]')) done.remove();
    else addRecent(f);
  }

  /** A fight that just ended goes on top of the recent fights. */
  function addRecent(f) {
    const body = document.querySelector('#bf-recent tbody');
    if (!body || body.querySelector('tr[data-id="' + CSS.escape(String(f.id)) + '"]')) return;
    const cells = [f.id, B.fmtTime(f.finishedAt).slice(0, 16), f.challenger.login, f.opponent.login, f.wager, f.outcome || '', f.winner || '', f.challenger.hp + '–' + f.opponent.hp, f.houseCut || ''];
    body.prepend(B.el('tr', { 'data-id': f.id }, ...cells.map((c) => B.el('td', {}, String(c)))));
  }

  B.on('ext', (ev) => {
    if (!ev || ev.plugin !== 'breadfight' || ev.event !== 'fight' || !ev.data || !ev.data.fight) return;
    show(ev.data.fight);
  });

  // ---- cancel, and the question editor
  const issues = document.getElementById('bf-issues');
  function tell(lines, bad) {
    if (!issues) return;
    issues.className = 'bf-issues' + (bad ? ' bad' : '');
    issues.replaceChildren(...lines.map((l) => B.el('li', {}, l)));
  }

  function addQuestion() {
    const body = document.querySelector('#bf-questions tbody');
    if (!body) return;
    const select = B.el('select', { name: 'difficulty', 'aria-label': 'difficulty' }, ...[1, 2, 3].map((d) => B.el('option', { value: d }, String(d))));
    const row = B.el(
      'tr',
      { class: 'bf-q bf-new' },
      B.el('td', {}, B.el('input', { name: 'question', maxlength: 300, required: 'required', 'aria-label': 'question' })),
      B.el('td', {}, B.el('input', { name: 'answer', maxlength: 100, required: 'required', 'aria-label': 'answer' })),
      B.el('td', {}, B.el('input', { name: 'aliases', 'aria-label': 'other accepted answers' })),
      B.el('td', {}, select),
      B.el('td', {}, B.el('button', { type: 'button', class: 'small bf-remove', title: 'Remove (then save)' }, '✕')),
    );
    body.append(row);
    row.querySelector('input').focus();
  }

  function collect() {
    const questions = [];
    const problems = [];
    for (const [i, row] of [...document.querySelectorAll('#bf-questions tbody tr')].entries()) {
      const v = (name) => row.querySelector('[name="' + name + '"]').value.trim();
      const q = { question: v('question'), answer: v('answer'), difficulty: Number(v('difficulty')) };
      const aliases = v('aliases').split(',').map((a) => a.trim()).filter(Boolean);
      if (aliases.length) q.aliases = aliases;
      if (!q.question || !q.answer) problems.push('question ' + (i + 1) + ': needs a question and an answer');
      questions.push(q);
    }
    return { questions, problems };
  }

  async function save() {
    const { questions, problems } = collect();
    if (problems.length) return tell(problems, true);
    const builtin = document.getElementById('bf-builtin');
    const button = document.getElementById('bf-save');
    if (button) button.disabled = true;
    tell(['Saving…'], false);
    try {
      const res = await window.fetch('/api/fights/questions', {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': B.csrf },
        body: JSON.stringify({ questions, includeBuiltin: builtin ? builtin.checked : true }),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        const details = Array.isArray(data.details) ? data.details : [];
        return tell(details.length ? details.map((d) => d.path + ': ' + d.message) : [data.error || 'HTTP ' + res.status], true);
      }
      tell(['Saved: fights now draw from the new questions.'], false);
      window.setTimeout(() => window.location.reload(), 400);
    } catch (err) {
      tell([err.message], true);
    } finally {
      if (button) button.disabled = false;
    }
  }

  root.addEventListener('click', async (ev) => {
    const button = ev.target instanceof window.HTMLElement ? ev.target.closest('button') : null;
    if (!button) return;
    if (button.classList.contains('bf-cancel')) {
      if (!window.confirm('Cancel fight #' + button.dataset.id + '? Both wagers go back.')) return;
      button.disabled = true;
      try {
        const res = await B.api('POST', '/api/fights/' + encodeURIComponent(button.dataset.id) + '/cancel', {});
        show(res.fight);
      } catch (err) {
        tell(['Fight #' + button.dataset.id + ': ' + err.message], true);
        button.disabled = false;
      }
    } else if (button.id === 'bf-add') addQuestion();
    else if (button.id === 'bf-save') await save();
    else if (button.classList.contains('bf-remove')) button.closest('tr').remove();
  });
})();
