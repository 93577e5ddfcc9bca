// Backups of the database: SQLite's online backup API copies a consistent snapshot page by page while the
// bot keeps writing (a file copy of a WAL database taken mid-write can be unusable). Daily backups are
// named by day, so a restart the same day does not make a second one, and the oldest beyond `keep` go.
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type sqlite3 from 'sqlite3';

/** sqlite3's Backup handle (its typings omit it). */
interface BackupHandle {
  step(pages: number, cb: (err: Error | null) => void): void;
  finish(cb?: (err: Error | null) => void): void;
  readonly completed: boolean;
  readonly failed: boolean;
}

/** Copies the open database `db` to `target` (written to a temp name, then renamed: never a half file). */
export async function onlineBackup(db: sqlite3.Database, target: string): Promise<void> {
  mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const backup = await new Promise<BackupHandle>((resolve, reject) => {
    const b = (db as unknown as { backup(file: string, cb: (err: Error | null) => void): BackupHandle }).backup(partial, (err) => (err ? reject(err) : resolve(b)));
  });
  try {
    // -1: all pages in one step. The source is locked for reading only while the step runs.
    await new Promise<void>((resolve, reject) => backup.step(-1, (err) => (err ? reject(err) : resolve())));
    if (!backup.completed) throw new Error('the backup did not complete');
  } finally {
    await new Promise<void>((resolve) => backup.finish(() => resolve()));
  }
  renameSync(partial, target);
}

const DAILY = /^bakebot-(\d{4}-\d{2}-\d{2})\.sqlite3$/;

/** The file today's daily backup goes to, and whether it exists already. */
export function dailyBackupFile(folder: string, now: number): { file: string; exists: boolean } {
  const day = new Date(now).toISOString().slice(0, 10);
  const name = `bakebot-${day}.sqlite3`;
  return { file: path.join(folder, name), exists: listDaily(folder).includes(name) };
}

/** Removes daily backups beyond the newest `keep`; returns the names removed. */
export function pruneDaily(folder: string, keep: number): string[] {
  const old = listDaily(folder).sort().reverse().slice(keep);
  for (const name of old) rmSync(path.join(folder, name), { force: true });
  return old;
}

function listDaily(folder: string): string[] {
  try {
    return readdirSync(folder).filter((n) => DAILY.test(n));
  } catch {
    return [];
  }
}

interface DailyBackupDeps {
  readonly folder: string;
  readonly keep: () => number;
  readonly now: () => number;
  readonly backup: (target: string) => Promise<void>;
  readonly log: { info(msg: string): void; warn(msg: string): void };
}

/** Makes today's backup if there is none yet and prunes old ones; never throws (a failed backup is logged). */
export async function dailyBackup(d: DailyBackupDeps): Promise<string | undefined> {
  const keep = d.keep();
  if (keep <= 0) return undefined;
  const { file, exists } = dailyBackupFile(d.folder, d.now());
  if (exists) return undefined;
  try {
    await d.backup(file);
    const removed = pruneDaily(d.folder, keep);
    d.log.info(`backed up the database to ${file}${removed.length ? ` (removed ${removed.length} older)` : ''}`);
    return file;
  } catch (err) {
    d.log.warn(`the daily backup to ${file} failed: ${(err as Error).message}; the bot keeps running and tries again in an hour`);
    return undefined;
  }
}
