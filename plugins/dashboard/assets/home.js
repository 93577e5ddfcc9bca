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
    B.setText('s-handled', Number(s.messagesHandled).toLocaleString('en-US'));
    B.setText('s-pending', String(s.pendingOutgoing));
  });
})();
