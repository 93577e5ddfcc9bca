// Secrets stay secret (issue 15): the generated password is printed on the terminal only (never in the log
// buffer, /api/logs, the Logs page or the live log stream); the session key, password hash, API tokens and
// sessions are in the dashboard's own file, which other plugins' ctx.db does not reach; older installs have
// theirs moved there from the bot database.
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Storage } from '../../core/db.ts';
import type { Logger } from '../../core/types.ts';
import { hashPassword } from '../../plugins/dashboard/server/auth.ts';
import { api, Client, openEvents } from '../../plugins/dashboard/test/helpers.ts';
import type { ProbeService } from './fixtures/probe/index.ts';
import { printedPassword, secretRows, secretRun, secretsFile, startDashboard, TOKEN, type SecurityBot } from './support.ts';

describe('security: secrets', function () {
  let s: SecurityBot | undefined;

  afterEach(async () => {
    await s?.t.stop();
    s = undefined;
  });

  it('prints the generated password on the terminal only: not in the log buffer, the API, the Logs page or the live stream', async () => {
    s = await startDashboard({ env: { BAKEBOT_API_TOKEN: TOKEN } });
    const first = printedPassword(s.terminal);
    expect(first).to.have.length.above(12);
    const inLogs = () => s!.t.host.recentLogs().filter((e) => JSON.stringify(e).includes(first) || JSON.stringify(e).includes(second));
    let second = first;
    expect(inLogs()).to.deep.equal([]);
    const A = api(s.url, TOKEN);
    expect((await A.get('/api/logs?level=debug&limit=1000')).text).not.to.include(first);
    const c = new Client(s.url);
    expect((await c.login(first)).status).to.equal(303);
    expect((await c.get('/logs')).text).not.to.include(first);
    // A new password generated while a live log stream is open (the hash removed, the dashboard reloaded).
    const stream = await openEvents(s.url, '/events?topics=log', { authorization: `Bearer ${TOKEN}` });
    const heard: string[] = [];
    const off = s.t.host.onLog((e) => heard.push(JSON.stringify(e)));
    try {
      await secretRun(s.t, "DELETE FROM settings WHERE key = 'password_hash'");
      await s.t.host.reload('dashboard');
      second = printedPassword(s.terminal);
      expect(second).to.have.length.above(12).and.not.equal(first);
      await stream.next('log', (d) => JSON.stringify(d).includes('printed on the terminal only'));
      expect(JSON.stringify(stream.events)).not.to.include(second);
      expect(heard.join('\n')).not.to.include(second);
      expect(inLogs()).to.deep.equal([]);
      // Whoever starts the bot still gets in with it.
      expect((await new Client(s.url).login(second)).status).to.equal(303);
    } finally {
      off();
      stream.close();
    }
  });

  it("keeps the session key, password hash, API tokens and sessions out of other plugins' ctx.db", async () => {
    s = await startDashboard({ env: { BAKEBOT_API_TOKEN: TOKEN }, plugins: ['probe'] });
    const password = printedPassword(s.terminal);
    const c = new Client(s.url);
    expect((await c.login(password)).status).to.equal(303);
    await c.get('/security');
    const created = await c.post('/security/tokens', { name: 'deck' });
    expect(created.status).to.equal(200);
    const sessionId = c.cookies.get('bakebot.sid') ?? '';
    expect(sessionId).to.have.length.above(20);
    const probe = s.t.host.serviceOf('probe') as ProbeService;
    const seen = await probe.dump();
    expect(seen).to.include('dashboard_settings'); // it does read the dashboard's other tables
    for (const secret of [sessionId, 'scrypt$']) expect(seen, secret).not.to.include(secret);
    const settings = await secretRows<{ key: string; value: string }>(s.t, 'SELECT key, value FROM settings');
    const hash = settings.find((r) => r.key === 'password_hash')?.value ?? '';
    const key = settings.find((r) => r.key === 'secret_key')?.value ?? '';
    const tokenHash = (await secretRows<{ token_hash: string }>(s.t, 'SELECT token_hash FROM api_tokens'))[0]?.token_hash ?? '';
    expect(hash).to.match(/^scrypt\$/);
    expect(key).to.have.length.above(20);
    expect((await secretRows(s.t, 'SELECT id FROM sessions WHERE id = ?', [sessionId])).length).to.equal(1);
    for (const secret of [hash, key, tokenHash]) expect(seen, secret).not.to.include(secret);
    expect(await probe.attach(secretsFile(s.t))).to.match(/too many attached databases/);
    expect(statSync(secretsFile(s.t)).mode & 0o777).to.equal(0o600);
  });

  it('moves the secrets an older version kept in the bot database into its own file, once, and deletes them there', async () => {
    s = await startDashboard({ env: { BAKEBOT_API_TOKEN: TOKEN } });
    const dir = s.t.dir;
    await s.t.stop({ keepDir: true });
    // As an older version left it: the secrets in the bot database, no secrets file.
    rmSync(secretsFile(s.t));
    await withBotDb(dir, async (db) => {
      await db.run("INSERT OR REPLACE INTO dashboard_settings (key, value) VALUES ('password_hash', ?), ('secret_key', 'old-secret-key-0123456789')", [await hashPassword('old-password-123')]);
      await db.run("INSERT INTO dashboard_api_tokens (name, token_hash, prefix, created_at) VALUES ('old', 'f00d', 'bkb_old', 1)");
      await db.run("INSERT INTO dashboard_sessions (id, data, expires_at) VALUES ('old-session', '{}', 1)");
    });
    s = await startDashboard({ dir, keepConfig: true, env: { BAKEBOT_API_TOKEN: TOKEN } });
    expect(printedPassword(s.terminal), 'no new password: the old one moved').to.equal('');
    expect((await new Client(s.url).login('old-password-123')).status).to.equal(303);
    expect(await s.t.storage.all("SELECT key FROM dashboard_settings WHERE key IN ('password_hash', 'secret_key')")).to.deep.equal([]);
    expect(await s.t.storage.all('SELECT * FROM dashboard_api_tokens')).to.deep.equal([]);
    expect(await s.t.storage.all('SELECT * FROM dashboard_sessions')).to.deep.equal([]);
    expect((await secretRows<{ value: string }>(s.t, "SELECT value FROM settings WHERE key = 'secret_key'"))[0]?.value).to.equal('old-secret-key-0123456789');
    expect(await secretRows(s.t, "SELECT name FROM api_tokens WHERE name = 'old'")).to.have.length(1);
    await s.t.stop({ keepDir: true });
    // Rows planted in the old tables later (by any plugin) are never taken in, only deleted.
    await withBotDb(dir, (db) => db.run("INSERT INTO dashboard_sessions (id, data, expires_at) VALUES ('planted', '{\"user\":\"admin\"}', 99999999999999)").then(() => undefined));
    s = await startDashboard({ dir, keepConfig: true, env: { BAKEBOT_API_TOKEN: TOKEN } });
    expect(await secretRows(s.t, "SELECT id FROM sessions WHERE id = 'planted'")).to.deep.equal([]);
    expect(await s.t.storage.all('SELECT * FROM dashboard_sessions')).to.deep.equal([]);
  });
});

async function withBotDb(dir: string, fn: (db: Storage) => Promise<void>): Promise<void> {
  const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet, terminalOnly() {} };
  const db = await Storage.open(path.join(dir, 'data', 'bakebot.sqlite3'), quiet);
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}
