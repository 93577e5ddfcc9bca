// Number guess: a number from 1 to `max`; each wrong guess is told "higher" or "lower". A viewer may guess
// once every `numberguess.guessSeconds`; messages that are not a number are not guesses.
import { normalizeAnswer } from '../matcher.ts';
import type { GameDefinition } from '../service.ts';
import { duration, option, playerOf, wholeNumber } from './common.ts';

export interface NumberGuessState {
  readonly number: number;
  readonly max: number;
  readonly guesses: number;
}

export function numberGuessGame(settings: { max: () => number; guessSeconds: () => number }): GameDefinition<NumberGuessState> {
  return {
    type: 'numberguess',
    title: 'Number guess',
    description: 'Guess the number: the bot says higher or lower.',
    usage: '[max]',
    create(setup) {
      const max = option(setup.options, setup.args, 'max', wholeNumber) ?? settings.max();
      if (max < 2 || max > 1_000_000) setup.fail('max must be from 2 to 1000000');
      return { number: 1 + Math.floor(setup.random() * max), max, guesses: 0 };
    },
    async start(game) {
      const ms = game.settings.gameTimeout * 1000;
      await game.update(game.state, ms);
      await game.say(`Number guess! I'm thinking of a number from 1 to ${game.state.max}. Type your guess; you have ${duration(ms)}.`);
    },
    resume: (game) => game.say(`Number guess goes on: a number from 1 to ${game.state.max}.`),
    async answer(game, a) {
      const text = normalizeAnswer(a.text);
      const guess = wholeNumber(text);
      if (guess === undefined || !(await a.eligible())) return; // chatting, not guessing; or not allowed to play
      if (game.wait(a.user.id, settings.guessSeconds()) > 0) return;
      game.participate(playerOf(a.user));
      const state = { ...game.state, guesses: game.state.guesses + 1 };
      if (guess === state.number) {
        await game.update(state);
        return game.finish({
          status: 'won', replyTo: a.message, answer: String(state.number), winners: [playerOf(a.user)],
          text: `${a.user.displayName} guessed it: ${state.number}! (${state.guesses} guesses in all)`,
        });
      }
      await game.update(state);
      await a.reply(`${guess} is too ${guess < state.number ? 'low: higher!' : 'high: lower!'}`);
    },
    timeout: (game) => game.finish({ status: 'timeout', answer: String(game.state.number), text: `Time's up! The number was ${game.state.number}.` }),
    view: (state, over) => ({ prompt: `A number from 1 to ${state.max}`, lines: [`${state.guesses} guesses`], ...(over ? { answer: String(state.number) } : {}) }),
  };
}
