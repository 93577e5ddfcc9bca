// What stands between a damaged or unreachable database file and a bot that says `ready` anyway: start-up
// errors that name the file and the cause in words, and SQLite's quick check before anything is trusted.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** A database that cannot be used, with the file and what to do; `code` says which case. */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
  constructor(
    readonly code: 'DB_CANTOPEN' | 'DB_READONLY' | 'DB_DAMAGED' | 'DB_NOT_A_DATABASE',
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

const RECOVERY_HINT =
  'Stop the bot and restore the newest backup from the backups folder next to it (README: "Backups and recovery"), ' +
  'or run `npm run db:recover`, which copies everything still readable into a new file and keeps the damaged one.';

/** Why a file could not be opened, in words: the folder, the permissions, or the file itself. */
export function openError(file: string, err: unknown): DatabaseError {
  const code = (err as { code?: string }).code ?? '';
  const raw = (err as Error).message ?? String(err);
  const dir = path.dirname(file);
  if (code === 'SQLITE_NOTADB' || /not a database/i.test(raw)) {
    return new DatabaseError('DB_NOT_A_DATABASE', file, `${file} is not an SQLite database (its header is damaged or it is another kind of file). ${RECOVERY_HINT}`);
  }
  if (code === 'SQLITE_CORRUPT' || /malformed/i.test(raw)) {
    return new DatabaseError('DB_DAMAGED', file, `the database ${file} is damaged (${raw}). ${RECOVERY_HINT}`);
  }
  if (code === 'SQLITE_READONLY' || /readonly/i.test(raw)) {
    return new DatabaseError('DB_READONLY', file, `the database ${file} is read-only: the bot must be able to write it and its folder (check their owner and permissions). SQLite said: ${raw}`);
  }
  let why = 'SQLite cannot open it';
  if (!existsSync(dir)) why = `its folder ${dir} does not exist and could not be created`;
  else if (!writable(dir)) why = `the bot may not write in its folder ${dir} (check the folder's owner and permissions)`;
  else if (existsSync(file) && statSync(file).isDirectory()) why = 'it is a folder, not a file';
  else if (existsSync(file) && !readableAndWritable(file)) why = 'the bot may not read and write the file (check its owner and permissions)';
  return new DatabaseError('DB_CANTOPEN', file, `cannot open the database ${file}: ${why}. SQLite said: ${raw}`);
}

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function readableAndWritable(p: string): boolean {
  try {
    accessSync(p, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The rows of `PRAGMA quick_check` or `integrity_check` (one `ok` when the file is sound; one per table when
 * the tables are checked one by one): undefined when every row says `ok`.
 */
export function damageReport(file: string, rows: readonly { [column: string]: unknown }[]): DatabaseError | undefined {
  const lines = rows.map((r) => String(Object.values(r)[0])).filter((l) => l !== 'ok');
  if (!lines.length) return undefined;
  const shown = lines.slice(0, 5).join('; ') + (lines.length > 5 ? `; and ${lines.length - 5} more` : '');
  return new DatabaseError('DB_DAMAGED', file, `the database ${file} is damaged: ${shown}. ${RECOVERY_HINT}`);
}
