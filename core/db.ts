// One SQLite file, two connections: a reader that only ever sees committed data, and a writer whose
// statements are serialized, so one plugin's transaction never swallows another plugin's writes
// (with a single shared connection, any statement issued during a BEGIN joins that transaction).
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, type Database } from 'sqlite';
import sqlite3 from 'sqlite3';
import { onlineBackup } from './backup.ts';
import { Checkpointer } from './checkpoint.ts';
import { DatabaseError, damageReport, openError } from './db-health.ts';
import { execFileIdle } from './idle-process.ts';
import { finalize, KeptStatements, prepare } from './statements.ts';
import type { Batch, BatchOptions, Logger, PluginDb, PreparedRead, Row, RunResult, SqlParams, SqlTx, SqlValue } from './types.ts';
import { WriteQueue } from './serial.ts';

/** Statements kept per prepared read: reads of one query asked at once do not queue behind each other. */
const STATEMENTS_PER_READ = 3;

// SQLite 3.32+ allows 32766 bound variables per statement; stay well under it.
const MAX_VARS = 30000;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface Migration {
  id: number;
  name: string;
  up: string;
  checksum: string;
}

// node-sqlite3 binds a BigInt as NULL without a word; refuse it. (Numbers beyond 32 bits, such as
// millisecond timestamps, are bound as doubles: SQLite stores them as integers in INTEGER columns, but
// arithmetic on a bound parameter is floating point — CAST(? AS INTEGER) where that matters.)
function bind(params: SqlParams | undefined): unknown[] {
  if (params === undefined) return [];
  const values = Array.isArray(params) ? params : Object.values(params);
  for (const v of values) if (typeof v === 'bigint') throw new TypeError('SQL parameters cannot be BigInt; pass a number or a string');
  return Array.isArray(params) ? [...params] : [params];
}

/** The values as node-sqlite3 takes them from one argument: positional ones as an array, named ones as an object. */
function values(params: SqlParams | undefined): unknown[] | Record<string, unknown> {
  const args = bind(params);
  return params === undefined || Array.isArray(params) ? args : (params as Record<string, unknown>);
}

/**
 * Rows as a JSON array of arrays, when JSON carries every value exactly as binding would: strings, finite
 * numbers and nulls. Otherwise (a blob, Infinity, a string with a lone surrogate, which binding replaces
 * with U+FFFD) undefined, and the caller binds the values.
 */
export function asJsonRows(rows: readonly (readonly SqlValue[])[]): string | undefined {
  for (const r of rows) {
    for (const v of r) {
      if (typeof v === 'string' || v === null) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    }
  }
  const json = JSON.stringify(rows);
  // JSON.stringify escapes a lone surrogate as \udXXX (a false alarm on an escaped backslash is only slower).
  return /\\ud[89a-f]/i.test(json) ? undefined : json;
}

export class PreparedQuery<T> implements PreparedRead<T> {
  private readonly pool: { stmt: sqlite3.Statement; ready: Promise<void>; busy: number }[] = [];
  private closed = false;

  constructor(
    private readonly conn: sqlite3.Database,
    readonly sql: string,
    private readonly onClose: () => void = () => undefined,
  ) {}

  async get(params?: SqlParams): Promise<T | undefined> {
    return (await this.all(params))[0];
  }

  all(params?: SqlParams): Promise<T[]> {
    if (this.closed) return Promise.reject(new Error(`the prepared read "${this.sql}" is closed (its plugin unloaded)`));
    const args = values(params);
    const s = this.pick();
    s.busy++;
    return s.ready.then(
      () =>
        new Promise<T[]>((resolve, reject) => {
          // all() steps to the end and resets: a prepared statement never holds a read snapshot between calls
          // (get() would, until the next call, and keep the WAL from being checkpointed).
          s.stmt.all<T>(args, (err: Error | null, rows: T[]) => {
            s.busy--;
            if (err) reject(/READONLY/.test(err.message) ? new Error(`${err.message}: "${this.sql}" (prepare() is for reads; write with run() or a transaction)`) : err);
            else resolve(rows);
          });
        }),
      (err: unknown) => {
        s.busy--;
        throw err;
      },
    );
  }

