/* global window, document, EventSource */
// Draws an overlay: on an OBS page (body[data-events]) it connects to the event stream and reconnects on
// its own; on the dashboard's Overlays page the same renderer draws the live previews
// (window.BakeBotOverlay.mount). Everything from the server goes in as text (textContent), never as HTML.
'use strict';
(function () {
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function pct(hp, max) {
    return Math.max(0, Math.min(100, (Number(hp) / Number(max)) * 100 || 0));
  }

  const renderers = {
    alerts(root) {
      const queue = [];
      let showing = false;
      let timers = [];
      function next() {
        const a = queue.shift();
        if (!a) {
          showing = false;
          return;
        }
        showing = true;
        root.textContent = '';
        const box = el('div', 'bb-alert bb-alert-' + String(a.kind || 'info').replace(/[^a-z0-9-]/gi, ''));
        box.append(el('div', 'bb-alert-title', a.title));
        if (a.user) box.append(el('div', 'bb-alert-user', a.user));
        if (a.text) box.append(el('div', 'bb-alert-text', a.text));
        root.append(box);
        window.requestAnimationFrame(() => box.classList.add('bb-show'));
        timers = [
          window.setTimeout(() => {
            box.classList.remove('bb-show');
            timers.push(
              window.setTimeout(() => {
                box.remove();
                next();
              }, 300),
            );
          }, Math.max(1000, Math.min(60000, Number(a.durationMs) || 6000))),
        ];
      }
      return {
        apply(e) {
          if (e.type === 'clear') {
            queue.length = 0;
            timers.forEach((h) => window.clearTimeout(h));
            showing = false;
            root.textContent = '';
            return;
          }
          queue.push(e);
          if (!showing) next();
        },
        state() {},
      };
    },

    game(root) {
      let timer;
      function draw(e) {
        window.clearInterval(timer);
        root.textContent = '';
        if (!e) return;
        const box = el('div', 'bb-card bb-game');
        if (e.title) box.append(el('div', 'bb-title', e.title));
        const status = el('div', 'bb-status', e.status || e.text || '');
        box.append(status);
        if (Array.isArray(e.lines) && e.lines.length) {
          const ul = el('ul', 'bb-lines');
          for (const l of e.lines) ul.append(el('li', '', l));
          box.append(ul);
        }
        if (e.endsAt) {
          const clock = el('div', 'bb-countdown');
          const tick = () => {
            const now = Date.now() + (Number(root.dataset.clockOffset) || 0);
            const s = Math.max(0, Math.ceil((Number(e.endsAt) - now) / 1000));
            clock.textContent = s + ' s';
            if (!s) window.clearInterval(timer);
          };
          tick();
          timer = window.setInterval(tick, 250);
          box.append(clock);
        }
        root.append(box);
      }
      let current;
      return {
        apply(e) {
          if (e.type === 'clear') current = undefined;
          else if (e.type === 'text') current = Object.assign({}, current || { title: e.title || '' }, { status: e.text, text: e.text });
          else current = e;
          draw(current);
        },
        state(s) {
          current = s || undefined;
          draw(current);
        },
      };
    },

    fight(root) {
      let current;
      function side(f, which, won) {
        const s = el('div', 'bb-fighter bb-' + which + (won ? ' bb-winner' : ''));
        s.append(el('div', 'bb-name', f.name));
        const bar = el('div', 'bb-hp');
        const fill = el('div', 'bb-hp-fill');
        const p = pct(f.hp, f.maxHp);
        fill.style.width = p + '%';
        if (p <= 25) fill.classList.add('bb-low');
        bar.append(fill);
        s.append(bar, el('div', 'bb-hp-text', Math.max(0, Math.round(f.hp)) + ' / ' + f.maxHp + ' HP'));
        return s;
      }
      function draw() {
        root.textContent = '';
        if (!current || !current.left) return;
        const box = el('div', 'bb-card bb-fight');
        const row = el('div', 'bb-fighters');
        row.append(side(current.left, 'left', current.winner === 'left'), el('div', 'bb-vs', 'VS'), side(current.right, 'right', current.winner === 'right'));
        box.append(row);
        if (current.text) box.append(el('div', 'bb-status', current.text));
        root.append(box);
      }
      return {
        apply(e) {
          if (e.type === 'clear') current = undefined;
          else if (e.type === 'text') current = current ? Object.assign({}, current, { text: e.text }) : undefined;
          else current = e;
          draw();
        },
        state(s) {
          current = s && s.type === 'fight' ? s : undefined;
          draw();
        },
      };
    },

    leaderboard(root) {
      function draw(e) {
        root.textContent = '';
        if (!e || !Array.isArray(e.rows)) return;
        const box = el('div', 'bb-card bb-leaderboard');
        box.append(el('div', 'bb-title', e.title || 'Leaderboard'));
        const ol = el('ol', 'bb-rows');
        for (const r of e.rows) {
          const li = el('li', 'bb-row');
          li.append(el('span', 'bb-rank', '#' + r.rank), el('span', 'bb-name', r.name), el('span', 'bb-value', r.value));
          ol.append(li);
        }
        box.append(ol);
        root.append(box);
      }
      return { apply: (e) => draw(e.type === 'clear' ? undefined : e), state: (s) => draw(s) };
    },

    list(root) {
      let current;
      const max = () => Number(root.dataset.listSize) || 5;
      function draw(fresh) {
        root.textContent = '';
        if (!current || !current.items.length) return;
        const box = el('div', 'bb-card bb-list');
        if (current.title) box.append(el('div', 'bb-title', current.title));
        const ul = el('ul', 'bb-items');
        current.items.forEach((i, n) => {
          const li = el('li', 'bb-item' + (fresh && n === 0 ? ' bb-new' : ''));
          li.append(el('span', 'bb-item-text', i.text));
          if (i.detail) li.append(el('span', 'bb-item-detail', i.detail));
          ul.append(li);
        });
        box.append(ul);
        root.append(box);
      }
      return {
        apply(e) {
          if (e.type === 'clear') current = undefined;
          else if (e.type === 'list') current = { title: e.title, items: e.items.slice(0, max()) };
          else {
            const item = { text: e.text, detail: e.detail, at: e.at };
            current = { title: current && current.title, items: [item].concat(current ? current.items : []).slice(0, max()) };
          }
          draw(e.type === 'item');
        },
        state(s) {
          current = s && s.type === 'list' ? { title: s.title, items: s.items } : undefined;
          draw(false);
        },
      };
    },

    text(root) {
      function draw(e) {
        root.textContent = '';
        if (!e) return;
        const box = el('div', 'bb-card bb-text');
        if (e.title) box.append(el('div', 'bb-title', e.title));
        box.append(el('div', 'bb-status', e.text));
        root.append(box);
      }
      return { apply: (e) => draw(e.type === 'clear' ? undefined : e), state: (s) => draw(s) };
    },
  };

  /** Makes `root` draw an overlay of `layout`; returns { apply(event), state(snapshot) }. */
  function mount(root, layout) {
    root.classList.add('bb-overlay', 'bb-layout-' + layout);
    return (renderers[layout] || renderers.text)(root);
  }

  function connect(root, view, url) {
    let es;
    let retry;
    const open = () => {
      es = new EventSource(url);
      es.addEventListener('state', (m) => {
        try {
          const first = JSON.parse(m.data);
          if (first.listSize) root.dataset.listSize = String(first.listSize);
          if (Number.isFinite(first.now)) root.dataset.clockOffset = String(first.now - Date.now());
          view.state(first.state);
        } catch {
          /* a broken frame: wait for the next */
        }
      });
      es.addEventListener('overlay', (m) => {
        let e;
        try {
          e = JSON.parse(m.data);
        } catch {
          return;
        }
        view.apply(e);
        document.body.dataset.lastEvent = String(Date.now());
      });
      es.addEventListener('open', () => document.body.classList.add('bb-live'));
      es.addEventListener('error', () => {
        document.body.classList.remove('bb-live');
        // EventSource retries by itself after a dropped stream, but gives up for good after an error answer
        // (a restart in progress, a rotated key): then start over, gently.
        if (es.readyState === 2) {
          window.clearTimeout(retry);
          retry = window.setTimeout(open, 3000);
        }
      });
    };
    open();
  }

  window.BakeBotOverlay = { mount };

  document.addEventListener('DOMContentLoaded', () => {
    const body = document.body;
    const root = document.getElementById('bb-overlay');
    if (!body.dataset.events || !root) return;
    connect(root, mount(root, body.dataset.layout || 'text'), body.dataset.events);
  });
})();
