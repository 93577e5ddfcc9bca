// The overlays in headless Chromium, as OBS shows them: each overlay page loads on its own (transparent),
// draws what the dashboard's "send test" button fires and what a real shop purchase publishes within
// 500 ms, and the dashboard's Overlays page previews the same events live. Screenshots go to
// test-artifacts/ (the overlay pages with a transparent background).
import { mkdirSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from '../../../test/support/chromium.ts';
import { startTestBot, type TestBot } from '../../../test/support/kit.ts';
import type { OverlaysService } from '../service.ts';

declare const document: { body: { classList: { contains(c: string): boolean }; dataset: Record<string, string | undefined> }; documentElement: unknown; querySelector(s: string): { click(): void } | null };
declare function getComputedStyle(e: unknown): { backgroundColor: string };

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '../../../test-artifacts');
const PASSWORD = 'correct horse battery staple';

/** What each overlay shows for its test event. */
const TEST_TEXT: Record<string, string> = {
  alerts: 'Test alert',
  game: 'Trivia (test)',
  fight: 'Sourdough',
  leaderboard: 'Top bakers (test)',
  orders: 'Test order: 2 × Cookie',
};

describe('overlays in a browser', function () {
  this.timeout(60_000);
  let t: TestBot;
  let overlays: OverlaysService;
  let dashboardUrl: string;
  let browser: Browser;
  let obs: BrowserContext;
  let admin: Page;
  const errors: string[] = [];

  async function openOverlay(name: string): Promise<Page> {
    const url = overlays.list().find((o) => o.name === name)?.url;
    if (!url) throw new Error(`no URL for ${name}`);
    const p = await obs.newPage();
    p.on('console', (m) => m.type() === 'error' && errors.push(`${name}: ${m.text()}`));
    p.on('pageerror', (err) => errors.push(`${name}: ${err.message}`));
    await p.goto(url);
    await p.waitForFunction(() => document.body.classList.contains('bb-live'));
    return p;
  }

  /** When the page drew its last event (overlay.js stamps it right after drawing; same machine clock). */
  async function renderedAt(p: Page): Promise<number> {
    return Number(await p.evaluate(() => document.body.dataset.lastEvent ?? 0));
  }

  async function transparentShot(p: Page, name: string): Promise<void> {
    const colors = await p.evaluate(() => [getComputedStyle(document.documentElement).backgroundColor, getComputedStyle(document.body).backgroundColor]);
    expect(colors, `${name} page background`).to.deep.equal(['rgba(0, 0, 0, 0)', 'rgba(0, 0, 0, 0)']);
    await p.screenshot({ path: path.join(ARTIFACTS, `overlay-${name}.png`), omitBackground: true });
  }

  before(async function () {
    browser = await launchChromium(this);
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestBot({
      plugins: ['economy', 'shop', 'dashboard', 'overlays'],
      // A fixed port, as OBS has in its URLs: a page must find the server again after a restart.
      env: { DASHBOARD_PASSWORD: PASSWORD, WEB_PORT: String(await freePort()) },
      config: { bot: { commandCooldown: 0, commands: { buy: { cooldown: 0 } } }, plugins: { dashboard: { port: 0 }, overlays: { alertSeconds: 20 } } },
    });
    overlays = t.service('overlays');
    dashboardUrl = t.service('dashboard').url ?? '';
    obs = await browser.newContext({ viewport: { width: 900, height: 360 } });
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    admin = await adminContext.newPage();
    admin.on('pageerror', (err) => errors.push(`dashboard: ${err.message}`));
    await admin.goto(`${dashboardUrl}/login`);
    await admin.fill('#password', PASSWORD);
    await Promise.all([admin.waitForLoadState('load'), admin.click('button[type=submit]')]);
    await admin.goto(`${dashboardUrl}/overlays`);
    await admin.waitForFunction(() => document.body.classList.contains('live'));
  });

  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  // The 500 ms bound holds for the best of three tries: on a shared machine one try can be late on CPU
  // alone, but a slow path (polling, a reload per event) misses it every time.
  const TRIES = 3;

  for (const name of Object.keys(TEST_TEXT)) {
    it(`draws the ${name} overlay's test event from the dashboard's button within 500 ms`, async () => {
      const p = await openOverlay(name);
      const times: number[] = [];
      for (let i = 0; i < TRIES && !times.some((ms) => ms < 500); i++) {
        const before = await renderedAt(p);
        const started = Date.now();
        await admin.evaluate((n) => document.querySelector(`button.overlay-test[data-name="${n}"]`)?.click(), name);
        await p.waitForFunction((b) => Number(document.body.dataset.lastEvent) > b, before || 0, { timeout: 3000 });
        await p.locator('#bb-overlay', { hasText: TEST_TEXT[name] }).waitFor({ timeout: 3000 });
        times.push((await renderedAt(p)) - started);
      }
      expect(Math.min(...times), `from the click to the drawn event (tries: ${times.join(', ')} ms)`).to.be.below(500);
      // The dashboard's live preview drew it too.
      await admin.locator(`#ov-${name}-preview`, { hasText: TEST_TEXT[name] }).waitFor({ timeout: 2000 });
      if (name === 'game') {
        // The countdown runs on the bot's clock (a fake one here, months away from the browser's).
        expect(Number((await p.locator('.bb-countdown').textContent())?.replace(' s', ''))).to.be.within(20, 30);
      }
      if (name === 'fight') {
        const widths = await p.locator('.bb-hp-fill').evaluateAll((els) => els.map((e) => (e as unknown as { style: { width: string } }).style.width));
        expect(widths).to.deep.equal(['72%', '35%']);
      }
      await transparentShot(p, name);
      await p.close();
    });
  }

  it('shows a real shop purchase as an alert and in recent orders within 500 ms', async () => {
    const alerts = await openOverlay('alerts');
    const orders = await openOverlay('orders');
    await t.bot.users.ensure({ id: 'local:crumb', login: 'crumb', displayName: 'Crumb' });
    await t.service('economy').credit('local:crumb', 1000, { reason: 'test money', source: 'test' });
    const times: number[] = [];
    for (let i = 0; i < TRIES && !times.some((ms) => ms < 500); i++) {
      const before = [await renderedAt(alerts), await renderedAt(orders)];
      const started = Date.now();
      t.say({ login: 'crumb', displayName: 'Crumb' }, `!buy cookie ${i + 2}`);
      await alerts.locator('.bb-alert', { hasText: `Crumb bought ${i + 2} × Chocolate Chip Cookie!` }).waitFor({ timeout: 3000 });
      await orders.locator('.bb-item', { hasText: `${i + 2} × Chocolate Chip Cookie` }).first().waitFor({ timeout: 3000 });
      expect(await renderedAt(alerts)).to.be.above(before[0] ?? 0);
      times.push(Math.max(await renderedAt(alerts), await renderedAt(orders)) - started);
      if ((times.at(-1) ?? 0) >= 500) await t.service('overlays').publish(undefined, 'alerts', { type: 'clear' });
    }
    expect(Math.min(...times), `from !buy to the drawn alert and order (tries: ${times.join(', ')} ms)`).to.be.below(500);
    // The dashboard's preview queues alerts like the OBS page (6 s each): earlier tests' alerts may come first.
    await admin.locator('#ov-alerts-preview', { hasText: 'Crumb bought' }).waitFor({ timeout: 30_000 });
    await transparentShot(alerts, 'alerts-purchase');
    await transparentShot(orders, 'orders-purchase');
    await admin.screenshot({ path: path.join(ARTIFACTS, 'overlay-dashboard-page.png'), fullPage: true });
    await alerts.close();
    await orders.close();
  });

  it('reconnects on its own after the overlay server restarts', async () => {
    const p = await openOverlay('game');
    const url = overlays.list().find((o) => o.name === 'game')?.url;
    await t.host.reload('overlays');
    overlays = t.service('overlays');
    expect(overlays.list().find((o) => o.name === 'game')?.url, 'same URL after a restart').to.equal(url);
    await p.waitForFunction(() => !document.body.classList.contains('bb-live'), undefined, { timeout: 5000 }).catch(() => undefined);
    await p.waitForFunction(() => document.body.classList.contains('bb-live'), undefined, { timeout: 10_000 });
    await overlays.test('game');
    await p.locator('#bb-overlay', { hasText: 'Trivia (test)' }).waitFor({ timeout: 2000 });
    await p.close();
    expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|503/.test(e))).to.deep.equal([]);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
