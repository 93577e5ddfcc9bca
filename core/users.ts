// The user directory every plugin shares: who has chatted, by Twitch user id, with login and display
// name kept current. Sightings are written behind in batches (one per chat message would cost a write
// each); lookups see the pending ones too, so `!give @newcomer` works right after their first message.
import type { BatchImpl, PreparedQuery, Storage } from './db.ts';
import { systemClock } from './limits.ts';
import type { ChatUser, Clock, ForgetReport, KnownUser, SqlValue, UserDirectory, UserForgotten, UserRef } from './types.ts';

/** Who waits for the row of one login (Users.readLogin). */
type LoginWaiter = { resolve(row: UserRow | undefined): void; reject(err: unknown): void };

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

/**
 * A chatter seen this run, updated in place (a chatter's every message would otherwise allocate). `state`
 * says where their latest sighting is: written (`idle`), waiting for the writer (`queued`), or in a batch being
 * written (`writing`); a sighting during `writing` queues them again.
 */
interface Chatter {
  readonly id: string;
  login: string;
  displayName: string;
  /** Of the sighting waiting to be written: the first time, for a new row. */
  firstSeen: number;
  lastSeen: number;
  state: 'idle' | 'queued' | 'writing';
  /** Name and display name the chatter was last announced with (`userSeen`). */
  announcedLogin: string;
  announcedDisplayName: string;
}

export class Users implements UserDirectory {
  private readonly chatters = new Map<string, Chatter>();
  /** Chatters whose sighting is not committed yet, by login: lookups merge these over the table. */
  private readonly waiting = new Map<string, Chatter>();
  private readonly banned = new Set<string>();
  private readonly batch: BatchImpl<Chatter>;
  // Prepared once: `!give @someone` and the like ask for every message they answer.
  private readonly byIdRead: PreparedQuery<UserRow>;
  private readonly byLoginsRead: PreparedQuery<UserRow>;
  /** Logins asked for in this turn of the event loop, with who waits for each: read together at its end. */
  private loginReads: Map<string, LoginWaiter[]> | undefined;