  private pick(): { stmt: sqlite3.Statement; ready: Promise<void>; busy: number } {
    let best: (typeof this.pool)[number] | undefined;
    for (const p of this.pool) if (!best || p.busy < best.busy) best = p;
    if (best && (best.busy === 0 || this.pool.length >= STATEMENTS_PER_READ)) return best;
    const entry = { ...prepare(this.conn, this.sql), busy: 0 };
    // A statement that could not be prepared leaves the pool; the next call tries again and gets the error.
    entry.ready.catch(() => {
      const i = this.pool.indexOf(entry);
      if (i >= 0) this.pool.splice(i, 1);
    });
    this.pool.push(entry);
    return entry;
  }

  /** Finalizes the statements (each after the reads still running on it). */
  close(): Promise<void> {
    this.closed = true;
    this.onClose();
    const all = this.pool.splice(0);
    return Promise.all(all.map(finalize)).then(() => undefined);
  }
}


/** The whole-file check's own process (this file is core/db.ts, or .build/main.mjs when built: both one below the root). */
const CHECK_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'core', 'db-check.mjs');

/** core_meta's key for the tables plugins declared as history (`historyTables`): checked after `ready`. */
const HISTORY_KEY = 'history_tables';

async function openForCheck(file: string): Promise<Database> {
  return open({ filename: file, driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY }).catch((err: unknown) => {
    throw openError(file, err);
  });
}

/** The history tables the last run recorded; none on a new file. */
async function recordedHistory(db: Database): Promise<string[]> {
  try {
    const row = await db.get<{ value: string }>('SELECT value FROM core_meta WHERE key = ?', HISTORY_KEY);
    const names: unknown = row ? JSON.parse(row.value) : [];
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
  } catch (err) {
    if (/no such table/.test((err as Error).message)) return [];
    throw err;
  }
}

/**
 * SQLite's quick check of what the bot needs to answer right, before `ready`. History tables (a chat log grows
 * to most of the file: a second of checking per 150 MB) are left out, table by table, and the whole file is
 * checked after the start (`checkWholeFile`). With no history recorded, the whole file at once.
 */
async function quickCheck(file: string): Promise<{ deferred: string[] }> {
  const db = await openForCheck(file);
  try {
    const history = await recordedHistory(db);
    const rows = history.length
      ? await db.all("SELECT q.quick_check FROM sqlite_schema s, pragma_quick_check(s.name) q WHERE s.type = 'table' AND s.name NOT IN (SELECT value FROM json_each(?))", JSON.stringify(history))
      : await db.all('PRAGMA quick_check');
    const damage = damageReport(file, rows);
    if (damage) throw damage;
    return { deferred: history };
  } catch (err) {
    throw err instanceof DatabaseError ? err : openError(file, err);
  } finally {
    await db.close().catch(() => undefined);
  }
}

