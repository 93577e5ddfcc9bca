// The Plugins page in headless Chromium: settings grouped by nested object (a fieldset with the schema's
// `title` as legend), labels from `title`, help from `description`; a nested setting saves into its place
// in the config file, and an error inside a group shows beside its field with the focus on it.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type Browser, type Page } from 'playwright-core';
import { parse } from 'yaml';
import { launchChromium } from '../../../test/support/chromium.ts';
import { startTestBot, type TestBot } from '../../../test/support/kit.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(HERE, '../../../test-artifacts');
const PASSWORD = 'correct horse battery staple';

describe('dashboard: plugin settings grouped, labelled from the schema', function () {
  this.timeout(60_000);
  let browser: Browser;
  let t: TestBot;
  let page: Page;
  const problems: string[] = [];

  before(async function () {
    browser = await launchChromium(this);
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestBot({ plugins: ['dashboard', 'economy', 'minigames'], env: { DASHBOARD_PASSWORD: PASSWORD }, config: { plugins: { dashboard: { port: 0 }, minigames: { trivia: { maxRounds: 7 } } } } });
    const url = t.service('dashboard').url ?? '';
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 400/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${url}/login?next=/plugins`);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(`${url}/plugins`), page.click('button[type=submit]')]);
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('shows nested objects as fieldsets titled from the schema, and labels from title', async () => {
    const games = page.locator('#plugin-minigames');
    const legends = await games.locator('fieldset.settings-group > legend').allTextContents();
    expect(legends).to.include.members(['Trivia', 'Word scramble', 'Number guess', 'Heist', 'Games on a schedule']);
    const trivia = games.locator('fieldset.settings-group', { has: page.locator('legend', { hasText: 'Trivia' }) });
    expect(await trivia.getByLabel('Max rounds').inputValue()).to.equal('7');
    // The nested `enabled` of autoStart is a setting too (only the plugin's own is the page's switch).
    expect(await games.locator('#f-minigames-autoStart-enabled').count()).to.equal(1);
    // Economy's labels come from its schema's titles, its help from descriptions.
    const economy = page.locator('#plugin-economy');
    expect(await economy.getByLabel('XP per chat message').inputValue()).to.equal('1');
    expect(await economy.locator('#f-economy-xpPerParticipation-help').textContent()).to.contain('XP for chatting');
    await page.locator('#plugin-minigames').screenshot({ path: path.join(ARTIFACTS, 'settings-groups-1280.png') });
  });

  it('saves a nested setting in its place, and shows an error inside a group beside its field', async () => {
    const before = parse(readFileSync(path.join(t.dir, 'bakebot.yaml'), 'utf8')) as { plugins: Record<string, Record<string, unknown>> };
    let games = page.locator('#plugin-minigames');
    await games.locator('#f-minigames-trivia-maxRounds').fill('500');
    await Promise.all([page.waitForLoadState('load'), games.locator('button.primary[type=submit]').click()]);
    games = page.locator('#plugin-minigames');
    await games.locator('.error-summary').waitFor();
    expect(await games.locator('.error-summary').textContent()).to.contain('Trivia › Max rounds must be integer <= 50');
    expect(await games.locator('#f-minigames-trivia-maxRounds').getAttribute('aria-invalid')).to.equal('true');
    expect(await games.locator('#f-minigames-trivia-maxRounds-error').textContent()).to.equal('Max rounds must be integer <= 50');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).to.equal('f-minigames-trivia-maxRounds');
    expect(await games.locator('#f-minigames-trivia-maxRounds').inputValue()).to.equal('500');
    await page.locator('#plugin-minigames').screenshot({ path: path.join(ARTIFACTS, 'settings-groups-error-1280.png') });

    await games.locator('#f-minigames-trivia-maxRounds').fill('12');
    await Promise.all([page.waitForURL(/saved=minigames/), games.locator('button.primary[type=submit]').click()]);
    const after = parse(readFileSync(path.join(t.dir, 'bakebot.yaml'), 'utf8')) as { plugins: Record<string, Record<string, unknown>> };
    expect((after.plugins.minigames?.trivia as Record<string, unknown>).maxRounds).to.equal(12);
    expect(after.plugins.economy).to.deep.equal(before.plugins.economy);
    expect((t.host.pluginConfig('minigames')?.trivia as Record<string, unknown>).maxRounds).to.equal(12);
    expect(problems).to.deep.equal([]);
  });
});
