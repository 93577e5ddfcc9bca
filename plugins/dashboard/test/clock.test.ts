// The dashboard's sessions and API tokens run on the bot's clock (ctx.clock): a test moves time instead of
// waiting for a login to expire.
import path from 'node:path';
import { expect } from 'chai';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { FakeClock, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { SECRETS_FILE } from '../server/secrets.ts';
import { api, Client } from './helpers.ts';

/** Rows of the dashboard's own secrets file (sessions and API tokens live there, out of other plugins' reach). */
async function secretRows<T>(t: TestBot, sql: string): Promise<T[]> {
  const db = await open({ filename: path.join(t.dir, 'data', SECRETS_FILE), driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
  try {
    return await db.all<T[]>(sql);
  } finally {
    await db.close();
  }
}

describe('dashboard: sessions and tokens on the bot\'s clock', function () {
  let t: TestBot;
  let clock: FakeClock;
  let url: string;

  beforeEach(async () => {
    clock = new FakeClock('2026-01-15T12:00:00Z');
    t = await startTestBot({ plugins: ['dashboard'], clock, config: { plugins: { dashboard: { port: 0, sessionHours: 1 } } }, env: { DASHBOARD_PASSWORD: 'pw-for-tests' } });
    url = t.service('dashboard').url ?? '';
  });
  afterEach(() => t.stop());

  it('a login lasts sessionHours of the bot\'s time', async () => {
    const c = new Client(url);
    expect((await c.login('pw-for-tests')).status).to.equal(303);
    await clock.advance(59 * 60_000);
    expect((await c.get('/')).status).to.equal(200);
    const [row] = await secretRows<{ expires_at: number }>(t, 'SELECT max(expires_at) AS expires_at FROM sessions');
    expect(row?.expires_at).to.be.within(clock.now(), clock.now() + 3_600_000);
    await clock.advance(3_600_000 + 1);
    const later = await c.get('/');
    expect(later.status).to.equal(303);
    expect(later.headers.location).to.match(/^\/login/);
  });

  it('stamps an API token\'s creation and last use with the bot\'s time', async () => {
    const c = new Client(url);
    await c.login('pw-for-tests');
    await c.get('/security');
    const created = await c.post('/security/tokens', { name: 'clocked' });
    expect(created.status).to.equal(200);
    const token = /id="new-token">([^<]+)</.exec(created.text)?.[1] ?? '';
    await clock.advance(5 * 60_000);
    expect((await api(url, token).get('/api/status')).status).to.equal(200);
    const rows = await secretRows<{ created_at: number; last_used_at: number }>(t, 'SELECT created_at, last_used_at FROM api_tokens');
    expect(rows).to.deep.equal([{ created_at: Date.parse('2026-01-15T12:00:00Z'), last_used_at: clock.now() }]);
  });
});
