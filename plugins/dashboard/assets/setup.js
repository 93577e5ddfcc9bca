/* global window */
// Setup wizard: while a device code waits for approval, ask the server every `interval` seconds.
'use strict';
(function () {
  const B = window.BakeBot;
  const status = window.document.getElementById('device-status');
  if (!status) return;
  let interval = Math.max(1, Number(status.dataset.interval) || 5);

  async function poll() {
    let r;
    try {
      r = await B.api('POST', status.dataset.poll || '/setup/poll');
    } catch (err) {
      status.textContent = 'Could not ask Twitch (' + err.message + '); retrying…';
      window.setTimeout(poll, interval * 1000);
      return;
    }
    if (r.state === 'approved') {
      status.textContent = 'Approved. Loading the next step…';
      window.location.assign('/setup#step-4');
      window.location.reload();
      return;
    }
    if (r.state === 'failed') {
      status.textContent = r.error || 'The login failed.';
      status.classList.add('error-text');
      return;
    }
    if (r.interval) interval = Math.max(1, Number(r.interval));
    status.textContent = 'Waiting for you to approve on Twitch…' + (r.error ? ' (' + r.error + ')' : '');
    window.setTimeout(poll, interval * 1000);
  }

  window.setTimeout(poll, interval * 1000);
})();
