// The dashboard's pure pieces: the settings form generated from a JSON schema, escaping, host checks,
// password hashing and redirect targets; and the pieces of a hand-over (the listener, what is inherited).
import http from 'node:http';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createRegistry } from '../../../core/registry.ts';
import type { Logger } from '../../../core/types.ts';
import { hashPassword, verifyPassword } from '../server/auth.ts';
import { adopt, handOff, HANDOVER_KIND } from '../server/carry.ts';
import { listen } from '../server/listener.ts';
import { RecordedRouter, type Buildable } from '../server/route-specs.ts';
import { ExtensionRegistry } from '../server/extensions.ts';
import { allowedHostNames, hostNameOf } from '../server/guards.ts';
import { escapeHtml, html } from '../server/render.ts';
import { fieldsFor, formFor, isGroup, issuesByField, kindOf, readForm, type FormGroup, type SchemaNode } from '../server/schema-form.ts';
import { safeNext } from '../server/routes/login.ts';
import { eventually } from '../../../test/support/kit.ts';
import { accepts } from './helpers.ts';

const SCHEMA: SchemaNode = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean' },
    name: { type: 'string', default: 'Bake', description: 'Shown in chat.' },
    secret: { type: 'string' },
    count: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
    ratio: { type: 'number', default: 0.5 },
    on: { type: 'boolean', default: true },
    level: { type: 'string', enum: ['low', 'high'], default: 'low' },
    channels: { type: 'array', items: { type: 'string' }, default: [] },
    roles: { type: 'array', items: { type: 'string', enum: ['vip', 'moderator'] } },
    items: { type: 'object', default: { a: 1 } },
  },
};

