// Mini-games: chat games (trivia, word scramble, number guess, typerace, a bakery heist) on an engine other
// plugins extend with their own game types. This first part serves the answer matcher and the question bank.
import { definePlugin } from '../../core/define.ts';
import { CONFIG_SCHEMA } from './config.ts';
import { matchAnswer, normalizeAnswer } from './matcher.ts';
import { categoriesOf, drawQuestions, loadBuiltin, toQuestion, type TriviaQuestion } from './questions.ts';
import type { MinigamesService } from './service.ts';

export type * from './service.ts';

export default definePlugin({
  name: 'minigames',
  version: '1.0.0',
  description: 'Chat games: trivia, word scramble, number guess, typerace and a bakery heist; other plugins add their own.',
  dependsOn: ['economy'],
  optionalDependsOn: ['dashboard', 'shop'],
  configSchema: CONFIG_SCHEMA,

  setup(ctx) {
    const config = ctx.config;
    const pool: TriviaQuestion[] = [
      ...(config.trivia.includeBuiltin ? loadBuiltin(ctx.dir) : []),
      ...config.trivia.questions.map((q, i) => toQuestion(q, `config:${i + 1}`, 'config')),
    ];

    const service: MinigamesService = {
      match: (given, accepted, accuracy = config.answerAccuracy) => matchAnswer(given, accepted, accuracy),
      normalize: (text) => normalizeAnswer(text),
      questions: (query = {}) => drawQuestions(pool, query),
      categories: () => categoriesOf(pool),
    };
    return service;
  },
});
