// Database health: a damaged or unopenable file stops the start with its path and what to do; the economy
// check reads balances from the table (not the covering index) and runs integrity_check; backups are
// consistent while the bot writes; db:recover salvages what is readable around a damaged page.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, rmSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { dailyBackup, pruneDaily } from '../../core/backup.ts';
import { PROJECT_ROOT } from '../../core/bot.ts';
import { Storage } from '../../core/db.ts';
import { LogHub } from '../../core/log.ts';
import { salvage } from '../../core/recover.ts';
import { FakeClock, startTestBot } from '../support/kit.ts';
import { cleanup, onCleanup, tempDir } from './helpers.ts';

const quiet = (): ReturnType<LogHub['logger']> => new LogHub({ write: () => undefined }).logger('db');
const PAGE = 4096;

async function rawDb(file: string): Promise<Awaited<ReturnType<typeof open>>> {
  return open({ filename: file, driver: sqlite3.Database });
}

/** Overwrites `bytes` at `offset` of `file` (the file is closed: no connection holds it). */
function poke(file: string, offset: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

function page(file: string, n: number): Buffer {
  const buf = Buffer.alloc(PAGE);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, PAGE, (n - 1) * PAGE);
  } finally {
    closeSync(fd);
  }
  return buf;
}

async function rootPage(file: string, table: string): Promise<number> {
  const db = await rawDb(file);
  try {
    return (await db.get<{ rootpage: number }>('SELECT rootpage FROM sqlite_master WHERE name = ?', table))!.rootpage;
  } finally {
    await db.close();
  }
}