describe('dashboard: settings form from a JSON schema', () => {
  it('gives each type its input, with help, range and default', () => {
    const fields = fieldsFor('demo', SCHEMA, { name: 'Crumb', secret: 'hunter2', count: 4, on: false, channels: ['a', 'b'], roles: ['vip'] });
    expect(fields.map((f) => [f.name, f.kind])).to.deep.equal([
      ['name', 'string'], ['secret', 'secret'], ['count', 'integer'], ['ratio', 'number'], ['on', 'boolean'],
      ['level', 'enum'], ['channels', 'list'], ['roles', 'choices'], ['items', 'json'],
    ]);
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(byName.name).to.include({ value: 'Crumb', help: 'Shown in chat.', defaultText: 'Bake', label: 'Name', id: 'f-demo-name' });
    expect(byName.secret?.value).to.equal('');
    expect(byName.count).to.include({ value: '4', min: 1, max: 10, step: '1' });
    expect(byName.on?.checked).to.equal(false);
    expect(byName.level?.options.map((o) => [o.value, o.selected])).to.deep.equal([['low', true], ['high', false]]);
    expect(byName.channels?.value).to.equal('a\nb');
    expect(byName.roles?.options.filter((o) => o.selected).map((o) => o.value)).to.deep.equal(['vip']);
    expect(byName.items?.defaultText).to.equal('{"a":1}');
  });

  it('reads a submitted form back into typed values; blanks mean the default, a blank secret keeps it', () => {
    const { values, errors } = readForm(SCHEMA, { name: '', secret: '', count: '7', ratio: 'x', level: 'high', channels: 'one\r\ntwo, three\n', roles: ['vip', 'moderator'], items: '{"b":2}' }, { secret: 'hunter2' });
    expect(errors).to.deep.equal({ ratio: 'must be a number' });
    expect(values).to.deep.equal({ secret: 'hunter2', count: 7, on: false, level: 'high', channels: ['one', 'two', 'three'], roles: ['vip', 'moderator'], items: { b: 2 } });
    expect(readForm(SCHEMA, { on: 'true', items: '{' }, {}).errors).to.deep.equal({ items: 'is not valid JSON' });
  });

  it('puts the host\'s issues beside their fields', () => {
    const { fields, other } = issuesByField('demo', [
      { file: 'settings', path: 'plugins.demo.count', message: 'must be integer <= 10' },
      { file: 'settings', path: 'plugins.demo.channels.1', message: 'does not look right' },
      { file: 'settings', path: 'plugins.other.x', message: 'odd' },
    ]);
    expect(fields).to.deep.equal({ count: 'must be integer <= 10', channels: '1: does not look right' });
    expect(other).to.deep.equal(['plugins.other.x: odd']);
  });

  it('groups a nested object under its title, with dotted names, and reads it back', () => {
    const NESTED: SchemaNode = {
      type: 'object',
      properties: {
        enabled: { type: 'boolean' },
        rate: { type: 'integer', title: 'Messages per minute' },
        raid: {
          type: 'object',
          title: 'Raids',
          description: 'An incoming raid.',
          required: ['tokens'],
          properties: { tokens: { type: 'integer', title: 'Tokens', minimum: 0 }, say: { type: 'string', title: 'Chat line' }, enabled: { type: 'boolean', title: 'On' }, deeper: { type: 'object', properties: { x: { type: 'number' } } } },
        },
      },
    };
    const items = formFor('demo', NESTED, { rate: 5, raid: { tokens: 3, keep: 'me' } }, { errors: { 'raid.tokens': 'must be integer >= 0', raid: 'must have required property tokens' } });
    expect(items.map((i) => (isGroup(i) ? `group ${i.name}` : i.name))).to.deep.equal(['rate', 'group raid']);
    expect(items[0]).to.include({ label: 'Messages per minute' });
    const raid = items[1] as FormGroup;
    expect(raid).to.include({ legend: 'Raids', help: 'An incoming raid.', id: 'f-demo-raid', error: 'must have required property tokens' });
    expect(raid.items.map((i) => (isGroup(i) ? `group ${i.name}` : `${i.name} ${i.label}`))).to.deep.equal(['raid.tokens Tokens', 'raid.say Chat line', 'raid.enabled On', 'group raid.deeper']);
    expect(raid.items[0]).to.include({ id: 'f-demo-raid-tokens', value: '3', error: 'must be integer >= 0', context: 'Raids' });
    expect(fieldsFor('demo', NESTED, {}).find((f) => f.name === 'raid.deeper.x')?.context).to.equal('Raids › Deeper');
    expect(fieldsFor('demo', NESTED, {}).map((f) => f.name)).to.deep.equal(['rate', 'raid.tokens', 'raid.say', 'raid.enabled', 'raid.deeper.x']);

    const { values, errors } = readForm(NESTED, { rate: '6', 'raid.tokens': '4', 'raid.say': '', 'raid.enabled': 'true', 'raid.deeper.x': 'y' }, { raid: { keep: 'me' } });
    expect(errors).to.deep.equal({ 'raid.deeper.x': 'must be a number' });
    // An optional text left empty inside a group is not set; keys the form does not show are kept.
    expect(values).to.deep.equal({ rate: 6, raid: { keep: 'me', tokens: 4, enabled: true } });
    // The body parser's nested form of dotted names reads the same.
    expect(readForm(NESTED, { rate: '6', raid: { tokens: '4', say: '', enabled: 'true', deeper: { x: 'y' } } }, { raid: { keep: 'me' } })).to.deep.equal({ values, errors });
    // A group nobody filled that was not set stays unset.
    expect(readForm(NESTED, { rate: '1' }, {}).values).to.deep.equal({ rate: 1, raid: { enabled: false } });

    const { fields, other } = issuesByField('demo', [
      { file: 'settings', path: 'plugins.demo.raid.tokens', message: 'must be integer >= 0' },
      { file: 'settings', path: 'plugins.demo.raid', message: 'must NOT have additional properties' },
      { file: 'settings', path: 'plugins.demo.raid.deeper.x', message: 'must be number' },
    ], NESTED);
    expect(fields).to.deep.equal({ 'raid.tokens': 'must be integer >= 0', raid: 'must NOT have additional properties', 'raid.deeper.x': 'must be number' });
    expect(other).to.deep.equal([]);
  });

  it('treats fields named like secrets as secrets', () => {
    expect(kindOf('apiToken', { type: 'string' })).to.equal('secret');
    expect(kindOf('x', { type: 'string', writeOnly: true })).to.equal('secret');
    expect(kindOf('title', { type: 'string' })).to.equal('string');
  });
});

