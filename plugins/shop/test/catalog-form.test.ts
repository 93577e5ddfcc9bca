// The Shop page's catalog editor in headless Chromium (issue 19): one card per item with labelled inputs,
// the effect's settings rendered from its params schema, errors beside their fields (the browser's and the
// server's), a JSON import that names the line of a mistake, and a phone layout without sideways scrolling.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { parse } from 'yaml';
import { launchChromium } from '../../../test/support/chromium.ts';
import { PROJECT_ROOT } from '../../../core/bot.ts';
import { Client } from '../../dashboard/test/helpers.ts';
import { PASSWORD, startShop, type ShopBot } from './helpers.ts';

declare const document: { documentElement: { scrollWidth: number; clientWidth: number } };

const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts');

const ITEMS = {
  cookie: { name: 'Chocolate Chip Cookie', cost: 10, effect: 'highlight', params: { message: '🍪 {user} munches a cookie' }, maxPerPurchase: 12 },
  starter: { name: 'Sourdough Starter', cost: 100, effect: 'manual', category: 'specials', stock: 5, roles: ['subscriber', 'vip'] },
};

describe('shop: the catalog edited item by item in a form', function () {
  this.timeout(60_000);
  let s: ShopBot;
  let browser: Browser;
  let context: BrowserContext;
  let problems: string[];

  before(async function () {
    browser = await launchChromium(this);
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    s = await startShop({ items: ITEMS, dashboard: true, shop: { inventorySize: 6 } });
    problems = [];
  });
  afterEach(async () => {
    await context?.close();
    await s?.t.stop();
  });

  async function open(width: number): Promise<Page> {
    context = await browser.newContext({ viewport: { width, height: width > 500 ? 900 : 844 }, isMobile: width < 500, hasTouch: width < 500 });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    // Script errors and Content-Security-Policy violations (reported on the console) fail the test.
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 400/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${s.url}/login?next=/shop`);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${s.url}/shop`), page.click('button[type="submit"]')]);
    return page;
  }

  const configFile = () => path.join(s.t.dir, 'bakebot.yaml');
  const card = (page: Page, id: string) => page.locator(`#shop-catalog .shop-card[data-id="${id}"]`);

  it('edits an item through labelled inputs and its effect\'s schema, shows a server error beside its field, and saves only plugins.shop.items', async () => {
    const page = await open(1280);
    const before = parse(readFileSync(configFile(), 'utf8')) as { plugins: Record<string, Record<string, unknown>> };
    const cookie = card(page, 'cookie');
    await cookie.locator('summary').click();
    // Labelled inputs (found by their label text), roles as checkboxes, the effect as a select of the effects there are.
    expect(await cookie.getByLabel('Name', { exact: true }).inputValue()).to.equal('Chocolate Chip Cookie');
    expect(await cookie.getByLabel('Cost (tokens)').inputValue()).to.equal('10');
    expect(await cookie.getByLabel('Most per buy').inputValue()).to.equal('12');
    expect(await cookie.getByLabel('everyone').isChecked()).to.equal(true);
    expect(await cookie.getByLabel('vip').isChecked()).to.equal(false);
    const effect = cookie.getByLabel('Effect', { exact: true });
    expect(await effect.locator('option').allTextContents()).to.include.members(['highlight', 'shoutout', 'manual', 'none']);
    expect(await effect.inputValue()).to.equal('highlight');
    // The highlight effect's schema gives a "Message" text area.
    const message = cookie.getByLabel('Message');
    expect(await message.evaluate((e) => e.tagName)).to.equal('TEXTAREA');
    expect(await message.inputValue()).to.equal('🍪 {user} munches a cookie');
    await page.screenshot({ path: path.join(ARTIFACTS, 'shop-catalog-form-1280.png'), fullPage: true });

    // A cost the schema refuses: the server's issue is shown beside Cost, focus goes there, a summary on top.
    await cookie.getByLabel('Cost (tokens)').fill('2000000');
    await page.click('#shop-save');
    await page.waitForSelector('#shop-catalog-errors:not([hidden])');
    const costError = cookie.locator('.field.has-error .field-error');
    expect(await costError.textContent()).to.match(/^Cost \(tokens\) must be integer <= 1000000/);
    expect(await cookie.getByLabel('Cost (tokens)').getAttribute('aria-invalid')).to.equal('true');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } } }).document.activeElement.getAttribute('data-key'))).to.equal('cost');
    expect(await page.textContent('#shop-catalog-errors')).to.contain('Chocolate Chip Cookie › Cost (tokens) must be integer <= 1000000');
    await page.screenshot({ path: path.join(ARTIFACTS, 'shop-catalog-server-error-1280.png'), fullPage: true });
    expect(readFileSync(configFile(), 'utf8')).to.not.contain('2000000');

    // The effect's schema limits the message as the server does.
    await cookie.getByLabel('Cost (tokens)').fill('15');
    expect(await message.getAttribute('maxlength')).to.equal('400');

    // The effect changes to shoutout: its own Message input takes over the typed text; then it saves.
    await message.fill('📣 go follow {target}!');
    await effect.selectOption('shoutout');
    expect(await cookie.getByLabel('Message').inputValue()).to.equal('📣 go follow {target}!');
    await cookie.getByLabel('vip').check();
    await Promise.all([page.waitForEvent('load'), page.click('#shop-save')]);
    const after = parse(readFileSync(configFile(), 'utf8')) as { plugins: Record<string, Record<string, unknown>> };
    const items = after.plugins.shop?.items as Record<string, Record<string, unknown>>;
    expect(items.cookie).to.deep.equal({ name: 'Chocolate Chip Cookie', cost: 15, category: 'treats', effect: 'shoutout', params: { message: '📣 go follow {target}!' }, maxPerPurchase: 12, roles: ['everyone', 'vip'] });
    expect(items.starter).to.deep.equal(ITEMS.starter);
    // Nothing else in the file changed.
    const { items: _a, ...restAfter } = after.plugins.shop ?? {};
    const { items: _b, ...restBefore } = before.plugins.shop ?? {};
    expect(restAfter).to.deep.equal(restBefore);
    expect({ ...after, plugins: { ...after.plugins, shop: undefined } }).to.deep.equal({ ...before, plugins: { ...before.plugins, shop: undefined } });
    const saved = (await s.t.service('shop').items()).find((i) => i.id === 'cookie');
    expect(saved).to.include({ effect: 'shoutout', cost: 15 });
    expect(problems).to.deep.equal([]);
  });

  it('adds an item whose mistakes the browser names beside the fields, and a JSON import names the line of a mistake', async () => {
    const page = await open(1280);
    await page.click('#shop-add');
    const added = page.locator('#shop-catalog .shop-card.shop-new');
    expect(await added.getAttribute('open')).to.not.equal(null);
    // No id: refused before anything is sent, beside the Id field.
    await page.click('#shop-save');
    expect(await added.locator('.field.has-error .field-error').first().textContent()).to.equal('Id is required');
    await added.getByLabel('Id', { exact: true }).fill('Salted Pretzel');
    await page.click('#shop-save');
    expect(await added.locator('.field.has-error .field-error').first().textContent()).to.match(/^Id must be lower case letters/);
    await added.getByLabel('Id', { exact: true }).fill('pretzel');
    await added.getByLabel('Name', { exact: true }).fill('Salted Pretzel');
    await added.getByLabel('Cost (tokens)').fill('7');
    await added.getByLabel('Effect', { exact: true }).selectOption('highlight');
    await added.getByLabel('Message').fill('🥨 {user} twists a pretzel');
    await Promise.all([page.waitForEvent('load'), page.click('#shop-save')]);
    expect((await s.t.service('shop').items()).find((i) => i.id === 'pretzel')).to.include({ name: 'Salted Pretzel', cost: 7, effect: 'highlight' });
    expect(await s.t.ask('alice', '!buy pretzel')).to.match(/Salted Pretzel|tokens/);

    await page.click('.shop-import summary');
    await page.fill('#shop-import-text', '{\n  "bun": {"name": "Bun", "cost": 5, "effect": "none"},\n  "roll": {"name": "Roll" "cost": 5}\n}');
    await page.click('#shop-import');
    expect(await page.locator('#shop-import-error').textContent()).to.match(/^Not valid JSON at line 3, column \d+/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'shop-catalog-import-error-1280.png'), fullPage: true });
    expect(problems).to.deep.equal([]);
  });

  it('PUT /api/shop/catalog checks params against the effect\'s params schema, naming the param', async () => {
    const client = new Client(s.url);
    await client.login(PASSWORD);
    const put = (items: unknown) => client.request('PUT', '/api/shop/catalog', { json: { items }, headers: { 'x-csrf-token': client.csrf, origin: s.url } });
    const r = await put({ cookie: { name: 'Cookie', cost: 5, effect: 'highlight', params: { message: 5, colour: 'red' } }, bun: { name: 'Bun', cost: 1, effect: 'none', params: { x: 1 } } });
    expect(r.status).to.equal(400);
    expect(r.json<{ details: { issues: { path: string; message: string }[] } }>().details.issues.map((i) => `${i.path}: ${i.message}`)).to.have.members([
      'plugins.shop.items.cookie.params.colour: is not a setting of this effect',
      'plugins.shop.items.cookie.params.message: must be string',
      'plugins.shop.items.bun.params.x: is not a setting of this effect',
    ]);
    expect(readFileSync(configFile(), 'utf8')).to.not.contain('colour');
  });

  it('390 px: cards without sideways scrolling and 44 px targets', async () => {
    const page = await open(390);
    const cookie = card(page, 'cookie');
    await cookie.locator('summary').click();
    await card(page, 'starter').locator('summary').click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, 'horizontal overflow in px').to.be.at.most(0);
    for (const target of [cookie.locator('summary'), cookie.getByLabel('Cost (tokens)'), cookie.getByLabel('Effect', { exact: true }), cookie.locator('label.check').first(), page.locator('#shop-save'), page.locator('#shop-add'), cookie.locator('.shop-remove')]) {
      const box = await target.boundingBox();
      expect(box, 'a visible target').to.not.equal(null);
      expect(box!.height).to.be.at.least(44);
      expect(box!.x + box!.width).to.be.at.most(390);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'shop-catalog-form-390.png'), fullPage: true });
    await cookie.screenshot({ path: path.join(ARTIFACTS, 'shop-catalog-card-390.png') });
    expect(problems).to.deep.equal([]);
  });
});
