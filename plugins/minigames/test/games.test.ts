// Every built-in chat game played through chat on a fake clock: to a win (paid through the economy, once),
// to a timeout (the bot says the answer) and to a cancel (!stopgame).
import { expect } from 'chai';
import type { TestBot } from '../../../test/support/kit.ts';
import { ended, eventually, MOD, said, startGamesBot, type GamesBot } from './helpers.ts';

const QUESTIONS = [
  { question: 'What bread is made with a starter?', answer: 'sourdough', category: 'bread', difficulty: 1 },
  { question: 'How many in a baker\'s dozen?', answer: '13', aliases: ['thirteen'], category: 'numbers', difficulty: 2 },
];

async function tokens(t: TestBot, login: string): Promise<number> {
  return (await t.service('economy').findAccount(login))?.tokens ?? 0;
}

describe('minigames: the built-in games', function () {
  this.timeout(20000);
  let g: GamesBot;
  beforeEach(async () => {
    g = await startGamesBot({ trivia: { includeBuiltin: false, questions: QUESTIONS }, numberguess: { guessSeconds: 0 } });
  });
  afterEach(() => g.t.stop());

  describe('trivia', () => {
    it('is won by the first right answer, typo allowed, paid once with the economy\'s tokensPerWin and xpPerWin', async () => {
      const { t } = g;
      t.say(MOD, '!trivia bread');
      await said(t, /^Trivia, bread: What bread is made with a starter\? Answer in chat, you have 30 s!$/);
      t.say('bob', 'rye');
      t.say('bob', 'sourdough'); // one answer per viewer per question: bob already had his
      t.say('anna', 'Sour-dogh!');
      const win = await t.waitFor((o) => /got it/.test(o.text));
      expect(win.text).to.equal('anna got it! The answer was sourdough.');
      const [game] = await eventually(() => t.service('minigames').history(1), (h) => h[0]?.players === 2, 'both players to be recorded');
      expect(game).to.include({ type: 'trivia', status: 'won', answers: 3, players: 2, summary: win.text });
      expect(game!.winners).to.deep.equal([{ userId: 'local:anna', login: 'anna', tokens: 5 }]);
      expect(await tokens(t, 'anna')).to.equal(5);
      const eco = t.service('economy');
      expect(await eco.findAccount('anna')).to.include({ wins: 1 });
      const rows = async (id: string) => (await eco.history(id)).filter((r) => r.source === 'minigames').map((r) => [r.reason, r.delta, r.xpDelta]);
      expect(await rows('local:anna')).to.have.deep.members([['won Trivia #1', 5, 25], ['played Trivia #1', 0, 1]]); // xpPerWin, participation
      expect(await rows('local:bob')).to.deep.equal([['played Trivia #1', 0, 1]]);
      expect(await t.ask('anna', '!gamestats')).to.equal('anna: 1 wins in 1 games, 5 tokens won (trivia 1/1).');
      expect(await t.ask(MOD, '!gamestats @bob')).to.equal('bob: 0 wins in 1 games, 0 tokens won (trivia 0/1).');
      expect((await t.service('economy').check()).ok).to.equal(true);
    });

    it('says the answer when time runs out, and plays rounds to the best score', async () => {
      const { t, clock } = g;
      t.say(MOD, '!trivia easy');
      await said(t, /^Trivia, bread:/);
      await clock.advance(30_000);
      expect(await said(t, /Time's up/)).to.equal("Time's up! The answer was sourdough.");
      const [timedOut] = await t.service('minigames').history(1);
      expect(timedOut!.status).to.equal('timeout');
      expect(timedOut!.view.answer).to.equal('sourdough');

      const from = t.outputs.length;
      t.say(MOD, '!trivia 2');
      const first = await said(t, /^Trivia \(question 1\/2\)/, from);
      t.say('cara', first.includes('starter') ? 'sourdough' : 'thirteen');
      const second = await said(t, /^cara got it! .* Trivia \(question 2\/2\)/, from);
      await clock.advance(30_000);
      const end = await said(t, /Trivia is over/, from);
      expect(end).to.match(/^Time's up! The answer was (sourdough|13)\. Trivia is over: cara wins with 1 of 2!$/);
      expect(second).to.not.equal(first);
      // A win is said as soon as it is written down; its payment commits right after (journal.ts).
      await eventually(() => tokens(t, 'cara'), (n) => n === 5, "cara's win to be paid");
    });

    it('is cancelled by !stopgame, and refuses a second game or bad options', async () => {
      const { t } = g;
      t.say(MOD, '!trivia');
      await said(t, /^Trivia,/);
      expect(await t.ask(MOD, '!scramble')).to.equal('a game of Trivia is already running.');
      t.say('erin', 'surely not this');
      t.say(MOD, '!stopgame');
      expect(await said(t, /stopped/)).to.equal('Trivia was stopped by amod.');
      await t.idle(); // the players' rows follow the announcement
      const [game] = await t.service('minigames').history(1);
      expect(game!.status).to.equal('cancelled');
      // A player of a cancelled game is in its history, and not in their stats.
      expect(game!.players).to.equal(1);
      expect(await t.service('minigames').stats('local:erin')).to.deep.include({ plays: 0, wins: 0 });
      expect(await t.ask(MOD, '!stopgame')).to.equal('no game is running.');
      expect(await t.ask(MOD, '!trivia 99')).to.equal('Usage: !trivia [rounds] [category] [easy|medium|hard] (rounds must be from 1 to 10)');
      expect(await t.ask(MOD, '!trivia pastries')).to.match(/^Usage: .*"pastries" is not a category \(categories: bread, numbers\)/);
      expect(await t.repliesTo('viewer', '!trivia')).to.deep.equal([]); // moderators only
    });
  });

  describe('word scramble', () => {
    it('is won by the exact word', async () => {
      const { t } = g;
      const game = await t.service('minigames').start({ type: 'scramble', options: { word: 'baguette' }, startedBy: { kind: 'dashboard', name: 'dashboard' } });
      const line = await said(t, /^Word scramble! Unscramble this: ([A-Z]+) \(30 s\)$/);
      const letters = /: ([A-Z]+) /.exec(line)![1]!;
      expect([...letters].sort().join('')).to.equal([...'BAGUETTE'].sort().join(''));
      expect(letters).to.not.equal('BAGUETTE');
      t.say('dan', 'baguete'); // one letter short: not the word
      t.say('dan', 'BAGUETTE');
      expect(await said(t, /unscrambled/)).to.equal('dan unscrambled it: baguette!');
      expect((await ended(t, game.id)).status).to.equal('won');
      expect(await tokens(t, 'dan')).to.equal(5);
    });

    it('times out with the word, and is cancelled', async () => {
      const { t, clock } = g;
      t.say(MOD, '!scramble');
      await said(t, /^Word scramble!/);
      await clock.advance(30_000);
      expect(await said(t, /Time's up/)).to.match(/^Time's up! [A-Z]+ was [a-z]+\.$/);
      t.say(MOD, '!game scramble');
      const from = t.outputs.length;
      await said(t, /^Word scramble!/, from - 1);
      t.say(MOD, '!stopgame');
      expect(await said(t, /stopped/)).to.equal('Word scramble was stopped by amod.');
    });
  });

  describe('number guess', () => {
    it('is won by searching with the hints', async () => {
      const { t } = g;
      t.say(MOD, '!numberguess 100');
      await said(t, /^Number guess! I'm thinking of a number from 1 to 100/);
      let low = 1;
      let high = 100;
      let winner = '';
      for (let i = 0; i < 8 && !winner; i++) {
        const guess = Math.floor((low + high) / 2);
        const viewer = `guesser${i}`;
        const from = t.outputs.length;
        t.say(viewer, String(guess));
        const out = await t.waitFor((o) => t.outputs.indexOf(o) >= from && (/too (low|high)/.test(o.text) || /guessed it/.test(o.text)));
        if (/guessed it/.test(out.text)) winner = viewer;
        else if (/too low/.test(out.text)) low = guess + 1;
        else high = guess - 1;
      }
      expect(winner).to.not.equal('');
      await eventually(() => tokens(t, winner), (n) => n === 5, "the winner's pay");
    });

    it('ignores chat that is not a number, reads number words, and times out with the number', async () => {
      const { t, clock } = g;
      t.say(MOD, '!numberguess 2');
      await said(t, /from 1 to 2\./);
      expect(await t.repliesTo('eve', 'is it big?')).to.deep.equal([]);
      // A guess is answered from the game's own queue: wait for the answer rather than for the bot to be idle.
      t.say('eve', 'one');
      const reply = (await t.waitFor((o) => /guessed it|too low/.test(o.text))).text;
      if (reply !== '1 is too low: higher!') {
        expect(reply).to.equal('eve guessed it: 1! (1 guesses in all)'); // the number was 1
        return;
      }
      await clock.advance(30_000);
      expect(await said(t, /Time's up/)).to.equal("Time's up! The number was 2.");
    });

    it('is cancelled by !stopgame', async () => {
      const { t } = g;
      t.say(MOD, '!game numberguess');
      await said(t, /^Number guess!/);
      t.say(MOD, '!stopgame');
      expect(await said(t, /stopped/)).to.equal('Number guess was stopped by amod.');
    });
  });

  describe('typerace', () => {
    it('is won by the exact phrase, not a sloppy one', async () => {
      const { t } = g;
      t.say(MOD, '!typerace');
      const line = await said(t, /^Typerace! First to type this exactly wins \(30 s\): /);
      const phrase = line.replace(/^Typerace! First to type this exactly wins \(30 s\): /, '');
      t.say('fay', phrase.toLowerCase());
      t.say('gus', `  ${phrase.replace(/ /g, '  ')} `);
      expect(await said(t, /typed it first/)).to.equal('gus typed it first!');
      expect(await tokens(t, 'fay')).to.equal(0);
    });

    it('times out with the phrase, and is cancelled', async () => {
      const { t, clock } = g;
      t.say(MOD, '!typerace');
      await said(t, /^Typerace!/);
      await clock.advance(30_000);
      expect(await said(t, /Time's up/)).to.match(/^Time's up! Nobody typed ".+"\.$/);
      const from = t.outputs.length;
      t.say(MOD, '!typerace');
      await said(t, /^Typerace!/, from);
      t.say(MOD, '!stopgame');
      expect(await said(t, /stopped/)).to.equal('Typerace was stopped by amod.');
    });
  });

  it('lists the games and the one running; banned and excluded viewers cannot win', async () => {
    const { t } = g;
    expect(await t.ask('viewer', '!games')).to.equal('Games: heist, numberguess, scramble, trivia, typerace (moderators: !game <type>).');
    await t.service('minigames').start({ type: 'typerace', options: { phrase: 'Knead the dough.' } });
    expect(await t.ask('viewer2', '!games')).to.equal('Games: heist, numberguess, scramble, trivia, typerace (moderators: !game <type>). Running now: Typerace.');
    t.say('mallory', 'hello'); // known to the directory
    await t.bot.users.setBanned('local:mallory', true);
    await t.service('economy').setExcluded('local:oscar', true);
    t.say('mallory', 'Knead the dough.');
    t.say('oscar', 'Knead the dough.');
    t.say('nice', 'Knead the dough.');
    expect(await said(t, /typed it first/)).to.equal('nice typed it first!');
    const [game] = await eventually(() => t.service('minigames').history(1), (h) => h.length === 1, 'the game to end');
    expect(game!.answers).to.equal(2); // mallory's hello (before her ban) and nice's: banned and excluded viewers are not read
    expect((await t.service('economy').findAccount('oscar'))?.xp ?? 0).to.equal(0);
  });
});
