// The writer's statements, prepared once per SQL text and kept. node-sqlite3 prepares a statement on the
// thread pool before it runs it there, so `db.run(sql)` is two trips through the pool and back to the event
// loop; a kept statement is one. Under busy chat each trip waits for threads to wake, and a game's payout is
// ten statements: keeping them took a win's transaction from ~2 ms to ~1 ms (docs/benchmarks.md).
import type sqlite3 from 'sqlite3';
import type { RunResult } from './types.ts';

/** A statement being prepared: `ready` resolves once it is, or rejects with why it cannot be. */
export interface Prepared {
  readonly stmt: sqlite3.Statement;
  readonly ready: Promise<void>;
}

/**
 * Prepares `sql` on `db`. The callback is required: without one, a failed prepare is an 'error' event (which
 * ends the process) and the calls queued on the statement are never answered.
 */
export function prepare(db: sqlite3.Database, sql: string): Prepared {
  let stmt!: sqlite3.Statement;
  const ready = new Promise<void>((resolve, reject) => {
    stmt = db.prepare(sql, (err: Error | null) => (err ? reject(Object.assign(new Error(`could not prepare "${sql}": ${err.message}`), { code: (err as { code?: string }).code })) : resolve()));
  });
  return { stmt, ready };
}

/** Finalizes a statement after the calls queued on it (nothing to do if it never was prepared). */
export function finalize(p: Prepared): Promise<void> {
  return p.ready.then(
    () => new Promise<void>((resolve) => p.stmt.finalize(() => resolve())),
    () => undefined,
  );
}

export class KeptStatements {
  /** In order of last use (a Map keeps insertion order; a used entry is moved to the end). */
  private readonly kept = new Map<string, Prepared>();

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
  async run(sql: string, params: unknown[] | Record<string, unknown>): Promise<RunResult> {
    const k = await this.statement(sql);
    const drop = (err: Error) => this.dropAfter(sql, k, err);
    return new Promise<RunResult>((resolve, reject) => {
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
    await Promise.all(all.map(finalize));
  }

  private statement(sql: string): Promise<Prepared> {
    const hit = this.kept.get(sql);
    if (hit) {
      this.kept.delete(sql);
      this.kept.set(sql, hit);
      return hit.ready.then(() => hit);
    }
    const k = prepare(this.db, sql);
    k.ready.catch(() => {
      if (this.kept.get(sql) === k) this.kept.delete(sql);
    });
    this.kept.set(sql, k);
    if (this.kept.size > this.max) {
      const [oldest, entry] = this.kept.entries().next().value as [string, Prepared];
      this.kept.delete(oldest);
      void finalize(entry);
    }
    return k.ready.then(() => k);
  }

  /**
   * A statement that failed is prepared afresh next time (its table may have changed or gone); a refused
   * row (a UNIQUE key taken) says nothing about the statement.
   */
  private dropAfter(sql: string, k: Prepared, err: Error): Error {
    if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT' && this.kept.get(sql) === k) {
      this.kept.delete(sql);
      void finalize(k);
    }
    return err;
  }
}
