// The trivia question bank: the bundled questions (one JSON file per language in questions/), the streamer's
// from config (`trivia.questions`) and those added on the dashboard, each validated the same way, and drawing
// from them by category and difficulty.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type Difficulty = 1 | 2 | 3;

/** A question as written in a data file, the config or an import. */
export interface QuestionInput {
  readonly question: string;
  readonly answer: string;
  readonly aliases?: readonly string[];
  readonly category?: string;
  readonly difficulty?: Difficulty;
}

/** A question of the bank, with where it comes from. */
export interface TriviaQuestion {
  /** `builtin:en:12`, `config:3` or `custom:7` (a dashboard question's row id). */
  readonly id: string;
  readonly question: string;
  readonly answer: string;
  readonly aliases: readonly string[];
  /** Lower case, e.g. `bakery`; `general` when none was given. */
  readonly category: string;
  readonly difficulty: Difficulty;
  readonly source: 'builtin' | 'config' | 'custom';
}

export interface QuestionQuery {
  /** 1 easy, 2 medium, 3 hard. */
  readonly difficulty?: Difficulty;
  /** A category, case-insensitive (see `categories()`). */
  readonly category?: string;
  /** How many, at most (default 1); fewer when fewer match. Different questions, in random order. */
  readonly count?: number;
}

const MAX_TEXT = 300;
const MAX_ANSWER = 100;

/** Checks one question; returns the problems (empty when it is fine), each naming the field. */
export function questionProblems(input: unknown): string[] {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return ['must be an object with question and answer'];
  const q = input as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set(['question', 'answer', 'aliases', 'category', 'difficulty', 'id', 'source']);
  for (const key of Object.keys(q)) if (!known.has(key)) problems.push(`${key}: unknown field (known: question, answer, aliases, category, difficulty)`);
  if (typeof q.question !== 'string' || !q.question.trim()) problems.push('question: must be a non-empty text');
  else if (q.question.length > MAX_TEXT) problems.push(`question: at most ${MAX_TEXT} characters`);
  if (typeof q.answer !== 'string' || !q.answer.trim()) problems.push('answer: must be a non-empty text');
  else if (q.answer.length > MAX_ANSWER) problems.push(`answer: at most ${MAX_ANSWER} characters`);
  if (q.aliases !== undefined) {
    if (!Array.isArray(q.aliases) || q.aliases.some((a) => typeof a !== 'string' || !a.trim() || a.length > MAX_ANSWER)) {
      problems.push(`aliases: must be a list of non-empty texts of at most ${MAX_ANSWER} characters`);
    }
  }
  if (q.category !== undefined && (typeof q.category !== 'string' || !/^[\p{L}\p{N} _-]{1,40}$/u.test(q.category))) {
    problems.push('category: letters, digits, spaces, - or _, at most 40 characters');
  }
  if (q.difficulty !== undefined && q.difficulty !== 1 && q.difficulty !== 2 && q.difficulty !== 3) problems.push('difficulty: must be 1, 2 or 3');
  return problems;
}

/** A valid input as a bank question (call `questionProblems` first). */
export function toQuestion(input: QuestionInput, id: string, source: TriviaQuestion['source']): TriviaQuestion {
  return {
    id,
    question: input.question.trim(),
    answer: input.answer.trim(),
    aliases: (input.aliases ?? []).map((a) => a.trim()),
    category: (input.category ?? 'general').trim().toLowerCase(),
    difficulty: input.difficulty ?? 2,
    source,
  };
}

/** The bundled questions of one language (`questions/<language>.json`); throws if the file is broken. */
export function loadBuiltin(pluginDir: string, language = 'en'): TriviaQuestion[] {
  const file = path.join(pluginDir, 'questions', `${language}.json`);
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(data)) throw new Error(`${file}: must be a list of questions`);
  return data.map((q: unknown, i) => {
    const problems = questionProblems(q);
    if (problems.length) throw new Error(`${file} question ${i + 1}: ${problems.join('; ')}`);
    return toQuestion(q as QuestionInput, `builtin:${language}:${i + 1}`, 'builtin');
  });
}

/** Different questions drawn at random (Fisher–Yates on a copy) from those matching the query. */
export function drawQuestions(pool: readonly TriviaQuestion[], query: QuestionQuery, random: () => number = Math.random): TriviaQuestion[] {
  const category = query.category?.trim().toLowerCase();
  const matching = pool.filter((q) => (query.difficulty === undefined || q.difficulty === query.difficulty) && (!category || q.category === category));
  const count = Math.max(0, Math.min(matching.length, Math.floor(query.count ?? 1)));
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (matching.length - i));
    [matching[i], matching[j]] = [matching[j]!, matching[i]!];
  }
  return matching.slice(0, count);
}

/** The categories of a pool with how many questions each has, biggest first. */
export function categoriesOf(pool: readonly TriviaQuestion[]): { category: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const q of pool) counts.set(q.category, (counts.get(q.category) ?? 0) + 1);
  return [...counts].map(([category, count]) => ({ category, count })).sort((a, b) => b.count - a.count || a.category.localeCompare(b.category));
}
