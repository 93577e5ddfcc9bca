// One error model over HTTP: every JSON error of every API route (the dashboard's own and every plugin's,
// as `GET /api/routes` lists them) has exactly the shape `{ error, code?, details? }`. The test walks them
// all, authenticated, with unknown path parameters, malformed JSON, a JSON array, unknown fields and bad
// query values, and checks each error it gets.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { api, type Reply } from './helpers.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const TOKEN = 'test-api-token-0123456789';
const ALLOWED = new Set(['error', 'code', 'details']);

interface Route {
  readonly method: string;
  readonly path: string;
  readonly owner: string;
}

/** What is wrong with an error body, or undefined when it has the one shape. */
function shapeProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'not a JSON object';
  const keys = Object.keys(body);
  const extra = keys.filter((k) => !ALLOWED.has(k));
  if (extra.length) return `keys beyond error/code/details: ${extra.join(', ')}`;
  const { error, code } = body as { error?: unknown; code?: unknown };
  if (typeof error !== 'string' || !error) return 'no error message';
  if (code !== undefined && (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(code))) return `code ${JSON.stringify(code)} is not an UPPER_CASE code`;
  return undefined;
}

describe('dashboard: one shape for every JSON error of every route', function () {
  let t: TestBot;
  let A: ReturnType<typeof api>;

  before(async () => {
    t = await startTestBot({
      plugins: ['dashboard', 'quotes', 'chatlog', 'economy', 'shop'],
      pluginPaths: [FIXTURES],
      config: { bot: { grants: { hello: ['public-assets'] } }, plugins: { dashboard: { port: 0 } } },
      env: { DASHBOARD_PASSWORD: 'pw', BAKEBOT_API_TOKEN: TOKEN },
    });
    A = api(t.service('dashboard').url ?? '', TOKEN);
    t.say('alice', 'hello');
  });

  after(async () => {
    await t?.stop();
  });

  it('walks every API route with bad input and finds only { error, code?, details? } errors', async () => {
    const listed = (await A.get('/api/routes')).json<{ routes: Route[] }>().routes.filter((r) => r.path.startsWith('/api/'));
    const owners = new Set(listed.map((r) => r.owner));
    expect([...owners]).to.include.members(['dashboard', 'economy', 'chatlog', 'shop', 'hello']);
    for (const p of ['/api/users', '/api/users/:username', '/api/leaderboard', '/api/economy/stats', '/api/chat_logs', '/api/purchase', '/api/shop/catalog', '/api/save-config']) {
      expect(listed.map((r) => r.path), p).to.include(p);
    }

    const checked: string[] = [];
    const problems: string[] = [];
    const look = (what: string, r: Reply) => {
      if (r.status < 400 || !/application\/json/.test(String(r.headers['content-type'] ?? ''))) return;
      let body: unknown;
      try {
        body = r.json();
      } catch {
        problems.push(`${what}: ${r.status} with a body that is not JSON`);
        return;
      }
      checked.push(`${what} ${r.status}`);
      const problem = shapeProblem(body);
      if (problem) problems.push(`${what}: ${r.status} ${JSON.stringify(body)}: ${problem}`);
    };
    // Unknown values for the parameters, then known ones (bad bodies must fail on the body, not the lookup).
    const fill = (p: string, known: boolean) =>
      p.replace(/:([A-Za-z_]+)/g, (_, name: string) => (!known ? 'zz-nope' : name === 'name' ? 'quotes' : name === 'username' || name === 'login' ? 'alice' : name === 'id' ? '1' : 'zz-nope'));
    for (const route of listed) {
      if (route.path === '/api/plugins/:name/disable' || route.path === '/api/stop-bot') continue; // would switch off what the walk uses
      for (const known of [false, true]) {
        const p = fill(route.path, known);
        const what = `${route.method} ${p} (${route.owner})`;
        if (route.method === 'GET') {
          look(what, await A.get(`${p}?limit=abc&days=-5&by=zz&before=x&since=yesterday`));
          continue;
        }
        const json = { 'content-type': 'application/json' };
        look(`${what} malformed`, await A.raw(route.method, p, { body: '{"broken": ', headers: json }));
        look(`${what} array`, await A.raw(route.method, p, { body: '[1, 2]', headers: json }));
        look(`${what} unknown field`, await A.raw(route.method, p, { body: '{"zz_unknown": [1]}', headers: json }));
      }
    }
    // Errors outside the routes: no route, no login, a body too large.
    look('GET /api/zz-nothing', await A.get('/api/zz-nothing'));
    look('GET /api/users without a token', await api(t.service('dashboard').url ?? '').get('/api/users'));

    expect(problems, problems.join('\n')).to.deep.equal([]);
    expect(checked.length, 'errors seen').to.be.above(listed.length);
    // The moved routes answer their errors in the shape too (a few spot checks of what was walked).
    expect(checked.some((c) => c.startsWith('PUT /api/users/alice (economy) unknown field 400'))).to.equal(true);
    expect(checked.some((c) => c.startsWith('PUT /api/shop/catalog (shop) unknown field 400'))).to.equal(true);
    expect(checked.some((c) => c.startsWith('POST /api/save-config (dashboard) malformed 400'))).to.equal(true);
  });

  it('puts what a program needs into details: the issues of a rejected settings save, the schema errors of a body', async () => {
    const bad = await A.put('/api/plugins/quotes/config', { maxLength: 'long' });
    expect(bad.json()).to.deep.equal({ error: 'maxLength must be integer', code: 'CONFIG_INVALID', details: { issues: [{ path: 'plugins.quotes.maxLength', message: 'must be integer' }], fields: { maxLength: 'must be integer' }, other: [] } });
    const body = await A.post('/api/chat', { login: 'a b' });
    expect(body.json<{ code: string; details: { errors: string[] } }>()).to.deep.include({ code: 'INVALID_BODY' });
    expect(body.json<{ details: { errors: string[] } }>().details.errors).to.include('text is required');
    // Last: the server drops a connection whose body it refused to read.
    const large = await A.raw('POST', '/api/chat', { body: JSON.stringify({ text: 'x'.repeat(200_000) }), headers: { 'content-type': 'application/json' } });
    expect([large.status, shapeProblem(large.json())]).to.deep.equal([413, undefined]);
    expect(large.json()).to.include({ code: 'TOO_LARGE' });
  });
});
