// Storage under pressure: batched rows survive a database that refuses writes for a while (kept in memory up
// to a bound, written when it works again, each change of state said once); a write stuck behind another
// program's lock is told apart from a write nested in a transaction.
import path from 'node:path';
import { expect } from 'chai';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { Storage } from '../../core/db.ts';
import { LogHub } from '../../core/log.ts';
import { cleanup, eventually, onCleanup, tempDir } from './helpers.ts';

function diskFull(): Error {
  return Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });
}

async function openStorage(logs: LogHub, stallWarningMs?: number): Promise<Storage> {
  const storage = await Storage.open(path.join(tempDir(), 'x.sqlite3'), logs.logger('db'), { stallWarningMs });
  onCleanup(() => storage.close());
  await storage.run('CREATE TABLE t (v INTEGER NOT NULL)');
  return storage;
}

const values = async (s: Storage): Promise<number[]> => (await s.all<{ v: number }>('SELECT v FROM t ORDER BY v')).map((r) => r.v);
const said = (logs: LogHub, level: string, re: RegExp): number => logs.recent().filter((e) => e.level === level && re.test(e.msg)).length;

describe('core: storage faults', () => {
  afterEach(cleanup);

  it('keeps batched rows through a full disk and writes them, in order, once it takes writes again', async () => {
    const logs = new LogHub({ write: () => undefined });
    const storage = await openStorage(logs);
    let failures = 7; // more than the three quick retries of one write
    const batch = storage.batch<number>({
      intervalMs: 10,
      flush: async (rows, tx) => {
        if (failures-- > 0) throw diskFull();
        await tx.insertMany('t', ['v'], rows.map((v) => [v]));
      },
    });
    for (let i = 1; i <= 5; i++) batch.push(i);
    await batch.flush();
    for (let i = 6; i <= 8; i++) batch.push(i);
    await eventually(async () => (await values(storage)).length === 8, { timeout: 10_000, what: 'every row written' });
    expect(await values(storage)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(said(logs, 'warn', /could not write 5 batched rows \(SQLITE_FULL.*kept in memory/)).to.equal(1);
    expect(said(logs, 'info', /takes writes again after \d+ s: wrote 8 rows kept in memory/)).to.equal(1);
    expect(said(logs, 'error', /dropped/)).to.equal(0);
  });

  it('merges kept rows with newer ones of the same key', async () => {
    const logs = new LogHub({ write: () => undefined });
    const storage = await openStorage(logs);
    let failures = 3;
    const batch = storage.batch<{ k: number; n: number }>({
      intervalMs: 10,
      key: (r) => String(r.k),
      merge: (a, b) => ({ k: a.k, n: a.n + b.n }),
      flush: async (rows, tx) => {
        if (failures-- > 0) throw diskFull();
        await tx.insertMany('t', ['v'], rows.map((r) => [r.k * 100 + r.n]));
      },
    });
    batch.push({ k: 1, n: 1 });
    await batch.flush();
    batch.push({ k: 1, n: 2 });
    batch.push({ k: 2, n: 5 });
    await eventually(async () => (await values(storage)).length === 2, { timeout: 10_000, what: 'the merged rows' });
    expect(await values(storage)).to.deep.equal([103, 205]);
  });

  it('beyond maxBuffered drops the oldest rows, says so once, and counts them when it recovers', async () => {
    const logs = new LogHub({ write: () => undefined });
    const storage = await openStorage(logs);
    let failing = true;
    const batch = storage.batch<number>({
      intervalMs: 10,
      maxBuffered: 5,
      flush: async (rows, tx) => {
        if (failing) throw diskFull();
        await tx.insertMany('t', ['v'], rows.map((v) => [v]));
      },
    });
    for (let i = 1; i <= 4; i++) batch.push(i);
    await batch.flush();
    for (let i = 5; i <= 8; i++) batch.push(i);
    await batch.flush();
    for (let i = 9; i <= 12; i++) batch.push(i);
    await batch.flush();
    failing = false;
    await eventually(async () => (await values(storage)).length === 5, { timeout: 10_000, what: 'the newest rows' });
    expect(await values(storage)).to.deep.equal([8, 9, 10, 11, 12]);
    expect(said(logs, 'error', /more than 5 rows wait in memory, so the oldest are dropped/)).to.equal(1);
    expect(said(logs, 'info', /7 older rows were dropped meanwhile/)).to.equal(1);
  });

  it('drops rows whose flush code itself fails, after three attempts, as before', async () => {
    const logs = new LogHub({ write: () => undefined });
    const storage = await openStorage(logs);
    const batch = storage.batch<number>({ flush: async () => { throw new TypeError('a bug in the flush code'); } });
    batch.push(1);
    await batch.flush();
    expect(said(logs, 'error', /could not write 1 batched rows after 3 attempts; they are dropped/)).to.equal(1);
    expect(batch.pending).to.equal(0);
  });

  it('blames another program, once, when writes wait behind a lock held outside the bot', async function () {
    this.timeout(20_000);
    const logs = new LogHub({ write: () => undefined });
    const storage = await openStorage(logs, 100);
    const other = await open({ filename: storage.file, driver: sqlite3.Database });
    await other.exec('BEGIN IMMEDIATE');
    const writes = [1, 2, 3].map((v) => storage.run('INSERT INTO t VALUES (?)', [v]));
    await eventually(() => said(logs, 'error', /another program holds the write lock/) > 0, { timeout: 3000, what: 'the foreign-lock message' });
    await other.exec('COMMIT');
    await other.close();
    await Promise.all(writes);
    expect(await values(storage)).to.deep.equal([1, 2, 3]);
    expect(said(logs, 'error', /another program holds the write lock/)).to.equal(1);
    expect(said(logs, 'error', /inside a transaction/)).to.equal(0);
  });
});
