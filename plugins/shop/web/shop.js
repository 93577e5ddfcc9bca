/* global window, document, Chart, CSS */
// The Shop page: the sales chart (chart.js, served by the dashboard) and the fulfil/refund buttons of the
// redemption queue; the catalog editor is catalog.js. Uses the dashboard's BakeBot helper (API calls carry
// the CSRF token). Text from the server only ever goes in with textContent.
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
    if (!button.classList.contains('shop-fulfil') && !button.classList.contains('shop-refund')) return;
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
  });

  /** A redemption changed (here or elsewhere): update its rows, and the pending count. */
  function showRedemption(r) {
    for (const row of document.querySelectorAll('tr[data-id="' + CSS.escape(String(r.id)) + '"]')) {
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

  document.addEventListener('DOMContentLoaded', drawChart);
})();