describe('dashboard: escaping, hosts, passwords, redirects', () => {
  it('escapes interpolated values in dashboard.html and keeps SafeHtml as it is', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"x" & \'y\''}">${inner}${['<a>', html`<br>`]}${null}${0}</p>`.__safeHtml).to.equal(
      '<p title="&quot;x&quot; &amp; &#39;y&#39;"><b>&lt;i&gt;</b>&lt;a&gt;<br>0</p>',
    );
    expect(escapeHtml('<img src=x onerror=alert(1)>')).to.equal('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('knows which Host headers to answer', () => {
    const allowed = allowedHostNames('0.0.0.0', ['Bakebot.LAN', '::1', 'fe80::1']);
    expect([...allowed].sort()).to.deep.equal(['127.0.0.1', '[::1]', '[fe80::1]', 'bakebot.lan', 'localhost']);
    expect(hostNameOf('LOCALHOST:5000')).to.equal('localhost');
    expect(hostNameOf('[::1]:5000')).to.equal('[::1]');
    expect(hostNameOf('evil.example/path')).to.equal(undefined);
    expect(hostNameOf('user@127.0.0.1')).to.equal(undefined);
    expect(hostNameOf('http://127.0.0.1:5000', true)).to.equal('127.0.0.1');
    expect(allowedHostNames('192.168.1.5', []).has('192.168.1.5')).to.equal(true);
  });

  it('hashes passwords with scrypt and a salt', async () => {
    const a = await hashPassword('bread and butter');
    const b = await hashPassword('bread and butter');
    expect(a).to.match(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.to.equal(b);
    expect(await verifyPassword('bread and butter', a)).to.equal(true);
    expect(await verifyPassword('bread and jam', a)).to.equal(false);
    expect(await verifyPassword('x', 'plain')).to.equal(false);
  });

  it('redirects after login only to paths of the dashboard', () => {
    expect(safeNext('/plugins#plugin-quotes')).to.equal('/plugins#plugin-quotes');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '/login', '', undefined, ['/x']]) {
      expect(safeNext(bad), String(bad)).to.equal('/');
    }
  });
});

function get(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject);
  });
}

function quietLog(lines: string[] = []): Logger {
  const log: Logger = {
    debug: (m) => void lines.push(m),
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(m),
    error: (m) => void lines.push(m),
    child: () => log,
    terminalOnly: (m) => void lines.push(m),
  };
  return log;
}

describe('dashboard: hand-over pieces', () => {
  it('a detached listener holds requests for the next handler, and closes itself when none comes', async () => {
    const l = await listen('127.0.0.1', 0, 300);
    try {
      l.attach((_req, res) => res.end('one'));
      expect((await get(l.url)).text).to.equal('one');
      l.detach();
      const waiting = get(l.url);
      await new Promise((r) => setTimeout(r, 50)); // wall-clock on purpose: the request waits with no handler
      l.attach((_req, res) => res.end('two'));
      expect((await waiting).text).to.equal('two');
      l.detach();
      const refused = await get(l.url);
      expect(refused.status).to.equal(503);
      await eventually(() => l.closed, { what: 'the listener to close itself' });
      await eventually(async () => !(await accepts(l.url)), { what: 'the port to be free' });
      expect(() => l.attach(() => undefined)).to.throw(/closed/);
    } finally {
      await l.close();
    }
  });

  it('adopts what it can use of a hand-over and releases the rest', async () => {
    const lines: string[] = [];
    expect(adopt(undefined, quietLog(lines))).to.deep.equal({});
    expect(lines).to.deep.equal([]);

    // A shape it does not know (an older version): started fresh, what it held is released.
    let closed = 0;
    const stream = new PassThrough();
    expect(adopt({ parked: 'x', listener: { close: () => void closed++ }, clients: new Set([{ stream }]) }, quietLog(lines))).to.deep.equal({ unreadable: true });
    expect(closed).to.equal(1);
    expect(stream.writableEnded).to.equal(true);
    expect(lines.join(' ')).to.match(/does not read: starting fresh/);

    // Its own kind: a live listener, open streams, valid transcript entries and wizard states are kept.
    const l = await listen('127.0.0.1', 0);
    try {
      const open = { stream: new PassThrough(), topics: new Set(['transcript']) };
      const done = { stream: new PassThrough(), topics: new Set(['status']) };
      done.stream.end();
      const carried = handOff({
        listener: l,
        clients: new Set([open, done]),
        transcript: { entries: [{ seq: 1, kind: 'viewer', login: 'a', text: 'hi', at: 1 }, { seq: 2, kind: 'robot', text: 'x', at: 2 } as never], seq: 2 },
        wizard: new Map([['w1', { clientId: 'abc', updatedAt: 5 }], ['w2', { updatedAt: 'soon' } as never]]),
      });
      expect(carried).to.include({ kind: HANDOVER_KIND, version: 3 });
      const got = adopt(carried, quietLog());
      expect(got.listener).to.equal(l);
      expect([...(got.clients ?? [])]).to.deep.equal([open]);
      expect(got.transcript).to.deep.equal({ entries: [{ seq: 1, kind: 'viewer', login: 'a', text: 'hi', at: 1 }], seq: 2 });
      expect([...(got.wizard ?? new Map()).keys()]).to.deep.equal(['w1']);
      // A closed listener is left out (the next generation listens anew).
      await l.close();
      expect(adopt(carried, quietLog()).listener).to.equal(undefined);
    } finally {
      await l.close();
    }
  });
});

