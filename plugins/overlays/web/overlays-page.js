/* global window, document */
// The dashboard's Overlays page: live previews (drawn by overlay.js, fed by the dashboard's `ext` events),
// "send test" and "new key". Text from the server goes in with textContent / value only.
'use strict';
(function () {
  const B = window.BakeBot;
  const O = window.BakeBotOverlay;
  const root = document.getElementById('overlays-page');
  if (!B || !O || !root) return;
  const topics = (document.body.dataset.topics || '').split(/\s+/).filter(Boolean);
  if (!topics.includes('ext')) document.body.dataset.topics = topics.concat('ext').join(' ');

  const message = document.getElementById('overlays-message');
  function tell(text, bad) {
    if (!message) return;
    message.textContent = text;
    message.className = 'overlays-message ' + (bad ? 'bad' : 'ok');
  }

  const previews = {};
  for (const card of root.querySelectorAll('.overlay-card')) {
    const name = card.dataset.overlay;
    const box = card.querySelector('.overlay-preview');
    if (!name || !box) continue;
    // The bot's clock when the page was made, for countdowns (see overlay.js).
    box.dataset.clockOffset = String(Number(root.dataset.clockOffsetBase) - Date.now() || 0);
    previews[name] = O.mount(box, card.dataset.layout || 'text');
    try {
      previews[name].state(JSON.parse(card.dataset.state || 'null'));
    } catch {
      /* no state to show */
    }
  }

  B.on('ext', (ev) => {
    if (!ev || ev.plugin !== 'overlays' || ev.event !== 'overlay' || !ev.data) return;
    const view = previews[ev.data.overlay];
    if (view) view.apply(ev.data.event);
  });

  root.addEventListener('click', async (ev) => {
    const button = ev.target instanceof window.HTMLElement ? ev.target.closest('button[data-name]') : null;
    if (!button) return;
    const name = button.dataset.name;
    button.disabled = true;
    try {
      if (button.classList.contains('overlay-test')) {
        await B.api('POST', '/api/overlays/test', { name });
        tell('Test sent to "' + name + '".');
      } else if (button.classList.contains('overlay-rotate')) {
        if (!window.confirm('Make a new key for "' + name + '"? The URL in OBS stops working until you paste the new one.')) return;
        const r = await B.api('POST', '/api/overlays/rotate', { name });
        const input = document.getElementById('ov-' + name + '-url');
        if (input) input.value = r.url || '';
        tell('New key for "' + name + '": paste the new URL into OBS.');
      }
    } catch (err) {
      tell(String(err.message || err), true);
    } finally {
      button.disabled = false;
    }
  });

  for (const input of root.querySelectorAll('.overlay-url')) input.addEventListener('focus', () => input.select());
})();
