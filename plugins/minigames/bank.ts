// The question bank as the plugin runs it: bundled questions (unless trivia.includeBuiltin is false), the
// config's trivia.questions and the dashboard's questions (table minigames_questions), kept in memory so a
// draw costs no database trip; dashboard edits write the table and the memory together.
import type { MinigamesContext } from './config.ts';
import { GameFailure } from './engine.ts';
import { categoriesOf, drawQuestions, loadBuiltin, questionProblems, toQuestion, type QuestionInput, type QuestionQuery, type TriviaQuestion } from './questions.ts';

interface QuestionRow {
  id: number;
  question: string;
  answer: string;
  aliases: string;
  category: string;
  difficulty: number;
}

const fromRow = (r: QuestionRow): TriviaQuestion =>
  toQuestion({ question: r.question, answer: r.answer, aliases: JSON.parse(r.aliases) as string[], category: r.category, difficulty: r.difficulty as 1 | 2 | 3 }, `custom:${r.id}`, 'custom');

export class QuestionBank {
  private fixed: TriviaQuestion[] = [];
  private custom: TriviaQuestion[] = [];

  constructor(private readonly ctx: MinigamesContext) {}

  async load(): Promise<void> {
    const { trivia } = this.ctx.config;
    this.fixed = [...(trivia.includeBuiltin ? loadBuiltin(this.ctx.dir) : []), ...trivia.questions.map((q, i) => toQuestion(q, `config:${i + 1}`, 'config'))];
    this.custom = (await this.ctx.db.all<QuestionRow>('SELECT * FROM minigames_questions ORDER BY id')).map(fromRow);
  }

  all(): TriviaQuestion[] {
    return [...this.fixed, ...this.custom];
  }

  customQuestions(): TriviaQuestion[] {
    return [...this.custom];
  }

  draw(query: QuestionQuery, random?: () => number): TriviaQuestion[] {
    return drawQuestions(this.all(), query, random);
  }

  categories(): { category: string; count: number }[] {
    return categoriesOf(this.all());
  }

  private static check(input: unknown, label = 'question'): QuestionInput {
    const problems = questionProblems(input);
    if (problems.length) throw new GameFailure('INVALID', `the ${label} is not valid: ${problems.join('; ')}`, problems);
    return input as QuestionInput;
  }

  async save(input: unknown, id?: number): Promise<TriviaQuestion> {
    const q = toQuestion(QuestionBank.check(input), 'new', 'custom');
    const now = this.ctx.clock.now();
    const values = [q.question, q.answer, JSON.stringify(q.aliases), q.category, q.difficulty];
    if (id === undefined) {
      const { lastID } = await this.ctx.db.run('INSERT INTO minigames_questions (question, answer, aliases, category, difficulty, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [...values, now, now]);
      const saved = { ...q, id: `custom:${lastID}` };
      this.custom.push(saved);
      return saved;
    }
    const { changes } = await this.ctx.db.run('UPDATE minigames_questions SET question = ?, answer = ?, aliases = ?, category = ?, difficulty = ?, updated_at = ? WHERE id = ?', [...values, now, id]);
    if (!changes) throw new GameFailure('NOT_FOUND', `there is no question ${id}`);
    const saved = { ...q, id: `custom:${id}` };
    this.custom = this.custom.map((c) => (c.id === saved.id ? saved : c));
    return saved;
  }

  async delete(id: number): Promise<boolean> {
    const { changes } = await this.ctx.db.run('DELETE FROM minigames_questions WHERE id = ?', [id]);
    this.custom = this.custom.filter((c) => c.id !== `custom:${id}`);
    return changes > 0;
  }

  /** Every question is checked first: all are added in one transaction, or none (INVALID, a line per problem). */
  async import(inputs: unknown): Promise<number> {
    const list = Array.isArray(inputs) ? inputs : (inputs as { questions?: unknown } | null)?.questions;
    if (!Array.isArray(list) || !list.length) throw new GameFailure('INVALID', 'the file must hold a list of questions (or {"questions": [...]})', ['expected a non-empty JSON array']);
    if (list.length > 5000) throw new GameFailure('INVALID', 'at most 5000 questions at once', ['too many questions']);
    const problems = list.flatMap((q, i) => questionProblems(q).map((p) => `question ${i + 1}: ${p}`));
    if (problems.length) throw new GameFailure('INVALID', `${problems.length} problem${problems.length > 1 ? 's' : ''} in the file; nothing was imported`, problems.slice(0, 100));
    const now = this.ctx.clock.now();
    const questions = list.map((q) => toQuestion(q as QuestionInput, 'new', 'custom'));
    await this.ctx.db.transaction(async (tx) => {
      for (const q of questions) {
        await tx.run('INSERT INTO minigames_questions (question, answer, aliases, category, difficulty, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
          q.question, q.answer, JSON.stringify(q.aliases), q.category, q.difficulty, now, now,
        ]);
      }
    });
    this.custom = (await this.ctx.db.all<QuestionRow>('SELECT * FROM minigames_questions ORDER BY id')).map(fromRow);
    return questions.length;
  }
}
