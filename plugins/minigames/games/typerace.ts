// Typerace: the first viewer to type the phrase exactly (same letters, case and punctuation; extra spaces
// aside) wins.
import type { GameDefinition } from '../service.ts';
import { duration, option, pickOne, playerOf } from './common.ts';

export interface TyperaceState {
  readonly phrase: string;
}

const squash = (text: string) => text.trim().replace(/\s+/g, ' ');

export function typeraceGame(phrases: () => readonly string[]): GameDefinition<TyperaceState> {
  return {
    type: 'typerace',
    title: 'Typerace',
    description: 'Type the phrase exactly: the fastest typer wins.',
    usage: '',
    create(setup) {
      const given = option(setup.options, [], 'phrase', (w) => (w.trim().length >= 3 && w.length <= 200 ? squash(w) : undefined));
      const phrase = given ?? pickOne(phrases(), setup.random);
      if (!phrase) return setup.fail('there is no phrase to type');
      return { phrase };
    },
    async start(game) {
      const ms = game.settings.gameTimeout * 1000;
      await game.update(game.state, ms);
      await game.say(`Typerace! First to type this exactly wins (${duration(ms)}): ${game.state.phrase}`);
    },
    resume: (game) => game.say(`Typerace goes on: ${game.state.phrase}`),
    async answer(game, a) {
      game.participate(playerOf(a.user));
      if (squash(a.text) !== game.state.phrase || !(await a.eligible())) return;
      await game.finish({ status: 'won', replyTo: a.message, answer: game.state.phrase, winners: [playerOf(a.user)], text: `${a.user.displayName} typed it first!` });
    },
    timeout: (game) => game.finish({ status: 'timeout', answer: game.state.phrase, text: `Time's up! Nobody typed "${game.state.phrase}".` }),
    view: (state) => ({ prompt: state.phrase }),
  };
}
