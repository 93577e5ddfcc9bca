/* global window */
// Test chat: sends through the API and shows the conversation as it happens (the transcript entries
// carry increasing numbers, so nothing is shown twice whether it came by event or by a refresh).
'use strict';
(function () {
  const B = window.BakeBot;
  const doc = window.document;
  const list = doc.getElementById('transcript');
  const form = doc.getElementById('chat-form');
  if (!list || !form) return;
  let lastSeq = Number(list.dataset.lastSeq || 0);
  list.scrollTop = list.scrollHeight;

  function show(e) {
    if (!e || e.seq <= lastSeq) return;
    lastSeq = e.seq;
    const empty = doc.getElementById('transcript-empty');
    if (empty) empty.hidden = true;
    const li = B.el('li', { class: e.kind, 'data-seq': e.seq, 'data-id': e.id, 'data-reply-to': e.replyTo },
      B.el('span', { class: 'who' }, e.kind === 'viewer' ? e.displayName : 'BakeBot'),
      e.roles && e.roles.length ? ' ' : null,
      e.roles && e.roles.length ? B.el('span', { class: 'roles' }, e.roles.join(', ')) : null,
      ' ',
      B.el('span', { class: 'text' }, e.text));
    list.append(li);
    li.scrollIntoView({ block: 'nearest' });
  }

  async function refresh() {
    try {
      const data = await B.api('GET', '/api/chat/transcript');
      for (const e of data.transcript) show(e);
    } catch {
      // The live stream still delivers.
    }
  }

  B.on('transcript', show);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = form.elements.namedItem('text');
    const login = form.elements.namedItem('login');
    const roles = [...form.querySelectorAll('input[name="roles"]:checked')].map((i) => i.value);
    if (!text.value.trim()) return;
    const send = form.querySelector('button[type="submit"]');
    send.disabled = true;
    try {
      await B.api('POST', '/api/chat', { login: login.value.trim(), text: text.value, roles });
      text.value = '';
      text.focus();
      // In case the event stream was not connected yet: fetch what happened.
      window.setTimeout(refresh, 300);
      window.setTimeout(refresh, 1500);
    } catch (err) {
      show({ seq: lastSeq + 0.5, kind: 'error', text: err.message });
    } finally {
      send.disabled = false;
    }
  });
})();
