// Guessing limits under pressure (issue 15): login and the Security page's password check take the
// attempt before scrypt runs, so parallel guesses count; wrong API tokens are refused per address while a
// valid token keeps working.
import { expect } from 'chai';
import { api, Client } from '../../plugins/dashboard/test/helpers.ts';
import { PASSWORD, startDashboard, TOKEN, wrongPasswordsLogged, printedPassword, type SecurityBot } from './support.ts';

describe('security: guessing limits', function () {
  let s: SecurityBot | undefined;

  afterEach(async () => {
    await s?.t.stop();
    s = undefined;
  });

  it('checks at most loginAttempts of 30 parallel logins against the stored (scrypt) password', async () => {
    s = await startDashboard({ env: { BAKEBOT_API_TOKEN: TOKEN } });
    const password = printedPassword(s.terminal);
    expect(password).to.have.length.above(12);
    const c = new Client(s.url);
    await c.get('/login');
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => c.post('/login', { password: `guess-${i}` })));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((x) => x === 401).length, 'wrong passwords checked').to.be.at.most(5);
    expect(statuses.filter((x) => x === 429).length).to.be.at.least(25);
    expect(wrongPasswordsLogged(s.t, /^failed dashboard login/)).to.be.at.most(5);
    // The right password is refused too while the address is blocked (it is not even checked).
    expect((await c.post('/login', { password })).status).to.equal(429);
  });

  it('limits the current-password check of /security/password like the login', async () => {
    s = await startDashboard({ env: { BAKEBOT_API_TOKEN: TOKEN } });
    const password = printedPassword(s.terminal);
    const c = new Client(s.url);
    expect((await c.login(password)).status).to.equal(303);
    await c.get('/security');
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => c.post('/security/password', { current: `guess-${i}`, password: 'new-password-123', confirm: 'new-password-123' })));
    expect(wrongPasswordsLogged(s.t, /^wrong current password/), 'wrong current passwords checked').to.be.at.most(5);
    expect(replies.filter((r) => r.status === 429).length).to.be.at.least(25);
    const right = await c.post('/security/password', { current: password, password: 'new-password-123', confirm: 'new-password-123' });
    expect(right.status).to.equal(429);
    expect(right.text).to.include('Too many wrong passwords');
  });

  it('refuses wrong API tokens from an address but keeps answering the valid ones', async () => {
    s = await startDashboard();
    const made = new Client(s.url);
    await made.login(PASSWORD);
    await made.get('/security');
    const created = await made.post('/security/tokens', { name: 'never used yet' });
    const fresh = /id="new-token">([^<]+)</.exec(created.text)?.[1] ?? '';
    expect(fresh).to.match(/^bkb_/);
    expect((await api(s.url, TOKEN).get('/api/status')).status).to.equal(200);
    const bad = await Promise.all(Array.from({ length: 40 }, (_, i) => api(s!.url, `wrong-token-${i}`).get('/api/status')));
    expect(bad.every((r) => r.status === 401 || r.status === 429)).to.equal(true);
    expect(bad.filter((r) => r.status === 401).length).to.be.at.most(20);
    expect((await api(s.url, 'one-more-wrong-token').get('/api/status')).status).to.equal(429);
    // The valid tokens keep working while the address is refused.
    expect((await api(s.url, TOKEN).get('/api/status')).status).to.equal(200);
    expect((await api(s.url, fresh).get('/api/status')).status).to.equal(200);
    expect((await api(s.url, 'still-wrong').get('/api/status')).status).to.equal(429);
  });
});
