// The WAL's checkpoints, on a connection of their own. SQLite runs an automatic checkpoint inside the commit
// that grows the WAL past 1000 pages, so whichever write came next (a viewer's !give, a game's payout) took
// 20-50 ms instead of 2-3, a few times a minute in a busy chat. Passive checkpoints from this connection copy
// the WAL into the database file beside the writer and never hold it up; the writer's own are switched off.
import { open, type Database } from 'sqlite';
import sqlite3 from 'sqlite3';

export class Checkpointer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  private constructor(private readonly db: Database) {}

  /** A connection for checkpoints, or undefined when the file cannot be opened for it (the writer keeps its own then). */
  static async open(file: string): Promise<Checkpointer | undefined> {
    try {
      const db = await open({ filename: file, driver: sqlite3.Database });
      // The WAL goes back to 4 MB after a checkpoint, as the writer's setting says.
      await db.exec('PRAGMA busy_timeout=0; PRAGMA journal_size_limit=4194304;');
      return new Checkpointer(db);
    } catch {
      return undefined;
    }
  }

  /** Checkpoints every `intervalMs` (one at a time); a failed one (a full disk, another program's lock) is tried at the next. */
  start(intervalMs = 1000): void {
    this.timer = setInterval(() => {
      this.running ??= this.db.exec('PRAGMA wal_checkpoint(PASSIVE)').catch(() => undefined).finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.db.close();
  }
}
