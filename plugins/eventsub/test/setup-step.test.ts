// The broadcaster's login as a step of the dashboard's setup wizard, in headless Chromium at 1280 and 390 px:
// shown while the plugin is on (and gone when it is off), the bot's own login asking for the channel-point
// scopes too when the bot account is the broadcaster, and the device-code flow against the fake storing the
// broadcaster's token. Screenshots in test-artifacts/.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../../../test/support/chromium.ts';
import { type FakeEventSub } from '../../../test/support/fake-eventsub.ts';
import { startFakeTwitch, type FakeTwitch } from '../../../test/support/fake-twitch.ts';
import { startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { html } from '../../dashboard/server/render.ts';
import { ALL_SCOPES } from '../auth.ts';
import type { createLogin } from '../login.ts';
import type { EventSubService, EventSubStatus } from '../service.ts';
import { loginBlock } from '../setup-step.ts';
import { CLIENT_ID, SETTINGS, startFake, STREAMER, until, stopFake } from './helpers.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '../../../test-artifacts');
const WIZARD_CLIENT = 'bakebotclient1';
const PASSWORD = 'correct horse battery staple';
const STEP = '#setup-eventsub-broadcaster';
// Runs in the page (playwright's evaluate); the project compiles without the DOM library.
declare const document: { documentElement: { scrollWidth: number } };

describe('eventsub step of the setup wizard in a browser', function () {
  this.timeout(40_000);
  let fake: FakeEventSub;
  let t: TestBot;
  let browser: Browser;
  const errors: string[] = [];

  before(async function () {
    browser = await launchChromium(this);
    mkdirSync(ARTIFACTS, { recursive: true });
    fake = await startFake();
    t = await startTestBot({
      plugins: ['economy', 'dashboard', 'eventsub'],
      config: { bot: { channels: ['streamer'] }, plugins: { dashboard: { port: 0 }, eventsub: { follow: SETTINGS.follow } } },
      env: { DASHBOARD_PASSWORD: PASSWORD, TWITCH_CLIENT_ID: CLIENT_ID, TWITCH_AUTH_URL: `http://127.0.0.1:${fake.port}` },
    });
  });

  after(async () => {
    await browser?.close();
    await t?.stop({ allowLeftovers: true });
    await stopFake(fake);
  });

  async function pageAt(width: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: width > 600 ? 900 : 844 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${t.service('dashboard').url ?? ''}/login`);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    return page;
  }

  it('asks for the broadcaster\'s scopes, logs the broadcaster in with a device code and stores the token, at 1280 and 390 px; gone with the plugin off', async () => {
    await until(() => t.service('eventsub').status().connection.status === 'error', 'no broadcaster token yet');
    const page = await pageAt(1280);
    await page.goto(`${t.service('dashboard').url ?? ''}/setup`);
    const step = page.locator(STEP);
    expect(await step.locator('h2').textContent()).to.equal('Log in the broadcaster for channel points');
    expect(await step.locator('#eventsub-scopes').textContent()).to.equal(ALL_SCOPES.join(' '));
    expect(await step.locator('#eventsub-broadcaster-state').textContent()).to.match(/Not logged in: no broadcaster token: log the broadcaster in on the Setup page/);

    // The bot's own login: ticking "the bot account is the broadcaster" asks for the channel-point scopes too.
    await page.fill('#clientId', WIZARD_CLIENT);
    await Promise.all([page.waitForURL(/#step-3/), page.click('#save-client')]);
    expect(await page.locator('label[for=as-broadcaster]').textContent()).to.contain(ALL_SCOPES.join(' '));
    await page.check('#as-broadcaster');
    await page.locator('#step-3').screenshot({ path: path.join(ARTIFACTS, 'eventsub-setup-bot-login-1280.png') });
    await Promise.all([page.waitForURL(/#step-3/), page.click('#start-device')]);
    expect(fake.device?.scopes).to.deep.equal(['chat:read', 'chat:edit', ...ALL_SCOPES]);
    await Promise.all([page.waitForURL(/\/setup$/), page.click('form[action="/setup/reset"] button')]);
    await page.fill('#clientId', WIZARD_CLIENT);
    await Promise.all([page.waitForURL(/#step-3/), page.click('#save-client')]);
    await Promise.all([page.waitForURL(/#step-3/), page.click('#start-device')]);
    expect(fake.device?.scopes).to.deep.equal(['chat:read', 'chat:edit']);
    await Promise.all([page.waitForURL(/\/setup$/), page.click('form[action="/setup/reset"] button')]);

    // The broadcaster's login, from the wizard and back to it.
    await Promise.all([page.waitForURL(/login=.*#setup-eventsub-broadcaster/), step.locator('#eventsub-login-start').click()]);
    expect(await step.locator('#eventsub-user-code').textContent()).to.equal('BAKE-1234');
    await step.screenshot({ path: path.join(ARTIFACTS, 'eventsub-setup-code-1280.png') });
    expect(fake.device?.scopes).to.deep.equal([...ALL_SCOPES]);
    await Promise.all([page.waitForURL(/login=/), step.locator('#eventsub-login-check').click()]);
    expect(await step.locator('#eventsub-login-message').textContent()).to.match(/Not approved yet: enter BAKE-1234/);
    fake.approveDevice(STREAMER);
    await Promise.all([page.waitForURL(/login=.*#setup-eventsub-broadcaster/), page.locator(`${STEP} #eventsub-login-check`).click()]);
    expect(await page.locator(`${STEP} #eventsub-login-message`).textContent()).to.equal('Logged in as streamer.');
    const file = path.join(t.bot.dataDir, 'twitch-broadcaster-token.json');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { source: string; refreshToken: string; scope: string[] };
    expect(stored).to.include({ source: 'wizard', refreshToken: 'refresh-1001' });
    expect(stored.scope).to.deep.equal([...ALL_SCOPES]);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    await until(() => fake.enabled('channel.follow').length === 1, 'the follow subscription with the new token');
    await page.goto(`${t.service('dashboard').url ?? ''}/setup#setup-eventsub-broadcaster`);
    expect(await page.locator(`${STEP} #eventsub-broadcaster-state`).textContent()).to.equal('Logged in as streamer (token from the login made here).');
    expect(await page.locator(`${STEP} #eventsub-missing-scopes`).count()).to.equal(0);
    expect(await page.locator(`${STEP} #eventsub-login-start`).textContent()).to.equal('Log in the broadcaster again');
    await page.screenshot({ path: path.join(ARTIFACTS, 'eventsub-setup-step-1280.png'), fullPage: true });

    const phone = await pageAt(390);
    await phone.goto(`${t.service('dashboard').url ?? ''}/setup#setup-eventsub-broadcaster`);
    expect(await phone.locator(`${STEP} #eventsub-broadcaster-state`).textContent()).to.contain('Logged in as streamer');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(390);
    await phone.locator(STEP).screenshot({ path: path.join(ARTIFACTS, 'eventsub-setup-step-390.png') });

    // Off: no step, and the bot's login asks for the chat scopes only.
    await t.host.setEnabled('eventsub', false);
    await page.fill('#clientId', WIZARD_CLIENT);
    await Promise.all([page.waitForURL(/#step-3/), page.click('#save-client')]);
    expect(await page.locator(STEP).count()).to.equal(0);
    expect(await page.locator('#as-broadcaster').count()).to.equal(0);
    expect(await page.locator('#step-3').textContent()).to.contain('chat:read chat:edit');
    expect(errors).to.deep.equal([]);
  });
});

describe('eventsub step of the setup wizard: what it says of the token', () => {
  const request = { path: '/setup', query: {}, user: 'admin', csrf: 'c', params: {} };
  const login = { pending: () => undefined } as unknown as ReturnType<typeof createLogin>;
  const text = (broadcaster: EventSubStatus['broadcaster']) => {
    const service = { status: () => ({ connection: { transport: 'websocket', status: 'connected', detail: '', since: 0, reconnects: 0 }, broadcaster, subscriptions: [], rewards: [] }) } as unknown as EventSubService;
    return loginBlock(html, request, service, login, 'setup').__safeHtml.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  };

  it('says when the bot account is the broadcaster and one token serves both, and names the scopes it lacks', () => {
    const both = text({ login: 'streamer', source: 'bot', scopes: ['chat:read', 'chat:edit', 'channel:manage:redemptions', 'moderator:read:followers'] });
    expect(both).to.contain("Logged in as streamer (token from the bot's own token: the bot account is the broadcaster, so one token serves both).");
    expect(both).to.contain('The token lacks the scopes channel:read:redemptions, bits:read, channel:read:subscriptions');
    expect(both).to.contain('Log the bot in again with "The bot account is the broadcaster" ticked');
    const env = text({ login: 'streamer', source: 'environment', scopes: [...ALL_SCOPES] });
    expect(env).to.contain('Logged in as streamer (token from TWITCH_BROADCASTER_TOKEN in .env).');
    expect(env).to.contain('It has every scope the events need.');
  });
});

describe('eventsub with the bot logged in as the broadcaster from the wizard', function () {
  this.timeout(40_000);
  let fake: FakeEventSub;
  let twitch: FakeTwitch;
  let t: TestBot;
  let browser: Browser;
  const BOTH = 'streamerChatAndChannelToken';

  before(async function () {
    browser = await launchChromium(this);
    fake = await startFake();
    twitch = await startFakeTwitch();
    // The streamer runs the bot on their own account: one token with the chat scopes and the channel's.
    fake.grant(BOTH, { user: STREAMER, clientId: WIZARD_CLIENT, scopes: ['chat:read', 'chat:edit', ...ALL_SCOPES] });
    twitch.acceptToken(BOTH, { login: STREAMER.login, userId: STREAMER.id, clientId: WIZARD_CLIENT });
    t = await startTestBot({
      plugins: ['economy', 'dashboard', 'eventsub'],
      config: { bot: { channels: ['streamer'] }, plugins: { dashboard: { port: 0 }, eventsub: { follow: SETTINGS.follow } } },
      env: { DASHBOARD_PASSWORD: PASSWORD, TWITCH_AUTH_URL: `http://127.0.0.1:${fake.port}`, TWITCH_CHAT_URL: `ws://127.0.0.1:${twitch.port}` },
    });
  });

  after(async () => {
    await browser?.close();
    await t?.stop({ allowLeftovers: true });
    await twitch?.close();
    await stopFake(fake);
  });

  it('starts EventSub again with the bot\'s token, which serves both', async () => {
    await until(() => t.service('eventsub').status().connection.status === 'error', 'no broadcaster token yet');
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const url = t.service('dashboard').url ?? '';
    await page.goto(`${url}/login`);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    await page.goto(`${url}/setup`);
    await page.fill('#clientId', WIZARD_CLIENT);
    await Promise.all([page.waitForURL(/#step-3/), page.click('#save-client')]);
    await page.click('#manual summary');
    await page.fill('#accessToken', BOTH);
    await Promise.all([page.waitForURL(/#step-4/), page.click('#manual button[type=submit]')]);
    await page.fill('#channels', 'streamer');
    await Promise.all([page.waitForURL(`${url}/`), page.click('#connect')]);
    await until(() => t.service('eventsub').status().broadcaster?.source === 'bot', 'EventSub with the bot\'s token', 15_000);
    await until(() => fake.enabled('channel.follow').length === 1, 'the follow subscription with the bot\'s token');
    await page.goto(`${url}/setup#setup-eventsub-broadcaster`);
    expect(await page.locator(`${STEP} #eventsub-broadcaster-state`).textContent()).to.equal("Logged in as streamer (token from the bot's own token: the bot account is the broadcaster, so one token serves both).");
    expect(await page.locator(`${STEP} #eventsub-missing-scopes`).count()).to.equal(0);
  });
});
