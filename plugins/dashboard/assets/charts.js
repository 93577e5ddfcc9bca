/* global window, Chart */
// Dashboard page: the charts, drawn with chart.js (served from this server, no CDN).
'use strict';
(function () {
  const B = window.BakeBot;
  const doc = window.document;
  const ink = '#b45309';
  const inkSoft = 'rgba(180, 83, 9, 0.25)';

  function note(canvas, text) {
    const p = B.el('p', { class: 'note' }, text);
    canvas.replaceWith(p);
  }

  function draw(id, type, labels, values, label, horizontal) {
    const canvas = doc.getElementById(id);
    if (!canvas) return;
    if (!labels || !labels.length) return note(canvas, 'No data yet.');
    new Chart(canvas, {
      type,
      data: { labels, datasets: [{ label, data: values, borderColor: ink, backgroundColor: type === 'line' ? inkSoft : ink, fill: type === 'line', tension: 0.25, pointRadius: 2 }] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: 1.6,
        indexAxis: type === 'bar' && horizontal ? 'y' : 'x',
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  async function load() {
    if (typeof Chart === 'undefined') return;
    let data;
    try {
      data = await B.api('GET', '/api/stats/charts');
    } catch (err) {
      for (const c of doc.querySelectorAll('canvas[id^="chart-"]')) note(c, 'Could not load: ' + err.message);
      return;
    }
    // The charts other plugins added (dashboard.addChart), then the dashboard's own.
    for (const c of data.charts || []) draw('chart-' + c.id, c.kind, c.labels, c.values, c.label, c.horizontal);
    draw('chart-commands', 'bar', data.commands.labels, data.commands.counts, 'uses', false);
  }

  doc.addEventListener('DOMContentLoaded', load);
})();
