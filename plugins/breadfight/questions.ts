// The fight questions: the bundled ones (questions/en.json, bread and baking first) unless `includeBuiltin`
// is false, then the streamer's from the config (`questions`, already checked by the schema). A turn draws
// one of the round's difficulty that this fight has not asked yet.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pick } from './random.ts';

export type Difficulty = 1 | 2 | 3;

export interface FightQuestionInput {
  readonly question: string;
  readonly answer: string;
  readonly aliases?: readonly string[];
  readonly difficulty: number;
}

export interface FightQuestion {
  /** `builtin:12` or `config:3` (1-based positions). */
  readonly id: string;
  readonly question: string;
  /** The answer first, then its aliases: what the matcher accepts. */
  readonly answers: readonly string[];
  readonly difficulty: Difficulty;
  readonly source: 'builtin' | 'config';
}

function toQuestion(q: FightQuestionInput, id: string, source: FightQuestion['source']): FightQuestion {
  const d = Math.min(3, Math.max(1, Math.round(q.difficulty))) as Difficulty;
  return { id, question: q.question.trim(), answers: [q.answer, ...(q.aliases ?? [])].map((a) => a.trim()).filter(Boolean), difficulty: d, source };
}

/** The bundled questions; throws with the file and position when one is broken (a packaging mistake). */
export function loadBuiltin(pluginDir: string): FightQuestion[] {
  const file = path.join(pluginDir, 'questions', 'en.json');
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(data)) throw new Error(`${file}: must be a list of questions`);
  return data.map((raw: unknown, i) => {
    const q = raw as Partial<FightQuestionInput>;
    if (typeof q.question !== 'string' || typeof q.answer !== 'string' || ![1, 2, 3].includes(q.difficulty as number)) {
      throw new Error(`${file} question ${i + 1}: needs question, answer and difficulty 1-3`);
    }
    return toQuestion(q as FightQuestionInput, `builtin:${i + 1}`, 'builtin');
  });
}

export function buildPool(pluginDir: string, includeBuiltin: boolean, custom: readonly FightQuestionInput[]): FightQuestion[] {
  return [...(includeBuiltin ? loadBuiltin(pluginDir) : []), ...custom.map((q, i) => toQuestion(q, `config:${i + 1}`, 'config'))];
}

/** Difficulty of a round: 1 for the first two rounds, 2 for the next two, 3 after that. */
export function difficultyOf(round: number): Difficulty {
  return round <= 2 ? 1 : round <= 4 ? 2 : 3;
}

/**
 * A question of `difficulty` not in `asked`; the nearest difficulty when there is none left of that one, and
 * one already asked when the pool is exhausted. Undefined only for an empty pool.
 */
export function drawQuestion(pool: readonly FightQuestion[], difficulty: Difficulty, asked: ReadonlySet<string>, random: () => number): FightQuestion | undefined {
  const fresh = pool.filter((q) => !asked.has(q.id));
  for (const from of [fresh, pool]) {
    for (const d of [difficulty, ...([1, 2, 3] as const).filter((x) => x !== difficulty).sort((a, b) => Math.abs(a - difficulty) - Math.abs(b - difficulty))]) {
      const some = from.filter((q) => q.difficulty === d);
      if (some.length) return pick(some, random);
    }
  }
  return undefined;
}
