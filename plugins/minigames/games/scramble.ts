// Word scramble: the letters of a bakery word, shuffled; the first viewer to type the word wins. Any number
// of tries; the letters are given, so the word must be exact (case, accents and spaces aside).
import type { GameDefinition } from '../service.ts';
import { duration, option, pickOne, playerOf } from './common.ts';

export interface ScrambleState {
  readonly word: string;
  readonly scrambled: string;
}

/** The letters of `word` in a different order (when the word has two different letters at all). */
export function scramble(word: string, random: () => number): string {
  const letters = [...word.toUpperCase()];
  if (new Set(letters).size < 2) return letters.join('');
  for (let tries = 0; tries < 20; tries++) {
    for (let i = letters.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [letters[i], letters[j]] = [letters[j]!, letters[i]!];
    }
    if (letters.join('') !== word.toUpperCase()) break;
  }
  return letters.join('');
}

export function scrambleGame(words: () => readonly string[]): GameDefinition<ScrambleState> {
  return {
    type: 'scramble',
    title: 'Word scramble',
    description: 'Unscramble a bakery word: the first to type it wins.',
    usage: '',
    create(setup) {
      const given = option(setup.options, [], 'word', (w) => (/^[\p{L}]{3,30}$/u.test(w) ? w.toLowerCase() : undefined));
      const word = given ?? pickOne(words(), setup.random);
      if (!word) return setup.fail('there are no words to scramble (scramble.words)');
      return { word, scrambled: scramble(word, setup.random) };
    },
    async start(game) {
      const ms = game.settings.gameTimeout * 1000;
      await game.update(game.state, ms);
      await game.say(`Word scramble! Unscramble this: ${game.state.scrambled} (${duration(ms)})`);
    },
    resume: (game) => game.say(`Word scramble goes on: ${game.state.scrambled}`),
    async answer(game, a) {
      game.participate(playerOf(a.user));
      if (!game.match(a.text, [game.state.word], 100).hit || !(await a.eligible())) return;
      await game.finish({
        status: 'won', replyTo: a.message, answer: game.state.word,
        text: `${a.user.displayName} unscrambled it: ${game.state.word}!`,
        winners: [playerOf(a.user)],
      });
    },
    timeout: (game) => game.finish({ status: 'timeout', answer: game.state.word, text: `Time's up! ${game.state.scrambled} was ${game.state.word}.` }),
    view: (state, over) => ({ prompt: state.scrambled, ...(over ? { answer: state.word } : {}) }),
  };
}
