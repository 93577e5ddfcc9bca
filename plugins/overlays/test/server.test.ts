// The overlay server over real HTTP: it shows overlay pages and their event streams to whoever has the key,
// and refuses everything else (wrong or missing key, admin and API routes, writes, a foreign Host header).
// Also the service: owner-scoped state, widgets, event checks, key rotation.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { FakeClock, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { api, Client, openEvents } from '../../dashboard/test/helpers.ts';
import { isOverlayError, type OverlaysService } from '../service.ts';

const API_TOKEN = 'overlays-test-token-0123456789';
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('overlay server', function () {
  this.timeout(20_000);
  let t: TestBot;
  let overlays: OverlaysService;
  let base: string;
  let web: Client;
  let clock: FakeClock;

  const urlOf = (name: string) => overlays.list().find((o) => o.name === name)?.url ?? '';
  const pathOf = (name: string) => {
    const u = new URL(urlOf(name));
    return u.pathname + u.search;
  };

  beforeEach(async () => {
    clock = new FakeClock();
    t = await startTestBot({
      plugins: ['economy', 'shop', 'dashboard', 'overlays'],
      pluginPaths: [FIXTURES],
      clock,
      env: { DASHBOARD_PASSWORD: 'correct horse battery staple', BAKEBOT_API_TOKEN: API_TOKEN, WEB_PORT: '0', WEB_HOST: '127.0.0.1' },
      config: { plugins: { dashboard: { port: 0 }, fightclub: { enabled: true } } },
    });
    overlays = t.service('overlays');
    base = overlays.url ?? '';
    web = new Client(base);
  });
  afterEach(() => t.stop());

  it('listens on WEB_HOST/WEB_PORT and serves each overlay page with its key', async () => {
    expect(base).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(base).port).to.not.equal(new URL(t.service('dashboard').url ?? '').port);
    const names = overlays.list().map((o) => o.name);
    expect(names).to.include.members(['alerts', 'game', 'fight', 'leaderboard', 'orders', 'fightclub-score']);
    for (const name of names) {
      const r = await web.get(pathOf(name));
      expect(r.status, name).to.equal(200);
      expect(r.headers['content-type']).to.match(/^text\/html/);
      expect(r.text).to.include(`data-overlay="${name}"`).and.include('/assets/overlay.js').and.include('/assets/custom.css');
      expect(r.headers['referrer-policy']).to.equal('no-referrer');
      expect(r.headers['content-security-policy']).to.include("script-src 'self'");
    }
    expect((await web.get('/assets/overlay.css')).status).to.equal(200);
    expect((await web.get('/assets/custom.css')).text).to.include('no custom overlay style');
    const keys = new Set(names.map((n) => new URL(urlOf(n)).searchParams.get('key')));
    expect(keys.size, 'one key per overlay').to.equal(names.length);
    for (const k of keys) expect(k).to.match(/^[A-Za-z0-9_-]{32}$/);
  });

  it('refuses a wrong or missing key, and an old key after rotation', async () => {
    expect((await web.get('/overlay/alerts')).status).to.equal(403);
    expect((await web.get('/overlay/alerts?key=nope')).status).to.equal(403);
    const other = new URL(urlOf('fight')).searchParams.get('key') ?? '';
    expect((await web.get(`/overlay/alerts?key=${other}`)).status, "another overlay's key").to.equal(403);
    expect((await web.get(`/overlay/alerts/events?key=${other}`)).status).to.equal(403);
    expect((await web.get(`/overlay/nothing?key=${other}`)).status).to.equal(404);

    const old = pathOf('alerts');
    const stream = await openEvents(base, old.replace('/overlay/alerts', '/overlay/alerts/events'));
    await stream.next('state');
    const rotated = await overlays.rotateKey('alerts');
    expect(rotated.url).to.not.equal(base + old);
    await waitUntil(() => stream.ended, 'the old stream to close');
    expect((await web.get(old)).status).to.equal(403);
    expect((await web.get(pathOf('alerts'))).status).to.equal(200);
  });

  it('serves no admin route and takes no write', async () => {
    const key = pathOf('alerts').split('?')[1];
    for (const p of ['/', '/login', '/api/overlays', '/api/shop', '/api/purchase', '/plugins', '/events?topics=log', '/setup', `/api/overlays?${key}`, '/public/leaderboard', '/assets/../index.ts', '/assets/registry.ts']) {
      const r = await web.get(p);
      expect(r.status, p).to.equal(404);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      // (node's client sends a DELETE body without a length, which no server can read: no body there)
      const body = method === 'DELETE' ? {} : { json: { name: 'alerts' } };
      expect((await web.request(method, '/api/overlays/test', body)).status, method).to.equal(405);
      expect((await web.request(method, pathOf('alerts'), body)).status, method).to.equal(405);
    }
  });

  it('checks the Host header like the dashboard', async () => {
    for (const host of ['evil.example', 'evil.example:8080', '127.0.0.1.evil.example', 'localhost.evil.example', '[::2]']) {
      const r = await web.get(pathOf('alerts'), { host });
      expect(r.status, host).to.equal(403);
      expect(r.text).to.include('allowedHosts');
    }
    expect((await web.get(pathOf('alerts'), { host: `localhost:${new URL(base).port}` })).status).to.equal(200);
  });

  it('streams published events to the pages of that overlay, with the state for late pages', async () => {
    const fight = await openEvents(base, pathOf('fight').replace('/overlay/fight', '/overlay/fight/events'));
    expect(await fight.next('state')).to.deep.include({ layout: 'fight', state: null });
    const fc = t.service('fightclub');
    const event = { type: 'fight' as const, left: { name: 'Rye', hp: 40, maxHp: 100 }, right: { name: 'Bun', hp: 90, maxHp: 100 } };
    fc.publish('fight', event);
    expect(await fight.next('overlay')).to.deep.equal(event);
    const late = await openEvents(base, pathOf('fight').replace('/overlay/fight', '/overlay/fight/events'));
    expect(((await late.next('state')) as { state: unknown }).state, 'a page opened mid-fight sees it').to.deep.equal(event);

    // The fight belongs to the plugin that published it: when it goes, the fight leaves the screen.
    await t.host.setEnabled('fightclub', false);
    expect(await fight.next('overlay', (e) => (e as { type: string }).type === 'clear')).to.deep.equal({ type: 'clear' });
    expect(overlays.list().map((o) => o.name), 'its widget went with it').to.not.include('fightclub-score');
    fight.close();
    late.close();
  });

  it('refuses events a layout does not take, unknown overlays and other plugins’ widgets', () => {
    const codeOf = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        return isOverlayError(err) ? err.code : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => overlays.publish(undefined, 'nowhere', { type: 'clear' }))).to.equal('UNKNOWN_OVERLAY');
    expect(codeOf(() => overlays.publish(undefined, 'fight', { type: 'alert', title: 'x' }))).to.equal('INVALID_EVENT');
    expect(codeOf(() => overlays.publish(undefined, 'fight', { type: 'fight', left: { name: 'a', hp: 1, maxHp: 0 }, right: { name: 'b', hp: 1, maxHp: 1 } }))).to.equal('INVALID_EVENT');
    const stranger = { name: 'stranger', onDispose: () => undefined };
    expect(codeOf(() => overlays.publish(stranger, 'fightclub-score', { type: 'text', text: 'hi' }))).to.equal('NOT_OWNER');
    expect(codeOf(() => overlays.registerWidget(stranger, { name: 'alerts', title: 'x', layout: 'text' }))).to.equal('NAME_TAKEN');
    expect(codeOf(() => overlays.registerWidget(stranger, { name: 'Bad Name', title: 'x', layout: 'text' }))).to.equal('INVALID_NAME');
    expect(codeOf(() => t.service('fightclub').publish('fightclub-score', { type: 'text', text: '3 : 1' }))).to.equal('none');
  });

  it("lists the overlays and fires test events through the dashboard's API", async () => {
    const dash = api(t.service('dashboard').url ?? '', API_TOKEN);
    const list = await dash.get('/api/overlays');
    expect(list.status).to.equal(200);
    const rows = list.json<{ name: string; url: string }[]>();
    expect(rows.map((r) => r.name)).to.include.members(['alerts', 'game', 'fight', 'leaderboard', 'orders', 'fightclub-score']);
    for (const r of rows) expect(r.url).to.equal(urlOf(r.name));
    const stream = await openEvents(base, pathOf('alerts').replace('/overlay/alerts', '/overlay/alerts/events'));
    const fired = await dash.post('/api/overlays/test', { name: 'alerts' });
    expect(fired.status).to.equal(200);
    expect(await stream.next('overlay')).to.deep.include({ type: 'alert', title: 'Test alert' });
    stream.close();
    let r = await dash.post('/api/overlays/test', { name: 'nope' });
    expect(r.status).to.equal(404);
    expect(r.json()).to.deep.include({ code: 'UNKNOWN_OVERLAY' });
    r = await dash.post('/api/overlays/test', {});
    expect(r.status).to.equal(400);
    expect(r.json()).to.deep.include({ code: 'INVALID_BODY' });
    expect((await new Client(t.service('dashboard').url ?? '').get('/api/overlays', { accept: 'application/json' })).status, 'behind the login').to.equal(401);
    r = await dash.post('/api/overlays/rotate', { name: 'game' });
    expect(r.json<{ url: string }>().url).to.equal(urlOf('game'));
  });

  it('keeps what is on screen through a reload of the overlays plugin', async () => {
    const fight = { type: 'fight' as const, left: { name: 'Rye', hp: 10, maxHp: 100 }, right: { name: 'Bun', hp: 20, maxHp: 100 } };
    overlays.publish(undefined, 'fight', fight);
    await t.host.reload('overlays');
    overlays = t.service('overlays');
    const page = await openEvents(overlays.url ?? '', pathOf('fight').replace('/overlay/fight', '/overlay/fight/events'));
    expect(((await page.next('state')) as { state: unknown }).state).to.deep.equal(fight);
    page.close();
  });

  it('keeps the leaderboard from the economy up to date', async () => {
    const board = await openEvents(base, pathOf('leaderboard').replace('/overlay/leaderboard', '/overlay/leaderboard/events'));
    await board.next('state');
    const economy = t.service('economy');
    await t.bot.users.ensure({ id: 'local:crumb', login: 'crumb', displayName: 'Crumb' });
    await t.bot.users.ensure({ id: 'local:flour', login: 'flour', displayName: 'Flour' });
    await economy.credit('local:crumb', 120, { reason: 'test', source: 'test' });
    await economy.credit('local:flour', 300, { reason: 'test', source: 'test' });
    await clock.advance(2000);
    const event = (await board.next('overlay', (e) => ((e as { rows?: unknown[] }).rows ?? []).length === 2)) as { rows: unknown[] };
    expect(event.rows).to.deep.equal([
      { rank: 1, name: 'Flour', value: '300 tokens' },
      { rank: 2, name: 'Crumb', value: '120 tokens' },
    ]);
    board.close();
  });

  it('shows the leaderboard it finds at a start, before any token changes', async () => {
    const economy = t.service('economy');
    await t.bot.users.ensure({ id: 'local:crumb', login: 'crumb', displayName: 'Crumb' });
    await economy.credit('local:crumb', 120, { reason: 'test', source: 'test' });
    await t.stop({ keepDir: true });
    t = await startTestBot({
      dir: t.dir,
      keepConfig: true,
      plugins: ['economy', 'shop', 'dashboard', 'overlays'],
      pluginPaths: [FIXTURES],
      clock,
      env: { DASHBOARD_PASSWORD: 'correct horse battery staple', BAKEBOT_API_TOKEN: API_TOKEN, WEB_PORT: '0', WEB_HOST: '127.0.0.1' },
    });
    overlays = t.service('overlays');
    const board = await openEvents(overlays.url ?? '', pathOf('leaderboard').replace('/overlay/leaderboard', '/overlay/leaderboard/events'));
    const rows = [{ rank: 1, name: 'Crumb', value: '120 tokens' }];
    // Drawn just after the ready line: on screen when the page connects, or sent to it right after.
    const state = (await board.next('state')) as { state: { rows?: unknown[] } | null };
    if (state.state?.rows) expect(state.state.rows).to.deep.equal(rows);
    else expect(((await board.next('overlay')) as { rows: unknown[] }).rows).to.deep.equal(rows);
    board.close();
  });

  it('serves the public leaderboard only when switched on', async () => {
    expect((await web.get('/public/leaderboard')).status).to.equal(404);
    await t.host.saveConfig('overlays', { port: 0, publicLeaderboard: true });
    const now = new Client(t.service('overlays').url ?? '');
    const r = await now.get('/public/leaderboard');
    expect(r.status).to.equal(200);
    expect(r.text).to.include('data-layout="leaderboard"');
    expect((await now.get('/public/leaderboard', { host: 'evil.example' })).status).to.equal(403);
  });
});

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
