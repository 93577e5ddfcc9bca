/* global window */
// Logs page: new chat messages and log lines appear at the top as they happen (filters still apply).
'use strict';
(function () {
  const B = window.BakeBot;
  const doc = window.document;
  const LEVELS = ['debug', 'info', 'warn', 'error'];
  const MAX = 500;

  // The time filters are in this browser's time zone: sent as milliseconds, shown back as local times.
  function localInput(ms) {
    const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
    return d.toISOString().slice(0, 16);
  }
  const filters = doc.getElementById('log-filters');
  if (filters) {
    for (const input of filters.querySelectorAll('input[type="datetime-local"]')) {
      const sent = input.dataset.time || '';
      if (/^\d+$/.test(sent)) input.value = localInput(Number(sent));
    }
    filters.addEventListener('submit', () => {
      for (const input of filters.querySelectorAll('input[type="datetime-local"]')) {
        const ms = input.value ? new Date(input.value).getTime() : NaN;
        if (!Number.isFinite(ms)) continue;
        const hidden = doc.createElement('input');
        hidden.type = 'hidden';
        hidden.name = input.name;
        hidden.value = String(ms);
        input.removeAttribute('name');
        filters.append(hidden);
      }
    });
  }

  function prepend(list, li) {
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX) list.lastChild.remove();
  }

  B.on('chat', (m) => {
    const list = doc.getElementById('chat-lines');
    if (!list || list.dataset.live !== 'yes') return;
    const user = (list.dataset.user || '').replace(/^@/, '').toLowerCase();
    const text = (list.dataset.text || '').toLowerCase();
    if (user && m.login.toLowerCase() !== user && String(m.id) !== user) return;
    if (text && !String(m.text).toLowerCase().includes(text)) return;
    doc.getElementById('chat-empty')?.remove();
    prepend(
      list,
      B.el('li', { class: 'new' },
        B.el('time', { datetime: new Date(m.time).toISOString() }, B.fmtTime(m.time)), ' ',
        B.el('span', { class: 'chan' }, '#' + m.channel), ' ',
        B.el('a', { class: 'who', href: '/users/' + encodeURIComponent(m.login) }, m.displayName), ': ',
        B.el('span', { class: 'text' }, m.text)),
    );
  });

  B.on('log', (e) => {
    const list = doc.getElementById('log-lines');
    if (!list) return;
    if (LEVELS.indexOf(e.level) < LEVELS.indexOf(list.dataset.level || 'info')) return;
    prepend(
      list,
      B.el('li', { class: 'new lvl-' + e.level },
        B.el('time', { datetime: new Date(e.time).toISOString() }, B.fmtTime(e.time)), ' ',
        B.el('span', { class: 'lvl' }, e.level), ' ',
        B.el('span', { class: 'src' }, e.source), ' ',
        B.el('span', { class: 'text' }, e.msg),
        e.data ? B.el('code', { class: 'data' }, ' ' + JSON.stringify(e.data)) : null),
    );
  });
})();
