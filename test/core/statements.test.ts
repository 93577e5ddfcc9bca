// The writer's kept statements: prepared once per SQL text, never left open (a write with RETURNING read
// through get() must not stop the COMMIT; a read must not pin an old snapshot), errors answered, not hung.
import path from 'node:path';
import { expect } from 'chai';
import sqlite3 from 'sqlite3';
import { Storage } from '../../core/db.ts';
import { LogHub } from '../../core/log.ts';
import { KeptStatements } from '../../core/statements.ts';
import { cleanup, onCleanup, tempDir } from './helpers.ts';

function openRaw(): sqlite3.Database {
  const db = new sqlite3.Database(':memory:');
  onCleanup(() => new Promise<void>((resolve) => db.close(() => resolve())));
  return db;
}

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
}

/** Counts prepares: the statement is made once however often it runs. */
function countPrepares(db: sqlite3.Database): string[] {
  const seen: string[] = [];
  const prepare = db.prepare.bind(db) as (sql: string, cb: (err: Error | null) => void) => sqlite3.Statement;
  (db as unknown as { prepare: typeof prepare }).prepare = (sql, cb) => {
    seen.push(sql);
    return prepare(sql, cb);
  };
  return seen;
}

describe('core: kept statements', () => {
  afterEach(cleanup);

  it('prepares a statement once and runs it with each call\'s values, positional or named', async () => {
    const db = openRaw();
    await exec(db, 'CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
    const prepared = countPrepares(db);
    const kept = new KeptStatements(db);
    for (let i = 0; i < 5; i++) {
      const r = await kept.run('INSERT INTO t (k, n) VALUES (?, ?)', [`k${i}`, i]);
      expect(r).to.deep.equal({ changes: 1, lastID: i + 1 });
    }
    expect(await kept.all('SELECT n FROM t WHERE k = $k', { $k: 'k3' })).to.deep.equal([{ n: 3 }]);
    expect(await kept.all('SELECT n FROM t WHERE k = $k', { $k: 'k4' })).to.deep.equal([{ n: 4 }]);
    expect(prepared).to.deep.equal(['INSERT INTO t (k, n) VALUES (?, ?)', 'SELECT n FROM t WHERE k = $k']);
    await kept.close();
  });

  it('answers a statement that cannot be prepared with its error, and a refused row without dropping the statement', async () => {
    const db = openRaw();
    await exec(db, 'CREATE TABLE t (k TEXT PRIMARY KEY)');
    const prepared = countPrepares(db);
    const kept = new KeptStatements(db);
    let err: unknown = await kept.all('SELEC nonsense', []).catch((e: Error) => e);
    expect((err as Error).message).to.match(/syntax error/);
    err = await kept.all('SELECT * FROM missing', []).catch((e: Error) => e);
    expect((err as Error).message).to.match(/no such table: missing/);
    await exec(db, 'CREATE TABLE missing (x)');
    expect(await kept.all('SELECT * FROM missing', [])).to.deep.equal([]); // prepared again, now it exists
    await kept.run('INSERT INTO t (k) VALUES (?)', ['a']);
    err = await kept.run('INSERT INTO t (k) VALUES (?)', ['a']).catch((e: Error) => e);
    expect((err as { code?: string }).code).to.equal('SQLITE_CONSTRAINT');
    await kept.run('INSERT INTO t (k) VALUES (?)', ['b']);
    expect(prepared.filter((s) => s.startsWith('INSERT'))).to.have.length(1);
    await kept.close();
  });

  it('keeps at most `max` statements, dropping the least recently used', async () => {
    const db = openRaw();
    const prepared = countPrepares(db);
    const kept = new KeptStatements(db, 2);
    await kept.all('SELECT 1', []);
    await kept.all('SELECT 2', []);
    await kept.all('SELECT 1', []); // used: 2 is now the oldest
    await kept.all('SELECT 3', []); // drops 2
    await kept.all('SELECT 1', []);
    await kept.all('SELECT 2', []); // prepared again
    expect(prepared).to.deep.equal(['SELECT 1', 'SELECT 2', 'SELECT 3', 'SELECT 2']);
    await kept.close();
  });

  it('in a transaction: an UPDATE … RETURNING read with get() commits, reads see the commit, and close() closes the file', async () => {
    const file = path.join(tempDir(), 'kept.sqlite3');
    const storage = await Storage.open(file, new LogHub({ write: () => undefined }).logger('db'));
    await storage.run('CREATE TABLE acc (id TEXT PRIMARY KEY, n INTEGER NOT NULL)');
    await storage.run('INSERT INTO acc (id, n) VALUES (?, ?), (?, ?)', ['a', 1, 'b', 1]);
    for (let i = 0; i < 3; i++) {
      const got = await storage.transaction(async (tx) => {
        const row = await tx.get<{ n: number }>('UPDATE acc SET n = n + 1 WHERE id IN (?, ?) RETURNING n', ['a', 'b']);
        const first = await tx.get<{ id: string }>('SELECT id FROM acc ORDER BY id');
        return { row, first };
      });
      expect(got).to.deep.equal({ row: { n: 2 + i }, first: { id: 'a' } });
      expect(await storage.get('SELECT n FROM acc WHERE id = ?', ['b'])).to.deep.equal({ n: 2 + i });
    }
    await storage.run('UPDATE acc SET n = 0 WHERE id = ? RETURNING n', ['a']); // run() with RETURNING: prepared for the call
    // Rows through run(): a statement left open on its first row would lock its table (and pin a snapshot).
    await storage.run('CREATE TABLE scratch (x)');
    await storage.run('INSERT INTO scratch (x) VALUES (1), (2)');
    await storage.transaction((tx) => tx.run('SELECT x FROM scratch'));
    await storage.run('DROP TABLE scratch');
    await storage.transaction((tx) => tx.run('UPDATE acc SET n = n + 1 WHERE id = ?', ['b']));
    await storage.close(); // fails with "unable to close due to unfinalized statements" if one were left
    const again = await Storage.open(file, new LogHub({ write: () => undefined }).logger('db'));
    expect(await again.all('SELECT id, n FROM acc ORDER BY id')).to.deep.equal([{ id: 'a', n: 0 }, { id: 'b', n: 5 }]);
    await again.close();
  });
});
