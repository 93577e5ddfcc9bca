// The Shop page in headless Chromium: the sales chart, fulfilling and refunding from the queue, a live
// order arriving, and editing the catalog (saved through the config, checked against the schema).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../../../test/support/chromium.ts';
import { PROJECT_ROOT } from '../../../core/bot.ts';
import { PASSWORD, startShop, type ShopBot } from './helpers.ts';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts');
const DAY = 86_400_000;

const ITEMS = {
  cookie: { name: 'Chocolate Chip Cookie', cost: 10, effect: 'none', maxPerPurchase: 12 },
  croissant: { name: 'Butter Croissant', cost: 25, effect: 'none' },
  starter: { name: 'Sourdough Starter', cost: 100, effect: 'manual', category: 'specials', stock: 5 },
  portrait: { name: 'Flour Portrait', cost: 60, effect: 'manual', category: 'specials' },
};

describe('shop: the Shop page in a browser', function () {
  this.timeout(60000);
  let s: ShopBot;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  before(async function () {
    browser = await launchChromium(this);
  });
  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    s = await startShop({ items: ITEMS, dashboard: true });
    for (const v of ['alice', 'bob', 'carol']) await s.fund(v, 2000);
    // A week of sales for the chart. (Moving the fake clock a day at a time would fire every interval timer
    // of every plugin thousands of times, so the orders are dated back afterwards instead.)
    const buys = [['alice', '!buy cookie 3'], ['bob', '!buy croissant 2'], ['carol', '!buy cookie 6'], ['alice', '!buy croissant'], ['bob', '!buy cookie 12']];
    for (const [i, [who, text]] of buys.entries()) {
      expect(await s.t.ask(who as string, text as string)).to.match(/^You bought/);
      await s.t.storage.run('UPDATE shop_redemptions SET created_at = created_at - ? WHERE id = ?', [(buys.length - i) * DAY, i + 1]);
    }
    expect(await s.t.ask('alice', '!buy starter')).to.match(/queue/);
    expect(await s.t.ask('bob', '!buy flour portrait draw me as a baguette')).to.match(/queue/);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('dialog', (d) => void d.accept());
    // Script errors and Content-Security-Policy violations (reported on the console) fail the test.
    problems = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${s.url}/login?next=/shop`);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${s.url}/shop`), page.click('button[type="submit"]')]);
  });
  afterEach(async () => {
    await page?.close();
    await s?.t.stop();
  });

  it('shows sales, the queue and the catalog; fulfils, refunds, gets live orders, and saves the catalog', async () => {
    expect(await page.textContent('h1')).to.equal('Shop');
    await page.waitForSelector('#shop-chart[data-drawn="true"]');
    expect(await page.textContent('.shop-totals')).to.match(/^7 orders · 445 tokens spent · 2 waiting · 0 refunded$/);
    expect(await page.locator('#shop-pending tbody tr').count()).to.equal(2);
    expect(await page.textContent('#shop-pending tbody tr[data-id="7"] .shop-input')).to.equal('draw me as a baguette');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'shop-page.png'), fullPage: true });

    // Fulfil the starter (order #6).
    await page.click('#shop-pending tr[data-id="6"] button.shop-fulfil');
    await page.waitForSelector('#shop-pending tr[data-id="6"].shop-fulfilled');
    expect(await page.textContent('#shop-message')).to.equal('Fulfilled order #6.');
    expect(await s.shop.redemption(6)).to.include({ status: 'fulfilled', handledBy: 'dashboard' });
    expect(await page.textContent('#shop-pending-count')).to.equal('1');

    // Refund the portrait (order #7) with a reason: bob gets his 60 tokens back.
    const before = await s.balance('bob');
    await page.fill('#shop-pending tr[data-id="7"] .shop-reason', 'out of flour');
    await page.click('#shop-pending tr[data-id="7"] button.shop-refund');
    await page.waitForSelector('#shop-pending tr[data-id="7"].shop-refunded');
    expect(await s.shop.redemption(7)).to.include({ status: 'refunded', refundReason: 'out of flour', handledBy: 'dashboard' });
    expect(await s.balance('bob')).to.equal(before + 60);

    // A viewer buys while the page is open: the order shows up live.
    expect(await s.t.ask('carol', '!buy portrait a loaf with a hat')).to.match(/order #8/);
    await page.waitForSelector('#shop-pending tr[data-id="8"]', { timeout: 5000 });
    expect(await page.textContent('#shop-pending tr[data-id="8"] .shop-input')).to.equal('a loaf with a hat');

    // Catalog: a wrong cost is refused with the schema's message, beside the field.
    const cookie = page.locator('#shop-catalog .shop-card[data-id="cookie"]');
    await cookie.locator('summary').click();
    await cookie.locator('[data-key="cost"]').fill('-3');
    await page.click('#shop-save');
    await page.waitForSelector('#shop-catalog-errors:not([hidden])');
    expect(await page.textContent('#shop-catalog-errors')).to.contain('Chocolate Chip Cookie › Cost (tokens) must be integer >= 0');
    expect(await cookie.locator('[data-key="cost"]').getAttribute('aria-invalid')).to.equal('true');

    // A right one is saved: a new price and a new item; the page reloads with them.
    await cookie.locator('[data-key="cost"]').fill('15');
    await page.click('#shop-add');
    const added = page.locator('#shop-catalog .shop-card.shop-new');
    await added.locator('[data-key="id"]').fill('pretzel');
    await added.locator('[data-key="name"]').fill('Salted Pretzel');
    await added.locator('[data-key="cost"]').fill('7');
    await Promise.all([page.waitForEvent('load'), page.click('#shop-save')]);
    await page.waitForSelector('#shop-catalog .shop-card[data-id="pretzel"]');
    expect(await page.inputValue('#shop-catalog .shop-card[data-id="cookie"] [data-key="cost"]')).to.equal('15');
    const shop = s.t.service('shop');
    expect((await shop.items()).map((i) => [i.id, i.cost])).to.deep.equal([['cookie', 15], ['croissant', 25], ['starter', 100], ['portrait', 60], ['pretzel', 7]]);
    expect(await s.t.ask('alice', '!buy pretzel')).to.match(/^You bought Salted Pretzel for 7 tokens/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'shop-page-after-save.png'), fullPage: true });

    // The Dashboard page has the shop's panel.
    await page.goto(`${s.url}/`);
    expect(await page.textContent('body')).to.match(/Bakery orders[\s\S]*1 waiting for you · 8 sold/);
    expect((await s.economy.check()).ok).to.equal(true);
    expect(problems.filter((p) => !/status of 400/.test(p))).to.deep.equal([]);
  });
});
