// The plugin's settings (`plugins.minigames` in config/bakebot.yaml). The key names are a contract other
// tools rely on (issue 16): gameTimeout, answerAccuracy, trivia.questions, trivia.includeBuiltin,
// heist.joinSeconds, heist.minEntry, heist.maxEntry, autoStart. Timeouts and windows accept 5 s and up.
import type { ConfigOf, PluginContext } from '../../core/types.ts';

const QUESTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['question', 'answer'],
  properties: {
    question: { type: 'string', minLength: 1, maxLength: 300 },
    answer: { type: 'string', minLength: 1, maxLength: 100 },
    aliases: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, maxItems: 20 },
    category: { type: 'string', pattern: '^[\\p{L}\\p{N} _-]{1,40}$' },
    difficulty: { type: 'integer', enum: [1, 2, 3] },
  },
} as const;

const ODDS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['crew', 'chance'],
  properties: {
    crew: { type: 'integer', minimum: 1, maximum: 1000, description: 'Smallest crew this line applies to.' },
    chance: { type: 'number', minimum: 0, maximum: 100, description: 'Percent chance that each member gets away.' },
    bonus: { type: 'number', minimum: 0, maximum: 1000, default: 0, description: 'Percent of their own fee each survivor gets on top (new tokens).' },
  },
} as const;

export const DEFAULT_ODDS = [
  { crew: 1, chance: 40, bonus: 100 },
  { crew: 3, chance: 55, bonus: 50 },
  { crew: 5, chance: 65, bonus: 30 },
  { crew: 10, chance: 75, bonus: 20 },
];

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    gameTimeout: { type: 'number', minimum: 5, maximum: 3600, default: 30, description: 'Seconds a game (or one trivia round) runs before the bot says the answer.' },
    answerAccuracy: { type: 'integer', minimum: 0, maximum: 100, default: 75, description: 'Percent similarity an answer needs to count (100: exact after ignoring case, accents, punctuation and a leading article).' },
    trivia: {
      type: 'object',
      title: 'Trivia',
      additionalProperties: false,
      default: {},
      properties: {
        questions: { type: 'array', items: QUESTION_SCHEMA, maxItems: 5000, default: [], description: 'Your own questions: {question, answer, aliases?, category?, difficulty? (1-3)}.' },
        includeBuiltin: { type: 'boolean', default: true, description: 'Also ask the bundled questions (false: only yours and the dashboard\'s).' },
        maxRounds: { type: 'integer', minimum: 1, maximum: 50, default: 10, description: 'Most rounds a !trivia <rounds> may ask for.' },
      },
    },
    scramble: {
      type: 'object',
      title: 'Word scramble',
      additionalProperties: false,
      default: {},
      properties: {
        words: { type: 'array', items: { type: 'string', minLength: 3, maxLength: 30 }, maxItems: 5000, default: [], description: 'Your own words to unscramble (added to the bundled ones).' },
      },
    },
    numberguess: {
      type: 'object',
      title: 'Number guess',
      additionalProperties: false,
      default: {},
      properties: {
        max: { type: 'integer', minimum: 2, maximum: 1000000, default: 100, description: 'The number is between 1 and this.' },
        guessSeconds: { type: 'number', minimum: 0, maximum: 600, default: 3, description: 'Seconds a viewer waits between two guesses.' },
      },
    },
    heist: {
      type: 'object',
      title: 'Heist',
      additionalProperties: false,
      default: {},
      properties: {
        joinSeconds: { type: 'number', minimum: 5, maximum: 3600, default: 60, description: 'Seconds the crew has to join after the first !heist.' },
        minEntry: { type: 'integer', minimum: 1, default: 10, description: 'Smallest fee.' },
        maxEntry: { type: 'integer', minimum: 1, default: 1000, description: 'Largest fee.' },
        odds: { type: 'array', items: ODDS_SCHEMA, minItems: 1, maxItems: 50, default: DEFAULT_ODDS, description: 'Chance each member gets away, and their bonus, by crew size (the line with the largest crew not above the crew size applies).' },
      },
    },
    autoStart: {
      type: 'object',
      title: 'Games on a schedule',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false, description: 'Start games on a schedule.' },
        everyMinutes: { type: 'number', minimum: 1, maximum: 1440, default: 15, description: 'Minutes between scheduled games.' },
        minChatters: { type: 'integer', minimum: 0, maximum: 10000, default: 3, description: 'Only start when at least this many viewers chatted in the last everyMinutes.' },
        types: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9_]{1,32}$' }, minItems: 1, default: ['trivia', 'scramble', 'numberguess', 'typerace'], description: 'Game types to pick from, in turn.' },
      },
    },
  },
} as const;

export type MinigamesConfig = ConfigOf<typeof CONFIG_SCHEMA>;
export type MinigamesContext = PluginContext<MinigamesConfig>;
