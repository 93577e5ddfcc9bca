// Where the dashboard keeps what opens it: the session signing key, the password hash, API token hashes and
// login sessions. Not in the bot's database, where every plugin's `ctx.db` reads and writes any table, but in
// a SQLite file of its own in the data folder (mode 0600), which only the dashboard opens. A plugin is still
// code in the bot's process and could open the file itself; what this stops is reading or forging a login
// through the database API every plugin is given (see docs/plugins.md).
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { open, type Database } from 'sqlite';
import sqlite3 from 'sqlite3';
import type { PluginDb } from '../../../core/types.ts';

export const SECRETS_FILE = 'dashboard-secrets.sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  can_mint INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS idx_sessions_expires ON sessions(expires_at);
`;

/** Keys of the bot database's `dashboard_settings` that were secrets (before this file existed). */
const OLD_SECRET_KEYS = ['secret_key', 'password_hash'];

type Param = string | number | null;

export class SecretStore {
  private constructor(
    private readonly db: Database,
    readonly file: string,
  ) {}

  /** Opens (or creates, readable by the bot's user only) the file in `dataDir`. */
  static async open(dataDir: string): Promise<SecretStore> {
    mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, SECRETS_FILE);
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
    const db = await open({ filename: file, driver: sqlite3.Database });
    await db.exec('PRAGMA busy_timeout = 5000');
    await db.exec(SCHEMA);
    return new SecretStore(db, file);
  }

  get<T>(sql: string, params: Param[] = []): Promise<T | undefined> {
    return this.db.get<T>(sql, params);
  }

  all<T>(sql: string, params: Param[] = []): Promise<T[]> {
    return this.db.all<T[]>(sql, params);
  }

  async run(sql: string, params: Param[] = []): Promise<{ changes: number; lastID: number }> {
    const r = await this.db.run(sql, params);
    return { changes: r.changes ?? 0, lastID: r.lastID ?? 0 };
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /**
   * Moves the secrets older versions kept in the bot database into this file, once (a marker records it,
   * so rows planted there later are never taken in), and deletes them from the bot database on every start.
   */
  async moveFrom(main: PluginDb): Promise<{ moved: number }> {
    let moved = 0;
    const marks = OLD_SECRET_KEYS.map(() => '?').join(', ');
    if (!(await this.get('SELECT 1 AS x FROM settings WHERE key = ?', ['moved_from_bot_db']))) {
      const settings = await main.all<{ key: string; value: string }>(`SELECT key, value FROM dashboard_settings WHERE key IN (${marks})`, OLD_SECRET_KEYS);
      const tokens = await main.all<{ name: string; token_hash: string; prefix: string; created_at: number; last_used_at: number | null }>('SELECT name, token_hash, prefix, created_at, last_used_at FROM dashboard_api_tokens ORDER BY id');
      const sessions = await main.all<{ id: string; data: string; expires_at: number }>('SELECT id, data, expires_at FROM dashboard_sessions');
      await this.db.exec('BEGIN');
      try {
        for (const s of settings) moved += (await this.run('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)', [s.key, s.value])).changes;
        for (const t of tokens) moved += (await this.run('INSERT OR IGNORE INTO api_tokens (name, token_hash, prefix, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)', [t.name, t.token_hash, t.prefix, t.created_at, t.last_used_at])).changes;
        for (const s of sessions) moved += (await this.run('INSERT OR IGNORE INTO sessions (id, data, expires_at) VALUES (?, ?, ?)', [s.id, s.data, s.expires_at])).changes;
        await this.run('INSERT INTO settings (key, value) VALUES (?, ?)', ['moved_from_bot_db', String(Date.now())]);
        await this.db.exec('COMMIT');
      } catch (err) {
        await this.db.exec('ROLLBACK');
        throw err;
      }
    }
    await main.run(`DELETE FROM dashboard_settings WHERE key IN (${marks})`, OLD_SECRET_KEYS);
    await main.run('DELETE FROM dashboard_api_tokens');
    await main.run('DELETE FROM dashboard_sessions');
    return { moved };
  }
}
