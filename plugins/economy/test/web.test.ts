// The economy on the dashboard (web.ts): its Users pages and JSON routes, registered through the dashboard's
// service, and what that buys: a reload of the economy leaves the dashboard (its listener, its open event
// streams) untouched. Deleting a viewer goes through core's userForgotten, where every plugin deletes its rows.
import { expect } from 'chai';
import { settle, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { api, Client, openEvents, until } from '../../dashboard/test/helpers.ts';

const TOKEN = 'test-api-token-0123456789';

describe('economy on the dashboard: users over the API', function () {
  let t: TestBot;
  let A: ReturnType<typeof api>;

  before(async () => {
    t = await startTestBot({ plugins: ['dashboard', 'economy', 'chatlog'], config: { plugins: { dashboard: { port: 0 } } }, env: { DASHBOARD_PASSWORD: 'pw', BAKEBOT_API_TOKEN: TOKEN } });
    A = api(t.service('dashboard').url ?? '', TOKEN);
    for (const login of ['alice', 'bob', 'carol', 'dave', 'erin']) t.say(login, `hi, I am ${login}`);
    await settle(300);
    const eco = t.service('economy');
    await eco.flush();
    await eco.credit('local:carol', 40, { reason: 'welcome gift' });
  });

  after(async () => {
    await t?.stop();
  });

  it('lists accounts with search, sort and pages', async () => {
    const page2 = (await A.get('/api/users?page=2&limit=2&sort=login&order=asc')).json<{ users: { login: string }[]; total: number; pages: number }>();
    expect(page2.total).to.equal(5);
    expect(page2.pages).to.equal(3);
    expect(page2.users.map((u) => u.login)).to.deep.equal(['carol', 'dave']);
    const byTokens = (await A.get('/api/users?sort=tokens')).json<{ users: { login: string }[] }>();
    expect(byTokens.users[0]?.login).to.equal('carol');
    const search = (await A.get('/api/users?search=er')).json<{ users: { login: string }[] }>();
    expect(search.users.map((u) => u.login)).to.deep.equal(['erin']);
  });

  it('edits tokens and XP through the ledger, with the editor and the reason', async () => {
    const bad = await A.put('/api/users/alice', { tokens: -1 });
    expect(bad.status).to.equal(400);
    expect(bad.json().error).to.equal('tokens must be >= 0');
    const r = await A.put('/api/users/alice', { tokens: 80, xp: 500, reason: 'won the raffle' });
    expect(r.status).to.equal(200);
    expect(r.json<{ user: { account: { tokens: number; xp: number } } }>().user.account).to.include({ tokens: 80, xp: 500 });
    const got = (await A.get('/api/users/alice')).json<{ history: { kind: string; actor: string; reason: string; delta: number; balanceAfter: number }[] }>();
    expect(got.history[0]).to.include({ actor: 'api:env', reason: 'won the raffle' });
    const tokenRow = got.history.find((h) => h.delta === 80);
    expect(tokenRow).to.include({ kind: 'admin', balanceAfter: 80, actor: 'api:env' });
    expect((await t.service('economy').check()).ok).to.equal(true);
  });

  it('serves the leaderboard, the economy stats and the token charts', async () => {
    const lb = (await A.get('/api/leaderboard?by=tokens&limit=2')).json<{ leaderboard: { login: string; rank: number }[] }>();
    expect(lb.leaderboard.map((r) => r.login)).to.deep.equal(['alice', 'carol']);
    const stats = (await A.get('/api/economy/stats')).json<{ stats: { users: number; tokensInCirculation: number } }>();
    expect(stats.stats).to.include({ users: 5, tokensInCirculation: 120 });
    const charts = (await A.get('/api/stats/charts?days=3')).json<{ circulation: { values: number[] }; earners: { labels: string[] } }>();
    expect(charts.circulation.values.at(-1)).to.equal(120);
    expect(charts.earners.labels).to.include('carol');
  });

  it('exports and deletes a user on request', async () => {
    const exported = (await A.get('/api/users/carol/export')).json<{ economy: { ledger: unknown[] }; chatMessages: unknown[] }>();
    expect(exported.economy.ledger).to.have.length(1);
    expect(exported.chatMessages).to.have.length(1);
    const del = await A.del('/api/users/carol');
    expect(del.status).to.equal(200);
    expect(del.json()).to.include({ ok: true, userForgotten: true });
    expect((await A.get('/api/users/carol')).status).to.equal(404);
    expect((await A.get('/api/chat_logs?user=carol')).json<{ messages: unknown[] }>().messages).to.deep.equal([]);
  });
});

describe('economy on the dashboard: pages, deletion, reloads', function () {
  let t: TestBot;
  let url: string;
  let A: ReturnType<typeof api>;

  before(async () => {
    t = await startTestBot({ plugins: ['dashboard', 'economy', 'chatlog', 'shop'], config: { plugins: { dashboard: { port: 0 } } }, env: { DASHBOARD_PASSWORD: 'pw', BAKEBOT_API_TOKEN: TOKEN } });
    url = t.service('dashboard').url ?? '';
    A = api(url, TOKEN);
    for (const login of ['alice', 'bob', 'carol']) t.say(login, `hi, I am ${login}`);
    await settle(300);
    await t.service('economy').flush();
  });

  after(async () => {
    await t?.stop();
  });

  it('shows the Users page and a viewer\'s page with the chat log\'s section; the home page has its panel and charts', async () => {
    const c = new Client(url);
    await c.login('pw');
    const list = await c.get('/users?sort=login&order=asc');
    expect(list.status).to.equal(200);
    expect(list.text).to.include('<a href="/users" aria-current="page">Users</a>').and.include('href="/users/alice"').and.include('3 accounts');
    const alice = await c.get('/users/alice');
    expect(alice.status).to.equal(200);
    expect(alice.text).to.include('<h1>alice</h1>').and.include('id="section-chatMessages" data-plugin="chatlog"').and.include('hi, I am alice');
    expect((await c.get('/users/nobody_here')).status).to.equal(404);
    const home = await c.get('/');
    expect(home.text).to.include('id="panel-economy-summary"').and.include('id="chart-circulation"').and.include('id="chart-chat"');
    // The form posts of the viewer's page: a change with a reason goes into the ledger, the message follows.
    const edit = await c.post('/users/alice/edit', { tokens: '25', reason: 'found a coin' });
    expect(edit.status).to.equal(303);
    expect((await c.get('/users/alice')).text).to.include('alice: tokens set to 25.').and.include('found a coin');
  });

  it('deletes a viewer in one place: the economy, the chat log and the shop each delete their rows in core\'s userForgotten', async () => {
    const eco = t.service('economy');
    const bob = await eco.findAccount('bob');
    await eco.credit(bob?.userId ?? '', 50, { reason: 'gift' });
    const c = new Client(url);
    await c.login('pw');
    const wrong = await c.post('/users/bob/delete', { confirm: 'not-bob' });
    expect(wrong.status).to.equal(303);
    expect(await eco.findAccount('bob')).not.to.equal(undefined);
    const heard: string[] = [];
    // The economy's older API still hears it (an alias of the core event for plugins written before it).
    eco.onUserDeleted({ name: 'test', onDispose: () => undefined }, ({ userId }) => void heard.push(userId));
    const del = await A.del('/api/users/bob');
    expect(del.status).to.equal(200);
    expect(del.json()).to.deep.include({ ok: true, userForgotten: true, chatMessagesDeleted: 1, tokensClosed: 50 });
    expect(heard).to.deep.equal([bob?.userId]);
    expect(await eco.findAccount('bob')).to.equal(undefined);
    expect(await t.bot.users.byId(bob?.userId ?? '')).to.equal(undefined);
    expect((await A.get('/api/chat_logs?user=bob')).json<{ messages: unknown[] }>().messages).to.deep.equal([]);
    expect((await A.get('/api/users/bob')).status).to.equal(404);
    expect((await eco.check()).ok).to.equal(true);
    // Core's forget from anywhere (here the directory itself) reaches the economy's tap too.
    const carol = await eco.findAccount('carol');
    expect(await t.bot.users.forget(carol?.userId ?? '')).to.equal(true);
    expect(await eco.findAccount(carol?.userId ?? '')).to.equal(undefined);
  });

  it('reloads 20 times under chat without touching the dashboard: same listener, an open event stream stays open', async () => {
    const c = new Client(url);
    await c.login('pw');
    const dashboard = t.service('dashboard');
    const events = await openEvents(url, '/events?topics=chat', { cookie: c.cookieHeader() });
    try {
      let n = 0;
      const chatter = setInterval(() => t.say(`viewer${n % 7}`, `message ${n++}`), 5);
      try {
        for (let i = 0; i < 20; i++) {
          await t.host.reload('economy');
          expect(t.host.plugin('economy')?.state, `reload ${i}`).to.equal('enabled');
        }
      } finally {
        clearInterval(chatter);
      }
      expect(t.host.plugin('economy')?.reloads).to.be.at.least(20);
      expect(t.service('dashboard'), 'the dashboard was not set up again').to.equal(dashboard);
      expect(t.service('dashboard').url).to.equal(url);
      expect(t.host.plugin('dashboard')?.reloads).to.equal(0);
      expect(events.ended).to.equal(false);
      t.say('late', 'after the reloads');
      await events.next('chat', (d) => (d as { text?: string }).text === 'after the reloads');
      expect(events.ended).to.equal(false);
      await until(async () => (await A.get('/api/users?search=viewer')).json<{ total: number }>().total >= 7, 'chatters to have accounts');
      expect((await c.get('/users')).status).to.equal(200);
      expect((await A.get('/api/leaderboard')).status).to.equal(200);
      expect((await eco()).ok).to.equal(true);
    } finally {
      events.close();
    }
    function eco() {
      return t.service('economy').check();
    }
  });
});
