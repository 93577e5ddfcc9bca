// The Fights page in headless Chromium: a live fight's HP bars move as the fighters answer in chat (the
// dashboard's event stream), recent fights and the best fighters show, the question editor saves through
// the config (the running fight carries on), and the cancel button refunds.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../../core/bot.ts';
import { DASHBOARD_ENV, PASSWORD, startFight, startFights, type FightBot } from './helpers.ts';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts');

describe('breadfight: the Fights page in a browser', function () {
  this.timeout(60000);
  let f: FightBot;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  before(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await page?.close();
    await f?.t.stop();
  });

  it('shows the live fight with both HP bars, updates them live, saves questions and cancels', async () => {
    f = await startFights({ dashboard: true, env: DASHBOARD_ENV, settings: { hp: 60, maxRounds: 5 } });
    const url = f.t.service('dashboard').url ?? '';
    for (const v of ['alice', 'bob', 'carol', 'dave']) await f.fund(v, 500);
    // One fight already decided (recent fights, best fighters), one on.
    await startFight(f, 'carol', 'dave', 25);
    for (let i = 0; i < 3; i++) {
      await f.play('carol', 'right');
      await f.play('dave', 'wrong');
    }
    await f.play('carol', 'right'); // 15 + 15 + 25 + 25 ≥ 60
    await f.said(/@carol wins bread fight #1/);
    await startFight(f, 'alice', 'bob', 100);
    f.t.say('carol', '!cheer @bob');
    await f.said(/You cheer for bob/);

    page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    page.on('dialog', (d) => void d.accept());
    problems = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${url}/login?next=/fights`);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${url}/fights`), page.click('button[type="submit"]')]);
    expect(await page.textContent('h1')).to.equal('Fights');

    const card = '#bf-live article.bf-fight[data-id="2"]';
    const hp = (side: string) => page.getAttribute(`${card} .bf-fighter[data-side="${side}"] .bf-bar`, 'aria-valuenow');
    expect([await hp('challenger'), await hp('opponent')]).to.deep.equal(['60', '60']);
    expect(await page.textContent(`${card} .bf-question`)).to.match(/^★ Level 1 word: type \w+$/);
    expect(await page.textContent(`${card} .bf-fighter[data-side="opponent"] .bf-cheers`)).to.equal('1 cheer');
    expect(await page.locator('#bf-recent tbody tr').count()).to.equal(1);
    expect(await page.textContent('#bf-recent tbody tr')).to.contain('carol');
    expect(await page.textContent('#bf-top tbody tr:first-child')).to.match(/carol\s*1\s*0\s*0/);

    // alice answers right in chat: bob's bar drops on the open page, without a reload.
    await page.waitForSelector('body.live');
    await f.play('alice', 'right');
    await page.waitForSelector(`${card} .bf-fighter[data-side="opponent"] .bf-bar[aria-valuenow="45"]`, { timeout: 5000 });
    expect(await page.getAttribute(`${card} .bf-fighter[data-side="opponent"] .bf-fill`, 'class')).to.contain('w75');
    expect(await page.textContent(`${card} .bf-status`)).to.equal("round 1 of 5, bob's turn");
    expect(await page.textContent(`${card} .bf-moves`)).to.contain('-15 HP');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'breadfight-page.png'), fullPage: true });

    // The question editor: a half-filled row is refused in the page; a full one is saved into the config.
    await page.click('#bf-add');
    await page.fill('#bf-questions tr.bf-new input[name="question"]', 'Level 3 word: type levain');
    await page.click('#bf-save');
    await page.waitForSelector('#bf-issues li:has-text("needs a question and an answer")');
    await page.fill('#bf-questions tr.bf-new input[name="answer"]', 'levain');
    await page.fill('#bf-questions tr.bf-new input[name="aliases"]', 'levin, leaven');
    await page.selectOption('#bf-questions tr.bf-new select[name="difficulty"]', '3');
    await Promise.all([page.waitForEvent('load'), page.click('#bf-save')]);
    await page.waitForSelector('#bf-questions tbody tr:last-child input[value="levain"]');
    const saved = f.fights.questions().find((q) => q.answer === 'levain');
    expect(saved).to.deep.include({ aliases: ['levin', 'leaven'], difficulty: 3, source: 'config' });
    // The plugin was set up again with the new questions; bob's turn carries on.
    expect((await f.fights.live())[0]).to.deep.include({ id: 2, activeFighter: 'bob' });

    // Cancel from the page: both wagers go back.
    await page.click(`${card} button.bf-cancel`);
    await page.waitForSelector(`${card}[data-state="finished"]`);
    expect(await page.textContent(`${card} .bf-status`)).to.equal('cancelled');
    expect(await page.textContent(`${card} .bf-wager`)).to.equal('100 tokens each');
    // The ended fight joins the recent ones, live.
    await page.waitForSelector('#bf-recent tbody tr[data-id="2"]');
    expect(await page.textContent('#bf-recent tbody tr:first-child')).to.match(/^2.*alice.*bob.*100.*cancelled/);
    expect([await f.balance('alice'), await f.balance('bob')]).to.deep.equal([500, 500]);
    await f.booksBalanced();
    await page.screenshot({ path: path.join(ARTIFACTS, 'breadfight-page-cancelled.png'), fullPage: true });

    // The Dashboard page has the fights panel.
    await page.goto(`${url}/`);
    expect(await page.textContent('body')).to.contain('Bread fights');
    expect(problems).to.deep.equal([]);
  });
});