describe('dashboard: the extension registry', () => {
  // What the dashboard's ctx gives the registry: core's owner-scoped registries, and a host that grants all.
  const registryHost = () => ({ registry: createRegistry, host: { requireCapability: () => undefined } });
  const owner = (name: string) => {
    const disposers: (() => void)[] = [];
    return { name, onDispose: (fn: () => void) => void disposers.push(fn), unload: () => disposers.splice(0).reverse().forEach((fn) => fn()) };
  };

  it('matches pages with :name segments after fixed paths, and keeps one owner per id', () => {
    const registry = new ExtensionRegistry(registryHost());
    const eco = owner('economy');
    const render = () => 'x';
    registry.addPage(eco, { path: '/users', title: 'Users', render });
    registry.addPage(eco, { path: '/users/:login', title: 'Viewer', render });
    expect(registry.page('/users')?.params).to.deep.equal({});
    expect(registry.page('/users/b%C3%A4cker')).to.include({ owner: 'economy' }).and.have.deep.property('params', { login: 'bäcker' });
    expect(registry.page('/users/a/export')).to.equal(undefined);
    expect(registry.nav().map((n) => n.item.href)).to.deep.equal(['/users']);
    expect(() => registry.addPage(owner('other'), { path: '/users/:name', title: 'Other', render })).to.throw(/already used by plugin economy/);
    registry.addChart(eco, { id: 'circulation', title: 'T', kind: 'line', data: () => ({ labels: [], values: [] }) });
    expect(() => registry.addChart(owner('other'), { id: 'circulation', title: 'T', kind: 'bar', data: () => ({ labels: [], values: [] }) })).to.throw(/already used/);
    const chat = owner('chatlog');
    registry.provideChatHistory(chat, { query: async () => [] });
    expect(() => registry.provideChatHistory(owner('other'), { query: async () => [] })).to.throw(/already provided by plugin chatlog/);
    chat.unload();
    expect(registry.chatHistory()).to.equal(undefined);
    eco.unload();
    expect([registry.page('/users'), registry.page('/users/alice'), registry.charts().length]).to.deep.equal([undefined, undefined, 0]);
  });

  it('lists the routes given as data or as a router, and refuses a route it cannot serve', () => {
    const registry = new ExtensionRegistry(registryHost());
    const p = owner('shop');
    registry.addApi(p, [{ method: 'GET', path: '/api/shop', handler: () => ({}) }, { method: 'POST', path: '/api/shop/:id', bodySchema: { type: 'object' }, handler: () => ({}) }]);
    expect(registry.apiRoutes()).to.deep.equal([{ method: 'GET', path: '/api/shop', owner: 'shop' }, { method: 'POST', path: '/api/shop/:id', owner: 'shop' }]);
    expect(() => registry.addApi(p, { method: 'TRACE' as 'GET', path: '/api/x', handler: () => ({}) })).to.throw(/method is one of/);
    // Routes given as data are built into a router by the web server, once, when a request first needs them.
    const built: string[] = [];
    const compile = (what: Buildable, owner: string) => {
      built.push(`${owner}:${('specs' in what ? what.specs : what.recorded).map((r) => r.path).join(',')}`);
      return async () => undefined;
    };
    const first = registry.api(compile).map((e) => e.item);
    expect(registry.api(compile).map((e) => e.item)).to.deep.equal(first);
    expect(built).to.deep.equal(['shop:/api/shop,/api/shop/:id']);
    // dashboard.router(): @koa/router's methods, listed at once and built with the rest.
    const games = owner('minigames');
    registry.addApi(games, new RecordedRouter().get('/api/games', async () => undefined).post('/api/games/start', async () => undefined));
    expect(registry.apiRoutes().filter((r) => r.owner === 'minigames')).to.deep.equal([{ method: 'GET', path: '/api/games', owner: 'minigames' }, { method: 'POST', path: '/api/games/start', owner: 'minigames' }]);
    registry.api(compile);
    expect(built).to.deep.equal(['shop:/api/shop,/api/shop/:id', 'minigames:/api/games,/api/games/start']);
    expect(() => new RecordedRouter().get('api/x', async () => undefined)).to.throw(/starts with one \//);
    const late = new RecordedRouter().get('/api/late', async () => undefined);
    registry.addApi(games, late);
    expect(() => late.post('/api/late/more', async () => undefined)).to.throw(/after the router was given to addApi/);
    games.unload();
    p.unload();
    expect(registry.apiRoutes()).to.deep.equal([]);
  });
});
