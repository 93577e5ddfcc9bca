// The minigames plugin's public face: the types other plugins (bread fights, EventSub rewards, your own
// games) code against. Types only. Errors are checked by `code`, never with `instanceof`.
import type { MatchResult } from './matcher.ts';
import type { QuestionQuery, TriviaQuestion } from './questions.ts';

export type { MatchResult } from './matcher.ts';
export type { Difficulty, QuestionInput, QuestionQuery, TriviaQuestion } from './questions.ts';

export interface MinigamesService {
  /**
   * Compares a viewer's answer with the accepted answers (see matcher.ts for the metric): case, accents,
   * punctuation, extra spaces and a leading article do not count, number words equal digits, and a typo
   * passes when the similarity reaches `accuracy` percent (default: the `answerAccuracy` setting).
   */
  match(given: string, accepted: readonly string[], accuracy?: number): MatchResult;
  /** The text as the matcher compares it ("The Crème Brûlée!" → "creme brulee", "seven" → "7"). */
  normalize(text: string): string;
  /** Questions drawn at random from the bank (bundled unless `trivia.includeBuiltin` is false, config, dashboard). */
  questions(query?: QuestionQuery): TriviaQuestion[];
  /** The bank's categories with how many questions each has, biggest first. */
  categories(): { category: string; count: number }[];
}

declare module '../../core/types.ts' {
  interface PluginServices {
    minigames: MinigamesService;
  }
}
