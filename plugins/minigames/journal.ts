// Wins said before their transaction commits. A win costs several trips to SQLite's thread; a viewer should
// not wait for them to hear they won, and must never be told of a win that a crash then loses. So a win is
// first appended to this file (a synchronous write: once it returns, the line is the kernel's, and killing
// the process cannot lose it), then said, then committed, then crossed out. A start pays whatever is still
// listed before it resumes or cancels any game (finishGame is idempotent per game id: a win that did commit
// is not paid twice).
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import type { GameOutcome, GameWinner } from './service.ts';

/** One win waiting for its transaction: what finishGame needs to end the game as it was said. */
export interface PendingWin {
  readonly gameId: number;
  readonly title: string;
  readonly status: GameOutcome['status'];
  readonly answer: string | null;
  readonly text: string | null;
  readonly state: unknown;
  readonly rng: number;
  readonly answers: number;
  readonly winners: readonly GameWinner[];
}

export class WinJournal {
  private readonly listed = new Map<number, PendingWin>();
  private readonly commits = new Set<Promise<unknown>>();
  /** Kept open between wins (appending), so a win costs one write. */
  private fd: number | undefined;

  constructor(readonly file: string) {}

  /**
   * The wins a stopped bot left (oldest first). A line a crash cut short, or that is not a win, is skipped
   * and reported through `bad`: it was never said (the line is written before the win is).
   */
  read(bad: (line: string) => void): PendingWin[] {
    if (!existsSync(this.file)) return [];
    const wins: PendingWin[] = [];
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const win = parseWin(line);
      if (win) wins.push(win);
      else bad(line);
    }
    return wins;
  }

  /** Writes the win down before it is said; false when the disk refused (then commit first, as before). */
  record(win: PendingWin): boolean {
    try {
      this.fd ??= openSync(this.file, 'a');
      writeSync(this.fd, `${JSON.stringify(win)}\n`);
    } catch {
      return false;
    }
    this.listed.set(win.gameId, win);
    return true;
  }

  /** Tracks a win's transaction, so an unload waits for it (`drain`). */
  track<T>(commit: Promise<T>): Promise<T> {
    this.commits.add(commit);
    const done = () => void this.commits.delete(commit);
    commit.then(done, done);
    return commit;
  }

  /** The win's transaction has committed (or found the game already ended): its line goes. */
  settled(gameId: number): void {
    if (!this.listed.delete(gameId)) return;
    this.rewrite([...this.listed.values()]);
  }

  /** After a start paid what a stopped bot left: the file holds only what this run listed since. */
  cleared(): void {
    this.rewrite([...this.listed.values()]);
  }

  /** Waits for every win's transaction still running (a reload hands over nothing of them). */
  async drain(): Promise<void> {
    while (this.commits.size) await Promise.allSettled([...this.commits]);
    this.close();
  }

  private close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private rewrite(wins: PendingWin[]): void {
    if (!wins.length) {
      if (existsSync(this.file)) writeFileSync(this.file, '');
      return;
    }
    // Another channel's win is still listed: replaced whole, so a crash leaves the old list or the new one.
    // The open descriptor names the old file after the rename: the next win opens the new one.
    const next = `${this.file}.next`;
    writeFileSync(next, wins.map((w) => `${JSON.stringify(w)}\n`).join(''));
    renameSync(next, this.file);
    this.close();
  }
}

const ENDS = new Set(['won', 'timeout', 'lost']);

function parseWin(line: string): PendingWin | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const w = v as Partial<PendingWin>;
  const winners = Array.isArray(w.winners) ? w.winners.filter(isWinner) : [];
  if (!Number.isSafeInteger(w.gameId) || typeof w.title !== 'string' || !ENDS.has(w.status as string) || !winners.length) return undefined;
  return {
    gameId: w.gameId as number, title: w.title, status: w.status as PendingWin['status'],
    answer: typeof w.answer === 'string' ? w.answer : null, text: typeof w.text === 'string' ? w.text : null,
    state: w.state ?? null, rng: typeof w.rng === 'number' ? w.rng : 0, answers: typeof w.answers === 'number' ? w.answers : 0, winners,
  };
}

function isWinner(w: unknown): w is GameWinner {
  if (!w || typeof w !== 'object') return false;
  const p = w as Record<string, unknown>;
  const optionalNumber = (k: string) => p[k] === undefined || (typeof p[k] === 'number' && Number.isSafeInteger(p[k]) && (p[k] as number) >= 0);
  return typeof p.userId === 'string' && typeof p.login === 'string' && typeof p.displayName === 'string' && optionalNumber('tokens') && optionalNumber('xp') && optionalNumber('prize');
}
