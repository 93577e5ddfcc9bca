/* global window, document, Chart, CSS */
// The Shop page: the sales chart (chart.js, served by the dashboard), fulfil/refund buttons of the
// redemption queue, and the catalog editor. Uses the dashboard's BakeBot helper (API calls carry the CSRF
// token). Text from the server only ever goes in with textContent.
'use strict';
(function () {
  const B = window.BakeBot;
  const root = document.getElementById('shop-page');
  if (!B || !root) return;
  // Live queue updates come as `ext` server-sent events; ask for them before the dashboard connects.
  const topics = (document.body.dataset.topics || '').split(/\s+/).filter(Boolean);
  if (!topics.includes('ext')) document.body.dataset.topics = topics.concat('ext').join(' ');

  const message = document.getElementById('shop-message');
  function tell(text, bad) {
    if (!message) return;
    message.textContent = text;
    message.className = 'shop-message ' + (bad ? 'bad' : 'ok');
  }

  // ---- sales chart
  function drawChart() {
    const canvas = document.getElementById('shop-chart');
    if (!canvas || typeof Chart === 'undefined') return;
    let days;
    try {
      days = JSON.parse(canvas.dataset.days || '[]');
    } catch {
      days = [];
    }
    const ink = '#b45309';
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: days.map((d) => d.day.slice(5)),
        datasets: [
          { label: (canvas.dataset.currency || 'tokens') + ' spent', data: days.map((d) => d.tokens), backgroundColor: ink, yAxisID: 'y' },
          { label: 'orders', data: days.map((d) => d.orders), type: 'line', borderColor: '#1f2937', backgroundColor: '#1f2937', yAxisID: 'y1', cubicInterpolationMode: 'monotone', pointRadius: 2 },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, ticks: { precision: 0 } } },
      },
    });
    canvas.dataset.drawn = 'true';
  }

  // ---- the queue: fulfil and refund
  root.addEventListener('click', async (ev) => {
    const button = ev.target instanceof window.HTMLElement ? ev.target.closest('button') : null;
    if (!button) return;
    const id = button.dataset.id;
    if (button.classList.contains('shop-fulfil') || button.classList.contains('shop-refund')) {
      const refund = button.classList.contains('shop-refund');
      const row = button.closest('tr');
      const reasonInput = row ? row.querySelector('.shop-reason') : null;
      const reason = reasonInput && reasonInput.value.trim() ? reasonInput.value.trim() : undefined;
      if (refund && !window.confirm('Refund order #' + id + '? The viewer gets the tokens back.')) return;
      button.disabled = true;
      try {
        const res = await B.api('POST', '/api/shop/redemptions/' + encodeURIComponent(id) + '/' + (refund ? 'refund' : 'fulfil'), refund && reason ? { reason } : {});
        showRedemption(res.redemption);
        tell((refund ? 'Refunded' : 'Fulfilled') + ' order #' + id + '.', false);
      } catch (err) {
        tell('Order #' + id + ': ' + err.message, true);
        button.disabled = false;
      }
      return;
    }
    if (button.id === 'shop-add') return addItem();
    if (button.id === 'shop-save') return save();
    if (button.id === 'shop-import') return importJson();
    if (button.classList.contains('shop-remove')) {
      const row = button.closest('tr');
      if (row) row.remove();
    }
  });

  /** A redemption changed (here or elsewhere): update its rows, and the pending count. */
  function showRedemption(r) {
    for (const row of document.querySelectorAll('tr[data-id="' + CSS.escape(String(r.id)) + '"]')) {
      if (row.closest('#shop-catalog')) continue;
      row.className = 'shop-' + r.status;
      const cells = row.querySelectorAll('td');
      if (cells[6]) cells[6].textContent = r.status + (r.refundReason ? ': ' + r.refundReason : '');
      if (r.status !== 'pending') for (const b of row.querySelectorAll('button, input')) b.remove();
    }
    const pending = document.querySelectorAll('#shop-pending tr.shop-pending').length;
    B.setText('shop-pending-count', String(pending));
  }

  function addRow(r) {
    const body = document.querySelector('#shop-pending tbody');
    if (!body) {
      const empty = document.getElementById('shop-pending');
      if (empty) empty.textContent = 'New orders are waiting: reload the page to see them.';
      return;
    }
    if (body.querySelector('tr[data-id="' + CSS.escape(String(r.id)) + '"]')) return;
    const tr = B.el(
      'tr',
      { 'data-id': r.id, class: 'shop-pending' },
      B.el('td', { 'data-label': 'Order' }, '#' + r.id),
      B.el('td', { 'data-label': 'When' }, B.el('time', { datetime: new Date(r.createdAt).toISOString() }, B.fmtTime(r.createdAt))),
      B.el('td', { 'data-label': 'Viewer' }, r.username),
      B.el('td', { 'data-label': 'Item' }, (r.quantity > 1 ? r.quantity + '× ' : '') + r.reward),
      B.el('td', { 'data-label': 'Paid' }, B.fmtNumber(r.cost)),
      B.el('td', { class: 'shop-input', 'data-label': 'Note' }, r.input),
      B.el('td', { class: 'shop-status', 'data-label': 'Status' }, r.status),
      B.el(
        'td',
        { class: 'shop-actions' },
        B.el('button', { type: 'button', class: 'shop-fulfil', 'data-id': r.id }, 'Fulfil'),
        ' ',
        B.el('input', { type: 'text', class: 'shop-reason', maxlength: 200, placeholder: 'refund reason', 'aria-label': 'refund reason for order ' + r.id }),
        ' ',
        B.el('button', { type: 'button', class: 'shop-refund', 'data-id': r.id }, 'Refund'),
      ),
    );
    body.prepend(tr);
  }

  // The totals line follows every order change (asked again, at most one request at a time).
  let summaryBusy = false;
  async function refreshSummary() {
    if (summaryBusy) return;
    summaryBusy = true;
    try {
      const s = await B.api('GET', '/api/shop/summary');
      B.setText('shop-orders-count', B.fmtNumber(s.totals.orders));
      B.setText('shop-tokens', s.tokensText);
      B.setText('shop-pending-count', B.fmtNumber(s.totals.pending));
      B.setText('shop-refunded-count', B.fmtNumber(s.totals.refunded));
    } catch {
      // the next event tries again
    } finally {
      summaryBusy = false;
    }
  }

  B.on('ext', (ev) => {
    if (!ev || ev.plugin !== 'shop' || ev.event !== 'redemption') return;
    const r = ev.data;
    if (r.status === 'pending') addRow(r);
    showRedemption(r);
    void refreshSummary();
  });

  // ---- the catalog editor
  const FIELDS = ['id', 'name', 'category', 'cost', 'effect', 'params', 'stock', 'perUserLimit', 'cooldown', 'maxPerPurchase', 'roles', 'enabled', 'description'];

  function addItem() {
    const body = document.querySelector('#shop-catalog tbody');
    const template = body ? body.querySelector('tr') : null;
    if (!body) return;
    let row;
    if (template) {
      row = template.cloneNode(true);
      row.removeAttribute('data-id');
      row.className = 'shop-item shop-new';
      for (const input of row.querySelectorAll('input')) {
        if (input.type === 'checkbox') input.checked = true;
        else input.value = '';
        input.classList.remove('invalid');
      }
      const state = row.querySelector('.shop-state');
      if (state) state.textContent = 'new';
      const small = row.querySelector('small');
      if (small) small.remove();
    } else {
      row = B.el('tr', { class: 'shop-item shop-new' });
      for (const f of FIELDS) row.append(B.el('td', {}, B.el('input', { name: f, type: f === 'enabled' ? 'checkbox' : 'text' })));
      row.append(B.el('td', { class: 'shop-state' }, 'new'), B.el('td', {}, B.el('button', { type: 'button', class: 'shop-remove' }, 'Remove')));
    }
    const set = (name, value) => {
      const i = row.querySelector('input[name="' + name + '"]');
      if (i) i.value = value;
    };
    set('category', 'treats');
    set('effect', 'none');
    set('params', '{}');
    set('maxPerPurchase', '10');
    set('roles', 'everyone');
    body.append(row);
    const first = row.querySelector('input[name="id"]');
    if (first) first.focus();
  }

  /** The catalog as the config wants it; numbers that do not parse are sent as typed, for the schema to name. */
  function collect() {
    const items = {};
    const problems = [];
    for (const row of document.querySelectorAll('#shop-catalog tbody tr')) {
      const v = (name) => {
        const i = row.querySelector('input[name="' + name + '"]');
        return i ? (i.type === 'checkbox' ? i.checked : i.value.trim()) : undefined;
      };
      const id = v('id');
      if (!id) {
        problems.push('an item has no id');
        continue;
      }
      if (items[id]) problems.push('two items have the id "' + id + '"');
      const num = (name) => {
        const s = v(name);
        if (s === '' || s === undefined) return undefined;
        return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
      };
      let params = {};
      const rawParams = v('params');
      if (rawParams) {
        try {
          params = JSON.parse(rawParams);
        } catch {
          problems.push(id + ': params must be JSON, e.g. {"message": "…"}');
        }
      }
      const item = { name: v('name'), description: v('description'), cost: num('cost'), category: v('category') || 'treats', effect: v('effect'), params, enabled: v('enabled') };
      for (const k of ['stock', 'perUserLimit', 'cooldown', 'maxPerPurchase']) {
        const n = num(k);
        if (n !== undefined) item[k] = n;
      }
      item.roles = String(v('roles') || 'everyone').split(/[\s,]+/).filter(Boolean);
      if (item.cost === undefined) item.cost = '';
      items[id] = item;
    }
    return { items, problems };
  }

  function showIssues(lines) {
    const list = document.getElementById('shop-issues');
    if (!list) return;
    list.replaceChildren(...lines.map((l) => B.el('li', {}, l)));
  }

  function markInvalid(issues) {
    for (const i of document.querySelectorAll('#shop-catalog input.invalid')) i.classList.remove('invalid');
    for (const issue of issues) {
      const m = /^plugins\.shop\.items\.([^.]+)(?:\.([^.]+))?/.exec(issue.path || '');
      if (!m) continue;
      for (const row of document.querySelectorAll('#shop-catalog tbody tr')) {
        const idInput = row.querySelector('input[name="id"]');
        if (!idInput || idInput.value.trim() !== m[1]) continue;
        const input = row.querySelector('input[name="' + (m[2] || 'id') + '"]') || idInput;
        input.classList.add('invalid');
      }
    }
  }

  /** Where a JSON.parse error is, as "line L, column C" (V8 reports a position, or the line itself). */
  function whereIn(text, err) {
    const m = /line (\d+) column (\d+)/.exec(err.message);
    if (m) return 'line ' + m[1] + ', column ' + m[2];
    const p = /position (\d+)/.exec(err.message);
    if (!p) return '';
    const before = text.slice(0, Number(p[1])).split('\n');
    return 'line ' + before.length + ', column ' + (before[before.length - 1].length + 1);
  }

  function importJson() {
    const area = document.getElementById('shop-import-text');
    const error = document.getElementById('shop-import-error');
    if (!area || !error) return;
    const text = area.value;
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      const where = whereIn(text, err);
      error.textContent = 'Not valid JSON' + (where ? ' at ' + where : '') + ': ' + err.message;
      error.hidden = false;
      area.setAttribute('aria-invalid', 'true');
      area.focus();
      return;
    }
    error.hidden = true;
    area.removeAttribute('aria-invalid');
    const items = parsed && typeof parsed === 'object' && parsed.items && typeof parsed.items === 'object' ? parsed.items : parsed;
    if (!items || typeof items !== 'object' || Array.isArray(items)) {
      error.textContent = 'The catalog is an object of items by id, like {"cookie": {"name": "Cookie", "cost": 10}}.';
      error.hidden = false;
      return;
    }
    return save(items);
  }

  async function save(imported) {
    const { items, problems } = imported ? { items: imported, problems: [] } : collect();
    if (problems.length) {
      showIssues(problems);
      return;
    }
    const button = document.getElementById('shop-save');
    if (button) button.disabled = true;
    showIssues(['Saving…']);
    try {
      const res = await window.fetch('/api/shop/catalog', {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': B.csrf },
        body: JSON.stringify({ items }),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        // Errors have one shape, { error, code, details }: the catalog's problems are details.issues.
        const issues = data.details && Array.isArray(data.details.issues) ? data.details.issues : [];
        markInvalid(issues);
        showIssues(issues.length ? issues.map((i) => i.path + ': ' + i.message) : [data.error || 'HTTP ' + res.status]);
        return;
      }
      showIssues(['Saved. The shop restarts with the new catalog…']);
      window.setTimeout(() => window.location.reload(), 400);
    } catch (err) {
      showIssues([err.message]);
    } finally {
      if (button) button.disabled = false;
    }
  }

  document.addEventListener('DOMContentLoaded', drawChart);
})();
