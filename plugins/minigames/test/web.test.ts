// The games on the dashboard: the API over real HTTP (Bearer token) with its JSON errors, and the Games page
// in headless Chromium (a live game arriving over the event stream, stop, the chart, the question bank
// editor and a JSON import), with a screenshot in test-artifacts/.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { PROJECT_ROOT } from '../../../core/bot.ts';
import { Client } from '../../dashboard/test/helpers.ts';
import { DASHBOARD_ENV, PASSWORD, API_TOKEN } from '../../shop/test/helpers.ts';
import { said, startGamesBot, until, type GamesBot } from './helpers.ts';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts');
const DAY = 86_400_000;

async function startWithDashboard(): Promise<GamesBot & { url: string; api: Client; auth: Record<string, string> }> {
  const g = await startGamesBot({ trivia: { questions: [{ question: 'Which flour makes pumpernickel?', answer: 'rye', category: 'bread', difficulty: 2 }] } }, {
    plugins: ['dashboard'], env: DASHBOARD_ENV, config: { plugins: { dashboard: { port: 0 } } },
  });
  const url = g.t.service('dashboard').url ?? '';
  return { ...g, url, api: new Client(url), auth: { authorization: `Bearer ${API_TOKEN}` } };
}

describe('minigames: the dashboard', function () {
  this.timeout(60000);

  it('GET /api/games, POST /api/games/start and /stop, and the question bank API, with JSON errors', async () => {
    const g = await startWithDashboard();
    const { t, api, auth } = g;
    try {
      const send = (method: string, p: string, json?: unknown) => api.request(method, p, { json, headers: auth });
      const empty = (await send('GET', '/api/games')).json<{ types: { type: string }[]; running: unknown; history: unknown[] }>();
      expect(empty.types.map((x) => x.type)).to.deep.equal(['heist', 'numberguess', 'scramble', 'trivia', 'typerace']);
      expect([empty.running, empty.history]).to.deep.equal([null, []]);

      const bad = await send('POST', '/api/games/start', { type: 'chess' });
      expect([bad.status, bad.json()]).to.deep.equal([404, { error: 'there is no game "chess" (games: heist, numberguess, scramble, trivia, typerace)', code: 'UNKNOWN_GAME' }]);
      expect((await send('POST', '/api/games/start', { options: {} })).json()).to.deep.equal({ error: 'type is required (GET /api/games lists the types)', code: 'INVALID_BODY' });
      expect((await send('POST', '/api/games/start', { type: 'trivia', options: { rounds: [1] } })).json()).to.deep.equal({ error: 'options.rounds must be a text, a number or true/false', code: 'INVALID_BODY' });
      const badRounds = await send('POST', '/api/games/start', { type: 'trivia', options: { rounds: 50 } });
      expect([badRounds.status, badRounds.json()]).to.deep.equal([400, { error: 'rounds must be from 1 to 10', code: 'BAD_OPTIONS' }]);

      const started = await send('POST', '/api/games/start', { type: 'trivia', options: { category: 'bread', difficulty: 2, rounds: 1 } });
      expect(started.status).to.equal(201);
      const game = started.json<{ game: { id: number; status: string; startedBy: unknown; deadline: number } }>().game;
      expect(game).to.deep.include({ status: 'running', startedBy: { kind: 'dashboard', name: 'api:env' } });
      await said(t, /^Trivia, bread: /);
      const again = await send('POST', '/api/games/start', { type: 'scramble' });
      expect([again.status, again.json<{ code: string }>().code]).to.deep.equal([409, 'GAME_RUNNING']);
      const stopped = await send('POST', '/api/games/stop', {});
      expect([stopped.status, stopped.json<{ game: { status: string } }>().game.status]).to.deep.equal([200, 'cancelled']);
      expect((await send('POST', '/api/games/stop', {})).json()).to.deep.equal({ error: 'no game is running', code: 'NO_GAME' });
      expect((await send('GET', '/api/games')).json<{ history: { id: number; status: string }[] }>().history.map((h) => [h.id, h.status])).to.deep.equal([[game.id, 'cancelled']]);

      const added = await send('POST', '/api/games/questions', { question: 'What rises?', answer: 'dough', difficulty: 1 });
      expect([added.status, added.json()]).to.deep.equal([201, { question: { id: 'custom:1', question: 'What rises?', answer: 'dough', aliases: [], category: 'general', difficulty: 1, source: 'custom' } }]);
      const invalid = await send('POST', '/api/games/questions', { question: '', answer: 'x', difficulty: 5 });
      expect([invalid.status, invalid.json()]).to.deep.equal([400, {
        error: 'the question is not valid: question: must be a non-empty text; difficulty: must be 1, 2 or 3', code: 'INVALID',
        details: ['question: must be a non-empty text', 'difficulty: must be 1, 2 or 3'],
      }]);
      expect((await send('PUT', '/api/games/questions/1', { question: 'What rises slowly?', answer: 'dough' })).json<{ question: { question: string } }>().question.question).to.equal('What rises slowly?');
      expect((await send('PUT', '/api/games/questions/9', { question: 'Q', answer: 'A' })).status).to.equal(404);
      const badImport = await send('POST', '/api/games/questions/import', [{ question: 'ok?', answer: 'ok' }, { question: 'no answer' }]);
      expect([badImport.status, badImport.json()]).to.deep.equal([400, { error: '1 problem in the file; nothing was imported', code: 'INVALID', details: ['question 2: answer: must be a non-empty text'] }]);
      const imported = await send('POST', '/api/games/questions/import', { questions: [{ question: 'A?', answer: 'a' }, { question: 'B?', answer: 'b', category: 'Letters' }] });
      expect([imported.status, imported.json()]).to.deep.equal([201, { imported: 2 }]);
      expect(t.service('minigames').customQuestions().map((q) => q.question)).to.deep.equal(['What rises slowly?', 'A?', 'B?']);
      expect((await send('DELETE', '/api/games/questions/2')).json()).to.deep.equal({ deleted: 2 });
      expect((await send('DELETE', '/api/games/questions/2')).status).to.equal(404);
      expect((await api.request('GET', '/api/games')).status).to.equal(401); // no token, no session
    } finally {
      await t.stop();
    }
  });

  it('shows the Games page in Chromium: a live game, stop, history, the chart and the question bank', async () => {
    const g = await startWithDashboard();
    const { t, url } = g;
    const browser: Browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      // A few days of games for the chart and history (dated back afterwards: moving the fake clock by days
      // would fire every plugin's interval timers thousands of times).
      const games = t.service('minigames');
      for (const [i, type] of ['typerace', 'scramble', 'trivia', 'typerace', 'numberguess', 'trivia'].entries()) {
        const game = await games.start({ type, options: type === 'typerace' ? { phrase: 'Knead the dough.' } : type === 'scramble' ? { word: 'brioche' } : {} });
        if (type === 'typerace') t.say(`viewer${i}`, 'Knead the dough.');
        else if (type === 'scramble') t.say(`viewer${i}`, 'brioche');
        else await games.stop();
        await said(t, new RegExp(type === 'typerace' ? 'typed it first' : type === 'scramble' ? 'unscrambled' : 'stopped'), t.outputs.length - 1);
        await t.storage.run('UPDATE minigames_games SET started_at = started_at - ? WHERE id = ?', [(6 - i) * DAY, game.id]);
      }

      const page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      await page.goto(`${url}/login?next=/games`);
      await page.fill('input[name="password"]', PASSWORD);
      await Promise.all([page.waitForURL(`${url}/games`), page.click('button[type="submit"]')]);
      await page.waitForSelector('#games-chart[data-drawn="true"]');
      expect(await page.locator('#games-history tbody tr').count()).to.equal(6);
      expect(await page.textContent('#games-live')).to.contain('No game is running');
      await page.waitForFunction("document.body.classList.contains('live')"); // the event stream is open

      // A game started in chat appears live, with its question and time left.
      t.say({ login: 'amod', roles: ['moderator'] }, '!trivia bread');
      await page.waitForSelector('.games-prompt');
      expect(await page.textContent('.games-prompt')).to.equal('Which flour makes pumpernickel?');
      expect(await page.textContent('.games-meta')).to.match(/^(30|29) s left · 0 answers · 0 players$/);
      t.say('zoe', 'wheat');
      // Updates per answer are spaced 250 ms apart on the bot's clock (busy chat): let that pass.
      await until(() => games.running()?.answers === 1, 'the answer to be read');
      await g.clock.advance(300);
      await page.waitForSelector('.games-meta:has-text("1 answers · 1 players")');

      // The question bank: add one, import a file with a mistake (nothing imported, the problem shown), then a good one.
      await page.fill('#games-add input[name="question"]', 'What is a baguette?');
      await page.fill('#games-add input[name="answer"]', 'bread');
      await page.fill('#games-add input[name="category"]', 'bread');
      await Promise.all([page.waitForEvent('load'), page.click('#games-add button[type="submit"]')]);
      expect(await page.locator('#games-questions tbody tr').count()).to.equal(1);
      const dir = path.join(ARTIFACTS, 'minigames');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'bad.json'), JSON.stringify([{ question: 'Fine?', answer: 'yes' }, { question: 'Hard?', answer: 'x', difficulty: 9 }]));
      await page.setInputFiles('#games-import', path.join(dir, 'bad.json'));
      await page.waitForSelector('#games-issues li');
      expect(await page.textContent('#games-issues')).to.equal('question 2: difficulty: must be 1, 2 or 3');
      // The refused import is the one failed request (Chromium logs a 400 on the console).
      expect(problems.splice(0)).to.deep.equal(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
      writeFileSync(path.join(dir, 'good.json'), JSON.stringify([{ question: 'Fine?', answer: 'yes', category: 'bread', difficulty: 1 }]));
      await Promise.all([page.waitForEvent('load'), page.setInputFiles('#games-import', path.join(dir, 'good.json'))]);
      expect(await page.locator('#games-questions tbody tr').count()).to.equal(2);

      await page.waitForSelector('.games-prompt'); // after the reload, the running game is drawn from the page
      await page.screenshot({ path: path.join(ARTIFACTS, 'minigames-games-page.png'), fullPage: true });

      // Stop from the page: the game ends and the history grows.
      await page.click('#games-stop');
      await page.waitForSelector('#games-live:has-text("No game is running")');
      expect(await page.textContent('#games-message')).to.match(/^Trivia #7 stopped; every entry fee is returned\.$/);
      expect(games.running()).to.equal(undefined);
      expect(problems).to.deep.equal([]);
    } finally {
      await browser.close();
      await t.stop();
    }
  });
});
