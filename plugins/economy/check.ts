// `npm run economy:check`: proves, on the bot's database, that every balance equals the sum of its ledger
// rows (and every escrow its rows), and that the file itself is sound (integrity_check). Opens the database read-only, so it is safe while the bot runs.
// Prints one line per problem and exits 1 if there is any; 2 if the database cannot be read.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { checkBooks, describeCheck } from './invariant.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = path.resolve(process.env.BAKEBOT_DATA_DIR ?? path.join(root, 'data'));
const file = path.join(dataDir, 'bakebot.sqlite3');

async function main(): Promise<number> {
  if (!existsSync(file)) {
    process.stderr.write(`economy:check: no database at ${file} (set BAKEBOT_DATA_DIR to the bot's data folder)\n`);
    return 2;
  }
  const db = await open({ filename: file, driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
  try {
    await db.exec('PRAGMA busy_timeout=5000');
    const table = await db.get<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'economy_ledger'");
    if (!table?.n) {
      process.stdout.write(`economy:check: ${file} has no economy tables yet (the economy plugin never ran); nothing to check.\n`);
      return 0;
    }
    // integrity_check also compares every index with its table: a row and its index entry that disagree
    // are damage the books alone would not show.
    const integrity = (await db.all<{ integrity_check: string }[]>('PRAGMA integrity_check')).map((r) => r.integrity_check);
    const sound = integrity.length === 1 && integrity[0] === 'ok';
    if (!sound) {
      for (const line of integrity.slice(0, 20)) process.stdout.write(`database: ${line}\n`);
      process.stdout.write('The database file is damaged: restore a backup or run `npm run db:recover` (README: "Backups and recovery").\n');
    }
    const result = await checkBooks({ all: <T>(sql: string) => db.all<T[]>(sql) });
    process.stdout.write(`${describeCheck(result)}\n`);
    return result.ok && sound ? 0 : 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`economy:check failed: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
