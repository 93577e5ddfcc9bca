/* global window, document, CSS */
// The Shop page's catalog editor: one card per item (a <details>), each a form of labelled inputs; the
// effect's settings are rendered from the effect's params schema. Errors (the browser's or the server's
// `issues`) go beside the field they name, with a summary on top and focus on the first. Uses the
// dashboard's BakeBot helper; text from the server only ever goes in with textContent (B.el).
'use strict';
(function () {
  const B = window.BakeBot;
  const catalog = document.getElementById('shop-catalog');
  if (!B || !catalog) return;

  document.getElementById('shop-page').addEventListener('click', (ev) => {
    const button = ev.target instanceof window.HTMLElement ? ev.target.closest('button') : null;
    if (!button) return;
    if (button.id === 'shop-add') return addItem();
    if (button.id === 'shop-save') return save();
    if (button.id === 'shop-import') return importJson();
    if (button.classList.contains('shop-remove')) {
      const card = button.closest('.shop-card');
      if (!card) return;
      const next = card.nextElementSibling || card.previousElementSibling;
      card.remove();
      tellCatalog('Item removed: save the catalog to keep it so.', false);
      const focus = next ? next.querySelector('summary') : document.getElementById('shop-add');
      if (focus) focus.focus();
    }
  });

  function data(name, fallback) {
    try {
      return JSON.parse(catalog.dataset[name] || '');
    } catch {
      return fallback;
    }
  }
  const ITEM = (data('schema', {}) || {}).properties || {};
  const EFFECTS = data('effects', []);
  const ID_PATTERN = catalog.dataset.idPattern || '';
  const CURRENCY = catalog.dataset.currency || 'tokens';
  const ROLES = ITEM.roles && ITEM.roles.items && ITEM.roles.items.enum ? ITEM.roles.items.enum : ['everyone'];
  const LABELS = {
    id: 'Id', name: 'Name', category: 'Category', cost: 'Cost (' + CURRENCY + ')', description: 'Description', stock: 'Stock',
    perUserLimit: 'Per-viewer limit', cooldown: 'Cooldown (seconds)', maxPerPurchase: 'Most per buy', roles: 'Who may buy', enabled: 'On sale', effect: 'Effect', params: 'Effect settings',
  };
  const ID_HELP = 'Lower case letters, digits, _ and -; viewers can also buy by name.';
  let serial = 0;

  function tellCatalog(text, bad) {
    const status = document.getElementById('shop-catalog-status');
    if (!status) return;
    status.textContent = text;
    status.className = 'shop-message ' + (bad ? 'bad' : 'ok');
  }

  function helpOf(key) {
    return key === 'id' ? ID_HELP : (ITEM[key] || {}).description || '';
  }

  /** A labelled field: label, control, help and a (hidden) error, wired with aria-describedby. */
  function field(id, label, control, help, extraClass) {
    control.id = id;
    const helpEl = help ? B.el('p', { class: 'help', id: id + '-help' }, help) : null;
    const error = B.el('p', { class: 'field-error', id: id + '-error', hidden: 'hidden' });
    control.setAttribute('aria-describedby', (helpEl ? id + '-help ' : '') + id + '-error');
    if (control.type === 'checkbox') {
      return B.el('div', { class: 'field field-boolean' + (extraClass ? ' ' + extraClass : '') }, B.el('label', { class: 'check', for: id }, control, ' ' + label), helpEl, error);
    }
    return B.el('div', { class: 'field' + (extraClass ? ' ' + extraClass : '') }, B.el('label', { for: id }, label), control, helpEl, error);
  }

  function numberInput(key, value, node) {
    const attrs = { type: 'number', 'data-key': key, inputmode: node.type === 'integer' ? 'numeric' : 'decimal', step: node.type === 'integer' ? '1' : 'any' };
    if (node.minimum !== undefined) attrs.min = node.minimum;
    else if (node.exclusiveMinimum !== undefined && node.type === 'integer') attrs.min = node.exclusiveMinimum + 1;
    if (node.maximum !== undefined) attrs.max = node.maximum;
    const input = B.el('input', attrs);
    input.value = value === undefined || value === null ? '' : String(value);
    return input;
  }

  function textInput(attrs, value) {
    const input = B.el('input', Object.assign({ type: 'text' }, attrs));
    input.value = value === undefined || value === null ? '' : String(value);
    return input;
  }

  function summaryText(item) {
    const parts = [item.id || 'new item'];
    if (item.cost !== undefined && item.cost !== '') parts.push(B.fmtNumber(item.cost) + ' ' + CURRENCY);
    if (item.category) parts.push(item.category);
    if (item.effect) parts.push(item.effect);
    return parts.join(' · ');
  }

  /** The settings of one param of an effect (from its JSON schema): its input, and how to read it back. */
  function paramControl(base, key, node, value) {
    const t = Array.isArray(node.type) ? node.type.find((x) => x !== 'null') : node.type;
    let control;
    let kind = 'json';
    if (Array.isArray(node.enum) && node.enum.length) {
      kind = 'enum';
      control = B.el('select', {}, B.el('option', { value: '' }, '(not set)'), ...node.enum.map((v) => B.el('option', { value: String(v) }, String(v))));
      control.value = value === undefined ? '' : String(value);
    } else if (t === 'string' && key === 'message') {
      kind = 'string';
      control = B.el('textarea', { rows: 3, spellcheck: 'true', maxlength: node.maxLength });
      control.value = value === undefined ? '' : String(value);
    } else if (t === 'string') {
      kind = 'string';
      control = textInput({ maxlength: node.maxLength }, value);
    } else if (t === 'integer' || t === 'number') {
      kind = 'number';
      control = numberInput(key, value, node);
    } else if (t === 'boolean') {
      kind = 'boolean';
      control = B.el('input', { type: 'checkbox' });
      control.checked = value === undefined ? node.default === true : value === true;
    } else if (t === 'array' && node.items && node.items.type === 'string') {
      kind = 'list';
      control = B.el('textarea', { rows: 3, spellcheck: 'false' });
      control.value = Array.isArray(value) ? value.join('\n') : '';
    } else {
      control = B.el('textarea', { rows: 3, spellcheck: 'false', class: 'shop-json' });
      control.value = value === undefined ? '' : JSON.stringify(value, null, 2);
    }
    control.dataset.param = key;
    control.dataset.kind = kind;
    const label = node.title || key;
    let help = node.description || '';
    if (kind === 'list') help += ' One per line.';
    if (kind === 'json') help += ' As JSON.';
    if (node.default !== undefined && kind !== 'boolean') help += ' Default: ' + JSON.stringify(node.default) + '.';
    return field(base + '-p-' + key, label, control, help.trim(), 'shop-param');
  }

  /** The effect's settings: one input per property of its params schema, or the params as JSON without one. */
  function renderParams(card, params) {
    const box = card.querySelector('.shop-params');
    const select = card.querySelector('[data-key="effect"]');
    if (!box || !select) return;
    const effect = EFFECTS.find((e) => e.name === select.value);
    const schema = effect ? effect.paramsSchema : undefined;
    const base = card.dataset.base;
    const help = card.querySelector('.shop-effect-help');
    if (help) help.textContent = effect ? effect.description + (effect.provider !== 'shop' ? ' (from ' + effect.provider + ')' : '') : 'No plugin provides this effect right now: the item cannot be sold until one does.';
    const legend = B.el('legend', {}, LABELS.params);
    const error = B.el('p', { class: 'field-error', id: base + '-params-error', hidden: 'hidden' });
    const body = [];
    // What the form does not show (another effect's leftovers) is kept only where the schema allows it.
    card.shopExtra = {};
    if (schema && schema.type === 'object') {
      const props = schema.properties || {};
      for (const [key, node] of Object.entries(props)) body.push(paramControl(base, key, node, params[key]));
      if (schema.additionalProperties !== false) for (const [k, v] of Object.entries(params)) if (!(k in props)) card.shopExtra[k] = v;
      if (!Object.keys(props).length) body.push(B.el('p', { class: 'help' }, 'This effect has no settings.'));
    } else {
      const area = B.el('textarea', { rows: 4, spellcheck: 'false', class: 'shop-json', 'data-param': '*', 'data-kind': 'json' });
      area.value = JSON.stringify(params || {}, null, 2);
      body.push(field(base + '-params-json', 'Params (JSON)', area, 'This effect does not describe its settings: write them as JSON, e.g. {"message": "…"}.', 'shop-param'));
    }
    box.replaceChildren(legend, ...body, error);
    box.setAttribute('aria-describedby', base + '-params-error');
  }

  /** What the effect's inputs hold now, by param name (to carry over to another effect). */
  function typedParams(card) {
    try {
      return readParams(card, []);
    } catch {
      return {};
    }
  }

  function card(item, open) {
    const base = 'shop-i' + ++serial;
    const details = B.el('details', { class: 'shop-card' + (item.available === false ? ' shop-unavailable' : ''), 'data-id': item.id || '' });
    details.dataset.base = base;
    if (open) details.open = true;
    const state = item.id === undefined || item.available === undefined ? 'new' : item.available ? 'on sale' : item.unavailableReason || 'not for sale';
    const summary = B.el(
      'summary',
      {},
      B.el('span', { class: 'shop-card-name' }, item.name || 'New item'),
      B.el('span', { class: 'shop-card-meta' }, summaryText(item)),
      B.el('span', { class: 'shop-state' }, state + (item.remaining !== undefined ? ' · ' + item.remaining + ' left' : '')),
    );
    const textField = (key, extra) => field(base + '-' + key, LABELS[key], textInput(Object.assign({ 'data-key': key, maxlength: (ITEM[key] || {}).maxLength }, extra || {}), item[key]), helpOf(key));
    const numField = (key) => field(base + '-' + key, LABELS[key], numberInput(key, item[key], ITEM[key] || {}), helpOf(key));
    const roles = B.el(
      'fieldset',
      { class: 'field shop-roles', 'aria-describedby': base + '-roles-help ' + base + '-roles-error' },
      B.el('legend', {}, LABELS.roles),
      ...ROLES.map((r) => {
        const box = B.el('input', { type: 'checkbox', value: r, 'data-role': r });
        box.checked = (item.roles || ['everyone']).includes(r);
        return B.el('label', { class: 'check' }, box, ' ' + r);
      }),
      B.el('p', { class: 'help', id: base + '-roles-help' }, helpOf('roles')),
      B.el('p', { class: 'field-error', id: base + '-roles-error', hidden: 'hidden' }),
    );
    roles.id = base + '-roles';
    roles.dataset.key = 'roles';
    const enabled = B.el('input', { type: 'checkbox', 'data-key': 'enabled' });
    enabled.checked = item.enabled !== false;
    const select = B.el('select', { 'data-key': 'effect' }, ...EFFECTS.map((e) => B.el('option', { value: e.name }, e.name + (e.provider !== 'shop' ? ' (' + e.provider + ')' : ''))));
    if (item.effect && !EFFECTS.some((e) => e.name === item.effect)) select.append(B.el('option', { value: item.effect }, item.effect + ' (not provided now)'));
    select.value = item.effect || 'none';
    const effectField = field(base + '-effect', LABELS.effect, select, '');
    const effectHelp = effectField.querySelector('.field-error');
    effectField.insertBefore(B.el('p', { class: 'help shop-effect-help', id: base + '-effect-help' }), effectHelp);
    select.setAttribute('aria-describedby', base + '-effect-help ' + base + '-effect-error');
    const description = B.el('textarea', { rows: 2, 'data-key': 'description', maxlength: (ITEM.description || {}).maxLength });
    description.value = item.description || '';
    const body = B.el(
      'div',
      { class: 'shop-card-body' },
      B.el('div', { class: 'shop-grid' }, textField('id', { pattern: ID_PATTERN, required: 'required', autocapitalize: 'none', spellcheck: 'false' }), textField('name', { required: 'required' }), textField('category'), numField('cost')),
      field(base + '-description', LABELS.description, description, helpOf('description')),
      B.el('div', { class: 'shop-grid' }, numField('stock'), numField('perUserLimit'), numField('cooldown'), numField('maxPerPurchase')),
      roles,
      field(base + '-enabled', LABELS.enabled, enabled, helpOf('enabled') || 'Off: kept in the catalog, not sold.'),
      effectField,
      B.el('fieldset', { class: 'shop-params field', id: base + '-params', 'data-key': 'params' }),
      B.el('p', { class: 'actions' }, B.el('button', { type: 'button', class: 'danger shop-remove' }, 'Remove this item')),
    );
    details.append(summary, body);
    renderParams(details, item.params || {});
    select.addEventListener('change', () => renderParams(details, Object.assign({}, details.shopExtra, typedParams(details))));
    // The card's title follows its name and id.
    body.addEventListener('input', () => {
      const now = readBasics(details);
      summary.querySelector('.shop-card-name').textContent = now.name || 'New item';
      summary.querySelector('.shop-card-meta').textContent = summaryText(now);
    });
    return details;
  }

  function renderCatalog() {
    const items = data('items', []);
    catalog.replaceChildren(...items.map((i) => card(i, false)));
  }

  function addItem() {
    const c = card({ category: 'treats', effect: 'none', params: {}, enabled: true, roles: ['everyone'], maxPerPurchase: 10 }, true);
    c.classList.add('shop-new');
    catalog.append(c);
    const first = c.querySelector('[data-key="id"]');
    if (first) first.focus();
  }

  function value(cardEl, key) {
    const c = cardEl.querySelector('[data-key="' + key + '"]');
    if (!c) return undefined;
    return c.type === 'checkbox' ? c.checked : c.value.trim();
  }

  function readBasics(cardEl) {
    const num = (key) => {
      const s = value(cardEl, key);
      return s === '' || s === undefined ? undefined : Number(s);
    };
    return { id: value(cardEl, 'id'), name: value(cardEl, 'name'), category: value(cardEl, 'category'), cost: num('cost'), effect: value(cardEl, 'effect') };
  }

  /** Where a JSON.parse error is, as "line L, column C" (V8 reports a position, or the line itself). */
  function whereIn(text, err) {
    const m = /line (\d+) column (\d+)/.exec(err.message);
    if (m) return 'line ' + m[1] + ', column ' + m[2];
    const p = /position (\d+)/.exec(err.message);
    if (!p) return '';
    const before = text.slice(0, Number(p[1])).split('\n');
    return 'line ' + before.length + ', column ' + (before[before.length - 1].length + 1);
  }

  /** The effect's params from their inputs; a param that cannot be read is pushed onto `problems`. */
  function readParams(cardEl, problems) {
    const params = Object.assign({}, cardEl.shopExtra);
    for (const c of cardEl.querySelectorAll('.shop-params [data-param]')) {
      const key = c.dataset.param;
      const kind = c.dataset.kind;
      const raw = c.type === 'checkbox' ? c.checked : c.value.trim();
      if (kind === 'boolean') params[key] = raw;
      else if (raw === '') delete params[key];
      else if (kind === 'number') params[key] = Number(raw);
      else if (kind === 'list') params[key] = raw.split(/\r?\n/).map((x) => x.trim()).filter(Boolean);
      else if (kind === 'json') {
        try {
          const parsed = JSON.parse(raw);
          if (key === '*') {
            if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('must be an object, like {"message": "…"}');
            Object.assign(params, parsed);
          } else params[key] = parsed;
        } catch (err) {
          const where = err instanceof SyntaxError ? whereIn(raw, err) : '';
          problems.push({ control: c, text: (where ? 'is not valid JSON at ' + where : 'is not valid JSON') + ': ' + err.message });
        }
      } else params[key] = raw;
    }
    return params;
  }

  /** The catalog as the config wants it; numbers are sent as typed, for the schema to name a wrong one. */
  function collect() {
    const items = {};
    const problems = [];
    for (const c of document.querySelectorAll('#shop-catalog .shop-card')) {
      const b = readBasics(c);
      if (!b.id) {
        problems.push({ control: c.querySelector('[data-key="id"]'), text: 'is required' });
        continue;
      }
      if (ID_PATTERN && !new RegExp('^(?:' + ID_PATTERN + ')$').test(b.id)) problems.push({ control: c.querySelector('[data-key="id"]'), text: 'must be lower case letters, digits, _ and - (at most 32, starting with a letter or digit)' });
      if (items[b.id]) problems.push({ control: c.querySelector('[data-key="id"]'), text: '"' + b.id + '" is the id of another item too' });
      const item = { name: b.name, description: value(c, 'description'), cost: b.cost === undefined ? '' : b.cost, category: b.category || 'treats', effect: b.effect, params: readParams(c, problems), enabled: value(c, 'enabled') };
      for (const k of ['stock', 'perUserLimit', 'cooldown', 'maxPerPurchase']) {
        const s = value(c, k);
        if (s !== '' && s !== undefined) item[k] = Number(s);
      }
      item.roles = [...c.querySelectorAll('[data-role]')].filter((x) => x.checked).map((x) => x.value);
      items[b.id] = item;
    }
    return { items, problems };
  }

  function clearErrors() {
    for (const f of document.querySelectorAll('#shop-catalog .has-error')) f.classList.remove('has-error');
    for (const i of document.querySelectorAll('#shop-catalog [aria-invalid]')) i.removeAttribute('aria-invalid');
    for (const e of document.querySelectorAll('#shop-catalog .field-error')) {
      e.textContent = '';
      e.hidden = true;
    }
    const summary = document.getElementById('shop-catalog-errors');
    if (summary) {
      summary.hidden = true;
      summary.replaceChildren();
    }
  }

  /** The control an issue path names (`plugins.shop.items.<id>.<setting>[.<param>]`), in the card of that id. */
  function controlFor(path) {
    const m = /^plugins\.shop\.items\.([^.]+)(?:\.([^.]+))?(?:\.([^.]+))?/.exec(path || '');
    if (!m) return null;
    const c = [...document.querySelectorAll('#shop-catalog .shop-card')].find((x) => value(x, 'id') === m[1]);
    if (!c) return null;
    const key = m[2] || 'id';
    if (key === 'params') {
      if (m[3]) {
        const p = c.querySelector('.shop-params [data-param="' + CSS.escape(m[3]) + '"]');
        if (p) return p;
      }
      return c.querySelector('.shop-params [data-param="*"]') || c.querySelector('.shop-params');
    }
    return c.querySelector('[data-key="' + CSS.escape(key) + '"]') || c.querySelector('[data-key="id"]');
  }

  function labelOf(control) {
    const c = control.closest('.shop-card');
    const name = c ? value(c, 'name') || value(c, 'id') || 'New item' : '';
    let label;
    if (control.tagName === 'FIELDSET') label = control.querySelector('legend') ? control.querySelector('legend').textContent : '';
    else {
      const l = document.querySelector('label[for="' + CSS.escape(control.id) + '"]');
      label = l ? l.textContent.trim() : control.dataset.key || '';
    }
    return name + ' › ' + label;
  }

  /** Puts each problem beside its field, lists them on top, opens their cards and moves focus to the first. */
  function showProblems(problems, intro) {
    clearErrors();
    const summary = document.getElementById('shop-catalog-errors');
    const list = B.el('ul');
    let first = null;
    for (const p of problems) {
      if (p.control) {
        const c = p.control.closest('.shop-card');
        if (c) c.open = true;
        const fieldEl = p.control.tagName === 'FIELDSET' ? p.control : p.control.closest('.field');
        if (fieldEl) fieldEl.classList.add('has-error');
        if (p.control.tagName !== 'FIELDSET') p.control.setAttribute('aria-invalid', 'true');
        const errorId = p.control.tagName === 'FIELDSET' ? (p.control.id || '') + '-error' : p.control.id + '-error';
        const error = document.getElementById(errorId) || (fieldEl ? fieldEl.querySelector('.field-error') : null);
        const label = labelOf(p.control);
        if (error) {
          error.textContent = (error.textContent ? error.textContent + '; ' : '') + label.split(' › ')[1] + ' ' + p.text;
          error.hidden = false;
        }
        list.append(B.el('li', {}, B.el('a', { href: '#' + (p.control.id || '') }, label), ' ' + p.text));
        if (!first) first = p.control.tagName === 'FIELDSET' ? p.control.querySelector('input, select, textarea') || p.control : p.control;
      } else list.append(B.el('li', {}, p.text));
    }
    if (summary) {
      summary.replaceChildren(B.el('p', {}, B.el('strong', {}, 'Not saved. '), intro || 'The running catalog is unchanged; fix ' + (problems.length === 1 ? 'this' : 'these') + ' and save again:'), list);
      summary.hidden = false;
    }
    if (first) first.focus();
    else if (summary) summary.focus();
  }

  function importJson() {
    const area = document.getElementById('shop-import-text');
    const error = document.getElementById('shop-import-error');
    if (!area || !error) return;
    const text = area.value;
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      const where = whereIn(text, err);
      error.textContent = 'Not valid JSON' + (where ? ' at ' + where : '') + ': ' + err.message;
      error.hidden = false;
      area.setAttribute('aria-invalid', 'true');
      area.focus();
      return;
    }
    error.hidden = true;
    area.removeAttribute('aria-invalid');
    const items = parsed && typeof parsed === 'object' && parsed.items && typeof parsed.items === 'object' ? parsed.items : parsed;
    if (!items || typeof items !== 'object' || Array.isArray(items)) {
      error.textContent = 'The catalog is an object of items by id, like {"cookie": {"name": "Cookie", "cost": 10}}.';
      error.hidden = false;
      return;
    }
    return save(items);
  }

  async function save(imported) {
    const { items, problems } = imported ? { items: imported, problems: [] } : collect();
    if (problems.length) return showProblems(problems);
    const button = document.getElementById('shop-save');
    if (button) button.disabled = true;
    tellCatalog('Saving…', false);
    try {
      const res = await window.fetch('/api/shop/catalog', {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': B.csrf },
        body: JSON.stringify({ items }),
      });
      const answer = await res.json().catch(() => ({}));
      if (!res.ok) {
        // Errors have one shape, { error, code, details }: the catalog's problems are details.issues.
        const issues = answer.details && Array.isArray(answer.details.issues) ? answer.details.issues : [];
        tellCatalog('', false);
        showProblems(
          issues.length
            ? issues.map((i) => {
              const control = imported ? null : controlFor(i.path);
              return control ? { control, text: i.message } : { control: null, text: i.path + ': ' + i.message };
            })
            : [{ control: null, text: answer.error || 'HTTP ' + res.status }],
        );
        return;
      }
      clearErrors();
      tellCatalog('Saved. The shop restarts with the new catalog…', false);
      window.setTimeout(() => window.location.reload(), 400);
    } catch (err) {
      tellCatalog(err.message, true);
    } finally {
      if (button) button.disabled = false;
    }
  }

  renderCatalog();
})();
