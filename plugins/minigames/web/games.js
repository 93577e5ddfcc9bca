/* global window, document, Chart, FileReader */
// The Games page: the running game live (the dashboard's `ext` events), start/stop, the plays-per-day chart
// (chart.js, served by the dashboard) and the question bank editor with JSON import. Uses the dashboard's
// BakeBot helper (API calls carry the CSRF token). Text from the server only ever goes in with textContent.
'use strict';
(function () {
  const B = window.BakeBot;
  const root = document.getElementById('games-page');
  if (!B || !root) return;
  const topics = (document.body.dataset.topics || '').split(/\s+/).filter(Boolean);
  if (!topics.includes('ext')) document.body.dataset.topics = topics.concat('ext').join(' ');

  const live = document.getElementById('games-live');
  const stop = document.getElementById('games-stop');
  const message = document.getElementById('games-message');
  const issues = document.getElementById('games-issues');

  function tell(text, bad, details) {
    message.textContent = text;
    message.className = 'games-message ' + (bad ? 'bad' : 'ok');
    issues.replaceChildren(...(details || []).map((d) => B.el('li', {}, d)));
  }

  // The server's clock may not be this browser's (and a test bot's is fake): count down from its "now".
  let game = null;
  let serverNow = Number(root.dataset.now) || Date.now();
  let seenAt = Date.now();
  function timeLeft() {
    if (!game || !game.deadline) return '';
    const ms = game.deadline - (serverNow + (Date.now() - seenAt));
    return B.fmtDuration(Math.max(0, Math.ceil(ms / 1000)));
  }

  function render() {
    if (!game || game.status !== 'running') {
      live.replaceChildren(B.el('p', { class: 'games-empty' }, 'No game is running. Start one below, or in chat with !trivia.'));
      stop.disabled = true;
      return;
    }
    const v = game.view || {};
    live.replaceChildren(
      B.el('p', { class: 'games-title' }, B.el('strong', {}, game.title), ' #' + game.id + ' in #' + game.channel + ', started by ' + game.startedBy.name),
      v.prompt ? B.el('p', { class: 'games-prompt' }, v.prompt) : '',
      B.el('p', { class: 'games-meta' }, B.el('span', { id: 'games-time' }, timeLeft() ? timeLeft() + ' left' : 'no deadline'), ' · ' + game.answers + ' answers · ' + game.players + ' players'),
      (v.lines || []).length ? B.el('ul', { class: 'games-lines' }, ...v.lines.map((l) => B.el('li', {}, l))) : '',
    );
    stop.disabled = false;
  }

  try {
    game = JSON.parse(root.dataset.running || 'null');
  } catch {
    game = null;
  }
  render();
  window.setInterval(() => {
    const t = document.getElementById('games-time');
    if (t && game && game.deadline) t.textContent = timeLeft() + ' left';
  }, 1000);

  B.on('ext', (m) => {
    if (!m || m.plugin !== 'minigames' || m.event !== 'game') return;
    serverNow = m.data.now;
    seenAt = Date.now();
    game = m.data.game;
    render();
  });

  stop.addEventListener('click', async () => {
    try {
      const r = await B.api('POST', '/api/games/stop', {});
      tell(r.game.title + ' #' + r.game.id + ' stopped; every entry fee is returned.');
      game = r.game;
      render();
    } catch (err) {
      tell(err.message, true);
    }
  });

  document.getElementById('games-start').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    let options = {};
    const text = form.options.value.trim();
    if (text) {
      try {
        options = JSON.parse(text);
      } catch {
        return tell('Options must be JSON, e.g. {"rounds": 3}', true);
      }
    }
    try {
      const r = await B.api('POST', '/api/games/start', { type: form.type.value, options });
      game = r.game;
      seenAt = Date.now();
      render();
      tell(r.game.title + ' #' + r.game.id + ' started.');
    } catch (err) {
      tell(err.message, true);
    }
  });

  // ---- chart: games started per day, one stacked bar per type
  (function drawChart() {
    const canvas = document.getElementById('games-chart');
    if (!canvas || typeof Chart === 'undefined') return;
    let data;
    try {
      data = JSON.parse(canvas.dataset.chart || '{}');
    } catch {
      data = {};
    }
    const colors = ['#b45309', '#1f2937', '#0f766e', '#9333ea', '#be123c', '#2563eb', '#65a30d'];
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: (data.days || []).map((d) => d.slice(5)),
        datasets: (data.series || []).map((s, i) => ({ label: s.type, data: s.counts, backgroundColor: colors[i % colors.length] })),
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });
    canvas.dataset.drawn = 'true';
  })();

  // ---- question bank
  function questionOf(container) {
    const get = (name) => container.querySelector('[name="' + name + '"]').value.trim();
    const q = { question: get('question'), answer: get('answer'), difficulty: Number(get('difficulty')) };
    const aliases = get('aliases').split(',').map((a) => a.trim()).filter(Boolean);
    if (aliases.length) q.aliases = aliases;
    if (get('category')) q.category = get('category');
    return q;
  }

  async function send(method, url, body, done) {
    try {
      const r = await B.api(method, url, body);
      tell(done(r));
      window.setTimeout(() => window.location.reload(), 400);
    } catch (err) {
      tell(err.message, true);
    }
  }

  document.getElementById('games-add').addEventListener('submit', (ev) => {
    ev.preventDefault();
    send('POST', '/api/games/questions', questionOf(ev.target), () => 'Question added.');
  });

  document.getElementById('games-questions').addEventListener('click', (ev) => {
    const button = ev.target instanceof window.HTMLElement ? ev.target.closest('button') : null;
    const row = button ? button.closest('tr') : null;
    if (!row) return;
    const url = '/api/games/questions/' + encodeURIComponent(row.dataset.id);
    if (button.classList.contains('games-save-q')) send('PUT', url, questionOf(row), () => 'Question saved.');
    if (button.classList.contains('games-delete-q') && window.confirm('Delete this question?')) send('DELETE', url, undefined, () => 'Question deleted.');
  });

  document.getElementById('games-import').addEventListener('change', (ev) => {
    const file = ev.target.files && ev.target.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = async () => {
      let list;
      try {
        list = JSON.parse(String(reader.result));
      } catch (err) {
        return tell('The file is not JSON: ' + err.message, true);
      }
      const res = await window.fetch('/api/games/questions/import', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': B.csrf },
        body: JSON.stringify(list),
      });
      const data = await res.json().catch(() => ({ error: 'HTTP ' + res.status }));
      if (!res.ok) return tell(data.error, true, data.details);
      tell(data.imported + ' questions imported.');
      window.setTimeout(() => window.location.reload(), 400);
    };
    reader.readAsText(file);
  });
})();