describe('core: database health', () => {
  afterEach(cleanup);

  it('a row whose balance was damaged in the table (its index intact) fails economy:check, which also runs integrity_check', async () => {
    const t = await startTestBot({ plugins: ['economy'] });
    const dataDir = path.join(t.dir, 'data');
    const eco = t.service('economy');
    await eco.credit('u1', 123_456_789, { reason: 'seed' });
    await eco.credit('u2', 958, { reason: 'seed' });
    await t.stop({ keepDir: true });
    onCleanup(() => rmSync(t.dir, { recursive: true, force: true }));
    const file = path.join(dataDir, 'bakebot.sqlite3');
    const root = await rootPage(file, 'economy_accounts');
    // 123456789 is stored as a 4-byte integer; change it on the table's page only (the index keeps it).
    const at = page(file, root).indexOf(Buffer.from([0x07, 0x5b, 0xcd, 0x15]));
    expect(at, 'the balance on the table page').to.be.greaterThan(0);
    poke(file, (root - 1) * PAGE + at, Buffer.from([0x00, 0x00, 0x27, 0x0f])); // 9999

    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'plugins/economy/check.ts'], { cwd: PROJECT_ROOT, env: { ...process.env, BAKEBOT_DATA_DIR: dataDir }, encoding: 'utf8' });
    expect(cli.stdout).to.contain('user u1: balance 9999, ledger sum 123456789');
    expect(cli.stdout).to.match(/^database: .*idx_economy_accounts_tokens/m);
    expect(cli.status).to.equal(1);
  });

  it('a damaged page stops the start with the file, what is wrong and what to do', async () => {
    const t = await startTestBot({ plugins: ['economy'] });
    const eco = t.service('economy');
    for (let i = 0; i < 300; i++) await eco.credit(`u${i}`, 10 + i, { reason: `seed ${'x'.repeat(40)}` });
    await t.stop({ keepDir: true });
    onCleanup(() => rmSync(t.dir, { recursive: true, force: true }));
    const file = path.join(t.dir, 'data', 'bakebot.sqlite3');
    const root = await rootPage(file, 'economy_ledger');
    poke(file, (root - 1) * PAGE, Buffer.alloc(64, 0xa5)); // the b-tree page header of the ledger's root

    const err = await startTestBot({ plugins: ['economy'], dir: t.dir, keepConfig: true }).then(
      async (again) => {
        await again.stop();
        return undefined;
      },
      (e: unknown) => e as Error & { code: string },
    );
    expect(err?.code).to.equal('DB_DAMAGED');
    expect(err?.message).to.contain(file).and.contain('npm run db:recover').and.contain('backup');
  });

  it('history tables (the chat log) wait for the check of the whole file a minute after ready: damage there is logged, the bot runs; damage elsewhere still stops the start', async () => {
    const t = await startTestBot({ plugins: ['economy', 'chatlog'] });
    await t.service('economy').credit('u1', 500, { reason: 'seed' });
    await t.storage.transaction(async (tx) => {
      for (let i = 0; i < 400; i++) {
        await tx.run('INSERT INTO chatlog_messages (message_id, user_id, username, display_name, message, timestamp, channel) VALUES (?, ?, ?, ?, ?, ?, ?)', [`m${i}`, 'u1', 'ann', 'Ann', `line ${i} ${'z'.repeat(80)}`, i, 'bakery']);
      }
    });
    await t.stop({ keepDir: true });
    onCleanup(() => rmSync(t.dir, { recursive: true, force: true }));
    const file = path.join(t.dir, 'data', 'bakebot.sqlite3');
    const db = await rawDb(file);
    expect((await db.get<{ value: string }>("SELECT value FROM core_meta WHERE key = 'history_tables'"))?.value).to.equal('["chatlog_messages"]');
    await db.close();
    const logRoot = await rootPage(file, 'chatlog_messages');
    expect(page(file, logRoot)[0], 'the chat log spans pages (its root is an interior page)').to.equal(0x05);
    poke(file, (logRoot - 1) * PAGE + 8, Buffer.alloc(4, 0xff)); // its right-most child: a page beyond the file

    const clock = new FakeClock();
    const again = await startTestBot({ plugins: ['economy', 'chatlog'], dir: t.dir, keepConfig: true, clock });
    expect(await again.service('economy').balance('u1')).to.equal(500);
    const damage = () => again.bot.logs.recent().find((e) => e.level === 'error' && /check of the whole database/.test(e.msg));
    expect(damage(), 'nothing said before the minute is up').to.equal(undefined);
    await clock.advance(60_000);
    const { eventually } = await import('./helpers.ts');
    await eventually(() => damage() !== undefined, { timeout: 5000, what: 'the damage to be logged' });
    expect(damage()?.msg).to.contain('chatlog_messages').and.contain(file).and.contain('npm run db:recover');
    await again.stop({ keepDir: true });

    // With history recorded the tables are checked one by one before ready: the ledger's damage stops the start.
    const ledgerRoot = await rootPage(file, 'economy_ledger');
    poke(file, (ledgerRoot - 1) * PAGE, Buffer.alloc(64, 0xa5));
    const err = await startTestBot({ plugins: ['economy', 'chatlog'], dir: t.dir, keepConfig: true }).then(
      async (third) => {
        await third.stop();
        return undefined;
      },
      (e: unknown) => e as Error & { code: string },
    );
    expect(err?.code).to.equal('DB_DAMAGED');
  });

  it('the whole-file check (its own process) finds a sound file sound, and one still running when the storage closes ends without a report', async () => {
    const s = await Storage.open(path.join(tempDir(), 'bakebot.sqlite3'), quiet());
    await s.run('CREATE TABLE items (v TEXT NOT NULL)');
    expect(await s.checkWholeFile()).to.equal(undefined);
    const running = s.checkWholeFile();
    await s.close();
    expect(await running).to.equal(undefined);
  });

  it('a path it cannot open is named with the reason in words', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bakebot.sqlite3');
    mkdirSync(file); // a folder where the file should be
    const err = await Storage.open(file, quiet()).then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(err?.code).to.equal('DB_CANTOPEN');
    expect(err?.message).to.contain(file).and.contain('it is a folder');
  });

  it('a file that is not a database is named as such', async () => {
    const file = path.join(tempDir(), 'bakebot.sqlite3');
    writeFileSync(file, 'this is a text file, not a database'.repeat(200));
    const err = await Storage.open(file, quiet()).then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(err?.code).to.equal('DB_NOT_A_DATABASE');
    expect(err?.message).to.contain(file);
  });

  it('an online backup taken while a writer commits is a consistent database', async () => {
    const dir = tempDir();
    const s = await Storage.open(path.join(dir, 'bakebot.sqlite3'), quiet());
    onCleanup(() => s.close());
    await s.run('CREATE TABLE items (v INTEGER NOT NULL)');
    const writing = (async () => {
      for (let i = 0; i < 200; i++) await s.run('INSERT INTO items VALUES (?)', [i]);
    })();
    const target = path.join(dir, 'backups', 'copy.sqlite3');
    await s.backup(target);
    await writing;
    const copy = await rawDb(target);
    try {
      expect((await copy.get<{ integrity_check: string }>('PRAGMA integrity_check'))?.integrity_check).to.equal('ok');
      const n = (await copy.get<{ n: number; m: number | null }>('SELECT count(*) AS n, max(v) AS m FROM items'))!;
      // A prefix of the inserts, never a torn one: rows 0 … n-1.
      expect(n.m === null ? 0 : n.m + 1).to.equal(n.n);
    } finally {
      await copy.close();
    }
  });

  it('daily backups: one a day, the oldest beyond the retention removed', async () => {
    const folder = path.join(tempDir(), 'backups');
    mkdirSync(folder);
    for (const day of ['2026-01-01', '2026-01-02', '2026-01-03']) writeFileSync(path.join(folder, `bakebot-${day}.sqlite3`), '');
    writeFileSync(path.join(folder, 'bakebot-manual-x.sqlite3'), ''); // never pruned
    const made: string[] = [];
    const deps = {
      folder,
      keep: () => 2,
      now: () => Date.parse('2026-01-04T10:00:00Z'),
      backup: async (target: string) => {
        made.push(path.basename(target));
        writeFileSync(target, '');
      },
      log: { info: () => undefined, warn: () => undefined },
    };
    expect(await dailyBackup(deps)).to.equal(path.join(folder, 'bakebot-2026-01-04.sqlite3'));
    expect(await dailyBackup(deps)).to.equal(undefined); // today's exists
    expect(made).to.deep.equal(['bakebot-2026-01-04.sqlite3']);
    expect(pruneDaily(folder, 2)).to.deep.equal([]);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(folder).sort()).to.deep.equal(['bakebot-2026-01-03.sqlite3', 'bakebot-2026-01-04.sqlite3', 'bakebot-manual-x.sqlite3']);
  });

  it('the bot makes its daily backup after start', async () => {
    const t = await startTestBot({ plugins: [] });
    const { readdirSync } = await import('node:fs');
    const folder = path.join(t.dir, 'data', 'backups');
    const { eventually } = await import('./helpers.ts');
    await eventually(() => { try { return readdirSync(folder).some((n) => /^bakebot-\d{4}-\d{2}-\d{2}\.sqlite3$/.test(n)); } catch { return false; } }, { timeout: 5000, what: 'the daily backup' });
    await t.stop();
  });

  it('db:recover salvages every readable row around a damaged page into a new file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bakebot.sqlite3');
    const s = await Storage.open(file, quiet());
    await s.run('CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    await s.run('CREATE INDEX idx_items_v ON items(v)');
    await s.transaction(async (tx) => {
      for (let i = 1; i <= 3000; i++) await tx.run('INSERT INTO items VALUES (?, ?)', [i, `row ${i} ${'y'.repeat(60)}`]);
    });
    await s.close();
    // Damage one leaf page of the table in the middle: the table leaf (type 0x0d) holding "row 1500 ".
    const bytes = readFileSync(file);
    let leaf = -1;
    for (let at = bytes.indexOf('row 1500 '); at >= 0 && leaf < 0; at = bytes.indexOf('row 1500 ', at + 1)) {
      if (bytes[Math.floor(at / PAGE) * PAGE] === 0x0d) leaf = Math.floor(at / PAGE);
    }
    expect(leaf).to.be.greaterThan(1);
    poke(file, leaf * PAGE, Buffer.alloc(PAGE, 0x5a));

    const target = path.join(dir, 'recovered.sqlite3');
    const r = await salvage(file, target);
    const items = r.tables.find((x) => x.table === 'items')!;
    expect(items.errors).to.be.greaterThan(0);
    expect(items.copied).to.be.greaterThan(2800).and.lessThan(3000);
    expect(r.integrity).to.equal('ok');
    const db = await rawDb(target);
    try {
      expect((await db.get<{ v: string }>('SELECT v FROM items WHERE id = 3000'))?.v).to.match(/^row 3000 /);
      expect((await db.get<{ v: string }>('SELECT v FROM items WHERE id = 1'))?.v).to.match(/^row 1 /);
    } finally {
      await db.close();
    }
  });
});
