// The dashboard over plain HTTP: the JSON API (status codes, `{ error }` bodies, schema validation), the
// login and token checks, Host/Origin/CSRF refusals, the extension point, and hot reload.
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { eventually, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { SECRETS_FILE } from '../server/secrets.ts';
import { accepts, api, Client, FAKE_GRANT, openEvents, startFakeTwitchAuth, type FakeTwitchAuth } from './helpers.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const TOKEN = 'test-api-token-0123456789';

/** Rows of the dashboard's own secrets file (not the bot database). */
async function secretRows<T>(t: TestBot, sql: string): Promise<T[]> {
  const db = await open({ filename: path.join(t.dir, 'data', SECRETS_FILE), driver: sqlite3.Database });
  try {
    return await db.all<T[]>(sql);
  } finally {
    await db.close();
  }
}

describe('dashboard: HTTP and JSON API', function () {
  let t: TestBot;
  let url: string;
  let port: string;
  let A: ReturnType<typeof api>;

  before(async () => {
    t = await startTestBot({
      plugins: ['dashboard', 'quotes', 'chatlog'],
      pluginPaths: [FIXTURES],
      // The fixture serves its script and stylesheet without login: the streamer grants it that.
      config: { bot: { grants: { hello: ['public-assets'] } }, plugins: { dashboard: { port: 0 } } },
      env: { DASHBOARD_PASSWORD: 'pw-for-tests', BAKEBOT_API_TOKEN: TOKEN },
    });
    url = t.service('dashboard').url ?? '';
    port = new URL(url).port;
    A = api(url, TOKEN);
  });

  after(async () => {
    await t?.stop();
  });

  describe('who may ask', () => {
    it('answers 401 JSON to API calls without a token, or with a wrong one', async () => {
      for (const [method, p] of [['GET', '/api/status'], ['GET', '/api/plugins'], ['POST', '/api/start-bot'], ['GET', '/api/hello/ping'], ['GET', '/events']] as const) {
        const r = await api(url).raw(method, p);
        expect(r.status, `${method} ${p}`).to.equal(401);
        expect(r.headers['content-type']).to.match(/application\/json/);
        expect(r.json().error).to.match(/login required/);
      }
      const wrong = await api(url, 'not-the-token').get('/api/status');
      expect(wrong.status).to.equal(401);
      expect(wrong.json()).to.deep.equal({ error: 'invalid API token', code: 'UNAUTHORIZED' });
      const malformed = await api(url).get('/api/status', { authorization: 'Basic abc' });
      expect(malformed.status).to.equal(401);
      expect(malformed.json().error).to.match(/Bearer/);
    });

    it('sends pages without a login to the login page', async () => {
      const r = await new Client(url).get('/plugins');
      expect(r.status).to.equal(303);
      expect(r.headers.location).to.equal('/login?next=%2Fplugins');
    });

    it('refuses a foreign Host header (DNS rebinding), JSON for the API', async () => {
      const evil = await A.get('/api/status', { host: `evil.example:${port}` });
      expect(evil.status).to.equal(403);
      expect(evil.json().error).to.match(/does not answer to the host name "evil\.example/);
      const page = await new Client(url).get('/login', { host: 'evil.example' });
      expect(page.status).to.equal(403);
      expect(page.headers['content-type']).to.match(/text\/plain/);
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
        expect((await A.get('/api/status', { host })).status, host).to.equal(200);
      }
    });

    it('refuses state-changing requests from another site, and form posts without the CSRF token', async () => {
      const c = new Client(url);
      expect((await c.login('pw-for-tests')).status).to.equal(303);
      const cross = await c.post('/plugins/quotes/disable', {}, { origin: 'http://evil.example' });
      expect(cross.status).to.equal(403);
      const noToken = await c.request('POST', '/plugins/quotes/disable', { form: { back: '/' } });
      expect(noToken.status).to.equal(403);
      expect(noToken.text).to.match(/CSRF/);
      const apiNoToken = await c.request('POST', '/api/plugins/quotes/disable', { json: {}, headers: { accept: 'application/json' } });
      expect(apiNoToken.status).to.equal(403);
      expect(apiNoToken.json().error).to.match(/CSRF/);
      expect(t.host.plugin('quotes')?.state).to.equal('enabled');
      // With the token (as the page's JavaScript sends it) the same call works.
      const ok = await c.request('POST', '/api/plugins/quotes/disable', { json: {}, headers: { 'x-csrf-token': c.csrf } });
      expect(ok.status).to.equal(200);
      expect(t.host.plugin('quotes')?.state).to.equal('disabled');
      await t.host.setEnabled('quotes', true);
    });

    it('sets strict security headers and session cookies', async () => {
      const c = new Client(url);
      const r = await c.get('/login');
      expect(r.headers['content-security-policy']).to.include("script-src 'self'").and.include("frame-ancestors 'none'").and.not.include('unsafe-inline');
      expect(r.headers['x-content-type-options']).to.equal('nosniff');
      // Before login only the login form's CSRF cookie; the session cookie comes with the login.
      const cookies = (r.headers['set-cookie'] ?? []).join('\n');
      expect(cookies).to.match(/bakebot\.login=.*httponly/i).and.match(/samesite=strict/i).and.not.match(/bakebot\.sid=/);
      const login = await c.post('/login', { password: 'pw-for-tests' });
      expect((login.headers['set-cookie'] ?? []).join('\n')).to.match(/bakebot\.sid=.*httponly/i).and.match(/samesite=strict/i);
      expect(r.text).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(r.text).not.to.match(/\son[a-z]+=/i);
    });

    it('works with a token created on the Security page, until it is revoked', async () => {
      const c = new Client(url);
      await c.login('pw-for-tests');
      await c.get('/security');
      const created = await c.post('/security/tokens', { name: 'stream deck' });
      expect(created.status).to.equal(200);
      const token = /id="new-token">([^<]+)</.exec(created.text)?.[1] ?? '';
      expect(token).to.match(/^bkb_/);
      const rows = await secretRows<{ token_hash: string }>(t, 'SELECT token_hash FROM api_tokens');
      expect(rows).to.have.length(1);
      expect(rows[0]?.token_hash).to.have.length(64).and.not.include(token);
      expect((await api(url, token).get('/api/status')).status).to.equal(200);
      const page = await c.get('/security');
      const id = /\/security\/tokens\/(\d+)\/revoke/.exec(page.text)?.[1];
      expect((await c.post(`/security/tokens/${id}/revoke`)).status).to.equal(303);
      expect((await api(url, token).get('/api/status')).status).to.equal(401);
    });
  });

  describe('status, config and plugins', () => {
    it('GET /api/status gives the bot status and every plugin with state and last error', async () => {
      const r = await A.get('/api/status');
      expect(r.status).to.equal(200);
      const body = r.json<{ bot: Record<string, unknown>; plugins: { name: string; state: string; error: string | null }[] }>();
      expect(body.bot).to.include({ chat: 'local', twitchConfigured: false, label: 'Local mode (not connected to Twitch)' });
      expect(body.bot).to.have.keys('chat', 'detail', 'channels', 'startedAt', 'messagesHandled', 'pendingOutgoing', 'twitchConfigured', 'label', 'tone', 'uptimeSec', 'messagesPerMinute', 'token', 'now');
      const names = body.plugins.map((p) => p.name);
      expect(names).to.include.members(['dashboard', 'quotes', 'chatlog', 'hello']);
      for (const p of body.plugins) expect(p).to.have.property('error');
      expect(body.plugins.find((p) => p.name === 'quotes')?.state).to.equal('enabled');
    });

    it('GET /api/config lists the settings; POST /api/save-config validates its body and the settings', async () => {
      const cfg = (await A.get('/api/config')).json<{ plugins: Record<string, { settings: Record<string, unknown> }> }>();
      expect(cfg.plugins.quotes?.settings).to.deep.equal({ addPermission: 'moderator', maxLength: 300 });
      const missing = await A.post('/api/save-config', { settings: {} });
      expect(missing.status).to.equal(400);
      expect(missing.json().error).to.equal('plugin is required');
      const extra = await A.post('/api/save-config', { plugin: 'quotes', settings: {}, more: 1 });
      expect(extra.json().error).to.equal('more is not a known field');
      const notObject = await A.post('/api/save-config', { plugin: 'quotes', settings: 'x' });
      expect(notObject.status).to.equal(400);
      expect(notObject.json().error).to.equal('settings must be object');
      const bad = await A.post('/api/save-config', { plugin: 'quotes', settings: { maxLength: 5 } });
      expect(bad.status).to.equal(400);
      expect(bad.json<{ code: string; details: { fields: Record<string, string> } }>().details.fields).to.deep.equal({ maxLength: 'must be integer >= 10' });
      expect(bad.json().code).to.equal('CONFIG_INVALID');
      const unknown = await A.post('/api/save-config', { plugin: 'nope', settings: {} });
      expect(unknown.status).to.equal(404);
      const ok = await A.post('/api/save-config', { plugin: 'quotes', settings: { maxLength: 120 } });
      expect(ok.status).to.equal(200);
      expect(t.host.pluginConfig('quotes')?.maxLength).to.equal(120);
    });

    it('GET/PUT /api/plugins/{name}/config reads and saves settings with errors per field', async () => {
      const got = (await A.get('/api/plugins/quotes/config')).json<{ settings: Record<string, unknown>; schema: { properties: object } }>();
      expect(got.schema.properties).to.have.keys('addPermission', 'maxLength');
      const bad = await A.put('/api/plugins/quotes/config', { maxLength: 'long', addPermission: 'king', colour: 'red' });
      expect(bad.status).to.equal(400);
      const issues = bad.json<{ details: { fields: Record<string, string> } }>().details.fields;
      expect(issues.maxLength).to.equal('must be integer');
      expect(issues.addPermission).to.match(/must be one of/);
      expect(issues.colour).to.match(/unknown setting/);
      expect((await A.put('/api/plugins/quotes/config', [1, 2])).status).to.equal(400);
      const ok = await A.put('/api/plugins/quotes/config', { maxLength: 200, addPermission: 'everyone' });
      expect(ok.status).to.equal(200);
      expect(t.host.pluginConfig('quotes')).to.deep.equal({ maxLength: 200, addPermission: 'everyone' });
      expect(readFileSync(t.configFile, 'utf8')).to.match(/maxLength: 200/);
      expect(await t.ask('someone', '!addquote the cake is a lie')).to.equal('Saved quote #1.');
      await A.put('/api/plugins/quotes/config', { maxLength: 300, addPermission: 'moderator' });
    });

    it('switches plugins on and off (404 for unknown ones; the dashboard will not switch itself off)', async () => {
      expect((await A.get('/api/plugins')).json<{ plugins: unknown[] }>().plugins).to.have.length.above(3);
      const off = await A.post('/api/plugins/quotes/disable');
      expect(off.status).to.equal(200);
      expect(off.json<{ plugin: { state: string } }>().plugin.state).to.equal('disabled');
      expect(await t.repliesTo({ login: 'mod1', roles: ['moderator'] }, '!quote')).to.deep.equal([]);
      const on = await A.post('/api/plugins/quotes/enable');
      expect(on.json<{ plugin: { state: string } }>().plugin.state).to.equal('enabled');
      expect(await t.ask({ login: 'mod1', roles: ['moderator'] }, '!quote')).to.match(/^#1: /);
      const unknown = await A.post('/api/plugins/nope/enable');
      expect(unknown.status).to.equal(404);
      expect(unknown.json().error).to.equal('there is no plugin named "nope"');
      const self = await A.post('/api/plugins/dashboard/disable');
      expect(self.status).to.equal(409);
      expect(t.host.plugin('dashboard')?.state).to.equal('enabled');
    });

    it('starts and stops Twitch chat (409 without a token)', async () => {
      const start = await A.post('/api/start-bot');
      expect(start.status).to.equal(409);
      expect(start.json().error).to.match(/no Twitch token/);
      const stop = await A.post('/api/stop-bot');
      expect(stop.status).to.equal(200);
      expect(stop.json<{ status: { chat: string } }>().status.chat).to.equal('local');
    });

    it('answers malformed bodies and unknown routes with JSON errors', async () => {
      const broken = await A.raw('PUT', '/api/plugins/quotes/config', { body: '{"maxLength": ', headers: { 'content-type': 'application/json' } });
      expect(broken.status).to.equal(400);
      expect(broken.json().error).to.match(/could not be read/);
      const nothing = await A.get('/api/nothing-here');
      expect(nothing.status).to.equal(404);
      expect(nothing.json().error).to.equal('no API route GET /api/nothing-here');
    });
  });

  describe('users, chat logs and test chat', () => {
    it('serves the chat log with filters', async () => {
      t.say('alice', 'hello there');
      t.say('bob', 'good evening');
      t.say('alice', 'how is everyone');
      const all = (await A.get('/api/chat_logs?limit=10')).json<{ messages: { username: string; message: string }[] }>().messages;
      expect(all.map((m) => m.message)).to.include.members(['hello there', 'good evening', 'how is everyone']);
      const alice = (await A.get('/api/chat_logs?user=alice')).json<{ messages: { username: string }[] }>().messages;
      expect(alice.length).to.be.at.least(2);
      expect(alice.every((m) => m.username === 'alice')).to.equal(true);
      const text = (await A.get('/api/chat_logs?text=evening')).json<{ messages: { message: string }[] }>().messages;
      expect(text.map((m) => m.message)).to.deep.equal(['good evening']);
    });

    it('without the economy its routes are not there (they belong to it); deleting a viewer is core\'s event the chat log reacts to', async () => {
      for (const p of ['/api/users', '/api/leaderboard', '/api/economy/stats', '/api/users/alice']) {
        const r = await A.get(p);
        expect(r.status, p).to.equal(404);
        expect(r.json(), p).to.deep.equal({ error: `no API route GET ${p}`, code: 'NOT_FOUND' });
      }
      await t.service('chatlog').flush();
      const bob = await t.bot.users.byLogin('bob');
      expect(bob).not.to.equal(undefined);
      // Whoever asks (the economy's Users page, !deleteme, another plugin), the chat log deletes bob's lines in its tap.
      const report = await t.bot.users.erase(bob?.id ?? '');
      expect(report).to.include({ userForgotten: true, chatMessagesDeleted: 1 });
      expect((await A.get('/api/chat_logs?text=evening')).json<{ messages: unknown[] }>().messages).to.deep.equal([]);
    });

    it('POST /api/chat talks as a viewer and the reply lands in the transcript', async () => {
      const bad = await A.post('/api/chat', { login: 'a b', text: '' });
      expect(bad.status).to.equal(400);
      expect(bad.json().error).to.match(/login must match pattern/);
      const sent = await A.post('/api/chat', { login: 'tester', text: '!quote 1', roles: ['moderator'] });
      expect(sent.status).to.equal(201);
      const id = sent.json<{ message: { id: string } }>().message.id;
      await eventually(async () => (await A.get('/api/chat/transcript')).json<{ transcript: { replyTo?: string }[] }>().transcript.some((e) => e.replyTo === id), { what: 'the bot to answer' });
      const transcript = (await A.get('/api/chat/transcript')).json<{ transcript: { kind: string; text: string; replyTo?: string }[] }>().transcript;
      expect(transcript.find((e) => e.replyTo === id)?.text).to.equal('#1: "the cake is a lie"');
    });

    it('counts command uses for the chart', async () => {
      const r = (await A.get('/api/stats/commands')).json<{ commands: { command: string; count: number }[] }>();
      expect(r.commands.find((c) => c.command === 'quote')?.count).to.be.at.least(2);
      const charts = (await A.get('/api/stats/charts')).json<{ chat: { values: number[] }; charts: { id: string; owner: string }[]; circulation?: unknown }>();
      expect(charts.chat.values.reduce((a, b) => a + b, 0)).to.be.at.least(2);
      // Only the charts of running plugins: the chat log's, not the economy's.
      expect(charts.charts.map((c) => `${c.owner}:${c.id}`)).to.deep.equal(['chatlog:chat']);
      expect(charts.circulation).to.equal(undefined);
    });
  });

  describe('extension point', () => {
    it('shows the pages, panels, nav entries and API routes other plugins add, behind the login', async () => {
      const c = new Client(url);
      await c.login('pw-for-tests');
      const home = await c.get('/');
      expect(home.text).to.include('<a href="/hello">Hello page</a>');
      expect(home.text).to.include('Hello panel').and.include('panel text &lt;i&gt;escaped&lt;/i&gt;');
      const page = await c.get('/hello');
      expect(page.status).to.equal(200);
      expect(page.text).to.include('<p id="greet">Hello admin: &lt;b&gt;not bold&lt;/b&gt;</p>');
      expect(page.text).to.include('<script src="/assets/ext/hello/hello.js" defer></script>');
      expect(page.text).to.include('<link rel="stylesheet" href="/assets/ext/hello/hello.css">');
      expect((await c.get('/assets/ext/hello/hello.js')).status).to.equal(200);
      expect((await new Client(url).get('/hello')).status).to.equal(303);
      const ping = await A.get('/api/hello/ping');
      expect(ping.json()).to.deep.equal({ pong: true, user: 'api:env' });
      const echo = await c.request('POST', '/api/hello/echo', { json: { a: 1 }, headers: { 'x-csrf-token': c.csrf } });
      expect(echo.json()).to.deep.equal({ echo: { a: 1 } });
      expect((await c.request('POST', '/api/hello/echo', { json: { a: 1 } })).status).to.equal(403);
    });

    it('removes them when the plugin unloads and brings them back when it returns', async () => {
      const c = new Client(url);
      await c.login('pw-for-tests');
      await A.post('/api/plugins/hello/disable');
      expect((await A.get('/api/hello/ping')).status).to.equal(404);
      expect((await c.get('/hello')).status).to.equal(404);
      expect((await c.get('/')).text).not.to.include('href="/hello"').and.not.include('Hello panel');
      expect((await c.get('/assets/ext/hello/hello.js')).status).to.equal(404);
      await A.post('/api/plugins/hello/enable');
      expect((await A.get('/api/hello/ping')).status).to.equal(200);
      expect((await c.get('/hello')).status).to.equal(200);
    });
  });

  describe('hot reload', () => {
    it('keeps its address and sessions, and other plugins register again, when the dashboard reloads or an optional dependency comes and goes', async () => {
      const c = new Client(url);
      await c.login('pw-for-tests');
      const before = t.service('dashboard');
      await t.host.reload('dashboard');
      expect(t.service('dashboard')).not.to.equal(before);
      expect(t.service('dashboard').url).to.equal(url);
      expect((await c.get('/plugins')).status).to.equal(200);
      // The hello plugin was restarted with the dashboard and registered its page with the new generation.
      expect(t.host.plugin('hello')?.reloads).to.equal(0);
      expect((await c.get('/hello')).status).to.equal(200);
      // Switching chatlog off takes its routes and the Logs page's history away; the dashboard keeps running.
      const dashboard = t.service('dashboard');
      await c.get('/');
      const off = await c.post('/plugins/chatlog/disable', { back: '/' });
      expect(off.status).to.equal(303);
      expect(t.host.plugin('chatlog')?.state).to.equal('disabled');
      expect(t.service('dashboard')).to.equal(dashboard);
      expect((await c.get('/logs')).text).to.include('The chatlog plugin is disabled');
      expect((await A.get('/api/chat_logs')).status).to.equal(404);
      await c.get('/');
      await c.post('/plugins/chatlog/enable', { back: '/' });
      expect((await A.get('/api/chat_logs')).status).to.equal(200);
      expect(t.service('dashboard')).to.equal(dashboard);
      expect(t.service('dashboard').url).to.equal(url);
    });
  });

  describe('login', () => {
    it('limits failed logins per address', async () => {
      const c = new Client(url);
      await c.get('/login');
      for (let i = 0; i < 5; i++) expect((await c.post('/login', { password: `guess${i}` })).status).to.equal(401);
      const blocked = await c.post('/login', { password: 'pw-for-tests' });
      expect(blocked.status).to.equal(429);
      expect(blocked.text).to.include('Too many failed logins');
    });
  });
});

describe('dashboard: first start, its own settings, BAKEBOT_NO_WEB', function () {
  it('generates a password, prints it once on the terminal, stores only its scrypt hash, and stores a session key', async () => {
    const terminal: string[] = [];
    const t = await startTestBot({ plugins: ['dashboard'], config: { plugins: { dashboard: { port: 0 } } }, logWrite: (line) => terminal.push(line) });
    try {
      const line = terminal.find((l) => l.includes('dashboard password'));
      const password = /: (\S+)$/.exec(line ?? '')?.[1] ?? '';
      expect(password).to.have.length.above(12);
      expect(t.host.recentLogs().some((e) => e.msg.includes(password))).to.equal(false);
      const rows = await secretRows<{ key: string; value: string }>(t, "SELECT key, value FROM settings WHERE key IN ('password_hash', 'secret_key') ORDER BY key");
      expect(rows.map((r) => r.key)).to.deep.equal(['password_hash', 'secret_key']);
      expect(rows[0]?.value).to.match(/^scrypt\$16384\$8\$1\$/).and.not.include(password);
      const c = new Client(t.service('dashboard').url ?? '');
      expect((await c.login('wrong-password')).status).to.equal(401);
      expect((await c.login(password)).status).to.equal(303);
      expect((await c.get('/')).status).to.equal(200);
      const dataDir = path.join(t.dir, 'data');
      expect(statSync(dataDir).isDirectory()).to.equal(true);
    } finally {
      await t.stop();
    }
  });

  it('applies its own settings from its own page: same address for most, a new one when the port changes', async () => {
    const t = await startTestBot({ plugins: ['dashboard'], config: { plugins: { dashboard: { port: 0 } } }, env: { BAKEBOT_API_TOKEN: TOKEN } });
    try {
      const url = t.service('dashboard').url ?? '';
      const r = await api(url, TOKEN).put('/api/plugins/dashboard/config', { sessionHours: 24, allowedHosts: ['bakebot.lan'] });
      expect(r.status).to.equal(200);
      expect(t.service('dashboard').url).to.equal(url);
      expect((await api(url, TOKEN).get('/api/status', { host: 'bakebot.lan' })).status).to.equal(200);
      const free = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const { port } = s.address() as net.AddressInfo;
          s.close(() => resolve(port));
        });
      });
      // The answer to this request still arrives from the old address; then the dashboard moves.
      const moved = await api(url, TOKEN).put('/api/plugins/dashboard/config', { port: free });
      expect(moved.status).to.equal(200);
      const next = t.service('dashboard').url ?? '';
      expect(next).to.equal(`http://127.0.0.1:${free}`);
      expect((await api(next, TOKEN).get('/api/status')).status).to.equal(200);
      await eventually(() => api(url, TOKEN).get('/api/status').then(() => false, () => true), { what: 'the old address to close' });
    } finally {
      await t.stop();
    }
  });

  it('marks the settings an environment variable sets, as the host reports them', async () => {
    const t = await startTestBot({ plugins: ['dashboard'], config: { plugins: { dashboard: { port: 0 } } }, env: { DASHBOARD_PASSWORD: 'pw', GUI_HOST: '127.0.0.1' } });
    try {
      expect(t.host.settingsFromEnv('dashboard')).to.deep.equal({ host: 'GUI_HOST' });
      const c = new Client(t.service('dashboard').url ?? '');
      await c.login('pw');
      const page = (await c.get('/plugins')).text;
      expect(page).to.include('Set by GUI_HOST in the environment');
      expect(page).not.to.include('Set by GUI_PORT');
    } finally {
      await t.stop();
    }
  });

  it('serves its assets but nothing outside the assets folder', async () => {
    const t = await startTestBot({ plugins: ['dashboard'], config: { plugins: { dashboard: { port: 0 } } }, env: { DASHBOARD_PASSWORD: 'pw' } });
    try {
      const c = new Client(t.service('dashboard').url ?? '');
      expect((await c.get('/assets/common.js')).status).to.equal(200);
      expect((await c.get('/assets/vendor/chart.umd.min.js')).text).to.match(/Chart\.js v4/);
      for (const p of ['/assets/..%2Findex.ts', '/assets/%2e%2e/config.ts', '/assets/ext/nobody/x.js', '/assets/nope.js']) {
        expect((await c.get(p)).status, p).to.be.within(400, 499);
      }
    } finally {
      await t.stop();
    }
  });

  it('does not listen when BAKEBOT_NO_WEB=1, but still offers its service', async () => {
    const t = await startTestBot({ plugins: ['dashboard'], config: { plugins: { dashboard: { port: 0 } } }, env: { BAKEBOT_NO_WEB: '1' } });
    try {
      expect(t.host.plugin('dashboard')?.state).to.equal('enabled');
      expect(t.service('dashboard').url).to.equal(undefined);
      expect(t.host.recentLogs().some((e) => e.msg.includes('dashboard password'))).to.equal(false);
    } finally {
      await t.stop();
    }
  });
});

