// The question bank: the bundled file is valid and big enough, drawing filters and never repeats, config
// questions join the bank, and other plugins reach both the bank and the matcher through the service.
import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../../core/bot.ts';
import { startTestBot } from '../../../test/support/kit.ts';
import { categoriesOf, drawQuestions, loadBuiltin, questionProblems } from '../questions.ts';

const PLUGIN_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

describe('minigames: question bank', () => {
  const bank = loadBuiltin(PLUGIN_DIR, 'en');

  it('bundles at least 150 valid English questions, bakery first, every difficulty', () => {
    expect(bank.length).to.be.at.least(150);
    expect(bank[0]!.category).to.equal('bakery');
    expect(categoriesOf(bank)[0]!.category).to.equal('bakery');
    for (const d of [1, 2, 3]) expect(bank.filter((q) => q.difficulty === d).length).to.be.at.least(20);
    expect(new Set(bank.map((q) => q.question)).size).to.equal(bank.length);
  });

  it('draws different questions matching the query, at random', () => {
    const hard = drawQuestions(bank, { difficulty: 3, category: 'Bakery', count: 5 });
    expect(hard).to.have.length(5);
    expect(new Set(hard.map((q) => q.id)).size).to.equal(5);
    for (const q of hard) expect([q.difficulty, q.category]).to.deep.equal([3, 'bakery']);
    expect(drawQuestions(bank, { category: 'no such thing', count: 3 })).to.deep.equal([]);
    const all = drawQuestions(bank, { count: 10_000 });
    expect(all).to.have.length(bank.length);
    let seed = 1;
    const seeded = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const a = drawQuestions(bank, { count: 3 }, seeded);
    seed = 1;
    expect(drawQuestions(bank, { count: 3 }, seeded)).to.deep.equal(a);
  });

  it('names every problem of a bad question', () => {
    expect(questionProblems({ question: 'Q?', answer: 'a' })).to.deep.equal([]);
    expect(questionProblems({ question: '', answer: 3, difficulty: 4, colour: 'red', aliases: [''] })).to.deep.equal([
      'colour: unknown field (known: question, answer, aliases, category, difficulty)',
      'question: must be a non-empty text',
      'answer: must be a non-empty text',
      'aliases: must be a list of non-empty texts of at most 100 characters',
      'difficulty: must be 1, 2 or 3',
    ]);
    expect(questionProblems('nope')).to.deep.equal(['must be an object with question and answer']);
  });

  it('serves the bank and the matcher to other plugins; includeBuiltin false leaves only the streamer\'s questions', async () => {
    const t = await startTestBot({
      plugins: ['economy', 'minigames'],
      config: { plugins: { minigames: { answerAccuracy: 90, trivia: { includeBuiltin: false, questions: [{ question: 'Best bread?', answer: 'Sourdough', category: 'Mine', difficulty: 1 }] } } } },
    });
    try {
      const games = t.service('minigames');
      expect(games.questions({ count: 5 })).to.deep.equal([
        { id: 'config:1', question: 'Best bread?', answer: 'Sourdough', aliases: [], category: 'mine', difficulty: 1, source: 'config' },
      ]);
      expect(games.categories()).to.deep.equal([{ category: 'mine', count: 1 }]);
      expect(games.match('sourdouhg', ['Sourdough'])).to.deep.equal({ accuracy: 89, hit: false }); // 90 % configured
      expect(games.match('sourdouhg', ['Sourdough'], 75)).to.deep.equal({ accuracy: 89, hit: true });
      expect(games.normalize('The Seven Loaves!')).to.equal('7 loaves');
    } finally {
      await t.stop();
    }
  });

  it('config/bakebot.example.yaml enables the plugin with valid settings that are the defaults', async () => {
    const example = parse(readFileSync(path.join(PROJECT_ROOT, 'config', 'bakebot.example.yaml'), 'utf8')) as { plugins: { minigames: Record<string, unknown> } };
    const { enabled, ...settings } = example.plugins.minigames;
    expect(enabled).to.equal(true);
    const t = await startTestBot({ plugins: ['economy', 'minigames'], config: { plugins: { minigames: settings } } });
    try {
      expect(t.host.pluginConfig('minigames')).to.deep.equal((await startDefaults()).config);
    } finally {
      await t.stop();
    }
  });
});

/** The settings a bot gets with no minigames section at all. */
async function startDefaults(): Promise<{ config: unknown }> {
  const t = await startTestBot({ plugins: ['economy', 'minigames'] });
  try {
    return { config: t.host.pluginConfig('minigames') };
  } finally {
    await t.stop();
  }
}
