/* global window */
// Dashboard page: the bot's status, live.
'use strict';
(function () {
  const B = window.BakeBot;
  B.on('status', (s) => {
    const label = B.setText('s-label', s.label);
    if (label) label.className = 'badge tone-' + s.tone;
    B.setText('s-detail', s.detail || '');
    const row = window.document.getElementById('s-detail-row');
    if (row) row.hidden = !s.detail;
    B.setText('s-channels', s.channels && s.channels.length ? s.channels.join(', ') : '—');
    B.setText('s-uptime', B.fmtDuration(s.uptimeSec));
    B.setText('s-mpm', String(s.messagesPerMinute));
    B.setText('s-handled', B.fmtNumber(s.messagesHandled));
    B.setText('s-pending', String(s.pendingOutgoing));
    const on = s.chat === 'connected' || s.chat === 'connecting';
    why('start-chat', 'start-why', !s.twitchConfigured ? 'No Twitch token yet: connect one on the Setup page.' : on ? 'Twitch chat is already on.' : '');
    why('stop-chat', 'stop-why', s.chat === 'local' || s.chat === 'stopped' ? 'Twitch chat is not on.' : '');
  });

  /** A button that cannot work now is disabled, and says why. */
  function why(buttonId, reasonId, reason) {
    const button = window.document.getElementById(buttonId);
    if (button) button.disabled = !!reason;
    const text = B.setText(reasonId, reason);
    if (text) text.hidden = !reason;
  }

  // Panels follow their plugin: an event it publishes (an order, a refund) redraws its panels (at most one
  // request per panel at a time). The body is the server's escaped HTML, the same the page was built with.
  const busy = {};
  B.on('ext', (ev) => {
    if (!ev || !ev.plugin) return;
    for (const section of window.document.querySelectorAll('.panel[data-plugin="' + window.CSS.escape(ev.plugin) + '"] .panel-body')) {
      const id = section.dataset.panel;
      if (!id || busy[id]) continue;
      busy[id] = true;
      window.setTimeout(async () => {
        try {
          const res = await window.fetch('/panels/' + encodeURIComponent(id), { credentials: 'same-origin', headers: { accept: 'text/html' } });
          if (res.ok) section.innerHTML = await res.text();
        } finally {
          busy[id] = false;
        }
      }, 150);
    }
  });
})();
