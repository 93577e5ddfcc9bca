/* global document, window, EventSource, fetch, CSS, HTMLFormElement */
// Shared by every page: the API helper (with the CSRF token), one server-sent event stream per page, and
// live updates of the header status and of plugin states. Text from the server is always set with
// textContent: chat messages and names are hostile input.
'use strict';
(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.getAttribute('content') || '' : '';
  const handlers = {};

  function on(topic, fn) {
    (handlers[topic] = handlers[topic] || []).push(fn);
  }

  async function api(method, url, body) {
    const res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new Error((data && data.error) || 'HTTP ' + res.status);
    return data;
  }

  /** el('li', { class: 'x', 'data-id': 1 }, 'text', child) — strings become text nodes, never HTML. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = String(v);
      else e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  // One date and number format for every page: the browser's language and time zone, with relative times.
  const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const numFmt = new Intl.NumberFormat();
  const relFmt = typeof Intl.RelativeTimeFormat === 'function' ? new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }) : null;

  function fmtNumber(n) {
    const v = Number(n);
    return Number.isFinite(v) ? numFmt.format(v) : String(n);
  }

  function fmtRelative(ms, now) {
    const diff = (Number(ms) - (now || Date.now())) / 1000;
    if (!relFmt) return '';
    const abs = Math.abs(diff);
    if (abs < 45) return relFmt.format(Math.round(diff), 'second');
    if (abs < 2700) return relFmt.format(Math.round(diff / 60), 'minute');
    if (abs < 79200) return relFmt.format(Math.round(diff / 3600), 'hour');
    return relFmt.format(Math.round(diff / 86400), 'day');
  }

  /** A moment in the viewer's time zone, with how long ago: "6 Dec 2026, 09:14 (3 minutes ago)". */
  function fmtTime(ms) {
    const n = Number(ms);
    if (!Number.isFinite(n) || n <= 0) return '—';
    const rel = fmtRelative(n);
    return dateFmt.format(new Date(n)) + (rel ? ' (' + rel + ')' : '');
  }

  /** Every <time datetime> the server printed, in local time with a relative part (kept fresh). */
  function localizeTimes(root) {
    for (const t of (root || document).querySelectorAll('time[datetime]')) {
      const ms = Date.parse(t.getAttribute('datetime') || '');
      if (!Number.isFinite(ms)) continue;
      if (!t.title) t.title = new Date(ms).toISOString();
      t.textContent = fmtTime(ms);
    }
  }

  // Forms the server sent back refused: focus goes to the first field in error (the summary says the rest),
  // and a field's error goes away as soon as it is edited.
  function focusFirstError() {
    const summary = document.querySelector('[data-error-summary]');
    if (!summary) return;
    const form = summary.closest('form');
    const first = form ? form.querySelector('[aria-invalid="true"]') : null;
    (first || summary).focus();
  }
  document.addEventListener('input', (ev) => {
    const field = ev.target instanceof window.Element ? ev.target.closest('.field.has-error') : null;
    if (!field) return;
    field.classList.remove('has-error');
    for (const i of field.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
    for (const e of field.querySelectorAll('.field-error')) e.hidden = true;
  });

  // The phone's collapsible navigation.
  function navToggle() {
    const button = document.getElementById('nav-toggle');
    const nav = document.getElementById('main-nav');
    if (!button || !nav) return;
    document.body.classList.add('nav-collapsible');
    button.hidden = false;
    button.addEventListener('click', () => {
      const open = button.getAttribute('aria-expanded') !== 'true';
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
      nav.classList.toggle('open', open);
    });
  }

  // Dark mode follows the system unless the toggle chose (kept in this browser only).
  function themeToggle() {
    const button = document.getElementById('theme-toggle');
    if (!button) return;
    button.hidden = false;
    const dark = () => {
      const chosen = document.documentElement.dataset.theme;
      return chosen ? chosen === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
    };
    const show = () => {
      button.setAttribute('aria-pressed', dark() ? 'true' : 'false');
      button.textContent = dark() ? 'Light mode' : 'Dark mode';
    };
    button.addEventListener('click', () => {
      const next = dark() ? 'light' : 'dark';
      document.documentElement.dataset.theme = next;
      try {
        window.localStorage.setItem('bakebot-theme', next);
      } catch {
        // private mode: the choice lasts for this page
      }
      show();
    });
    show();
  }

  function fmtDuration(seconds) {
    let s = Math.max(0, Math.floor(Number(seconds) || 0));
    const d = Math.floor(s / 86400);
    s -= d * 86400;
    const h = Math.floor(s / 3600);
    s -= h * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    if (d) return d + ' d ' + h + ' h';
    if (h) return h + ' h ' + m + ' min';
    if (m) return m + ' min ' + s + ' s';
    return s + ' s';
  }

  function setText(id, text) {
    const e = document.getElementById(id);
    if (e) e.textContent = text;
    return e;
  }

  on('status', (s) => {
    const badge = document.getElementById('status-badge');
    if (badge) {
      badge.textContent = s.label;
      badge.className = 'badge tone-' + s.tone;
      badge.title = s.detail || '';
    }
  });

  // Plugin states wherever they are shown (Dashboard and Plugins pages).
  on('plugins', (plugins) => {
    for (const p of plugins) {
      for (const b of document.querySelectorAll('[data-state-of="' + CSS.escape(p.name) + '"]')) {
        b.textContent = p.state;
        b.className = 'badge state-' + p.state;
      }
      for (const e of document.querySelectorAll('[data-error-of="' + CSS.escape(p.name) + '"]')) {
        e.textContent = p.error || '';
        e.hidden = !p.error;
      }
      for (const sw of document.querySelectorAll('button.switch[data-plugin="' + CSS.escape(p.name) + '"]')) {
        sw.setAttribute('aria-checked', p.wanted ? 'true' : 'false');
        sw.setAttribute('aria-label', p.name + (p.wanted ? ' on' : ' off'));
        sw.classList.toggle('on', p.wanted);
        const t = sw.querySelector('.switch-text');
        if (t) t.textContent = p.wanted ? 'On' : 'Off';
        if (sw.form) sw.form.setAttribute('action', '/plugins/' + encodeURIComponent(p.name) + '/' + (p.wanted ? 'disable' : 'enable'));
      }
    }
  });

  // Forms that ask first (no inline handlers: the CSP forbids them).
  document.addEventListener('submit', (ev) => {
    const form = ev.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) ev.preventDefault();
  });

  function connect() {
    const topics = (document.body.dataset.topics || '').split(/\s+/).filter(Boolean);
    if (!topics.length || typeof EventSource === 'undefined') return;
    const es = new EventSource('/events?topics=' + encodeURIComponent(topics.join(',')));
    for (const t of topics) {
      es.addEventListener(t, (ev) => {
        let data;
        try {
          data = JSON.parse(ev.data);
        } catch {
          return;
        }
        for (const fn of handlers[t] || []) {
          try {
            fn(data);
          } catch (err) {
            window.console.error(err);
          }
        }
      });
    }
    es.addEventListener('open', () => document.body.classList.add('live'));
    es.addEventListener('error', () => document.body.classList.remove('live'));
  }

  window.BakeBot = { on, api, el, csrf, fmtTime, fmtDuration, fmtNumber, fmtRelative, localizeTimes, setText };
  // Page scripts load after this one (defer keeps order) and register their handlers first.
  document.addEventListener('DOMContentLoaded', connect);
  document.addEventListener('DOMContentLoaded', () => {
    localizeTimes();
    window.setInterval(() => localizeTimes(), 30000);
    focusFirstError();
    navToggle();
    themeToggle();
  });
})();
