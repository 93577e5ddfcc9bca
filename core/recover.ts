// Salvage of a damaged database: the schema, then every row still readable, table by table, into a new file.
// Rows are read in rowid order a chunk at a time; where a damaged page breaks the scan, the reader probes
// forward in growing steps for the next readable row, so one bad page costs the rows on it, not the table.
import { existsSync, rmSync } from 'node:fs';
import { open, type Database } from 'sqlite';
import sqlite3 from 'sqlite3';

const CHUNK = 500;

export interface TableSalvage {
  readonly table: string;
  readonly copied: number;
  /** Read errors met (each skipped a stretch of rows, or the whole table when it has no rowid). */
  readonly errors: number;
}

export interface SalvageResult {
  readonly tables: readonly TableSalvage[];
  /** Schema objects (indexes, triggers, views) that could not be made again. */
  readonly schemaErrors: readonly string[];
  /** `PRAGMA integrity_check` of the new file: `ok` when sound. */
  readonly integrity: string;
}

interface SchemaRow {
  type: string;
  name: string;
  sql: string | null;
}

/** Copies what can be read of `source` into the new file `target` (which must not exist). */
export async function salvage(source: string, target: string): Promise<SalvageResult> {
  if (existsSync(target)) throw new Error(`${target} exists already; move it away first`);
  const from = await open({ filename: source, driver: sqlite3.Database, mode: sqlite3.OPEN_READONLY });
  const to = await open({ filename: target, driver: sqlite3.Database });
  try {
    // A new file that is thrown away if the salvage fails: no journal, no sync per row.
    await to.exec('PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;');
    const schema = await from.all<SchemaRow[]>("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'");
    const tables: TableSalvage[] = [];
    const schemaErrors: string[] = [];
    for (const t of schema.filter((s) => s.type === 'table')) {
      await to.exec(t.sql ?? '');
      tables.push(await copyTable(from, to, t.name));
    }
    for (const s of schema.filter((x) => x.type !== 'table')) {
      try {
        await to.exec(s.sql ?? '');
      } catch (err) {
        schemaErrors.push(`${s.type} ${s.name}: ${(err as Error).message}`);
      }
    }
    const check = await to.all<{ integrity_check: string }[]>('PRAGMA integrity_check');
    return { tables, schemaErrors, integrity: check.map((r) => r.integrity_check).join('; ') };
  } catch (err) {
    await to.close().catch(() => undefined);
    rmSync(target, { force: true });
    throw err;
  } finally {
    await from.close().catch(() => undefined);
    await to.close().catch(() => undefined);
  }
}

async function copyTable(from: Database, to: Database, table: string): Promise<TableSalvage> {
  const name = `"${table.replaceAll('"', '""')}"`;
  let copied = 0;
  let errors = 0;
  const insert = async (rows: Record<string, unknown>[]): Promise<void> => {
    if (!rows.length) return;
    const cols = Object.keys(rows[0]!);
    const sql = `INSERT OR IGNORE INTO ${name} (${cols.map((c) => `"${c.replaceAll('"', '""')}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
    await to.exec('BEGIN');
    for (const r of rows) copied += (await to.run(sql, ...cols.map((c) => r[c]))).changes ?? 0;
    await to.exec('COMMIT');
  };
  const hasRowid = await from.get(`SELECT rowid FROM ${name} LIMIT 0`).then(() => true, () => false);
  if (!hasRowid) {
    try {
      await insert(await from.all(`SELECT * FROM ${name}`));
    } catch {
      errors += 1;
    }
    return { table, copied, errors };
  }
  // Chunks while the pages read; after a failed chunk, row by row for a chunk's worth, so the rows before the
  // damaged page are kept, then a probe jumps over it.
  let last = -9e18;
  let single = 0;
  for (;;) {
    const limit = single > 0 ? 1 : CHUNK;
    let rows: Record<string, unknown>[];
    try {
      rows = await from.all(`SELECT rowid AS "__rowid", * FROM ${name} WHERE rowid > ? ORDER BY rowid LIMIT ${limit}`, last);
    } catch {
      if (single === 0) {
        single = CHUNK;
        continue;
      }
      errors += 1;
      const next = await nextReadable(from, name, last);
      if (next === undefined) break;
      last = next - 1;
      continue;
    }
    if (!rows.length) break;
    if (single > 0) single -= 1;
    last = Number(rows[rows.length - 1]!.__rowid);
    await insert(rows.map(({ __rowid: rowid, ...r }) => ({ rowid, ...r })));
  }
  return { table, copied, errors };
}

/** The first rowid after `after` that reads, probing 1, 2, 4 … rows ahead (up to about 2^40). */
async function nextReadable(from: Database, name: string, after: number): Promise<number | undefined> {
  for (let step = 1; step < 2 ** 40; step *= 2) {
    const row = await from.get<{ r: number }>(`SELECT rowid AS r FROM ${name} WHERE rowid >= ? ORDER BY rowid LIMIT 1`, after + step).catch(() => null);
    if (row === undefined) return undefined; // nothing readable beyond: the end of the table
    if (row && row.r > after) return row.r; // a damaged page can answer with a row behind us: keep probing
  }
  return undefined;
}
