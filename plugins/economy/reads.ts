// Hot reads (`!balance`, `!top` on a cache miss) through statements prepared once. `ctx.db.get` prepares,
// runs and finalizes a statement per call: two trips through the libuv thread pool, and each trip waits for
// the event loop, which under busy chat is what a viewer waits for. A statement prepared once answers in one
// trip. PluginDb has no prepare(), so the economy keeps a small read-only connection of its own to the same
// file for these few queries: WAL readers see committed data only, as core's reader does. It opens in the
// background (a reload does not wait for it) and until it is open, if it cannot be opened, or if a read on it
// fails, the same query goes through ctx.db.
import sqlite3 from 'sqlite3';
import type { Logger, PluginDb, SqlValue } from '../../core/types.ts';
import { SALT_KEY } from './privacy.ts';

/** Statements per query: concurrent reads of one query do not queue behind each other. */
const POOL = 3;

interface Pooled {
  readonly stmt: sqlite3.Statement;
  busy: number;
  /** Reads waiting on it, to be sent to ctx.db if its prepare fails (node-sqlite3 never calls them back then). */
  readonly waiting: Set<() => void>;
  failed?: Error;
}

export interface Reads {
  all<T>(sql: string, params: readonly SqlValue[]): Promise<T[]>;
  /** Resolves when the prepared path is in use (or known to be off). */
  readonly opened: Promise<boolean>;
  /** Stops using the connection and closes it once the reads still running on it are done (not awaited by unload). */
  close(): void;
}

/** The ordinary path, for when the prepared one is not there. */
export function plainReads(db: PluginDb): Reads {
  return { all: (sql, params) => db.all(sql, params), opened: Promise.resolve(false), close: () => undefined };
}

function opening(file: string, salt: string): Promise<sqlite3.Database> {
  return new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
  }).then(async (c) => {
    try {
      await new Promise<void>((resolve, reject) => c.exec('PRAGMA busy_timeout=5000; PRAGMA query_only=1;', (err) => (err ? reject(err) : resolve())));
      const row = await new Promise<{ value?: string } | undefined>((resolve, reject) =>
        c.get<{ value?: string }>('SELECT value FROM economy_meta WHERE key = ?', [SALT_KEY], (err, r) => (err ? reject(err) : resolve(r))),
      );
      if (row?.value !== salt) throw new Error(`${file} is not the database the bot uses`);
      return c;
    } catch (err) {
      c.close(() => undefined);
      throw err;
    }
  });
}

/**
 * Reads through the economy's own connection on `file`. `salt` is this install's secret salt (economy_meta):
 * the file must hold the same one, so the connection can only ever read the bot's own database.
 */
export function preparedReads(file: string, salt: string, fallback: PluginDb, log: Logger): Reads {
  let db: sqlite3.Database | undefined;
  let closed = false;
  const pools = new Map<string, Pooled[]>();

  const shut = (conn: sqlite3.Database) => {
    // Finalizing queues behind reads still running on each statement; closing waits for the finalizes.
    const all = [...pools.values()].flat();
    pools.clear();
    let left = all.length;
    let shutting = false;
    const done = () => {
      if (shutting) return;
      shutting = true;
      conn.close((err) => err && log.warn(`closing the prepared-read connection: ${err.message}`));
    };
    if (!left) return done();
    for (const p of all) p.stmt.finalize(() => --left === 0 && done());
    // A statement whose prepare is still running and then fails never calls back: close anyway, later.
    setTimeout(done, 2000).unref();
  };

  const opened = opening(file, salt).then(
    (conn) => {
      if (closed) {
        conn.close(() => undefined);
        return false;
      }
      db = conn;
      return true;
    },
    (err: unknown) => {
      log.warn(`prepared reads are off (${(err as Error).message}); hot reads use the shared reader`);
      return false;
    },
  );

  const pick = (conn: sqlite3.Database, sql: string): Pooled => {
    let pool = pools.get(sql);
    if (!pool) pools.set(sql, (pool = []));
    let best: Pooled | undefined;
    for (const p of pool) if (!best || p.busy < best.busy) best = p;
    if (best && (best.busy === 0 || pool.length >= POOL)) return best;
    const list = pool;
    const fresh: Pooled = {
      // A failed prepare (without this callback, an 'error' event that would crash) never calls back the reads
      // queued on the statement: they are sent to ctx.db, and the statement leaves the pool.
      stmt: conn.prepare(sql, (err: Error | null) => {
        if (!err) return;
        fresh.failed = err;
        const i = list.indexOf(fresh);
        if (i >= 0) list.splice(i, 1);
        for (const f of [...fresh.waiting]) f();
      }),
      busy: 0,
      waiting: new Set(),
    };
    list.push(fresh);
    return fresh;
  };

  return {
    opened,
    all<T>(sql: string, params: readonly SqlValue[]): Promise<T[]> {
      if (!db || closed) return fallback.all<T>(sql, params);
      const p = pick(db, sql);
      p.busy++;
      return new Promise<T[]>((resolve, reject) => {
        let settled = false;
        const settle = (err: Error | null, rows?: T[]) => {
          if (settled) return;
          settled = true;
          p.busy--;
          p.waiting.delete(viaFallback);
          if (!err) return resolve(rows ?? []);
          log.debug(`a prepared read failed (${err.message}); asking the shared reader`);
          fallback.all<T>(sql, params).then(resolve, reject);
        };
        const viaFallback = () => settle(p.failed ?? new Error('the statement could not be prepared'));
        p.waiting.add(viaFallback);
        // all() steps to the end, so the statement never holds a read snapshot between calls.
        p.stmt.all<T>([...params], (err, rows) => settle(err, rows));
      });
    },
    close() {
      if (closed) return;
      closed = true;
      if (db) shut(db);
    },
  };
}