describe('dashboard: what a reload, a restart and disabling it do', function () {
  let auth: FakeTwitchAuth;

  before(async () => {
    auth = await startFakeTwitchAuth();
  });

  after(async () => {
    await auth?.close();
  });

  const transcriptTexts = async (c: Client) => (await c.get('/api/chat/transcript')).json<{ transcript: { text: string }[] }>().transcript.map((e) => e.text);
  const say = (c: Client, text: string) => c.request('POST', '/api/chat', { json: { login: 'tester', text }, headers: { 'x-csrf-token': c.csrf } });

  it('keeps the port, the login, open event streams, the Test chat and the wizard across a reload and a restart; disabling closes the port', async () => {
    const t = await startTestBot({
      plugins: ['dashboard', 'chatlog'],
      pluginPaths: [FIXTURES],
      // The fixture serves its script and stylesheet without login: the streamer grants it that.
      config: { bot: { grants: { hello: ['public-assets'] } }, plugins: { dashboard: { port: 0 } } },
      env: { DASHBOARD_PASSWORD: 'pw', TWITCH_AUTH_URL: auth.url },
    });
    try {
      const url = t.service('dashboard').url ?? '';
      const c = new Client(url);
      await c.login('pw');
      await c.get('/chat');
      expect((await say(c, 'said before')).status).to.equal(201);
      await c.get('/setup');
      await c.post('/setup/client', { clientId: FAKE_GRANT.clientId });
      await c.post('/setup/device');
      expect((await c.get('/setup')).text).to.include(`id="user-code">${FAKE_GRANT.userCode}<`);
      const events = await openEvents(url, '/events?topics=transcript', { cookie: c.cookieHeader() });
      try {
        const steps: [string, () => Promise<unknown>][] = [
          ['reload', () => t.host.reload('dashboard')],
          // New settings (same address): the host sets the dashboard up again (and hello, which depends on it).
          ['restart', () => t.host.saveConfig('dashboard', { port: 0, chartDays: 7 })],
        ];
        for (const [why, step] of steps) {
          const before = t.service('dashboard');
          await step();
          expect(t.service('dashboard'), why).not.to.equal(before);
          expect(t.service('dashboard').url, why).to.equal(url);
          expect((await c.get('/plugins')).status, `${why}: still logged in`).to.equal(200);
          expect((await c.get('/hello')).status, `${why}: hello registered again`).to.equal(200);
          expect(await transcriptTexts(c), why).to.include('said before');
          expect((await c.get('/setup')).text, `${why}: wizard`).to.include(`id="user-code">${FAKE_GRANT.userCode}<`);
          // The stream opened before is fed by the new generation.
          await c.get('/chat');
          expect((await say(c, `said after the ${why}`)).status).to.equal(201);
          await events.next('transcript', (d) => (d as { text?: string }).text === `said after the ${why}`);
          expect(events.ended, why).to.equal(false);
        }

        await t.host.setEnabled('dashboard', false);
        expect(t.host.plugin('dashboard')?.state).to.equal('disabled');
        expect(await accepts(url)).to.equal(false);
        await eventually(() => events.ended, { what: 'the event stream to end' });
        // Enabled again, it listens again (a new random port: port 0).
        await t.host.setEnabled('dashboard', true);
        const again = t.service('dashboard').url ?? '';
        expect(await accepts(again)).to.equal(true);
        expect((await new Client(again).login('pw')).status).to.equal(303);
      } finally {
        events.close();
      }
    } finally {
      await t.stop();
    }
  });

  it('keeps serving at the same address when a reload fails and the previous version is put back', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as net.AddressInfo).port;
    const t = await startTestBot({ plugins: ['dashboard'], config: { plugins: { dashboard: { port: 0 } } }, env: { DASHBOARD_PASSWORD: 'pw' } });
    try {
      const url = t.service('dashboard').url ?? '';
      const c = new Client(url);
      await c.login('pw');
      await c.get('/chat');
      const events = await openEvents(url, '/events?topics=transcript', { cookie: c.cookieHeader() });
      try {
        const before = t.service('dashboard');
        // The new settings ask for a port another program holds: the new generation cannot start.
        await t.host.saveConfig('dashboard', { port: busy });
        const info = t.host.plugin('dashboard');
        expect(info?.state).to.equal('enabled');
        expect(info?.error).to.match(/previous version keeps running: port \d+ on 127\.0\.0\.1 is in use/);
        expect(t.service('dashboard')).not.to.equal(before);
        expect(t.service('dashboard').url).to.equal(url);
        expect((await c.get('/plugins')).status).to.equal(200);
        expect((await say(c, 'still here')).status).to.equal(201);
        await events.next('transcript', (d) => (d as { text?: string }).text === 'still here');
        expect(events.ended).to.equal(false);
      } finally {
        events.close();
      }
      await t.host.setEnabled('dashboard', false);
      expect(await accepts(url)).to.equal(false);
    } finally {
      await t.stop();
      await new Promise((r) => blocker.close(r));
    }
  });
});
