// The EventSub page in headless Chromium: connection, subscriptions (one revoked, with its reason), the managed
// rewards, a test event sent with its button and shown in the recent events. Screenshot in test-artifacts/.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../../../test/support/chromium.ts';
import { type FakeEventSub } from '../../../test/support/fake-eventsub.ts';
import { startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { balance, CLIENT_ID, SETTINGS, startFake, STREAMER, TOKEN, until, stopFake } from './helpers.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '../../../test-artifacts');
const PASSWORD = 'correct horse battery staple';

describe('eventsub page in a browser', function () {
  this.timeout(40_000);
  let fake: FakeEventSub;
  let t: TestBot;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async function () {
    browser = await launchChromium(this);
    mkdirSync(ARTIFACTS, { recursive: true });
    fake = await startFake();
    t = await startTestBot({
      plugins: ['economy', 'shop', 'dashboard', 'eventsub'],
      config: { bot: { channels: ['streamer'] }, plugins: { dashboard: { port: 0 }, eventsub: SETTINGS } },
      env: { DASHBOARD_PASSWORD: PASSWORD, TWITCH_BROADCASTER_TOKEN: TOKEN, TWITCH_CLIENT_ID: CLIENT_ID },
    });
    await until(() => fake.enabled().length === 7, 'the subscriptions');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
  });

  after(async () => {
    await browser?.close();
    // The fake EventSub (WebSocket and Helix) runs in this process: its side of the bot's connections closes
    // with the fake, after this; the root hook checks that nothing is left at the end of the run.
    await t?.stop({ allowLeftovers: true });
    await stopFake(fake);
  });

  it('shows the connection, subscriptions, rewards and a test event', async () => {
    const url = t.service('dashboard').url ?? '';
    await fake.revoke('channel.cheer', 'authorization_revoked');
    await until(() => t.service('eventsub').status().subscriptions.some((s) => s.status === 'revoked'), 'the revocation');
    await page.goto(`${url}/login`);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    await page.goto(`${url}/eventsub`);
    expect(await page.locator('#eventsub-connection').textContent()).to.match(/Transport: websocket · state: connected/);
    expect(await page.locator('#eventsub-subscriptions tbody tr').count()).to.equal(7);
    expect(await page.locator('#eventsub-subscriptions tr.sub-revoked').textContent()).to.match(/channel\.cheer.*authorization_revoked: the broadcaster revoked/);
    expect(await page.locator('#eventsub-rewards tbody tr').allTextContents()).to.have.length(3);
    expect(await page.locator('#eventsub-rewards tbody tr').first().textContent()).to.match(/Hydrate.*100.*created/);

    await page.fill('#eventsub-test form:has(button[data-type="follow"]) input[name="login"]', 'dana');
    await Promise.all([page.waitForURL(/tested=follow/), page.click('button[data-type="follow"]')]);
    expect(await page.locator('#eventsub-tested').textContent()).to.match(/Test follow event: done/);
    const first = page.locator('#eventsub-recent tbody tr').first();
    expect(await first.textContent()).to.match(/dana followed.*test.*done.*\+5 tokens, \+10 XP/);
    expect(await balance(t, 'local:dana')).to.equal(5);

    await page.fill('#eventsub-test form:has(button[data-type="raid"]) input[name="amount"]', '100');
    await Promise.all([page.waitForURL(/tested=raid/), page.click('button[data-type="raid"]')]);
    expect(await page.locator('#eventsub-recent tbody tr').first().textContent()).to.match(/testviewer raided with 100 viewers.*\+30 tokens/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'eventsub-page.png'), fullPage: true });
    expect(consoleErrors).to.deep.equal([]);
  });
});

describe('eventsub broadcaster login in a browser', function () {
  this.timeout(40_000);
  let fake: FakeEventSub;
  let t: TestBot;
  let browser: Browser;

  before(async function () {
    browser = await launchChromium(this);
    fake = await startFake();
    t = await startTestBot({
      plugins: ['economy', 'dashboard', 'eventsub'],
      config: { bot: { channels: ['streamer'] }, plugins: { dashboard: { port: 0 }, eventsub: { follow: SETTINGS.follow } } },
      env: { DASHBOARD_PASSWORD: PASSWORD, TWITCH_CLIENT_ID: CLIENT_ID, TWITCH_AUTH_URL: `http://127.0.0.1:${fake.port}` },
    });
  });

  after(async () => {
    await browser?.close();
    // The fake EventSub (WebSocket and Helix) runs in this process: its side of the bot's connections closes
    // with the fake, after this; the root hook checks that nothing is left at the end of the run.
    await t?.stop({ allowLeftovers: true });
    await stopFake(fake);
  });

  it('logs the broadcaster in with a device code, stores the token and connects with it', async () => {
    const url = t.service('dashboard').url ?? '';
    await until(() => t.service('eventsub').status().connection.status === 'error', 'no token yet');
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${url}/login`);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    await page.goto(`${url}/eventsub`);
    expect(await page.locator('#eventsub-connection').textContent()).to.match(/state: error.*no broadcaster token/s);
    await Promise.all([page.waitForURL(/login=/), page.click('#eventsub-login-start')]);
    expect(await page.locator('#eventsub-user-code').textContent()).to.equal('BAKE-1234');
    expect(fake.device?.scopes).to.include.members(['channel:read:redemptions', 'moderator:read:followers', 'bits:read']);

    await Promise.all([page.waitForURL(/login=/), page.click('#eventsub-login-check')]);
    expect(await page.locator('#eventsub-login-message').textContent()).to.match(/Not approved yet: enter BAKE-1234/);
    fake.approveDevice(STREAMER);
    await Promise.all([page.waitForURL(/login=/), page.click('#eventsub-login-check')]);
    expect(await page.locator('#eventsub-login-message').textContent()).to.equal('Logged in as streamer.');
    await until(() => fake.enabled('channel.follow').length === 1, 'the follow subscription with the new token');
    await page.goto(`${url}/eventsub`);
    expect(await page.locator('#eventsub-connection').textContent()).to.match(/state: connected.*token from stored/s);
    const stored = JSON.parse(readFileSync(path.join(t.bot.dataDir, 'twitch-broadcaster-token.json'), 'utf8')) as { source: string; refreshToken: string };
    expect(stored).to.include({ source: 'wizard', refreshToken: 'refresh-1001' });
    expect(statSync(path.join(t.bot.dataDir, 'twitch-broadcaster-token.json')).mode & 0o777).to.equal(0o600);
    await page.screenshot({ path: path.join(ARTIFACTS, 'eventsub-login.png'), fullPage: true });
  });
});
