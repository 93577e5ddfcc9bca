// Settings through the dashboard (issue 15): secrets masked at any depth and of any type, and a masked value
// sent back keeps the stored secret; the plugin's own check refuses a save before the file is written;
// bodies nested too deep are a 400, never a 500.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { api, Client } from '../../plugins/dashboard/test/helpers.ts';
import { PASSWORD, startDashboard, TOKEN, type SecurityBot } from './support.ts';

const SECRETS = {
  apiToken: 'sekrit-api-token-1',
  webhookSecret: 987654321,
  pin: 'sekrit-pin-2',
  hidden: 'sekrit-hidden-3',
  apiKeys: ['sekrit-key-4', 'sekrit-key-5'],
  oauth: { clientId: 'public-client-id', clientSecret: 'sekrit-client-6', nested: { refreshToken: 'sekrit-refresh-7', scopes: ['chat:read'] } },
  accounts: [{ login: 'alice', password: 'sekrit-account-8' }],
};
const CLEAR = ['sekrit', '987654321'];

describe('security: settings', function () {
  let s: SecurityBot;
  const A = () => api(s.url, TOKEN);

  before(async () => {
    s = await startDashboard({ plugins: ['secretive', 'economy'], config: { plugins: { secretive: { title: 'shown', ...SECRETS } } } });
  });

  after(async () => {
    await s?.t.stop();
  });

  it('masks secrets at any depth and of any type in GET /api/config, the plugin config route and the form', async () => {
    const all = await A().get('/api/config');
    const one = await A().get('/api/plugins/secretive/config');
    const c = new Client(s.url);
    await c.login(PASSWORD);
    const form = await c.get('/plugins');
    for (const [what, text] of [['/api/config', all.text], ['/api/plugins/secretive/config', one.text], ['/plugins', form.text]] as const) {
      for (const clear of CLEAR) expect(text, `${what} shows ${clear}`).not.to.include(clear);
    }
    const settings = one.json<{ settings: typeof SECRETS & { title: string } }>().settings;
    expect(settings.title).to.equal('shown');
    expect(settings.oauth.clientId).to.equal('public-client-id');
    expect(settings.oauth.nested.scopes).to.deep.equal(['chat:read']);
    expect(settings.apiKeys).to.deep.equal(['********', '********']);
    expect(settings.webhookSecret).to.equal('********');
    expect(settings.accounts[0]).to.deep.equal({ login: 'alice', password: '********' });
  });

  it('keeps the stored secrets when the masked values come back unchanged (API and form)', async () => {
    const masked = (await A().get('/api/plugins/secretive/config')).json<{ settings: Record<string, unknown> }>().settings;
    const put = await A().put('/api/plugins/secretive/config', { ...masked, title: 'renamed' });
    expect(put.status, put.text).to.equal(200);
    expect(s.t.host.pluginConfig('secretive')).to.deep.include({ ...SECRETS, title: 'renamed' });
    const saved = await A().post('/api/save-config', { plugin: 'secretive', settings: masked });
    expect(saved.status, saved.text).to.equal(200);
    expect(s.t.host.pluginConfig('secretive')).to.deep.include(SECRETS);
    // The form: secret inputs left empty, JSON fields sent back as shown.
    const c = new Client(s.url);
    await c.login(PASSWORD);
    const page = (await c.get('/plugins')).text;
    const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#34;/g, '"').replace(/&amp;/g, '&');
    const field = (name: string) => unescape(new RegExp(`name="${name.replace(/\./g, '\\.')}"[^>]*>([^<]*)</textarea>`).exec(page)?.[1] ?? '');
    const input = (name: string) => unescape(new RegExp(`name="${name.replace(/\./g, '\\.')}" value="([^"]*)"`).exec(page)?.[1] ?? '');
    // What a browser posts: secret inputs left empty, the nested object's fields (a group) and the JSON fields as shown.
    const posted = await c.post('/plugins/secretive/settings', {
      title: 'from the form', apiToken: '', webhookSecret: '', pin: '', hidden: '', apiKeys: field('apiKeys'), accounts: field('accounts'),
      'oauth.clientId': input('oauth.clientId'), 'oauth.clientSecret': '', 'oauth.nested.refreshToken': '', 'oauth.nested.scopes': field('oauth.nested.scopes'),
    });
    expect(input('oauth.clientId')).to.equal('public-client-id');
    expect(posted.status, posted.text.slice(0, 500)).to.equal(303);
    expect(s.t.host.pluginConfig('secretive')).to.deep.include({ ...SECRETS, title: 'from the form' });
    // A new secret typed in replaces the old one.
    await A().put('/api/plugins/secretive/config', { oauth: { ...SECRETS.oauth, clientSecret: 'sekrit-new-9' } });
    expect((s.t.host.pluginConfig('secretive') as typeof SECRETS).oauth.clientSecret).to.equal('sekrit-new-9');
  });

  it("refuses settings the plugin's own check rejects, with CONFIG_INVALID and the issues, and leaves the file as it was", async () => {
    const before = readFileSync(s.t.configFile, 'utf8');
    for (const timezone of ['Europe/Atlantis', '../../../etc/passwd']) {
      const r = await A().put('/api/plugins/economy/config', { timezone });
      expect(r.status, timezone).to.equal(400);
      const body = r.json<{ error: string; code: string; details: { issues: { path: string; message: string }[] } }>();
      expect(body.code).to.equal('CONFIG_INVALID');
      expect(body.details.issues).to.deep.include.members([{ path: 'plugins.economy.timezone', message: `"${timezone}" is not a known IANA time zone; use a name like "UTC", "Europe/Berlin" or "America/New_York"` }]);
    }
    const range = await A().post('/api/save-config', { plugin: 'economy', settings: { workRewardMin: 50, workRewardMax: 10 } });
    expect(range.status).to.equal(400);
    expect(range.json<{ details: { issues: { path: string }[] } }>().details.issues.map((i) => i.path)).to.deep.equal(['plugins.economy.workRewardMin']);
    // The form says it beside the field.
    const c = new Client(s.url);
    await c.login(PASSWORD);
    await c.get('/plugins');
    const form = await c.post('/plugins/economy/settings', { timezone: 'Europe/Atlantis', workRewardMin: '1', workRewardMax: '10' });
    expect(form.status).to.equal(400);
    expect(form.text).to.include('is not a known IANA time zone');
    expect(readFileSync(s.t.configFile, 'utf8')).to.equal(before);
    expect(s.t.host.plugin('economy')?.state).to.equal('enabled');
    expect(s.t.host.pluginConfig('economy')?.timezone).to.equal('UTC');
    expect((await A().put('/api/plugins/economy/config', { timezone: 'Europe/Berlin' })).status).to.equal(200);
  });

  it('answers bodies nested deeper than 32 levels with a 400, never a 500', async () => {
    // Written as text: JSON.stringify itself overflows at this depth.
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    for (const [method, path, body] of [
      ['PUT', '/api/plugins/secretive/config', `{"oauth":${deep}}`],
      ['POST', '/api/save-config', `{"plugin":"secretive","settings":{"oauth":${deep}}}`],
      ['POST', '/api/chat', deep],
    ] as const) {
      const r = await A().raw(method, path, { body, headers: { 'content-type': 'application/json' } });
      expect(r.status, `${method} ${path}`).to.equal(400);
      expect(r.json().error).to.match(/nested deeper than 32/);
    }
    let ok: unknown = 1;
    for (let i = 0; i < 20; i++) ok = [ok];
    expect((await A().post('/api/save-config', { plugin: 'secretive', settings: { apiKeys: ok } })).status).to.equal(400); // the schema's 400, not the depth's
    expect(s.t.host.recentLogs().filter((e) => e.level === 'error')).to.deep.equal([]);
  });
});
