// The writer's statements, prepared once per SQL text and kept. node-sqlite3 prepares a statement on the
// thread pool before it runs it there, so `db.run(sql)` is two trips through the pool and back to the event
// loop; a kept statement is one. Under busy chat each trip waits for threads to wake, and a game's payout is
// ten statements: keeping them took a win's transaction from ~2 ms to ~1 ms (docs/benchmarks.md).
import type sqlite3 from 'sqlite3';

export interface RunOutcome {
  readonly changes: number;
  readonly lastID: number;
}

interface Kept {
  readonly stmt: sqlite3.Statement;
  readonly ready: Promise<void>;
}

export class KeptStatements {
  /** In order of last use (a Map keeps insertion order; a used entry is moved to the end). */
  private readonly kept = new Map<string, Kept>();

  constructor(
    private readonly db: sqlite3.Database,
    private readonly max = 200,
  ) {}

  /**
   * Every row: the statement always runs to its end, so it is never left open. (Open, a write with RETURNING
   * stops COMMIT, and a read holds the connection's snapshot until the statement's next use.)
   */
  async all<T>(sql: string, params: unknown[] | Record<string, unknown>): Promise<T[]> {
    const k = await this.statement(sql);
    return new Promise<T[]>((resolve, reject) => {
      k.stmt.all<T>(params, (err: Error | null, rows: T[]) => (err ? reject(this.dropAfter(sql, k, err)) : resolve(rows)));
    });
  }

  /**
   * A write without RETURNING (its rows would leave the statement open: use all()). It steps once, which
   * runs the whole INSERT, UPDATE or DELETE.
   */
  async run(sql: string, params: unknown[] | Record<string, unknown>): Promise<RunOutcome> {
    const k = await this.statement(sql);
    const drop = (err: Error) => this.dropAfter(sql, k, err);
    return new Promise<RunOutcome>((resolve, reject) => {
      k.stmt.run(params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(drop(err));
        else resolve({ changes: this.changes, lastID: this.lastID });
      });
    });
  }

  /** Finalizes every kept statement (each after the calls queued on it). */
  async close(): Promise<void> {
    const all = [...this.kept.values()];
    this.kept.clear();
    await Promise.all(all.map((k) => this.finalize(k)));
  }

  private statement(sql: string): Promise<Kept> {
    const hit = this.kept.get(sql);
    if (hit) {
      this.kept.delete(sql);
      this.kept.set(sql, hit);
      return hit.ready.then(() => hit);
    }
    let stmt!: sqlite3.Statement;
    // The callback is required: without one, a failed prepare is an 'error' event (which ends the process)
    // and the calls queued on the statement are never answered.
    const ready = new Promise<void>((resolve, reject) => {
      stmt = this.db.prepare(sql, (err: Error | null) => (err ? reject(err) : resolve()));
    });
    const k: Kept = { stmt, ready };
    ready.catch(() => {
      if (this.kept.get(sql) === k) this.kept.delete(sql);
    });
    this.kept.set(sql, k);
    if (this.kept.size > this.max) {
      const [oldest, entry] = this.kept.entries().next().value as [string, Kept];
      this.kept.delete(oldest);
      void this.finalize(entry);
    }
    return ready.then(() => k);
  }

  /**
   * A statement that failed is prepared afresh next time (its table may have changed or gone); a refused
   * row (a UNIQUE key taken) says nothing about the statement.
   */
  private dropAfter(sql: string, k: Kept, err: Error): Error {
    if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT' && this.kept.get(sql) === k) {
      this.kept.delete(sql);
      void this.finalize(k);
    }
    return err;
  }

  private finalize(k: Kept): Promise<void> {
    return k.ready.then(
      () => new Promise<void>((resolve) => k.stmt.finalize(() => resolve())),
      () => undefined,
    );
  }
}
