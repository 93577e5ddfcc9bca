// The Custom commands page in headless Chromium: write a response (unknown variables are pointed out as
// you type), test it, save it, see it answer in chat with its counter, and post a timer now.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../../../test/support/chromium.ts';
import { startTestBot, type TestBot } from '../../../test/support/kit.ts';

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts');
const PASSWORD = 'correct horse battery staple';

describe('custom commands page in a browser', function () {
  this.timeout(60_000);
  let t: TestBot;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async function () {
    browser = await launchChromium(this);
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestBot({
      plugins: ['dashboard', 'commands'],
      env: { DASHBOARD_PASSWORD: PASSWORD },
      config: {
        bot: { commandCooldown: 0, channels: ['bakery'] },
        plugins: { dashboard: { port: 0 }, commands: { commands: { rules: { response: 'Be kind, {user}.' } }, timers: { follow: { message: 'Follow {channel}!', minutes: 20, minLines: 2 } } } },
      },
    });
    const url = t.service('dashboard').url ?? '';
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${url}/login`);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    await page.goto(`${url}/commands/custom`);
  });

  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('adds a command with a live variable check and a test, then shows its uses', async () => {
    await page.fill('#cc-form [name=name]', 'hug');
    await page.fill('#cc-form [name=response]', '{user} hugs {touser} ({count}) {hug}');
    await page.locator('#cc-unknown', { hasText: 'Not variables, shown as written: {hug}' }).waitFor();
    await page.click('#cc-try');
    await page.locator('#cc-preview', { hasText: '!hug @friend hello → viewer hugs friend (1) {hug}' }).waitFor();
    await page.fill('#cc-form [name=response]', '{user} hugs {touser} ({count})');
    await page.fill('#cc-form [name=aliases]', 'cuddle');
    await Promise.all([page.waitForEvent('load'), page.click('#cc-form button[type=submit]')]);
    expect(await t.ask('crumb', '!cuddle @flour')).to.equal('crumb hugs flour (1)');
    await page.reload();
    expect(await page.locator('tr[data-name=hug] .cc-count').textContent()).to.equal('1');
    await page.click('tr[data-name=hug] .cc-test');
    await page.locator('#cc-message', { hasText: 'viewer: !hug @friend hello → viewer hugs friend (2)' }).waitFor();
    await page.click('tr[data-name=rules] .cc-edit');
    expect(await page.inputValue('#cc-form [name=response]')).to.equal('Be kind, {user}.');
    await page.click('tr[data-name=follow] .tm-test');
    await t.waitFor((o) => o.text === 'Follow bakery!');
    await page.screenshot({ path: path.join(ARTIFACTS, 'commands-page.png'), fullPage: true });
    expect(errors).to.deep.equal([]);
  });
});
