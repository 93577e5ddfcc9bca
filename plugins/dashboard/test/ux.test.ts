// The dashboard as a streamer lives it, in headless Chromium at 1280 and 390 px (issue 19): honest saves
// (an error beside its field, focus on it, a summary on top, no "Saved" when the new settings do not run,
// the file unchanged), the shop's queue and the ledger as cards on a phone with Fulfil and Refund on screen,
// the collapsible navigation with 44 px targets, local relative times, and dark mode. Screenshots go to
// test-artifacts/ux-*.png.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from '../../../test/support/chromium.ts';
import { FakeClock, startTestBot, type TestBot } from '../../../test/support/kit.ts';

declare const document: {
  querySelectorAll(s: string): ArrayLike<{ getBoundingClientRect(): { right: number }; tagName: string; id: string; className: string }>;
  activeElement: { id: string } | null;
  documentElement: { scrollWidth: number };
  body: unknown;
};
declare function getComputedStyle(e: unknown): { backgroundColor: string };

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '../../../test-artifacts');
const PASSWORD = 'correct horse battery staple';
const WIDTHS = [1280, 390] as const;

describe('dashboard ux: honest saves, phone layout, times, dark mode', function () {
  this.timeout(60_000);
  let browser: Browser;
  let t: TestBot;
  let url: string;
  const contexts = new Map<number, BrowserContext>();
  const problems: string[] = [];

  async function pageAt(width: number): Promise<Page> {
    let context = contexts.get(width);
    if (!context) {
      context = await browser.newContext({ viewport: { width, height: width > 500 ? 900 : 844 }, isMobile: width < 500, hasTouch: width < 500 });
      context.setDefaultTimeout(10_000);
      contexts.set(width, context);
      const p = await context.newPage();
      p.on('dialog', (d) => void d.accept());
      p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      p.on('console', (m) => {
        if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      await p.goto(`${url}/login`);
      await p.fill('#password', PASSWORD);
      await Promise.all([p.waitForURL(`${url}/`), p.click('button[type=submit]')]);
      return p;
    }
    return context.pages()[0]!;
  }

  async function shot(p: Page, name: string): Promise<void> {
    await p.screenshot({ path: path.join(ARTIFACTS, `ux-${name}.png`), fullPage: true });
  }

  before(async function () {
    browser = await launchChromium(this);
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestBot({
      plugins: ['dashboard', 'economy', 'shop', 'quotes'],
      clock: new FakeClock(Date.now()),
      pluginPaths: [path.join(HERE, 'ux-fixtures')],
      // Twitch's auth server unreachable (a closed port): the wizard must not blame the token.
      env: { DASHBOARD_PASSWORD: PASSWORD, TWITCH_AUTH_URL: 'http://127.0.0.1:9' },
      config: {
        bot: { commandCooldown: 0 },
        plugins: {
          dashboard: { port: 0 },
          shop: { items: { portrait: { name: 'Flour Portrait', cost: 60, effect: 'manual', category: 'specials', roles: ['subscriber', 'vip'] } } },
        },
      },
    });
    url = t.service('dashboard').url ?? '';
    const economy = t.service('economy');
    for (const v of ['alice', 'bob', 'carol', 'dave']) {
      await t.bot.users.ensure({ id: `local:${v}`, login: v });
      await economy.credit(`local:${v}`, 500, { reason: 'test money', source: 'test' });
    }
    // A queue with long notes, as viewers type them.
    expect(await t.ask({ login: 'alice', roles: ['subscriber'] }, '!buy portrait draw me as a baguette with extraordinarily long sourdough whiskers')).to.match(/queue/);
    expect(await t.ask({ login: 'bob', roles: ['vip'] }, '!buy portrait a croissant crown please')).to.match(/queue/);
  });

  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  afterEach(() => {
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  for (const width of WIDTHS) {
    it(`${width} px: a refused setting shows beside its field with focus and a summary; fixing it saves (only that section changes)`, async () => {
      const p = await pageAt(width);
      await p.goto(`${url}/plugins#plugin-economy`);
      const before = readFileSync(t.configFile, 'utf8');
      await p.fill('#f-economy-workRewardMin', '50');
      await p.fill('#f-economy-workRewardMax', '5');
      await Promise.all([p.waitForLoadState('load'), p.click('#plugin-economy form.settings button[type=submit]')]);
      const summary = p.locator('#plugin-economy [data-error-summary]');
      expect(await summary.textContent()).to.match(/Not saved\.[\s\S]*larger than workRewardMax/);
      expect(await p.evaluate(() => document.activeElement?.id)).to.equal('f-economy-workRewardMin');
      // The error sits right under its field, and inside the screen width.
      const input = (await p.locator('#f-economy-workRewardMin').boundingBox())!;
      const error = (await p.locator('#f-economy-workRewardMin-error').boundingBox())!;
      expect(error.y).to.be.greaterThan(input.y);
      expect(error.y - (input.y + input.height)).to.be.lessThan(80);
      expect(error.x + error.width).to.be.at.most(width);
      expect(await p.locator('.flash-ok').count()).to.equal(0);
      expect(readFileSync(t.configFile, 'utf8')).to.equal(before);
      if (width < 500) {
        const wide = await p.evaluate((w) => Array.from(document.querySelectorAll('main *')).filter((e) => e.getBoundingClientRect().right > w + 1).map((e) => `${e.tagName}#${e.id}.${e.className}`), width);
        expect(wide.slice(0, 5)).to.deep.equal([]);
        expect(await p.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(width);
      }
      await shot(p, `settings-error-${width}`);
      await p.locator('#plugin-economy').screenshot({ path: path.join(ARTIFACTS, `ux-settings-error-section-${width}.png`) });

      // Editing the field takes its error away; a good value is saved and applied.
      await p.fill('#f-economy-workRewardMin', '2');
      expect(await p.locator('#f-economy-workRewardMin-error').isHidden()).to.equal(true);
      await Promise.all([p.waitForLoadState('load'), p.click('#plugin-economy form.settings button[type=submit]')]);
      expect(await p.locator('.flash-ok').first().textContent()).to.match(/Saved the settings of economy/);
      expect(t.host.pluginConfig('economy')).to.include({ workRewardMin: 2, workRewardMax: 5 });
      const after = readFileSync(t.configFile, 'utf8');
      const outside = (text: string) => text.replace(/\n {2}economy:[\s\S]*?(?=\n {2}[a-z])/, '\n  <economy>');
      expect(outside(after)).to.equal(outside(before));
      // Put it back for the other width.
      expect(await t.host.saveConfig('economy', { workRewardMin: 1, workRewardMax: 10 })).to.deep.equal({ ok: true });
    });

    it(`${width} px: settings that do not start are not "Saved": the error says so and the file keeps the running value`, async () => {
      const p = await pageAt(width);
      await p.goto(`${url}/plugins#plugin-oven`);
      const before = readFileSync(t.configFile, 'utf8');
      await p.fill('#f-oven-temperature', '0');
      await Promise.all([p.waitForLoadState('load'), p.click('#plugin-oven form.settings button[type=submit]')]);
      expect(await p.locator('#plugin-oven [data-error-summary]').textContent()).to.match(/the new settings did not start \(.*the oven is cold/);
      expect(await p.locator('.flash-ok').count()).to.equal(0);
      expect(await p.locator('#plugin-oven .flash-ok').count()).to.equal(0);
      expect(readFileSync(t.configFile, 'utf8')).to.equal(before);
      expect(t.host.pluginConfig('oven')).to.deep.equal({ temperature: 180 });
      await shot(p, `reload-failed-${width}`);
      await p.locator('#plugin-oven').screenshot({ path: path.join(ARTIFACTS, `ux-reload-failed-section-${width}.png`) });
      // The value that runs, saved again, settles it: no error left on the plugin.
      await p.fill('#f-oven-temperature', '180');
      await Promise.all([p.waitForLoadState('load'), p.click('#plugin-oven form.settings button[type=submit]')]);
      expect(await p.locator('.flash-ok').first().textContent()).to.match(/Saved the settings of oven/);
      expect(await p.locator('[data-error-of="oven"]').isHidden()).to.equal(true);
    });

    it(`${width} px: the redemption queue fits (Fulfil and Refund on screen), times are local and relative`, async () => {
      const p = await pageAt(width);
      await p.goto(`${url}/shop`);
      await p.waitForSelector('#shop-pending tbody tr');
      const vw = width;
      for (const sel of ['#shop-pending tr[data-id="1"] button.shop-fulfil', '#shop-pending tr[data-id="1"] button.shop-refund']) {
        const box = (await p.locator(sel).boundingBox())!;
        expect(box.x, sel).to.be.at.least(0);
        expect(box.x + box.width, sel).to.be.at.most(vw);
        if (width < 500) expect(box.height, sel).to.be.at.least(44);
      }
      if (width < 500) expect(await p.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(vw);
      const when = (await p.locator('#shop-pending tr[data-id="1"] time').textContent()) ?? '';
      expect(when).to.not.include('UTC');
      expect(when).to.match(/ago|now/);
      await shot(p, `shop-queue-${width}`);
      // The ledger too.
      await p.goto(`${url}/users/alice`);
      if (width < 500) {
        expect(await p.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(vw);
        expect(await p.locator('table.ledger thead').isHidden()).to.equal(true);
      }
      await shot(p, `ledger-${width}`);
    });
  }

  for (const width of WIDTHS) {
    it(`${width} px: the Commands page lists every command and edits its override and the chat settings`, async () => {
      const p = await pageAt(width);
      await p.goto(`${url}/commands`);
      const row = p.locator('#cmd-buy');
      expect(await row.locator('td').first().textContent()).to.include('!buy');
      expect(await row.locator('select[name=permission]').inputValue()).to.equal('everyone');
      const cooldown = String(width === 390 ? 9 : 7);
      await row.locator('input[name=cooldown]').fill(cooldown);
      await row.locator('input[name=aliases]').fill('purchase');
      await Promise.all([p.waitForLoadState('load'), row.locator('button[type=submit]').first().click()]);
      expect(await p.locator('.flash-ok').first().textContent()).to.include('Saved !buy');
      const buy = t.bot.router.list().find((c) => c.name === 'buy');
      expect(buy).to.include({ cooldown: Number(cooldown) });
      expect(buy?.aliases).to.include('purchase');
      expect(readFileSync(t.configFile, 'utf8')).to.match(new RegExp(`buy:[\\s\\S]*cooldown: ${cooldown}`));
      if (width < 500) expect(await p.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(width);
      await shot(p, `commands-${width}`);

      // A prefix with a space is refused beside its field; the file stays as it was.
      const before = readFileSync(t.configFile, 'utf8');
      await p.fill('#bot-prefix', 'a b');
      await Promise.all([p.waitForLoadState('load'), p.click('form[action="/commands/bot"] button[type=submit]')]);
      expect(await p.locator('[data-error-summary]').textContent()).to.include('Command prefix');
      expect(await p.locator('#bot-prefix-error').isVisible()).to.equal(true);
      expect(await p.evaluate(() => document.activeElement?.id)).to.equal('bot-prefix');
      expect(await p.locator('.flash-ok').count()).to.equal(0);
      expect(readFileSync(t.configFile, 'utf8')).to.equal(before);
      expect(await t.ask('alice', '!balance')).to.be.a('string');
      await shot(p, `commands-error-${width}`);
    });
  }

  it('the Quotes page (added by the quotes plugin) lists, searches, edits and deletes, at 1280 and 390 px', async () => {
    const mod = { login: 'amod', roles: ['moderator'] as const };
    for (const text of ['Flour is just edible dust', 'The oven knows', 'Never trust a flat baguette']) expect(await t.ask(mod, `!addquote ${text}`)).to.match(/^Saved quote #\d+/);
    const quotes = t.service('quotes');
    expect(await quotes.count()).to.equal(3);
    for (const width of WIDTHS) {
      const p = await pageAt(width);
      await p.goto(`${url}/quotes`);
      expect(await p.locator('#quote-count').textContent()).to.match(/^3 quotes\./);
      expect(await p.locator('.quotes-list li').count()).to.equal(3);
      await p.fill('#quote-search', 'oven');
      await Promise.all([p.waitForURL(/q=oven/), p.click('form[role=search] button')]);
      expect(await p.locator('.quotes-list li').count()).to.equal(1);
      if (width < 500) expect(await p.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(width);
      await shot(p, `quotes-${width}`);
    }
    const p = await pageAt(1280);
    await p.goto(`${url}/quotes`);
    await p.fill('#quote-text-2', 'The oven always knows');
    await Promise.all([p.waitForLoadState('load'), p.click('#quote-2 .quote-edit button')]);
    expect(await p.locator('.flash-ok').first().textContent()).to.equal('Saved quote #2.');
    expect(await t.ask('alice', '!quote 2')).to.equal('#2: "The oven always knows"');
    await Promise.all([p.waitForLoadState('load'), p.click('#quote-3 button.danger')]);
    expect(await p.locator('.flash-ok').first().textContent()).to.equal('Deleted quote #3.');
    expect(await p.locator('#quote-3').count()).to.equal(0);
    expect(await t.ask('alice', '!quote 3')).to.equal('There is no quote #3.');
    expect(await p.locator('nav a[href="/quotes"]').count()).to.equal(1);
  });

  it('390 px: start/stop buttons that cannot work are disabled with the reason; the wizard tells a network failure from a bad token and keeps the paste section open', async () => {
    const p = await pageAt(390);
    await p.goto(`${url}/`);
    expect(await p.locator('#start-chat').isDisabled()).to.equal(true);
    expect(await p.locator('#start-why').textContent()).to.include('No Twitch token yet');
    expect(await p.locator('#stop-chat').isDisabled()).to.equal(true);
    expect(await p.locator('#stop-why').textContent()).to.equal('Twitch chat is not on.');
    await shot(p, 'home-390');
    await p.goto(`${url}/setup`);
    await p.click('#manual summary');
    await p.fill('#accessToken', 'abcdefghij0123456789');
    await Promise.all([p.waitForURL(/paste=1/), p.click('#manual button[type=submit]')]);
    const error = (await p.locator('.flash-error').first().textContent()) ?? '';
    expect(error).to.match(/^Could not reach Twitch to check the token/);
    expect(error).to.not.include('does not work');
    expect(await p.locator('#manual').getAttribute('open')).to.not.equal(null);
    expect(await p.locator('#accessToken').isVisible()).to.equal(true);
    await shot(p, 'setup-unreachable-390');
    // The error is not kept: the next visit starts clean.
    await p.goto(`${url}/setup`);
    expect(await p.locator('.flash-error').count()).to.equal(0);
  });

  it('live counts: home\'s Bakery orders panel and the Shop page\'s totals follow a new order without a reload', async () => {
    const p = await pageAt(1280);
    await p.goto(`${url}/`);
    const panel = p.locator('#panel-shop-queue .panel-body');
    const waiting = async () => Number(/(\d+)/.exec((await panel.locator('strong').first().textContent()) ?? '')?.[1]);
    const before = await waiting();
    await p.waitForFunction(() => document.body && (document.body as { classList: { contains(c: string): boolean } }).classList.contains('live'));
    expect(await t.ask({ login: 'carol', roles: ['vip'] }, '!buy portrait a second crown')).to.match(/queue/);
    await p.waitForFunction((n) => Number(/(\d+)/.exec((globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector('#panel-shop-queue .panel-body strong')?.textContent ?? '')?.[1]) === n, before + 1);
    expect(await waiting()).to.equal(before + 1);

    const shop = await pageAt(390);
    await shop.goto(`${url}/shop`);
    const orders = Number(await shop.locator('#shop-orders-count').textContent());
    await shop.waitForFunction(() => document.body && (document.body as { classList: { contains(c: string): boolean } }).classList.contains('live'));
    expect(await t.ask({ login: 'dave', roles: ['subscriber'] }, '!buy portrait a third')).to.match(/queue/);
    await shop.waitForFunction((n) => (globalThis as unknown as { document: { getElementById(s: string): { textContent: string } | null } }).document.getElementById('shop-orders-count')?.textContent === String(n), orders + 1);
    expect(await shop.locator('#shop-pending-count').textContent()).to.equal(String(before + 2));
  });

  it('log filters are in the browser\'s time zone (Auckland here): sent as that moment, shown back as typed', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, timezoneId: 'Pacific/Auckland' });
    try {
      const p = await context.newPage();
      await p.goto(`${url}/login`);
      await p.fill('#password', PASSWORD);
      await Promise.all([p.waitForURL(`${url}/`), p.click('button[type=submit]')]);
      await p.goto(`${url}/logs`);
      await p.fill('#f-since', '2026-01-15T12:00');
      await Promise.all([p.waitForURL(/since=\d+/), p.click('#log-filters button[type=submit]')]);
      expect(new URL(p.url()).searchParams.get('since')).to.equal(String(Date.parse('2026-01-15T12:00:00+13:00')));
      expect(await p.inputValue('#f-since')).to.equal('2026-01-15T12:00');
      expect(await p.locator('label[for=f-since]').textContent()).to.equal('From');
    } finally {
      await context.close();
    }
  });

  it('the shop catalog: a card per item with labelled inputs, and a JSON import that shows the line of a mistake', async () => {
    const p = await pageAt(1280);
    await p.goto(`${url}/shop`);
    const portrait = p.locator('#shop-catalog .shop-card[data-id="portrait"]');
    await portrait.locator('summary').click();
    expect(await portrait.getByLabel('Cost (tokens)').inputValue()).to.equal('60');
    await p.click('.shop-import summary');
    await p.fill('#shop-import-text', '{\n  "portrait": {"name": "Flour Portrait", "cost": 60, "effect": "manual", "category": "specials", "roles": ["subscriber", "vip"]},\n  "bun": {"name": "Bun" "cost": 5}\n}');
    await p.click('#shop-import');
    expect(await p.locator('#shop-import-error').textContent()).to.match(/^Not valid JSON at line 3, column \d+/);
    await shot(p, 'shop-import-error-1280');
    await p.fill('#shop-import-text', '{"items": {\n  "portrait": {"name": "Flour Portrait", "cost": 60, "effect": "manual", "category": "specials", "roles": ["subscriber", "vip"]},\n  "bun": {"name": "Bun", "cost": 5, "effect": "none"}\n}}');
    await Promise.all([p.waitForEvent('load'), p.click('#shop-import')]);
    expect((await t.service('shop').items()).map((i) => i.id).sort()).to.deep.equal(['bun', 'portrait']);
  });

  it('390 px: the navigation folds behind a Menu button and its links are 44 px tall', async () => {
    const p = await pageAt(390);
    await p.goto(`${url}/`);
    const nav = p.locator('#main-nav');
    expect(await nav.isHidden()).to.equal(true);
    await p.click('#nav-toggle');
    expect(await p.locator('#nav-toggle').getAttribute('aria-expanded')).to.equal('true');
    expect(await nav.isVisible()).to.equal(true);
    for (const link of await nav.locator('a').all()) expect((await link.boundingBox())!.height).to.be.at.least(44);
    await shot(p, 'nav-open-390');
    // On a wide screen the navigation is always there and the button is not.
    const wide = await pageAt(1280);
    await wide.goto(`${url}/`);
    expect(await wide.locator('#main-nav').isVisible()).to.equal(true);
    expect(await wide.locator('#nav-toggle').isVisible()).to.equal(false);
  });

  it('dark mode follows the system, and the toggle overrides it (kept across pages)', async () => {
    const p = await pageAt(1280);
    const bg = () => p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await p.emulateMedia({ colorScheme: 'dark' });
    await p.goto(`${url}/plugins`);
    const dark = await bg();
    await p.emulateMedia({ colorScheme: 'light' });
    const light = await bg();
    expect(dark).to.not.equal(light);
    expect(dark).to.equal('rgb(23, 18, 13)');
    await shot(p, 'light-1280');
    await p.click('#theme-toggle');
    expect(await bg()).to.equal(dark);
    await p.goto(`${url}/`);
    expect(await bg()).to.equal(dark);
    await shot(p, 'dark-1280');
    await p.click('#theme-toggle');
    expect(await bg()).to.equal(light);
  });
});
