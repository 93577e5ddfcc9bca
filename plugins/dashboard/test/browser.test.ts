// The dashboard driven in headless Chromium: log in, switch a plugin and watch the bot answer (or not) in
// the Test chat, edit settings through the generated form, run the setup wizard against fake Twitch
// endpoints, render hostile chat as text, refuse forged requests, and fit a 390 px phone screen.
// Screenshots of every page go to test-artifacts/ (not committed).
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from '../../../test/support/chromium.ts';
import { startFakeTwitch, type FakeTwitch } from '../../../test/support/fake-twitch.ts';
import { eventually, startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { Client, FAKE_GRANT, startFakeTwitchAuth, type FakeTwitchAuth } from './helpers.ts';

// Functions passed to page.waitForFunction / evaluate run in the browser; the project has no DOM types.
declare const document: {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): { width?: number } | null;
  documentElement: { scrollWidth: number };
};

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '../../../test-artifacts');
const FIXTURES = path.join(HERE, 'fixtures');
const PASSWORD = 'correct horse battery staple';
// Pages answered 4xx on purpose (a refused setting, a wrong password) show up as failed loads.
const EXPECTED_ERROR = /^Failed to load resource: the server responded with a status of 4\d\d/;
const PAGES = [
  ['dashboard', '/'],
  ['plugins', '/plugins'],
  ['setup', '/setup'],
  ['users', '/users'],
  ['logs', '/logs'],
  ['chat', '/chat'],
  ['security', '/security'],
  ['extension', '/hello'],
] as const;

