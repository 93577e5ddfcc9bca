// The user directory every plugin shares: who has chatted, by Twitch user id, with login and display
// name kept current. Sightings are written behind in batches (one per chat message would cost a write
// each); lookups see the pending ones too, so `!give @newcomer` works right after their first message.
import type { Storage, BatchImpl } from './db.ts';
import type { ChatUser, KnownUser, SqlValue, UserDirectory, UserRef } from './types.ts';

interface UserRow {
  id: string;
  login: string;
  display_name: string;
  first_seen: number;
  last_seen: number;
  notes: string;
  is_banned: number;
}

function toKnown(r: UserRow): KnownUser {
  return { id: r.id, login: r.login, displayName: r.display_name || r.login, firstSeen: r.first_seen, lastSeen: r.last_seen, banned: !!r.is_banned, notes: r.notes };
}

/** A sighting not yet committed; updated in place while it waits (a chatter's every message would otherwise allocate). */
interface Sighting {
  readonly id: string;
  login: string;
  displayName: string;
  readonly firstSeen: number;
  lastSeen: number;
  /** Bumped on every update: a commit clears the sighting only if nothing newer came in meanwhile. */
  version: number;
}

export class Users implements UserDirectory {
  private readonly pending = new Map<string, Sighting>();
  private readonly banned = new Set<string>();
  /** Name and display name each user was last announced with (`userSeen`) this run. */
  private readonly seenThisRun = new Map<string, { login: string; displayName: string }>();
  /** Ids whose sightings wait for the writer; the values are in `pending`. */
  private readonly batch: BatchImpl<string>;

  constructor(private readonly storage: Storage) {
    this.batch = storage.batch<string>({
      maxItems: 2000,
      key: (id) => id,
      flush: async (ids, tx) => {
        const written: [Sighting, number][] = [];
        const rows: SqlValue[][] = [];
        for (const id of ids) {
          const u = this.pending.get(id);
          if (!u) continue;
          written.push([u, u.version]);
          rows.push([u.id, u.login, u.displayName, u.firstSeen, u.lastSeen]);
        }
        await tx.insertMany('users', ['id', 'login', 'display_name', 'first_seen', 'last_seen'], rows, {
          suffix: 'ON CONFLICT(id) DO UPDATE SET login = excluded.login, display_name = excluded.display_name, last_seen = max(last_seen, excluded.last_seen)',
        });
        // Until the commit, readers of the table do not see these rows: the sightings stay here until then.
        tx.afterCommit(() => {
          for (const [u, version] of written) if (u.version === version && this.pending.get(u.id) === u) this.pending.delete(u.id);
        });
      },
    });
  }

  async load(): Promise<void> {
    for (const r of await this.storage.all<{ id: string }>('SELECT id FROM users WHERE is_banned = 1')) this.banned.add(r.id);
  }

  /**
   * Records a chatter; returns true the first time this run (or after a rename), which is when the
   * `userSeen` hook fires.
   */
  seen(user: ChatUser, time: number): boolean {
    const u = this.pending.get(user.id);
    if (u) {
      u.login = user.login;
      u.displayName = user.displayName;
      u.lastSeen = Math.max(u.lastSeen, time);
      u.version++;
    } else {
      this.pending.set(user.id, { id: user.id, login: user.login, displayName: user.displayName, firstSeen: time, lastSeen: time, version: 0 });
    }
    this.batch.push(user.id);
    const announced = this.seenThisRun.get(user.id);
    if (announced && announced.login === user.login && announced.displayName === user.displayName) return false;
    this.seenThisRun.set(user.id, { login: user.login, displayName: user.displayName });
    return true;
  }

  private known(p: Sighting): KnownUser {
    return { id: p.id, login: p.login, displayName: p.displayName, firstSeen: p.firstSeen, lastSeen: p.lastSeen, banned: this.banned.has(p.id), notes: '' };
  }

  async byId(id: string): Promise<KnownUser | undefined> {
    // Taken before the read too: the sighting may be committed (and leave `pending`) while the read runs.
    const before = this.pending.get(id);
    const row = await this.storage.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    const p = this.pending.get(id) ?? before;
    if (p) return row ? { ...toKnown(row), login: p.login, displayName: p.displayName, lastSeen: p.lastSeen } : this.known(p);
    return row && toKnown(row);
  }

  async byLogin(login: string): Promise<KnownUser | undefined> {
    const l = login.replace(/^@/, '').toLowerCase();
    for (const p of this.pending.values()) if (p.login === l) return this.byId(p.id);
    const row = await this.storage.get<UserRow>('SELECT * FROM users WHERE login = ? ORDER BY last_seen DESC LIMIT 1', [l]);
    return row && toKnown(row);
  }

  isBanned(id: string): boolean {
    return this.banned.has(id);
  }

  async setBanned(id: string, banned: boolean): Promise<void> {
    await this.batch.flush();
    await this.storage.run('UPDATE users SET is_banned = ? WHERE id = ?', [banned ? 1 : 0, id]);
    if (banned) this.banned.add(id);
    else this.banned.delete(id);
  }

  async setNotes(id: string, notes: string): Promise<void> {
    await this.batch.flush();
    await this.storage.run('UPDATE users SET notes = ? WHERE id = ?', [notes, id]);
  }

  async ensure(user: UserRef & { id: string }): Promise<KnownUser> {
    const found = await this.byId(user.id);
    if (found && found.login === user.login.toLowerCase()) return found;
    const now = Date.now();
    await this.storage.run(
      `INSERT INTO users (id, login, display_name, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET login = excluded.login, display_name = excluded.display_name`,
      [user.id, user.login.toLowerCase(), user.displayName ?? user.login, now, 0],
    );
    return (await this.byId(user.id)) as KnownUser;
  }

  async forget(id: string): Promise<boolean> {
    await this.batch.flush();
    this.pending.delete(id);
    this.seenThisRun.delete(id);
    this.banned.delete(id);
    const r = await this.storage.run('DELETE FROM users WHERE id = ?', [id]);
    return r.changes > 0;
  }

  flush(): Promise<void> {
    return this.batch.flush();
  }
}
