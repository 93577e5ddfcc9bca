/* global window, document, HTMLElement */
// The Custom commands page: the command and timer forms (save, test), and the table buttons (edit, test,
// delete, post now). Uses the dashboard's BakeBot helper (API calls carry the CSRF token). Text from the
// server only ever goes in with textContent or a form value.
'use strict';
(function () {
  const B = window.BakeBot;
  const root = document.getElementById('commands-page');
  if (!B || !root) return;
  const prefix = root.dataset.prefix || '!';
  const message = document.getElementById('cc-message');
  const preview = document.getElementById('cc-preview');
  const unknown = document.getElementById('cc-unknown');
  const form = document.getElementById('cc-form');
  const timerForm = document.getElementById('tm-form');

  function tell(text, bad) {
    message.textContent = text;
    message.className = 'cc-message ' + (bad ? 'bad' : 'ok');
  }
  const enc = (s) => encodeURIComponent(String(s).trim().toLowerCase().replace(/^!/, ''));
  const num = (v) => (v === '' ? undefined : Number(v));

  function commandBody() {
    const f = form.elements;
    const body = {
      response: f.response.value,
      permission: f.permission.value,
      globalCooldown: num(f.globalCooldown.value) || 0,
      cost: num(f.cost.value) || 0,
      aliases: f.aliases.value.split(/[\s,]+/).map((a) => a.replace(/^!/, '').toLowerCase()).filter(Boolean),
      enabled: f.enabled.checked,
    };
    const cd = num(f.cooldown.value);
    if (cd !== undefined) body.cooldown = cd;
    return body;
  }

  async function render() {
    const text = form.elements.response.value;
    if (!text) {
      unknown.textContent = '';
      preview.textContent = '';
      return;
    }
    const r = await B.api('POST', '/api/commands/render', { text, login: 'viewer', args: '@friend hello' });
    unknown.textContent = r.unknownVariables.length ? 'Not variables, shown as written: ' + r.unknownVariables.join(' ') : '';
    return r;
  }

  let typing;
  form.elements.response.addEventListener('input', () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => render().catch((e) => tell(e.message, true)), 250);
  });

  document.getElementById('cc-try').addEventListener('click', async () => {
    try {
      const r = await render();
      if (r) preview.textContent = 'viewer: ' + prefix + (form.elements.name.value || 'command') + ' @friend hello → ' + r.text;
    } catch (e) {
      tell(e.message, true);
    }
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = form.elements.name.value;
    try {
      await B.api('PUT', '/api/commands/custom/' + enc(name), commandBody());
      tell('Saved ' + prefix + name.replace(/^!/, '') + '.');
      window.setTimeout(() => window.location.reload(), 400);
    } catch (e) {
      tell('Not saved: ' + e.message, true);
    }
  });

  timerForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = timerForm.elements;
    try {
      await B.api('PUT', '/api/commands/timers/' + enc(f.name.value), { message: f.message.value, minutes: Number(f.minutes.value), minLines: Number(f.minLines.value), enabled: f.enabled.checked });
      tell('Saved timer ' + f.name.value + '.');
      window.setTimeout(() => window.location.reload(), 400);
    } catch (e) {
      tell('Not saved: ' + e.message, true);
    }
  });

  root.addEventListener('click', async (ev) => {
    const button = ev.target instanceof HTMLElement ? ev.target.closest('button') : null;
    const row = button ? button.closest('tr[data-name]') : null;
    if (!button || !row) return;
    const name = row.dataset.name;
    try {
      if (button.classList.contains('cc-edit')) {
        const c = JSON.parse(row.dataset.command);
        const f = form.elements;
        f.name.value = c.name;
        f.response.value = c.response;
        f.permission.value = c.permission;
        f.cooldown.value = c.cooldown === undefined ? '' : c.cooldown;
        f.globalCooldown.value = c.globalCooldown;
        f.cost.value = c.cost;
        f.aliases.value = c.aliases.join(', ');
        f.enabled.checked = c.enabled;
        f.response.focus();
        await render();
      } else if (button.classList.contains('cc-test')) {
        const r = await B.api('POST', '/api/commands/custom/' + enc(name) + '/test', { login: 'viewer', args: '@friend hello' });
        tell('viewer: ' + prefix + name + ' @friend hello → ' + r.text);
      } else if (button.classList.contains('cc-delete')) {
        if (!window.confirm('Delete ' + prefix + name + '?')) return;
        await B.api('DELETE', '/api/commands/custom/' + enc(name));
        row.remove();
        tell('Deleted ' + prefix + name + '.');
      } else if (button.classList.contains('tm-edit')) {
        const t = JSON.parse(row.dataset.timer);
        const f = timerForm.elements;
        f.name.value = t.name;
        f.message.value = t.message;
        f.minutes.value = t.minutes;
        f.minLines.value = t.minLines;
        f.enabled.checked = t.enabled;
        f.message.focus();
      } else if (button.classList.contains('tm-test')) {
        await B.api('POST', '/api/commands/timers/' + enc(name) + '/test', {});
        tell('Timer ' + name + ' posted in chat.');
      } else if (button.classList.contains('tm-delete')) {
        if (!window.confirm('Delete timer ' + name + '?')) return;
        await B.api('DELETE', '/api/commands/timers/' + enc(name));
        row.remove();
        tell('Deleted timer ' + name + '.');
      }
    } catch (e) {
      tell(e.message, true);
    }
  });
})();
