// Bread-themed moves and flavour text. Damage depends only on the question's difficulty (a hard question
// hits harder); which move and which line is chance (the fight's random source), so fights read differently.
import type { Difficulty } from './questions.ts';
import { pick } from './random.ts';

export const DAMAGE: Readonly<Record<Difficulty, number>> = { 1: 15, 2: 25, 3: 35 };

const MOVES: Readonly<Record<Difficulty, readonly string[]>> = {
  1: [
    'a baguette to the ribs',
    'a flurry of dinner rolls',
    'a buttered-toast slap',
    'a pretzel-twist armlock',
    'a crouton barrage',
    'a cinnamon-roll spin kick',
    'a bagel boomerang',
  ],
  2: [
    'a sourdough uppercut',
    'a rye-bread body slam',
    'a ciabatta slipper smack',
    'a focaccia frisbee to the face',
    'a brioche belly flop',
    'a double-baked biscotti jab',
    'a rolling-pin sweep',
  ],
  3: [
    'a flying pumpernickel piledriver',
    'the dreaded panettone meteor',
    'a fifty-fold croissant cyclone',
    'a stollen suplex dusted in sugar',
    'a wood-fired oven blast',
    'the Great Baguette Guillotine',
    'a fermented-starter mega combo',
  ],
};

const HIT_LINES: readonly string[] = [
  '{attacker} lands {move} on {defender}! -{damage} HP.',
  '{attacker} answers right and hits {defender} with {move}! -{damage} HP.',
  'Crumbs everywhere: {move} from {attacker} catches {defender}. -{damage} HP.',
  '{defender} never saw {move} coming. {attacker} deals {damage} damage!',
  'Fresh from the oven: {attacker} serves {defender} {move}. -{damage} HP.',
];

const MISS_LINES: readonly string[] = [
  '{attacker} fumbles the dough and misses. The answer was "{answer}".',
  '{attacker} swings a stale loaf and hits nothing. It was "{answer}".',
  'Half-baked! {attacker} misses {defender}. The answer: "{answer}".',
  '{defender} dodges; {attacker} only hits flour. It was "{answer}".',
];

const TIMEOUT_LINES: readonly string[] = [
  '{attacker} is still kneading... time is up! The answer was "{answer}".',
  '{attacker} froze like cold butter. Too slow! It was "{answer}".',
  'The oven timer rings and {attacker} has not moved. The answer: "{answer}".',
];

function fill(line: string, values: Readonly<Record<string, string | number>>): string {
  return line.replace(/\{(\w+)\}/g, (all, key: string) => (key in values ? String(values[key]) : all));
}

export interface MoveOutcome {
  readonly move: string | null;
  readonly damage: number;
  readonly text: string;
}

/** What a turn did: a hit (a move with its damage) or a miss / timeout, in words for chat. */
export function describeTurn(
  kind: 'hit' | 'miss' | 'timeout',
  names: { attacker: string; defender: string },
  difficulty: Difficulty,
  answer: string,
  random: () => number,
): MoveOutcome {
  if (kind === 'hit') {
    const move = pick(MOVES[difficulty], random);
    const damage = DAMAGE[difficulty];
    return { move, damage, text: fill(pick(HIT_LINES, random), { ...names, move, damage }) };
  }
  return { move: null, damage: 0, text: fill(pick(kind === 'miss' ? MISS_LINES : TIMEOUT_LINES, random), { ...names, answer }) };
}

/** Cuts a chat line to Twitch's limit (500) with room to spare for the outbox's prefixes. */
export function clip(text: string, max = 480): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