  constructor(
    private readonly storage: Storage,
    /** Fires the `userForgotten` hook (the bot passes it; tests of the directory alone may not). */
    private readonly forgotten: (event: UserForgotten) => Promise<void> = async () => undefined,
    /** The bot's clock (a test's fake one): the time a viewer added by hand was first seen. */
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {
    this.byIdRead = storage.prepare<UserRow>('SELECT * FROM users WHERE id = ?');
    // The most recent first: a login given up by one viewer and taken by another names the newer one.
    this.byLoginsRead = storage.prepare<UserRow>('SELECT u.* FROM json_each(?) j JOIN users u ON u.login = j.value ORDER BY u.last_seen DESC');
    this.batch = storage.batch<Chatter>({
      maxItems: 2000,
      flush: async (chatters, tx) => {
        const rows: SqlValue[][] = [];
        for (const c of chatters) {
          if (this.chatters.get(c.id) !== c) continue; // forgotten (a privacy request) while it waited
          c.state = 'writing';
          rows.push([c.id, c.login, c.displayName, c.firstSeen, c.lastSeen]);
        }
        await tx.insertMany('users', ['id', 'login', 'display_name', 'first_seen', 'last_seen'], rows, {
          suffix: 'ON CONFLICT(id) DO UPDATE SET login = excluded.login, display_name = excluded.display_name, last_seen = max(last_seen, excluded.last_seen)',
        });
        // Until the commit, readers of the table do not see these rows: the chatters stay waiting until then.
        tx.afterCommit(() => {
          for (const c of chatters) {
            if (c.state !== 'writing') continue;
            c.state = 'idle';
            if (this.waiting.get(c.login) === c) this.waiting.delete(c.login);
          }
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
    let c = this.chatters.get(user.id);
    if (!c) {
      c = { id: user.id, login: user.login, displayName: user.displayName, firstSeen: time, lastSeen: time, state: 'idle', announcedLogin: '', announcedDisplayName: '' };
      this.chatters.set(user.id, c);
    }
    const renamed = c.login !== user.login;
    if (renamed && this.waiting.get(c.login) === c) this.waiting.delete(c.login);
    if (c.state === 'idle' || renamed) this.waiting.set(user.login, c);
    c.login = user.login;
    c.displayName = user.displayName;
    if (c.state === 'idle') {
      c.firstSeen = time;
      c.lastSeen = time;
    } else if (time > c.lastSeen) c.lastSeen = time;
    if (c.state !== 'queued') {
      c.state = 'queued';
      this.batch.push(c);
    }
    if (c.announcedLogin === user.login && c.announcedDisplayName === user.displayName) return false;
    c.announcedLogin = user.login;
    c.announcedDisplayName = user.displayName;
    return true;
  }

  private known(c: Chatter): KnownUser {
    return { id: c.id, login: c.login, displayName: c.displayName, firstSeen: c.firstSeen, lastSeen: c.lastSeen, banned: this.banned.has(c.id), notes: '' };
  }

  async byId(id: string): Promise<KnownUser | undefined> {
    // Asked before the read too: the sighting may be committed (and stop waiting) while the read runs.
    const c = this.chatters.get(id);
    const waitedBefore = c !== undefined && c.state !== 'idle';
    const row = await this.byIdRead.get([id]);
    if (c && (waitedBefore || c.state !== 'idle')) return row ? { ...toKnown(row), login: c.login, displayName: c.displayName, lastSeen: Math.max(row.last_seen, c.lastSeen) } : this.known(c);
    return row && toKnown(row);
  }

  async byLogin(login: string): Promise<KnownUser | undefined> {
    const l = login.replace(/^@/, '').toLowerCase();
    const c = this.waiting.get(l);
    if (c) return this.byId(c.id);
    const row = await this.readLogin(l);
    return row && toKnown(row);
  }

  /**
   * Lookups by login asked for in one turn are one read. A frame of `!give @someone` from a busy chat asked
   * hundreds at once, and each read handed to SQLite's thread cost the event loop about 40 µs on a two-core
   * virtual machine (the wake of a pool thread), more than the read itself.
   */
  private readLogin(login: string): Promise<UserRow | undefined> {
    return new Promise((resolve, reject) => {
      let reads = this.loginReads;
      if (!reads) {
        const batch = (reads = this.loginReads = new Map());
        setImmediate(() => {
          this.loginReads = undefined;
          void this.readLogins(batch);
        });
      }
      const waiting = reads.get(login);
      if (waiting) waiting.push({ resolve, reject });
      else reads.set(login, [{ resolve, reject }]);
    });
  }

  private async readLogins(batch: Map<string, LoginWaiter[]>): Promise<void> {
    let rows: UserRow[];
    try {
      rows = await this.byLoginsRead.all([JSON.stringify([...batch.keys()])]);
    } catch (err) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(err);
      return;
    }
    const found = new Map<string, UserRow>();
    for (const r of rows) if (!found.has(r.login)) found.set(r.login, r);
    for (const [login, waiting] of batch) for (const w of waiting) w.resolve(found.get(login));
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
    const now = this.clock.now();
    await this.storage.run(
      `INSERT INTO users (id, login, display_name, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET login = excluded.login, display_name = excluded.display_name`,
      [user.id, user.login.toLowerCase(), user.displayName ?? user.login, now, 0],
    );
    return (await this.byId(user.id)) as KnownUser;
  }

  async ensureMany(users: readonly (UserRef & { id: string })[]): Promise<void> {
    const wanted = new Map(users.map((u) => [u.id, u]));
    const ids = [...wanted.keys()];
    const known = new Map<string, string>();
    // SQLite binds at most 32,766 values a statement.
    for (let i = 0; i < ids.length; i += 10_000) {
      const chunk = ids.slice(i, i + 10_000);
      for (const r of await this.storage.all<{ id: string; login: string }>(`SELECT id, login FROM users WHERE id IN (${chunk.map(() => '?').join(', ')})`, chunk)) known.set(r.id, r.login);
    }
    const now = this.clock.now();
    const rows = [...wanted.values()].filter((u) => known.get(u.id) !== u.login.toLowerCase()).map((u) => [u.id, u.login.toLowerCase(), u.displayName ?? u.login, now, 0]);
    if (!rows.length) return;
    await this.storage.transaction((tx) =>
      tx.insertMany('users', ['id', 'login', 'display_name', 'first_seen', 'last_seen'], rows, { suffix: 'ON CONFLICT(id) DO UPDATE SET login = excluded.login, display_name = excluded.display_name' }),
    );
  }

  async forget(id: string): Promise<boolean> {
    return (await this.erase(id)).userForgotten;
  }

  async erase(id: string): Promise<ForgetReport> {
    await this.batch.flush();
    const known = await this.byIdRead.get([id]);
    const c = this.chatters.get(id);
    if (c && this.waiting.get(c.login) === c) this.waiting.delete(c.login);
    this.chatters.delete(id);
    this.banned.delete(id);
    const r = await this.storage.run('DELETE FROM users WHERE id = ?', [id]);
    const facts: Record<string, string | number | boolean> = {};
    const report = (more: Readonly<Record<string, string | number | boolean>>) => {
      for (const [k, v] of Object.entries(more)) {
        const had = facts[k];
        facts[k] = typeof had === 'number' && typeof v === 'number' ? had + v : v;
      }
    };
    // Plugins hold rows about people the directory never wrote (an id from an API call): they hear it anyway.
    await this.forgotten({ userId: id, ...(known ? { login: known.login } : {}), report });
    return { ...facts, userForgotten: r.changes > 0 };
  }

  flush(): Promise<void> {
    return this.batch.flush();
  }
}
