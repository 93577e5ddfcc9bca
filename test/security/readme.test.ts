// What plugins/dashboard/README.md's Security section promises, replayed: a login on every route, CSRF
// and Origin refusals (scheme, host and port), Host refusals, escaping of what viewers and streamers type,
// and no way out of /assets/ (never a 500, never a file-system path).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { api, Client } from '../../plugins/dashboard/test/helpers.ts';
import { PASSWORD, startDashboard, TOKEN, type SecurityBot } from './support.ts';

const ROUTES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../plugins/dashboard/server/routes');
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';

/** Every route the dashboard's route files declare, with `:params` filled in. */
function dashboardRoutes(): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  for (const file of readdirSync(ROUTES_DIR).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(path.join(ROUTES_DIR, file), 'utf8');
    for (const m of text.matchAll(/router\.(get|post|put|delete)\(\s*[`'"]([^`'"]+)[`'"]/g)) {
      const paths = (m[2] ?? '').includes('${action}') ? ['enable', 'disable'].map((a) => (m[2] ?? '').replace('${action}', a)) : [m[2] ?? ''];
      for (const p of paths) out.push({ method: (m[1] ?? '').toUpperCase(), path: p.replace(/:[a-z]+/gi, 'x') });
    }
  }
  return out;
}

describe('security: what the dashboard README promises', function () {
  let s: SecurityBot;
  let c: Client;

  before(async () => {
    s = await startDashboard({ plugins: ['secretive', 'quotes', 'economy', 'chatlog'] });
    c = new Client(s.url);
    expect((await c.login(PASSWORD)).status).to.equal(303);
  });

  after(async () => {
    await s?.t.stop();
  });

  it('asks for a login on every route but the login page and the assets', async () => {
    const routes = dashboardRoutes();
    expect(routes.length).to.be.above(40);
    for (const { method, path: p } of [...routes, { method: 'GET', path: '/events' }]) {
      if (p === '/login') continue;
      const r = await new Client(s.url).request(method, p, method === 'GET' || method === 'DELETE' ? {} : { form: { a: '1' } });
      const api = p.startsWith('/api') || p === '/events';
      expect(r.status, `${method} ${p}`).to.equal(api ? 401 : 303);
      if (!api) expect(r.headers.location, `${method} ${p}`).to.match(/^\/login/);
    }
  });

  it('refuses form posts and API calls of a session without the right CSRF token', async () => {
    const other = new Client(s.url);
    await other.login(PASSWORD);
    await other.get('/plugins');
    const anonymous = new Client(s.url);
    await anonymous.get('/login');
    for (const [what, token] of [['none', undefined], ['wrong', 'abc-def'], ["another session's", other.csrf], ["the login form's", anonymous.csrf]] as const) {
      const form = await c.request('POST', '/plugins/quotes/disable', { form: token === undefined ? { back: '/' } : { _csrf: token, back: '/' } });
      expect(form.status, `form, ${what} token`).to.equal(403);
      const json = await c.request('POST', '/api/plugins/quotes/disable', { json: {}, headers: token === undefined ? {} : { 'x-csrf-token': token } });
      expect(json.status, `API, ${what} token`).to.equal(403);
      expect(json.json().error).to.match(/CSRF/);
    }
    expect(s.t.host.plugin('quotes')?.state).to.equal('enabled');
    // Bearer clients need none (a page cannot make a browser send the token).
    expect((await api(s.url, TOKEN).post('/api/stop-bot')).status).to.equal(200);
  });

  it("refuses state-changing requests whose Origin is not exactly the dashboard's (scheme, host and port)", async () => {
    await c.get('/plugins');
    const own = `http://127.0.0.1:${s.port}`;
    for (const origin of ['http://evil.example', 'http://localhost:8080', `http://127.0.0.1:${Number(s.port) + 1}`, 'http://127.0.0.1', `https://127.0.0.1:${s.port}`, `http://localhost:${s.port}`, 'null', 'not a url']) {
      const r = await c.post('/plugins/quotes/disable', { back: '/' }, { origin });
      expect(r.status, origin).to.equal(403);
    }
    expect((await c.post('/plugins/quotes/disable', { back: '/' }, { 'sec-fetch-site': 'cross-site' })).status).to.equal(403);
    expect(s.t.host.plugin('quotes')?.state).to.equal('enabled');
    expect((await c.post('/plugins/quotes/disable', { back: '/' }, { origin: own })).status).to.equal(303);
    expect((await c.post('/plugins/quotes/enable', { back: '/' }, { origin: own, 'sec-fetch-site': 'same-origin' })).status).to.equal(303);
    expect(s.t.host.plugin('quotes')?.state).to.equal('enabled');
  });

  it('answers only the allowed host names (DNS rebinding)', async () => {
    const A = api(s.url, TOKEN);
    for (const host of ['evil.example', `evil.example:${s.port}`, `127.0.0.1.evil.example:${s.port}`, `localhost.evil.example`, `[::2]:${s.port}`, `localhost:${s.port}@evil.example`, `user@localhost:${s.port}`, `localhost/evil`]) {
      const r = await A.get('/api/status', { host });
      expect(r.status, `Host: ${host}`).to.equal(403);
    }
    for (const host of [`localhost:${s.port}`, `127.0.0.1:${s.port}`, `[::1]:${s.port}`, `LOCALHOST:${s.port}`]) {
      expect((await A.get('/api/status', { host })).status, `Host: ${host}`).to.equal(200);
    }
    // Before the login too, and for the assets.
    expect((await new Client(s.url).get('/login', { host: 'evil.example' })).status).to.equal(403);
    expect((await new Client(s.url).get('/assets/common.js', { host: 'evil.example' })).status).to.equal(403);
  });

  it('escapes what viewers and streamers type, on every page that shows it', async () => {
    const A = api(s.url, TOKEN);
    expect((await A.put('/api/plugins/secretive/config', { title: XSS })).status).to.equal(200);
    expect((await A.post('/api/chat', { login: 'mallory', displayName: '<script>alert(1)</script>', text: `!quote ${XSS}` })).status).to.equal(201);
    expect((await A.put('/api/users/mallory', { notes: XSS })).status).to.equal(200);
    await c.get('/security');
    await c.post('/security/tokens', { name: XSS });
    const pages = ['/plugins', '/chat', '/users/mallory', '/security', `/nope-${encodeURIComponent(XSS)}`, `/login?next=${encodeURIComponent(XSS)}`];
    for (const p of pages) {
      const r = await c.get(p);
      expect(r.text, p).not.to.include('<script>alert(1)').and.not.include('<img src=x');
    }
    const plugins = (await c.get('/plugins')).text;
    expect(plugins).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect((await new Client(s.url).get(`/login?next=${encodeURIComponent('"><script>x</script>')}`)).text).not.to.include('"><script>');
  });

  it('serves nothing outside the assets folders: a 404 without a path, never a 500', async () => {
    const anonymous = new Client(s.url);
    const root = path.resolve(ROUTES_DIR, '../../../..');
    const errorsBefore = s.t.host.recentLogs().filter((e) => e.level === 'error').length;
    for (const p of ['/assets/', '/assets//etc/passwd', '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/package.json', '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/assets/....//....//etc/passwd', '/assets/%00', '/assets/%E0%A4%A', '/assets/ext/', '/assets/ext/secretive/../../index.ts', '/assets/vendor/../../package.json', '/assets/vendor/', '/assets/.hidden', '/assets/common.js/', '/assets/..\\..\\package.json', '/assets/%5c..%5cpackage.json', `/assets/${'a'.repeat(5000)}`]) {
      const r = await anonymous.get(p);
      expect(r.status, p).to.equal(404);
      expect(r.text, p).not.to.include(root).and.not.include(s.t.dir).and.not.include('root:x:0');
    }
    expect(s.t.host.recentLogs().filter((e) => e.level === 'error').length).to.equal(errorsBefore);
    expect((await anonymous.get('/assets/common.js')).status).to.equal(200);
  });
});
