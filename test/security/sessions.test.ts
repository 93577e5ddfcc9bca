// Sessions and API tokens (issue 15): no session before login; an idle and an absolute lifetime; a password
// change offers to revoke API tokens; a token mints tokens only when it was created with that right.
import { expect } from 'chai';
import { api, Client } from '../../plugins/dashboard/test/helpers.ts';
import { FakeClock } from '../support/kit.ts';
import { PASSWORD, printedPassword, secretRows, startDashboard, TOKEN, type SecurityBot } from './support.ts';

const MINUTE = 60_000;

describe('security: sessions and tokens', function () {
  let s: SecurityBot | undefined;

  afterEach(async () => {
    await s?.t.stop();
    s = undefined;
  });

  it('stores no session for anonymous visits to the login page; a login stores one', async () => {
    s = await startDashboard();
    for (let i = 0; i < 20; i++) expect((await new Client(s.url).get('/login')).status).to.equal(200);
    expect(await s.t.storage.all('SELECT id FROM dashboard_sessions')).to.have.length(0);
    expect(await secretRows(s.t, 'SELECT id FROM sessions')).to.have.length(0);
    const c = new Client(s.url);
    expect((await c.login(PASSWORD)).status).to.equal(303);
    expect(await secretRows(s.t, 'SELECT id FROM sessions')).to.have.length(1);
  });

  it('ends a session after sessionHours without use, and after sessionMaxHours however much it is used', async () => {
    const clock = new FakeClock();
    s = await startDashboard({ clock, config: { plugins: { dashboard: { sessionHours: 1, sessionMaxHours: 2 } } } });
    const busy = new Client(s.url);
    const idle = new Client(s.url);
    expect((await busy.login(PASSWORD)).status).to.equal(303);
    expect((await idle.login(PASSWORD)).status).to.equal(303);
    await clock.advance(50 * MINUTE);
    expect((await busy.get('/plugins')).status).to.equal(200);
    await clock.advance(50 * MINUTE);
    expect((await busy.get('/plugins')).status, 'used within the idle time: still logged in').to.equal(200);
    expect((await idle.get('/plugins')).status, 'unused for 100 minutes').to.equal(303);
    await clock.advance(25 * MINUTE);
    const late = await busy.get('/plugins');
    expect(late.status, 'past the absolute lifetime').to.equal(303);
    expect(late.headers.location).to.match(/^\/login/);
  });

  it('offers to revoke the API tokens when the password changes (on by default)', async () => {
    s = await startDashboard({ env: { BAKEBOT_API_TOKEN: TOKEN } });
    let password = printedPassword(s.terminal);
    const makeToken = async (c: Client) => {
      await c.get('/security');
      return /id="new-token">([^<]+)</.exec((await c.post('/security/tokens', { name: 'deck' })).text)?.[1] ?? '';
    };
    for (const revoke of [true, false]) {
      const c = new Client(s.url);
      expect((await c.login(password)).status).to.equal(303);
      const token = await makeToken(c);
      expect((await api(s.url, token).get('/api/status')).status).to.equal(200);
      const page = (await c.get('/security')).text;
      expect(page).to.match(/<input type="checkbox" name="revokeTokens" value="true" checked>/);
      const next = `new-password-${revoke}`;
      const changed = await c.post('/security/password', { current: password, password: next, confirm: next, ...(revoke ? { revokeTokens: 'true' } : {}) });
      expect(changed.status).to.equal(303);
      password = next;
      expect((await api(s.url, token).get('/api/status')).status, `revoke ${revoke}`).to.equal(revoke ? 401 : 200);
      expect((await api(s.url, TOKEN).get('/api/status')).status, 'BAKEBOT_API_TOKEN is the environment\'s').to.equal(200);
    }
  });

  it('lets a bearer token create tokens only when it was created with that right', async () => {
    s = await startDashboard();
    const c = new Client(s.url);
    await c.login(PASSWORD);
    await c.get('/security');
    const plain = /id="new-token">([^<]+)</.exec((await c.post('/security/tokens', { name: 'plain' })).text)?.[1] ?? '';
    const minter = /id="new-token">([^<]+)</.exec((await c.post('/security/tokens', { name: 'minter', canMint: 'true' })).text)?.[1] ?? '';
    for (const token of [TOKEN, plain]) {
      const r = await api(s.url, token).post('/security/tokens', { name: 'more' });
      expect(r.status).to.equal(403);
      expect(r.json()).to.include({ code: 'TOKEN_CANNOT_MINT' });
      expect((await api(s.url, token).post('/security/tokens/1/revoke')).status).to.equal(403);
    }
    const made = await api(s.url, minter).post('/security/tokens', { name: 'made by a token', canMint: true });
    expect(made.status).to.equal(200);
    const child = /id="new-token">([^<]+)</.exec(made.text)?.[1] ?? '';
    expect((await api(s.url, child).get('/api/status')).status).to.equal(200);
    // A token never passes the right on.
    expect((await api(s.url, child).post('/security/tokens', { name: 'grandchild' })).status).to.equal(403);
    expect(await secretRows(s.t, 'SELECT name, can_mint FROM api_tokens ORDER BY id')).to.deep.equal([
      { name: 'plain', can_mint: 0 },
      { name: 'minter', can_mint: 1 },
      { name: 'made by a token', can_mint: 0 },
    ]);
  });
});
