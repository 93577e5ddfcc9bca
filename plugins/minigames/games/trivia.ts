// Trivia: a question from the bank; the first viewer whose answer matches wins. `rounds` asks more than one
// question: a point per round, and the viewers with the most points win. One answer per viewer per question.
import type { GameDefinition, RunningGame } from '../service.ts';
import type { Difficulty } from '../questions.ts';
import { duration, option, playerOf, wholeNumber } from './common.ts';

interface Asked {
  readonly question: string;
  readonly answer: string;
  readonly aliases: readonly string[];
  readonly category: string;
}

export interface TriviaState {
  readonly questions: readonly Asked[];
  /** 0-based index of the question being asked. */
  readonly round: number;
  /** Points per viewer: user id → [login, display name, points]. */
  readonly scores: Readonly<Record<string, readonly [string, string, number]>>;
  /** Who got each question (login), or null. */
  readonly results: readonly (string | null)[];
}

const DIFFICULTY: Readonly<Record<string, Difficulty>> = { easy: 1, medium: 2, hard: 3 };
/** In an options object (the API) a difficulty may also be its number; typed in chat, a number is the rounds. */
const DIFFICULTY_OPTION: Readonly<Record<string, Difficulty>> = { ...DIFFICULTY, '1': 1, '2': 2, '3': 3 };

export function triviaGame(settings: { maxRounds: () => number; categories: () => string[] }): GameDefinition<TriviaState> {
  const ask = async (game: RunningGame<TriviaState>, state: TriviaState, lead = '') => {
    const q = state.questions[state.round]!;
    const rounds = state.questions.length > 1 ? ` (question ${state.round + 1}/${state.questions.length})` : '';
    const ms = game.settings.gameTimeout * 1000;
    await game.update(state, ms);
    await game.say(`${lead}Trivia${rounds}, ${q.category}: ${q.question} Answer in chat, you have ${duration(ms)}!`);
  };

  /** After a question is answered or timed out: the next one, or the end. */
  const next = async (game: RunningGame<TriviaState>, state: TriviaState, said: string, replyTo?: Parameters<RunningGame<TriviaState>['finish']>[0]['replyTo']) => {
    if (state.round + 1 < state.questions.length) return ask(game, { ...state, round: state.round + 1 }, `${said} `);
    const scores = Object.entries(state.scores);
    const best = Math.max(0, ...scores.map(([, s]) => s[2]));
    const top = scores.filter(([, s]) => s[2] === best && best > 0);
    const q = state.questions[state.round]!;
    await game.update(state, null);
    if (!top.length) return game.finish({ status: 'timeout', text: said, answer: q.answer });
    const names = top.map(([, s]) => s[1]).join(', ');
    const text = state.questions.length === 1 ? said : `${said} Trivia is over: ${names} ${top.length > 1 ? 'share the win' : 'wins'} with ${best} of ${state.questions.length}!`;
    return game.finish({
      status: 'won', text, answer: q.answer, ...(replyTo && state.questions.length === 1 ? { replyTo } : {}),
      winners: top.map(([userId, s]) => ({ userId, login: s[0], displayName: s[1] })),
    });
  };

  return {
    type: 'trivia',
    title: 'Trivia',
    description: 'A question from the bakery quiz: the first right answer in chat wins.',
    usage: '[rounds] [category] [easy|medium|hard]',
    create(setup) {
      const max = settings.maxRounds();
      const rounds = option(setup.options, setup.args, 'rounds', wholeNumber) ?? 1;
      if (rounds < 1 || rounds > max) setup.fail(`rounds must be from 1 to ${max}`);
      const difficulty = setup.options.difficulty !== undefined
        ? DIFFICULTY_OPTION[String(setup.options.difficulty).toLowerCase()] ?? setup.fail('difficulty must be easy, medium or hard (1-3)')
        : option({}, setup.args, 'difficulty', (w) => DIFFICULTY[w.toLowerCase()]);
      const known = settings.categories();
      const category = option(setup.options, setup.args, 'category', (w) => (known.includes(w.toLowerCase()) ? w.toLowerCase() : undefined));
      const unknown = setup.args.find((a) => wholeNumber(a) === undefined && !DIFFICULTY[a.toLowerCase()] && !known.includes(a.toLowerCase()));
      if (unknown !== undefined) setup.fail(`"${unknown}" is not a category (categories: ${known.join(', ')})`);
      const picked = setup.questions({ count: rounds, ...(difficulty ? { difficulty } : {}), ...(category ? { category } : {}) });
      if (picked.length < rounds) setup.fail(picked.length ? `only ${picked.length} questions match` : 'no question matches (add some on the dashboard or in trivia.questions)');
      return { questions: picked.map((q) => ({ question: q.question, answer: q.answer, aliases: q.aliases, category: q.category })), round: 0, scores: {}, results: [] };
    },
    start: (game) => ask(game, game.state),
    resume: (game) => game.say(`Trivia goes on! ${game.state.questions[game.state.round]!.question}`),
    async answer(game, a) {
      const state = game.state;
      if (!game.once(`${state.round}:${a.user.id}`)) return; // one answer per viewer per question
      game.participate(playerOf(a.user));
      const q = state.questions[state.round]!;
      if (!game.match(a.text, [q.answer, ...q.aliases]).hit || !(await a.eligible())) return;
      const had = state.scores[a.user.id]?.[2] ?? 0;
      const scored: TriviaState = {
        ...state,
        scores: { ...state.scores, [a.user.id]: [a.user.login, a.user.displayName, had + 1] },
        results: [...state.results, a.user.login],
      };
      await next(game, scored, `${a.user.displayName} got it! The answer was ${q.answer}.`, a.message);
    },
    async timeout(game) {
      const state = game.state;
      const q = state.questions[state.round]!;
      await next(game, { ...state, results: [...state.results, null] }, `Time's up! The answer was ${q.answer}.`);
    },
    view(state, over) {
      const q = state.questions[state.round];
      const lines = state.questions.length > 1 ? [`Question ${state.round + 1} of ${state.questions.length}`] : [];
      for (const [, s] of Object.entries(state.scores)) lines.push(`${s[1]}: ${s[2]}`);
      return { prompt: q?.question, ...(over && q ? { answer: q.answer } : {}), lines };
    },
  };
}