describe('dashboard in a browser', function () {
  this.timeout(30_000);
  let t: TestBot;
  let url: string;
  let auth: FakeTwitchAuth;
  let twitch: FakeTwitch;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const dialogs: string[] = [];
  const consoleErrors: string[] = [];

  async function shot(p: Page, name: string): Promise<void> {
    await p.screenshot({ path: path.join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
  }

  function watch(p: Page): void {
    p.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    p.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    p.on('pageerror', (err) => consoleErrors.push(err.message));
  }

  async function login(p: Page, password = PASSWORD): Promise<void> {
    await p.goto(`${url}/login`);
    await p.fill('#password', password);
    await Promise.all([p.waitForLoadState('load'), p.click('button[type=submit]')]);
  }

  /** Sends a message in the Test chat page as `login`; returns how many bot lines there were before. */
  async function sayInTestChat(login: string, text: string, roles: string[] = []): Promise<{ bot: number; viewer: number }> {
    if (!page.url().endsWith('/chat') && !page.url().includes('/chat#')) await page.goto(`${url}/chat`);
    await page.fill('#chat-login', login);
    for (const box of await page.locator('input[name="roles"]').all()) {
      const want = roles.includes((await box.getAttribute('value')) ?? '');
      if ((await box.isChecked()) !== want) await box.setChecked(want);
    }
    const before = { bot: await page.locator('#transcript li.bot').count(), viewer: await page.locator('#transcript li.viewer').count() };
    await page.fill('#chat-text', text);
    await page.click('#chat-send');
    await page.waitForFunction((n) => document.querySelectorAll('#transcript li.viewer').length > n, before.viewer);
    return before;
  }

  async function botAnswers(before: number): Promise<string> {
    await page.waitForFunction((n) => document.querySelectorAll('#transcript li.bot').length > n, before, { timeout: 5000 });
    return (await page.locator('#transcript li.bot .text').last().textContent()) ?? '';
  }

  before(async function () {
    browser = await launchChromium(this);
    mkdirSync(ARTIFACTS, { recursive: true });
    auth = await startFakeTwitchAuth();
    twitch = await startFakeTwitch();
    twitch.acceptToken(FAKE_GRANT.accessToken, { login: FAKE_GRANT.login, userId: FAKE_GRANT.userId, clientId: FAKE_GRANT.clientId });
    // twurple (core's Twitch chat) validates tokens through its mock API when this is set.
    process.env.TWURPLE_MOCK_API_PORT = String(twitch.port);
    t = await startTestBot({
      plugins: ['dashboard', 'quotes', 'chatlog'],
      pluginPaths: [FIXTURES],
      // The fixture serves its script and stylesheet without login: the streamer grants it that.
      config: { bot: { grants: { hello: ['public-assets'] } }, plugins: { dashboard: { port: 0 } } },
      env: { DASHBOARD_PASSWORD: PASSWORD, TWITCH_AUTH_URL: auth.url, TWITCH_CHAT_URL: `ws://127.0.0.1:${twitch.port}` },
    });
    url = t.service('dashboard').url ?? '';
    // A config file with comments, as a streamer would have (the kit writes one without).
    const yaml = readFileSync(t.configFile, 'utf8');
    writeFileSync(t.configFile, `# BakeBot test config: this comment must survive a save from the dashboard.\n${yaml.replace(/^ {2}quotes:\n/m, '  quotes:\n    # Quotes settings: and so must this one.\n')}`);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    watch(page);
  });

  after(async () => {
    await browser?.close();
    await t?.stop();
    await twitch?.close();
    await auth?.close();
    delete process.env.TWURPLE_MOCK_API_PORT;
  });

  it('asks for the password, refuses a wrong one and logs in', async () => {
    await page.goto(`${url}/plugins`);
    expect(new URL(page.url()).pathname).to.equal('/login');
    await shot(page, 'login');
    await page.fill('#password', 'not the password');
    await Promise.all([page.waitForURL(`${url}/login`), page.click('button[type=submit]')]);
    expect(await page.locator('#login-error').textContent()).to.equal('Wrong password.');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(`${url}/plugins`), page.click('button[type=submit]')]);
    await page.goto(`${url}/`);
    expect(await page.locator('h1').textContent()).to.equal('Dashboard');
    expect(await page.locator('#s-label').textContent()).to.equal('Local mode (not connected to Twitch)');
    const cookies = await context.cookies();
    const sid = cookies.find((c) => c.name === 'bakebot.sid');
    expect(sid).to.include({ httpOnly: true, sameSite: 'Strict' });
  });

  it('switches quotes off and on from the Dashboard, and the bot stops and starts answering !quote in the Test chat', async () => {
    let before = await sayInTestChat('mod_amy', '!quote', ['moderator']);
    expect(await botAnswers(before.bot)).to.match(/^No quotes yet/);

    await page.goto(`${url}/`);
    await Promise.all([page.waitForURL(`${url}/`), page.click('button.switch[data-plugin="quotes"]')]);
    expect(await page.locator('.flash-ok').textContent()).to.equal('quotes is off.');
    expect(await page.locator('[data-state-of="quotes"]').textContent()).to.equal('disabled');
    expect(t.host.plugin('quotes')?.state).to.equal('disabled');

    before = await sayInTestChat('mod_amy', '!quote', ['moderator']);
    // The bot is done with it (and said nothing); then a later line in the page is the barrier: the
    // transcript's event stream is ordered, so a reply would have arrived before it.
    await t.idle();
    await sayInTestChat('mod_amy', 'just chatting');
    expect(await page.locator('#transcript li.bot').count()).to.equal(before.bot);
    await shot(page, 'chat-quotes-off');

    await page.goto(`${url}/`);
    await Promise.all([page.waitForURL(`${url}/`), page.click('button.switch[data-plugin="quotes"]')]);
    expect(await page.locator('[data-state-of="quotes"]').textContent()).to.equal('enabled');
    before = await sayInTestChat('mod_amy', '!quote', ['moderator']);
    expect(await botAnswers(before.bot)).to.match(/^No quotes yet/);
    await shot(page, 'chat');
  });

  it('shows an invalid setting\'s error beside its field, then saves a valid one, applies it live and keeps the YAML comments', async () => {
    await page.goto(`${url}/plugins`);
    const field = page.locator('.field:has(#f-quotes-maxLength)');
    await page.fill('#f-quotes-maxLength', '5');
    await Promise.all([page.waitForLoadState('load'), page.click('#plugin-quotes button[type=submit].primary')]);
    const error = field.locator('.field-error');
    expect(await error.textContent()).to.equal('Max length must be integer >= 10');
    expect(await page.locator('#f-quotes-maxLength').getAttribute('aria-invalid')).to.equal('true');
    expect(await page.inputValue('#f-quotes-maxLength')).to.equal('5');
    expect(t.host.pluginConfig('quotes')?.maxLength).to.equal(300);
    await page.locator('#plugin-quotes').scrollIntoViewIfNeeded();
    await shot(page, 'plugins-error');

    await page.fill('#f-quotes-maxLength', '50');
    await page.selectOption('#f-quotes-addPermission', 'vip');
    await Promise.all([page.waitForURL(/saved=quotes/), page.click('#plugin-quotes button[type=submit].primary')]);
    expect(await page.locator('#plugin-quotes .flash-ok').textContent()).to.equal('Saved.');
    expect(await page.inputValue('#f-quotes-maxLength')).to.equal('50');
    expect(t.host.pluginConfig('quotes')).to.deep.equal({ maxLength: 50, addPermission: 'vip' });
    const yaml = readFileSync(t.configFile, 'utf8');
    expect(yaml).to.include('# BakeBot test config: this comment must survive a save from the dashboard.');
    expect(yaml).to.include('    # Quotes settings: and so must this one.');
    expect(yaml).to.match(/quotes:\n(?: {4}.*\n)*? {4}maxLength: 50/);
    await shot(page, 'plugins');

    // Applied without a restart: the new limit is in force for the next command.
    const before = await sayInTestChat('vip_val', `!addquote ${'crumb '.repeat(12)}`, ['vip']);
    expect(await botAnswers(before.bot)).to.equal('Usage: !addquote <text> (at most 50 characters)');
  });

  it('runs the setup wizard against fake Twitch endpoints and connects the bot (token stored with mode 0600)', async () => {
    await page.goto(`${url}/setup`);
    await shot(page, 'setup');
    await page.fill('#clientId', FAKE_GRANT.clientId);
    await Promise.all([page.waitForURL(/#step-3$/), page.click('#save-client')]);
    await Promise.all([page.waitForURL(/#step-3$/), page.click('#start-device')]);
    expect(await page.locator('#user-code').textContent()).to.equal(FAKE_GRANT.userCode);
    expect(await page.locator('#verify-link').getAttribute('href')).to.equal(`https://www.twitch.tv/activate?device-code=${FAKE_GRANT.userCode}`);
    await shot(page, 'setup-code');
    // setup.js polls every `interval` (1 s here); the fake approves on the second poll.
    await page.locator('#granted-login').waitFor({ timeout: 10_000 });
    expect(await page.locator('#granted-login').textContent()).to.equal(FAKE_GRANT.login);
    expect(await page.locator('#granted-scopes').textContent()).to.equal('chat:read, chat:edit');
    expect(await page.locator('#granted-expiry').textContent()).to.equal('3 h 53 min');
    await shot(page, 'setup-approved');

    await page.fill('#channels', '#Streamer');
    await Promise.all([page.waitForURL(`${url}/`), page.click('#connect')]);
    expect(await page.locator('.flash-ok').textContent()).to.equal(`Connected as ${FAKE_GRANT.login}; joining #Streamer.`);

    const tokenFile = path.join(t.dir, 'data', 'twitch-token.json');
    expect(statSync(tokenFile).mode & 0o777).to.equal(0o600);
    const stored = JSON.parse(readFileSync(tokenFile, 'utf8')) as Record<string, unknown>;
    expect(stored).to.include({ accessToken: FAKE_GRANT.accessToken, refreshToken: FAKE_GRANT.refreshToken, clientId: FAKE_GRANT.clientId, source: 'wizard' });
    expect(stored.scope).to.deep.equal(['chat:read', 'chat:edit']);

    await twitch.waitForJoin('streamer');
    await eventually(() => t.bot.status().chat === 'connected', { what: 'the bot to connect' });
    await page.locator('#s-label', { hasText: 'Connected to Twitch' }).waitFor({ timeout: 5000 });
    expect(await page.locator('#s-channels').textContent()).to.include('streamer');
    await shot(page, 'dashboard-connected');

    const device = auth.calls.find((c) => c.path === '/oauth2/device');
    expect(device?.params).to.deep.equal({ client_id: FAKE_GRANT.clientId, scopes: 'chat:read chat:edit' });
    const polls = auth.calls.filter((c) => c.path === '/oauth2/token');
    expect(polls.length).to.be.at.least(2);
    expect(polls[0]?.params).to.include({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: FAKE_GRANT.deviceCode, client_id: FAKE_GRANT.clientId });
    expect(auth.calls.filter((c) => c.path === '/oauth2/validate').map((c) => c.authorization)).to.include(`OAuth ${FAKE_GRANT.accessToken}`);
    await page.goto(`${url}/setup`);
    expect(await page.locator('#check-result').textContent()).to.match(new RegExp(`Valid: logged in as ${FAKE_GRANT.login}`));
  });

  it('shows hostile chat as text on the Logs page, from the log and live (no script runs)', async () => {
    t.say('mallory', '<img src=x onerror=alert(1)>');
    t.say({ login: 'mallory2', displayName: '<b onmouseover=alert(9)>M</b>' }, '<script>alert(2)</script>');
    twitch.say('streamer', { login: 'twitchy', text: '<svg onload=alert(4)>"quoted" & more' });
    await eventually(async () => (await t.service('chatlog').query({ user: 'twitchy' })).length > 0, { what: 'the Twitch message to be logged', timeout: 5000 });
    await t.service('chatlog').flush();
    await page.goto(`${url}/logs`);
    for (const text of ['<img src=x onerror=alert(1)>', '<script>alert(2)</script>', '<svg onload=alert(4)>"quoted" & more', '<b onmouseover=alert(9)>M</b>']) {
      await page.getByText(text, { exact: true }).first().waitFor({ state: 'visible', timeout: 3000 });
    }
    // Live: arrives through the event stream while the page is open.
    t.say('eve', '<img src=y onerror=alert(3)>');
    await page.locator('#chat-lines li.new', { hasText: '<img src=y onerror=alert(3)>' }).waitFor({ timeout: 5000 });
    expect(await page.locator('#chat-lines img, #chat-lines script, #chat-lines svg, #chat-lines b').count()).to.equal(0);
    await page.mouse.move(200, 300);
    // Whether a dialog opens (no event to await when none does): a moment of wall-clock time after the hover.
    await page.waitForTimeout(200);
    expect(dialogs).to.deep.equal([]);
    await shot(page, 'logs');
  });

  it('refuses a form post without the CSRF token, an API call without a token and a foreign Host header', async () => {
    const forged = await page.request.post(`${url}/plugins/quotes/disable`, { form: { back: '/' }, maxRedirects: 0 });
    expect(forged.status()).to.equal(403);
    expect(t.host.plugin('quotes')?.state).to.equal('enabled');
    const anonymous = await context.request.storageState();
    expect(anonymous.cookies.some((c) => c.name === 'bakebot.sid')).to.equal(true);
    const fresh = await browser.newContext();
    const noToken = await fresh.request.get(`${url}/api/status`);
    expect(noToken.status()).to.equal(401);
    expect(await noToken.json()).to.have.property('error');
    await fresh.close();
    const foreign = await new Client(url).get('/api/status', { host: 'bakebot.evil.example' });
    expect(foreign.status).to.equal(403);
    expect(foreign.json().error).to.match(/does not answer to the host name/);
  });

  it('has no Users page while the economy is off: the page is the economy\'s', async () => {
    const r = await page.goto(`${url}/users`);
    expect(r?.status()).to.equal(404);
    expect(await page.locator('nav.nav a[href="/users"]').count()).to.equal(0);
  });

  it('switches the economy on (its Users pages come with it; the dashboard keeps running) and edits a viewer\'s tokens through the ledger', async () => {
    await page.goto(`${url}/`);
    await Promise.all([page.waitForURL(`${url}/`), page.click('button.switch[data-plugin="economy"]')]);
    expect(await page.locator('.flash-ok').textContent()).to.equal('economy is on.');
    expect(await page.locator('[data-state-of="economy"]').textContent()).to.equal('enabled');
    expect(t.service('dashboard').url).to.equal(url);
    for (const login of ['alice', 'albert', 'zoe']) t.say(login, `hello from ${login}`);
    await eventually(async () => (await t.service('economy').listAccounts({})).total >= 3, { what: 'accounts' });
    await t.service('economy').credit('local:zoe', 30, { reason: 'welcome' });

    await page.goto(`${url}/users?sort=tokens`);
    expect(await page.locator('.users-table tbody tr').first().locator('td').first().textContent()).to.match(/zoe/);
    await page.fill('#q', 'al');
    // Waits for the search's own address: 'load' of the page already shown could resolve before it navigates.
    await Promise.all([page.waitForURL(/[?&]q=al\b/), page.click('form.search button')]);
    expect(await page.locator('.users-table tbody tr').count()).to.equal(2);
    await shot(page, 'users');
    await Promise.all([page.waitForURL(`${url}/users/alice`), page.click('a[href="/users/alice"]')]);
    await page.fill('#tokens-in', '75');
    await page.fill('#reason', 'refund for a lost duel');
    await Promise.all([page.waitForLoadState('load'), page.click('#edit-economy button[type=submit]')]);
    expect(await page.locator('.flash-ok').textContent()).to.equal('alice: tokens set to 75.');
    expect(await page.locator('#tokens').textContent()).to.equal('75');
    const row = page.locator('section:has(#ledger-h) tbody tr').first();
    expect(await row.textContent()).to.include('refund for a lost duel').and.include('dashboard').and.include('+75');
    const [entry] = await t.service('economy').history('local:alice', 1);
    expect(entry).to.include({ kind: 'admin', delta: 75, actor: 'dashboard', reason: 'refund for a lost duel', source: 'dashboard' });
    await shot(page, 'user-economy');
    await Promise.all([page.waitForLoadState('load'), page.click('#ban-toggle')]);
    expect(await page.locator('#ban-state').textContent()).to.match(/^banned/);
    expect(t.bot.users.isBanned('local:alice')).to.equal(true);
    expect(await page.locator('#section-chatMessages').textContent()).to.include('hello from alice');
    await shot(page, 'user');
  });

  it('takes a screenshot of every page without CSP violations or script errors', async () => {
    for (const [name, p] of PAGES) {
      await page.goto(`${url}${p}`);
      if (name === 'dashboard') await page.waitForFunction(() => document.querySelector('#chart-commands') === null || (document.querySelector('#chart-commands')?.width ?? 0) > 0);
      if (name === 'extension') expect(await page.locator('#greet').getAttribute('data-scripted')).to.equal('yes');
      await shot(page, name);
    }
    expect(consoleErrors.filter((e) => !EXPECTED_ERROR.test(e))).to.deep.equal([]);
  });

  it('fits a 390 px wide phone screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    watch(p);
    try {
      await login(p);
      for (const [name, route] of PAGES) {
        await p.goto(`${url}${route}`);
        const width = await p.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `${route} is ${width}px wide`).to.be.at.most(390);
        await p.screenshot({ path: path.join(ARTIFACTS, `dashboard-mobile-${name}.png`), fullPage: true });
      }
      expect(consoleErrors.filter((e) => !EXPECTED_ERROR.test(e))).to.deep.equal([]);
    } finally {
      await phone.close();
    }
  });
});
