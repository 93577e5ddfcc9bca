// A real full disk: the database on a 2 MB tmpfs, filled by another file. Batched rows are kept in memory
// and written once space is back; a direct write fails with SQLite's own "disk is full" instead of hanging.
// Needs `mount -t tmpfs` (root in a container that allows it); skipped where it is not allowed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Storage } from '../../core/db.ts';
import { LogHub } from '../../core/log.ts';
import { cleanup, eventually, onCleanup, tempDir } from './helpers.ts';

/** A mounted 2 MB tmpfs, or undefined where mounting is not allowed. */
function tinyDisk(): string | undefined {
  const dir = path.join(tempDir('bakebot-disk-'), 'mnt');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  onCleanup(() => void execFileSync('umount', ['-l', dir], { stdio: 'ignore' }));
  return dir;
}

/** Writes 64 KB chunks until the disk refuses. */
function fill(file: string): void {
  const chunk = Buffer.alloc(64 * 1024, 1);
  let n = 0;
  for (;;) {
    try {
      writeFileSync(`${file}.${n++}`, chunk);
    } catch {
      return;
    }
  }
}

describe('core: a real full disk', () => {
  afterEach(cleanup);

  it('keeps batched rows while the disk is full, writes them when space is back, and fails direct writes plainly', async function () {
    const disk = tinyDisk();
    if (!disk) this.skip();
    const logs = new LogHub({ write: () => undefined });
    const storage = await Storage.open(path.join(disk as string, 'bakebot.sqlite3'), logs.logger('db'));
    onCleanup(() => storage.close().catch(() => undefined));
    await storage.run('CREATE TABLE t (v TEXT NOT NULL)');
    const batch = storage.batch<string>({ intervalMs: 20, flush: (rows, tx) => tx.insertMany('t', ['v'], rows.map((v) => [v])) });
    const filler = path.join(disk as string, 'filler');
    fill(filler);
    const row = 'x'.repeat(2000);
    for (let i = 0; i < 200; i++) batch.push(`${i}:${row}`);
    await eventually(() => logs.recent().some((e) => e.level === 'warn' && /could not write \d+ batched rows \(SQLITE_FULL/.test(e.msg)), { timeout: 10_000, what: 'the full disk to be noticed' });
    const direct = await storage.run('INSERT INTO t (v) VALUES (?)', [row]).then(() => undefined, (err: Error) => err);
    expect(direct?.message).to.match(/SQLITE_FULL|disk is full/);
    for (let i = 0; ; i++) {
      try {
        rmSync(`${filler}.${i}`);
      } catch {
        break;
      }
    }
    await eventually(async () => (await storage.get<{ n: number }>('SELECT count(*) AS n FROM t'))?.n === 200, { timeout: 20_000, what: 'the kept rows to be written' });
    expect(logs.recent().some((e) => e.level === 'info' && /takes writes again/.test(e.msg))).to.equal(true);
    expect(logs.recent().some((e) => /dropped/.test(e.msg))).to.equal(false);
  });
});