export class Storage {
  private readonly lock = new WriteQueue();
  private readonly batches = new Set<BatchImpl<unknown>>();
  private readonly prepared = new Set<PreparedQuery<unknown>>();
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly writer: Database,
    private readonly reader: Database,
    private readonly log: Logger,
    private readonly stallWarningMs: number,
    private readonly checkpointer: Checkpointer | undefined,
  ) {
    this.statements = new KeptStatements(writer.getDatabaseInstance());
  }

  private readonly statements: KeptStatements;

  static async open(file: string, log: Logger, options: { stallWarningMs?: number } = {}): Promise<Storage> {
    let writer: Database | undefined;
    let reader: Database | undefined;
    let checkpointer: Checkpointer | undefined;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      writer = await open({ filename: file, driver: sqlite3.Database });
      // WAL lets the reader see the last commit while the writer works; NORMAL sync is durable across
      // process crashes (only an OS crash can lose the last commits), which is what a chat bot needs.
      // journal_size_limit: the WAL is truncated back to 4 MB after a checkpoint instead of keeping its peak.
      await writer.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; PRAGMA journal_size_limit=4194304;');
      reader = await open({ filename: file, driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
      await reader.exec('PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;');
      // No ATTACH through the plugins' database API: another SQLite file (the dashboard's secrets) stays out of reach.
      for (const db of [writer, reader]) db.getDatabaseInstance().configure('limit', sqlite3.LIMIT_ATTACHED, 0);
      checkpointer = await Checkpointer.open(file);
      if (checkpointer) await writer.exec('PRAGMA wal_autocheckpoint=0');
    } catch (err) {
      await checkpointer?.close().catch(() => undefined);
      await reader?.close().catch(() => undefined);
      await writer?.close().catch(() => undefined);
      throw err instanceof DatabaseError ? err : openError(file, err);
    }
    checkpointer?.start();
    const storage = new Storage(file, writer, reader, log, options.stallWarningMs ?? 10_000, checkpointer);
    storage.health = quickCheck(file);
    // A rejection is read by healthy(); until then it must not count as unhandled.
    storage.health.catch(() => undefined);
    return storage;
  }

  private health: Promise<{ deferred: string[] }> = Promise.resolve({ deferred: [] });

  /**
   * Resolves when SQLite's quick check passed (of every table but the recorded history tables, which it
   * returns as `deferred` for `checkWholeFile()`); rejects with a DatabaseError naming the file and what to do.
   * It runs on its own connection from open() on (about a second per 150 MB), so the bot sets its plugins up
   * meanwhile and waits for it only before chat flows: a damaged file must stop the start, since a bot that
   * says `ready` on it answers wrong balances.
   */
  healthy(): Promise<{ readonly deferred: readonly string[] }> {
    return this.health;
  }

  /**
   * SQLite's quick check of the whole file, history tables included: the part of the start-up check that waits
   * until the bot runs. It runs in a process of its own on idle CPU only (core/db-check.mjs, idle-process.ts), so on a
   * busy machine (a stream encoding beside the bot) it takes only spare CPU. Resolves to the damage found (a
   * DatabaseError naming the file and what to do), or undefined; `close()` stops it.
   */
  checkWholeFile(): Promise<DatabaseError | undefined> {
    if (this.stopping) return Promise.resolve(undefined);
    const run = new Promise<DatabaseError | undefined>((resolve) => {
      const child = execFileIdle(process.execPath, [CHECK_SCRIPT, this.file], { maxBuffer: 64 * 1024 * 1024, windowsHide: true }, (err, stdout) => {
        this.lateCheck = undefined;
        if (this.stopping) return resolve(undefined);
        let out: { rows?: Row[]; error?: { message: string; code?: string } } | undefined;
        try {
          out = JSON.parse(stdout) as typeof out;
        } catch {
          out = undefined;
        }
        if (out?.rows) return resolve(damageReport(this.file, out.rows));
        if (out?.error) return resolve(openError(this.file, Object.assign(new Error(out.error.message), { code: out.error.code })));
        // The checker itself failed (not the file): say so, without calling the file damaged.
        this.log.warn(`the check of the whole database could not run: ${err?.message ?? 'no answer'}`);
        resolve(undefined);
      });
      this.lateCheck = child;
    });
    this.lateRun = run.catch(() => undefined);
    return run;
  }

  private lateCheck: ChildProcess | undefined;
  private lateRun: Promise<unknown> = Promise.resolve();
  private stopping = false;

  /** Records the tables plugins declare as history (those that are tables of the file), for the next start's check. */
  async recordHistory(names: readonly string[]): Promise<void> {
    const rows = names.length ? await this.all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN (SELECT value FROM json_each(?)) ORDER BY name", [JSON.stringify(names)]) : [];
    const value = JSON.stringify(rows.map((r) => r.name));
    const before = await this.get<{ value: string }>('SELECT value FROM core_meta WHERE key = ?', [HISTORY_KEY]);
    if (before?.value !== value) await this.run('INSERT INTO core_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [HISTORY_KEY, value]);
  }

  /**
   * Marks the bot as running, which proves the file takes writes before the bot says `ready` (a read-only
   * file opens, then fails every write). Returns whether the previous run ended without `markStopped()`:
   * a crash or a kill.
   */
  async markRunning(now: number): Promise<{ uncleanStop: boolean }> {
    const previous = await this.get<{ value: string }>("SELECT value FROM core_meta WHERE key = 'running'");
    try {
      await this.transaction(async (tx) => {
        await tx.run("INSERT INTO core_meta (key, value) VALUES ('running', '1'), ('last_start', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [String(now)]);
      });
    } catch (err) {
      throw openError(this.file, err);
    }
    return { uncleanStop: previous?.value === '1' };
  }

  /** The clean-stop mark (see markRunning). */
  async markStopped(): Promise<void> {
    await this.run("UPDATE core_meta SET value = '0' WHERE key = 'running'");
  }

  /** A consistent copy of the database to `target` through SQLite's online backup (safe while writing). */
  backup(target: string): Promise<void> {
    return onlineBackup(this.writer.getDatabaseInstance(), target);
  }

  get<T = Row>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.reader.get<T>(sql, ...bind(params));
  }

  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.reader.all<T[]>(sql, ...bind(params));
  }

  /** A read prepared on the reader connection; close() it when done (plugins: on unload, automatically). */
  prepare<T = Row>(sql: string): PreparedQuery<T> {
    const q: PreparedQuery<T> = new PreparedQuery<T>(this.reader.getDatabaseInstance(), sql, () => this.prepared.delete(q as PreparedQuery<unknown>));
    this.prepared.add(q as PreparedQuery<unknown>);
    return q;
  }

  run(sql: string, params?: SqlParams): Promise<RunResult> {
    const args = values(params);
    return this.write('run', {}, () => this.runOnWriter(sql, args));
  }

  /**
   * Runs `fn` in one write transaction (BEGIN IMMEDIATE); rolls back if it throws. A `background` one (a
   * batch's flush) waits while interactive writes are queued.
   */
  transaction<R>(fn: (tx: SqlTx) => Promise<R>, options: { readonly background?: boolean } = {}): Promise<R> {
    return this.write('transaction', options, async () => {
      await this.writer.exec('BEGIN IMMEDIATE');
      if (this.active) this.active.waitingOnSqlite = false;
      const committed: (() => void)[] = [];
      const before: (() => Promise<void>)[] = [];
      const tx = this.txApi(committed, before);
      try {
        const result = await fn(tx);
        // One added by another still runs: an array's iterator reads its length at each step.
        for (const f of before) await f();
        if (this.active) this.active.waitingOnSqlite = true;
        await this.writer.exec('COMMIT');
        for (const f of committed) {
          try {
            f();
          } catch (err) {
            this.log.error(`an after-commit callback failed: ${(err as Error).message}`, { err: err as Error });
          }
        }
        return result;
      } catch (err) {
        await this.writer.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * Queues a write behind the others. A write that waits very long is almost always `ctx.db.run()` or
   * `transaction()` called inside a transaction (which holds the lock it waits for): say so. Detecting
   * that exactly would need AsyncLocalStorage, whose promise hooks cost every message its share.
   */
  private write<T>(what: string, options: { readonly background?: boolean }, task: () => Promise<T>): Promise<T> {
    let started = false;
    const watchdog = setTimeout(() => {
      if (!started) this.stalled(what);
    }, this.stallWarningMs);
    watchdog.unref();
    return this.lock.run(async () => {
      started = true;
      clearTimeout(watchdog);
      this.active = { waitingOnSqlite: true };
      try {
        return await task();
      } finally {
        this.active = undefined;
      }
    }, options);
  }

  /** Whether an interactive write is waiting for the writer (a batch's flush then commits what it has written). */
  get interactiveWaiting(): boolean {
    return this.lock.urgentWaiting;
  }

  /** The write holding our lock now, and whether it waits on SQLite (for the file's lock) or runs its own code. */
  private active: { waitingOnSqlite: boolean } | undefined;
  private lastStallLog = { foreign: -Infinity, nested: -Infinity };

  // A write that waits long has one of two causes, with different fixes: another program holds the file's
  // lock (the write in progress is stuck in SQLite), or a transaction's code waits for a write of its own
  // made outside `tx` (the transaction is running its code). Said once a minute, not once per waiting write.
  private stalled(what: string): void {
    const kind = this.active?.waitingOnSqlite ? 'foreign' : 'nested';
    const now = Date.now();
    if (now - this.lastStallLog[kind] < 60_000) return;
    this.lastStallLog[kind] = now;
    const waited = `a db.${what}() has waited ${this.stallWarningMs / 1000} s for the database`;
    if (kind === 'foreign') {
      this.log.error(`${waited}: another program holds the write lock of ${this.file} (SQLite answers "busy"). Close other programs that have it open — a database browser, a backup tool, a second bot (\`npm run chat\` starts one on the same data). Writes go on when it lets go.`);
    } else {
      this.log.error(`${waited}. If it was called inside a transaction, use the transaction's \`tx\` instead: the transaction holds the write lock it is waiting for.`);
    }
  }

  /**
   * A write on the writer through its kept statements. Anything else given to run() (a RETURNING clause, a
   * SELECT, a CTE) is prepared for the call and finalized: a kept statement stopped at its first row would
   * stay open, holding up the COMMIT or an old snapshot.
   */
  private async runOnWriter(sql: string, params: unknown[] | Record<string, unknown>): Promise<RunResult> {
    if (!/^\s*(insert|update|delete|replace)\b/i.test(sql) || /\breturning\b/i.test(sql)) {
      const r = await this.writer.run(sql, params);
      return { changes: r.changes ?? 0, lastID: r.lastID ?? 0 };
    }
    return this.statements.run(sql, params);
  }

  private txApi(committed: (() => void)[], before: (() => Promise<void>)[]): SqlTx {
    const w = this.writer;
    const kept = this.statements;
    return {
      afterCommit: (fn) => {
        committed.push(fn);
      },
      beforeCommit: (fn) => {
        before.push(fn);
      },
      get: async <T = Row>(sql: string, params?: SqlParams) => (await kept.all<T>(sql, values(params)))[0],
      all: <T = Row>(sql: string, params?: SqlParams) => kept.all<T>(sql, values(params)),
      run: (sql, params) => this.runOnWriter(sql, values(params)),
      exec: (sql) => w.exec(sql),
      insertMany: async (table, columns, rows, options = {}) => {
        const { verb = 'INSERT', suffix = '' } = options;
        if (!rows.length) return;
        const json = asJsonRows(rows);
        if (json !== undefined) {
          // The rows travel as one JSON text that SQLite unpacks on the writer's thread: binding thousands of
          // values one by one cost the event loop about 2 µs a chat-log row, a JSON text about a third of that.
          // jsonb_each hands each row over in SQLite's binary JSON, so picking its columns parses no text again:
          // on the writer's thread, 38,000 chat-log rows unpacked in about 110 ms instead of 200 with json_each.
          // (`WHERE true` lets an upsert clause follow a SELECT.)
          const picks = columns.map((_, i) => `value->>${i}`).join(',');
          await this.runOnWriter(`${verb} INTO ${table} (${columns.join(',')}) SELECT ${picks} FROM jsonb_each(?) WHERE true ${suffix}`, [json]);
          return;
        }
        const perRow = columns.length;
        const chunk = Math.max(1, Math.floor(MAX_VARS / perRow));
        const tuple = `(${columns.map(() => '?').join(',')})`;
        for (let i = 0; i < rows.length; i += chunk) {
          const part = rows.slice(i, i + chunk);
          const values: SqlValue[] = [];
          for (const r of part) values.push(...r);
          // One array, not spread: thousands of values as separate arguments are copied several times over.
          await this.runOnWriter(`${verb} INTO ${table} (${columns.join(',')}) VALUES ${part.map(() => tuple).join(',')} ${suffix}`, values);
        }
      },
    };
  }

  /**
   * Applies the pending migrations of one plugin, all in one transaction, recorded in its own table.
   * Unlike `sqlite`'s migrate(), a migration whose file has gone is never rolled back: that would drop
   * a plugin's tables (and the viewers' tokens in them) because a file was renamed.
   */
  async migrate(owner: string, folder: string): Promise<{ applied: string[] }> {
    if (!/^[a-z][a-z0-9_]*$/.test(owner)) throw new MigrationError(`invalid plugin name for migrations: ${owner}`);
    let files: string[];
    try {
      if (!statSync(folder).isDirectory()) throw new Error('not a folder');
      files = readdirSync(folder);
    } catch {
      throw new MigrationError(`migrations folder ${folder} does not exist`);
    }
    const migrations: Migration[] = [];
    for (const f of files.sort()) {
      const m = /^(\d+)[-_.](.+)\.sql$/.exec(f);
      if (!m) continue;
      const text = readFileSync(path.join(folder, f), 'utf8');
      const up = text.split(/^--\s*Down\b.*$/im)[0]?.replace(/^--\s*Up\b.*$/im, '') ?? '';
      migrations.push({ id: Number(m[1]), name: m[2] ?? f, up, checksum: createHash('sha256').update(up).digest('hex').slice(0, 16) });
    }
    const ids = new Set<number>();
    for (const m of migrations) {
      if (ids.has(m.id)) throw new MigrationError(`two migrations of ${owner} have the number ${m.id}`);
      ids.add(m.id);
    }
    const table = `migrations_${owner}`;
    // Usually everything is applied already (every start and reload asks): check on the reader, without
    // queueing behind the writer, which under busy chat holds a reload up for tens of milliseconds.
    const done = await this.reader.all<{ id: number; checksum: string }[]>(`SELECT id, checksum FROM ${table}`).catch(() => undefined);
    if (done && done.length === migrations.length && migrations.every((m) => done.some((d) => d.id === m.id && d.checksum === m.checksum))) {
      return { applied: [] };
    }
    return this.transaction(async (tx) => {
      await tx.exec(`CREATE TABLE IF NOT EXISTS ${table} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
      const done = new Map((await tx.all<{ id: number; name: string; checksum: string }>(`SELECT id, name, checksum FROM ${table}`)).map((r) => [r.id, r]));
      const applied: string[] = [];
      for (const m of migrations) {
        const prev = done.get(m.id);
        if (prev) {
          if (prev.checksum !== m.checksum) {
            this.log.warn(`migration ${m.id}-${m.name} of ${owner} was edited after it was applied; add a new migration instead`);
          }
          continue;
        }
        try {
          await tx.exec(m.up);
        } catch (err) {
          throw new MigrationError(`migration ${m.id}-${m.name} of ${owner} failed: ${(err as Error).message}`);
        }
        await tx.run(`INSERT INTO ${table} (id, name, checksum, applied_at) VALUES (?, ?, ?, ?)`, [m.id, m.name, m.checksum, Date.now()]);
        applied.push(`${m.id}-${m.name}`);
      }
      for (const id of done.keys()) {
        if (!ids.has(id)) this.log.warn(`migration ${id} of ${owner} was applied but its file is gone; its tables are kept`);
      }
      return { applied };
    });
  }

  /** The database as one plugin sees it; batches are registered with `own` so unload flushes them. */
  forPlugin(name: string, own: (dispose: () => Promise<void>) => void): PluginDb {
    const prepared = new Map<string, PreparedQuery<unknown>>();
    own(async () => {
      const all = [...prepared.values()];
      prepared.clear();
      await Promise.all(all.map((q) => q.close()));
    });
    return {
      get: (sql, params) => this.get(sql, params),
      all: (sql, params) => this.all(sql, params),
      prepare: <T>(sql: string) => {
        let q = prepared.get(sql);
        if (!q) prepared.set(sql, (q = this.prepare<unknown>(sql)));
        return q as PreparedQuery<T>;
      },
      run: (sql, params) => this.run(sql, params),
      transaction: (fn) => this.transaction(fn),
      batch: <T>(options: BatchOptions<T>) => {
        const b = this.batch(options, this.log.child(name));
        own(() => b.close());
        return b;
      },
    };
  }

  batch<T>(options: BatchOptions<T>, log: Logger = this.log): BatchImpl<T> {
    const b = new BatchImpl<T>(this, options, log, () => this.batches.delete(b as BatchImpl<unknown>));
    this.batches.add(b as BatchImpl<unknown>);
    return b;
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.batches].map((b) => b.flush()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.health.catch(() => undefined);
    this.stopping = true;
    this.lateCheck?.kill();
    await this.lateRun;
    await Promise.all([...this.batches].map((b) => b.close()));
    this.closed = true;
    await Promise.all([...this.prepared].map((q) => q.close()));
    await this.lock.run(async () => {
      await this.writer.exec('PRAGMA optimize').catch(() => undefined);
      await this.checkpointer?.close().catch(() => undefined);
      await this.statements.close();
      await this.reader.close();
      await this.writer.close();
    });
  }
}

export class BatchImpl<T> implements Batch<T> {
  private list: T[] = [];
  private keyed = new Map<string, T>();
  private timer: NodeJS.Timeout | undefined;
  /** The write in progress: one at a time, in order. */
  private writing: Promise<void> | undefined;
  /** What flush() callers wait for while a write runs: the write that follows it. */
  private next: { promise: Promise<void>; resolve: () => void } | undefined;
  private closed = false;
  private readonly intervalMs: number;
  private readonly maxItems: number;
  private readonly maxBuffered: number;
  private readonly perWrite: number;

  constructor(
    private readonly storage: Storage,
    private readonly options: BatchOptions<T>,
    private readonly log: Logger,
    private readonly onClose: () => void,
  ) {
    this.intervalMs = options.intervalMs ?? 250;
    this.maxItems = options.maxItems ?? 500;
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.perWrite = Math.max(1, options.maxPerWrite ?? 100);
  }

  get pending(): number {
    return this.options.key ? this.keyed.size : this.list.length;
  }

  push(item: T): void {
    if (this.closed) {
      this.log.warn('write after the batch was closed; writing it directly');
      void this.write([item]);
      return;
    }
    const { key, merge } = this.options;
    if (key) {
      const k = key(item);
      const older = this.keyed.get(k);
      this.keyed.set(k, older !== undefined && merge ? merge(older, item) : item);
    } else {
      this.list.push(item);
    }
    if (this.pending >= this.maxItems && !this.failing) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /**
   * Resolves once every item pushed before the call is committed, or kept in memory for a later try when the
   * storage fails (or dropped, when the flush code itself fails three times).
   */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.writing) return this.startWrite();
    // Items that arrive while a write runs go together in the next one: under load, batches grow to what the
    // writer takes per transaction instead of queueing many small ones (each commit rewrites the index pages
    // it touched, and each step costs a turn of the event loop).
    if (!this.next) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.next = { promise, resolve };
    }
    return this.next.promise;
  }

  private startWrite(): Promise<void> {
    const items = this.options.key ? [...this.keyed.values()] : this.list;
    this.list = [];
    this.keyed = new Map();
    if (!items.length) return Promise.resolve();
    const writing = this.write(items).then(() => {
      this.writing = undefined;
      const next = this.next;
      this.next = undefined;
      if (next) void this.startWrite().then(next.resolve);
    });
    this.writing = writing;
    return writing;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.flush();
    clearTimeout(this.timer);
    this.closed = true;
    this.onClose();
  }

  /** The last flush before close: rows that cannot be written now are lost, and said so. */
  private closing = false;

  /**
   * Writes the items in the writer's background turns, handing `flush` parts of at most `maxPerWrite`: all in
   * one transaction while nobody waits (under load a batch grows to what the writer takes per commit), but a
   * viewer's command or a game's payout queued meanwhile goes after the current part instead of after the
   * whole flush (a quarter second of a busy chat log took 7-30 ms to write).
   */
  private async write(items: T[]): Promise<void> {
    for (let at = 0; at < items.length; ) {
      const done = await this.writeFrom(items, at);
      if ('failure' in done) {
        // The storage fails: what is not written waits in memory for the next try.
        this.keep(items.slice(at), done.failure);
        return;
      }
      at = done.end;
    }
  }

  /** Writes from `from` on in one transaction: where it stopped, or the storage's failure. */
  private async writeFrom(items: T[], from: number): Promise<{ end: number } | { failure: Error }> {
    for (let attempt = 1; ; attempt++) {
      let end = from;
      try {
        await this.storage.transaction(async (tx) => {
          end = from;
          do {
            const part = items.slice(end, end + this.perWrite);
            await this.options.flush(part, tx);
            end += part.length;
          } while (end < items.length && !this.storage.interactiveWaiting);
        }, { background: true });
        this.recovered(end - from);
        return { end };
      } catch (err) {
        if (attempt < 3) {
          await new Promise((r) => setTimeout(r, 50 * attempt));
          continue;
        }
        // A full disk, a foreign lock or a read-only file passes: keep the rows and try again later. Any
        // other error (the plugin's flush code, a constraint) would fail the same way forever.
        if (isStorageFault(err) && !this.closing) return { failure: err as Error };
        this.log.error(`could not write ${items.length - from} batched rows after 3 attempts; they are dropped`, { err: err as Error });
        return { end: items.length };
      }
    }
  }

  /** While storage fails: since when, how long until the next try, and what was dropped over the bound. */
  private failing: { since: number; backoffMs: number; dropped: number } | undefined;

  private keep(items: T[], err: Error): void {
    const first = !this.failing;
    const f = (this.failing ??= { since: Date.now(), backoffMs: 250, dropped: 0 });
    f.backoffMs = Math.min(f.backoffMs * 2, 30_000);
    // The failed rows go back in front of what came meanwhile (older first, so merges keep their order).
    if (this.options.key) {
      const { key, merge } = this.options;
      const newer = this.keyed;
      this.keyed = new Map();
      for (const item of items) this.keyed.set(key(item), item);
      for (const [k, item] of newer) {
        const older = this.keyed.get(k);
        this.keyed.set(k, older !== undefined && merge ? merge(older, item) : item);
      }
    } else {
      this.list = [...items, ...this.list];
    }
    const over = this.pending - this.maxBuffered;
    if (over > 0) {
      if (this.options.key) for (const k of [...this.keyed.keys()].slice(0, over)) this.keyed.delete(k);
      else this.list.splice(0, over);
      if (!f.dropped) this.log.error(`storage keeps failing (${err.message}): more than ${this.maxBuffered} rows wait in memory, so the oldest are dropped from now on until it works again`);
      f.dropped += over;
    }
    if (first) this.log.warn(`could not write ${items.length} batched rows (${err.message}); they are kept in memory and written when the database takes writes again`);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), f.backoffMs);
    this.timer.unref();
  }

  private recovered(written: number): void {
    const f = this.failing;
    if (!f) return;
    this.failing = undefined;
    const lost = f.dropped ? `; ${f.dropped} older rows were dropped meanwhile` : '';
    this.log.info(`the database takes writes again after ${Math.round((Date.now() - f.since) / 1000)} s: wrote ${written} rows kept in memory${lost}`);
  }
}

const STORAGE_FAULTS = new Set(['SQLITE_FULL', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL', 'SQLITE_NOMEM']);

/** An error of the storage itself (disk, lock, permissions), as opposed to the SQL or the code around it. */
export function isStorageFault(err: unknown): boolean {
  return STORAGE_FAULTS.has((err as { code?: string })?.code ?? '');
}
