// `npm run db:backup [file]`: a consistent copy of the bot's database, safe while the bot runs.
// `npm run db:recover`: salvages a damaged database into a new file next to it and says what to do next.
// Both find the database the way the bot does (BAKEBOT_DATA_DIR, else data/).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'sqlite';
import sqlite3 from 'sqlite3';
import { onlineBackup } from './backup.ts';
import { salvage } from './recover.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(process.env.BAKEBOT_DATA_DIR ?? path.join(root, 'data'));
const file = path.join(dataDir, 'bakebot.sqlite3');
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);

async function backup(target: string): Promise<number> {
  const db = await open({ filename: file, driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
  try {
    await onlineBackup(db.getDatabaseInstance(), target);
  } finally {
    await db.close();
  }
  process.stdout.write(`backed up ${file} to ${target}\n`);
  return 0;
}

async function recover(): Promise<number> {
  const target = path.join(dataDir, `bakebot.recovered-${stamp}.sqlite3`);
  process.stdout.write(`salvaging ${file} into ${target} (the damaged file is not changed)\n`);
  const r = await salvage(file, target);
  for (const t of r.tables) process.stdout.write(`  ${t.table}: ${t.copied} rows${t.errors ? `, ${t.errors} unreadable stretch(es) skipped` : ''}\n`);
  for (const e of r.schemaErrors) process.stdout.write(`  not made again: ${e}\n`);
  process.stdout.write(`integrity of the new file: ${r.integrity}\n`);
  process.stdout.write(
    [
      'Next steps, with the bot stopped:',
      `  1. keep the damaged file:   mv ${file} ${file}.damaged-${stamp}`,
      `  2. use the recovered one:   mv ${target} ${file}`,
      '  3. check the books:         npm run economy:check',
      'Rows on damaged pages are gone; if a recent backup (data/backups/) has them, restoring it may lose less.',
      '',
    ].join('\n'),
  );
  return r.integrity === 'ok' ? 0 : 1;
}

async function main(): Promise<number> {
  const [command, arg] = process.argv.slice(2);
  if (!existsSync(file)) {
    process.stderr.write(`no database at ${file} (set BAKEBOT_DATA_DIR to the bot's data folder)\n`);
    return 2;
  }
  if (command === 'backup') return backup(path.resolve(arg ?? path.join(dataDir, 'backups', `bakebot-manual-${stamp}.sqlite3`)));
  if (command === 'recover') return recover();
  process.stderr.write('usage: db-cli.ts backup [file] | recover\n');
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`failed: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
