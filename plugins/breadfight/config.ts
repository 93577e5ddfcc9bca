// The plugin's settings (`plugins.breadfight` in config/bakebot.yaml). The key names are a contract other
// tools rely on (issue 17): fightTimeout, turnTime, accuracyThreshold, hp, maxRounds, houseCut, minWager,
// maxWager, questions, includeBuiltin; plus concurrentFights and resumeWithinSeconds. Timeouts accept 5 s and
// up, maxRounds 1 and up.
import type { ConfigOf } from '../../core/types.ts';

export const QUESTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['question', 'answer', 'difficulty'],
  properties: {
    question: { type: 'string', minLength: 1, maxLength: 300 },
    answer: { type: 'string', minLength: 1, maxLength: 100 },
    aliases: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, maxItems: 20 },
    difficulty: { type: 'integer', enum: [1, 2, 3] },
  },
} as const;

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    fightTimeout: { type: 'number', minimum: 5, maximum: 3600, default: 60, description: 'Seconds the challenged viewer has to !accept.' },
    turnTime: { type: 'number', minimum: 5, maximum: 600, default: 15, description: 'Seconds a fighter has to answer the question of their turn.' },
    accuracyThreshold: { type: 'integer', minimum: 0, maximum: 100, default: 75, description: 'Percent similarity (the mini-games matcher) an answer needs to be a hit.' },
    hp: { type: 'integer', minimum: 1, maximum: 10000, default: 100, description: 'Health each fighter starts with.' },
    maxRounds: { type: 'integer', minimum: 1, maximum: 100, default: 10, description: 'Rounds (one turn each) before the fight is decided on health; equal health is a draw.' },
    houseCut: { type: 'number', minimum: 0, maximum: 100, default: 0, description: 'Percent of the pot the house keeps (a debit from the winner, in the ledger).' },
    minWager: { type: 'integer', minimum: 0, default: 0, description: 'Smallest wager; also the wager of a challenge that names none (0: friendly fights allowed).' },
    maxWager: { type: 'integer', minimum: 0, default: 10000, description: 'Largest wager.' },
    questions: { type: 'array', items: QUESTION_SCHEMA, maxItems: 5000, default: [], description: 'Your own fight questions: {question, answer, aliases?, difficulty (1-3)}.' },
    includeBuiltin: { type: 'boolean', default: true, description: 'Also ask the bundled bread and baking questions (false: only yours).' },
    concurrentFights: { type: 'integer', minimum: 1, maximum: 50, default: 1, description: 'Fights (or open challenges) a channel may have at once.' },
    resumeWithinSeconds: { type: 'number', minimum: 5, maximum: 86400, default: 300, description: 'After a restart, a fight whose last move is older than this is refunded instead of resumed.' },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'Fixed seed for the question draw and the moves (reproducible fights, tests); empty: random.' },
  },
} as const;

export type BreadfightConfig = ConfigOf<typeof CONFIG_SCHEMA>;
