// The read side: leaderboards, the dashboard's account list, history, statistics and chart data. Reads
// use the reader connection (committed data only). The SQL of the hot paths is exported so a test can
// ask SQLite for its query plan on a million accounts.
import { performance } from 'node:perf_hooks';
import type { PluginDb, SqlValue } from '../../core/types.ts';
import { ACCOUNT_SELECT, toAccount, toEntry, type AccountRow, type LedgerRow } from './ledger.ts';
import type { LevelInfo } from './levels.ts';
import type { Account, EconomyStats, LeaderboardBy, LeaderboardRow, LedgerEntry, ListAccountsQuery } from './service.ts';

const BOARD_COLUMN: Record<LeaderboardBy, string> = { xp: 'xp', tokens: 'tokens', wins: 'wins' };
const ALL_BOARDS: readonly LeaderboardBy[] = ['xp', 'tokens', 'wins'];

/** The top of each board is kept in memory: this many rows (`!top` shows 5, the dashboard asks for 10). */
export const CACHED_TOP = 10;
/**
 * A kept top answers while no balance, XP or exclusion has changed since it was read (the economy makes every
 * such change and says so: `changed()`), for at most HARD ms: what the economy cannot see (a rename in core's
 * user table) shows after that. After SOFT ms, a request still gets it at once and a fresh one is read behind.
 * Bans are checked on every answer.
 */
const TOP_SOFT_MS = 1000;
const TOP_HARD_MS = 5000;

/** Top of a leaderboard: walks idx_economy_accounts_<by> from the top, no sort, no scan. */
export function leaderboardSql(by: LeaderboardBy): string {
  const col = BOARD_COLUMN[by];
  return `SELECT a.user_id, a.xp, a.tokens, a.wins, u.login, u.display_name
    FROM economy_accounts a LEFT JOIN users u ON u.id = a.user_id
    WHERE a.is_excluded = 0 AND a.${col} > 0 AND coalesce(u.is_banned, 0) = 0
    ORDER BY a.${col} DESC, a.user_id
    LIMIT ? OFFSET ?`;
}

/** An account with its names (`getAccount`): the primary key. */
export const ACCOUNT_BY_ID_SQL = `${ACCOUNT_SELECT} WHERE a.user_id = ?`;

/** A balance (`!balance`): the primary key, nothing joined. */
export const BALANCE_SQL = 'SELECT tokens, held, is_excluded FROM economy_accounts WHERE user_id = ?';

/** Rank on a board: a count over a range of the covering index. */
export function rankSql(by: LeaderboardBy): string {
  const col = BOARD_COLUMN[by];
  return `SELECT count(*) AS n FROM economy_accounts WHERE ${col} > ? AND is_excluded = 0`;
}

/** The board's order: the value descending, then the user id (as SQLite compares text). */
function before(idA: string, a: number, idB: string, b: number): boolean {
  return a !== b ? a > b : Buffer.compare(Buffer.from(idA), Buffer.from(idB)) < 0;
}

export interface RaisedAccount {
  readonly userId: string;
  readonly xp: number;
  readonly tokens: number;
  readonly wins: number;
  /** Names from chat, for an account that enters the top. */
  readonly login?: string | undefined;
  readonly displayName?: string | undefined;
}

interface KeptTop {
  readonly version: number;
  readonly at: number;
  readonly rows: readonly LeaderboardRow[];
  refreshing: boolean;
}

export class Queries {
  /** Per board, bumped after every committed change that can move it; kept tops of older versions are not used. */
  private readonly versions: Record<LeaderboardBy, number> = { xp: 0, tokens: 0, wins: 0 };
  private readonly tops = new Map<LeaderboardBy, KeptTop>();
  private readonly reading = new Map<LeaderboardBy, { version: number; rows: Promise<{ rows: LeaderboardRow[]; named: boolean }> }>();

  constructor(
    private readonly db: PluginDb,
    private readonly levelOf: (xp: number) => LevelInfo,
    private readonly nameOf: (userId: string) => Promise<{ login: string; displayName: string } | undefined>,
    private readonly isBanned: (userId: string) => boolean = () => false,
  ) {}

  /**
   * Reads the tops of the XP and tokens boards once, without keeping them (what is read before anyone asks
   * cannot be known to be current): prepares the statements and brings the index pages into memory.
   */
  async warm(): Promise<void> {
    await Promise.all([this.read('xp', CACHED_TOP, 0), this.read('tokens', CACHED_TOP, 0), this.balance('')]);
  }

  /** Accounts changed (and committed): what is kept in memory of these boards (default: all) is stale. */
  changed(boards: readonly LeaderboardBy[] = ALL_BOARDS): void {
    for (const b of boards) this.versions[b]++;
  }

  /**
   * Accounts whose `by` value only went up (chat XP), as committed. The kept top stays exact without a read:
   * an account that did not change cannot have passed one that only went up. Without a current kept top,
   * or without a name for a newcomer, it falls back to `changed()`.
   */
  raised(by: LeaderboardBy, accounts: readonly RaisedAccount[]): void {
    if (!accounts.length) return;
    const kept = this.tops.get(by);
    this.versions[by]++;
    if (!kept || kept.version !== this.versions[by] - 1) return;
    const col = BOARD_COLUMN[by] as 'xp' | 'tokens' | 'wins';
    const rows = new Map(kept.rows.map((r) => [r.userId, r]));
    const last = kept.rows[kept.rows.length - 1];
    for (const a of accounts) {
      const was = rows.get(a.userId);
      if (was) {
        if (a[col] < was[col]) return; // not a raise after all: read again
        rows.set(a.userId, { ...was, xp: a.xp, level: this.levelOf(a.xp).level, tokens: a.tokens, wins: a.wins });
        continue;
      }
      // Short of a full top, the kept rows are the whole board: everyone above zero is on it.
      const enters = a[col] > 0 && (kept.rows.length < CACHED_TOP || !last || before(a.userId, a[col], last.userId, last[col]));
      if (!enters) continue;
      if (!a.login) return; // a newcomer without a name: read again
      rows.set(a.userId, { rank: 0, userId: a.userId, login: a.login, displayName: a.displayName || a.login, xp: a.xp, level: this.levelOf(a.xp).level, tokens: a.tokens, wins: a.wins });
    }
    const sorted = [...rows.values()].sort((x, y) => (before(x.userId, x[col], y.userId, y[col]) ? -1 : 1)).slice(0, CACHED_TOP);
    this.tops.set(by, { ...kept, version: this.versions[by], rows: sorted.map((r, i) => Object.freeze(r.rank === i + 1 ? r : { ...r, rank: i + 1 })), refreshing: false });
  }

  /** Spendable and held tokens and the excluded flag (zeros when there is no account): one prepared read. */
  async balance(userId: string): Promise<{ tokens: number; held: number; excluded: boolean }> {
    const [r] = await this.db.prepare<{ tokens: number; held: number; is_excluded: number }>(BALANCE_SQL).all([userId]);
    return { tokens: r?.tokens ?? 0, held: r?.held ?? 0, excluded: r?.is_excluded === 1 };
  }

  /** Fills in names the `users` table does not have yet. */
  private async named<T extends { user_id: string; login: string | null; display_name: string | null }>(rows: T[]): Promise<T[]> {
    await this.fillNames(rows);
    return rows;
  }

  /** Fills in names the `users` table does not have yet; false if some stay unknown. */
  private async fillNames(rows: { user_id: string; login: string | null; display_name: string | null }[]): Promise<boolean> {
    let all = true;
    for (const r of rows) {
      if (r.login) continue;
      const n = await this.nameOf(r.user_id);
      if (n) {
        r.login = n.login;
        r.display_name = n.displayName;
      } else all = false;
    }
    return all;
  }

  async leaderboard(by: LeaderboardBy, limit = 10, offset = 0): Promise<LeaderboardRow[]> {
    if (!(by in BOARD_COLUMN)) throw new Error(`unknown leaderboard "${String(by)}"`);
    const lim = clamp(limit, 1, 100);
    const off = Math.max(0, Math.floor(offset) || 0);
    if (off === 0 && lim <= CACHED_TOP) {
      const kept = await this.top(by);
      // A viewer banned since the top was read drops out at once; the ranks close up.
      const shown = kept.filter((r) => !this.isBanned(r.userId));
      if (shown.length >= lim || kept.length < CACHED_TOP) {
        return shown.slice(0, lim).map((r, i) => (r.rank === i + 1 ? r : { ...r, rank: i + 1 }));
      }
    }
    return (await this.read(by, lim, off)).rows;
  }

  /** The first CACHED_TOP rows of a board: kept, or read (one read at a time per board and version). */
  private async top(by: LeaderboardBy): Promise<readonly LeaderboardRow[]> {
    const now = performance.now();
    const kept = this.tops.get(by);
    if (kept && kept.version === this.versions[by] && now - kept.at < TOP_HARD_MS) {
      if (now - kept.at > TOP_SOFT_MS && !kept.refreshing) {
        kept.refreshing = true;
        this.fill(by).catch(() => (kept.refreshing = false));
      }
      return kept.rows;
    }
    return this.fill(by);
  }

  private async fill(by: LeaderboardBy): Promise<readonly LeaderboardRow[]> {
    const version = this.versions[by];
    let pending = this.reading.get(by);
    if (!pending || pending.version !== version) {
      pending = { version, rows: this.read(by, CACHED_TOP, 0) };
      this.reading.set(by, pending);
      const mine = pending;
      void mine.rows.then(
        ({ rows, named }) => {
          if (this.reading.get(by) === mine) this.reading.delete(by);
          // Kept only if nothing changed while it was read, and every name was found.
          if (named && version === this.versions[by]) this.tops.set(by, { version, at: performance.now(), rows: rows.map((r) => Object.freeze(r)), refreshing: false });
        },
        () => {
          if (this.reading.get(by) === mine) this.reading.delete(by);
        },
      );
    }
    return (await pending.rows).rows;
  }

  private async read(by: LeaderboardBy, limit: number, offset: number): Promise<{ rows: LeaderboardRow[]; named: boolean }> {
    const raw = await this.db
      .prepare<{ user_id: string; xp: number; tokens: number; wins: number; login: string | null; display_name: string | null }>(leaderboardSql(by))
      .all([limit, offset]);
    const named = await this.fillNames(raw);
    const rows = raw.map((r, i) => ({
      rank: offset + i + 1,
      userId: r.user_id,
      login: r.login ?? r.user_id,
      displayName: r.display_name || r.login || r.user_id,
      xp: r.xp,
      level: this.levelOf(r.xp).level,
      tokens: r.tokens,
      wins: r.wins,
    }));
    return { rows, named };
  }

  async rankOf(userId: string, by: LeaderboardBy = 'xp'): Promise<number | undefined> {
    const col = BOARD_COLUMN[by];
    const me = await this.db.get<{ v: number; is_excluded: number }>(`SELECT ${col} AS v, is_excluded FROM economy_accounts WHERE user_id = ?`, [userId]);
    if (!me || me.is_excluded || me.v <= 0) return undefined;
    const r = await this.db.get<{ n: number }>(rankSql(by), [me.v]);
    return (r?.n ?? 0) + 1;
  }

  async listAccounts(q: ListAccountsQuery = {}): Promise<{ rows: Account[]; total: number }> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.includeExcluded === false) where.push('a.is_excluded = 0');
    const search = q.search?.trim().replace(/^@/, '');
    if (search) {
      const prefix = search.toLowerCase();
      // A range on the login index instead of LIKE (which cannot use it), plus an exact user id.
      where.push('a.user_id IN (SELECT id FROM users WHERE login >= ? AND login < ? UNION ALL SELECT ?)');
      params.push(prefix, `${prefix}\u{10FFFF}`, search);
    }
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const desc = (q.order ?? (q.sort === 'login' ? 'asc' : 'desc')) === 'desc';
    const dir = desc ? 'DESC' : 'ASC';
    const tie = desc ? 'ASC' : 'DESC'; // matches the (column DESC, user_id) indexes in both directions
    const orderBy: Record<NonNullable<ListAccountsQuery['sort']>, string> = {
      xp: `a.xp ${dir}, a.user_id ${tie}`,
      tokens: `a.tokens ${dir}, a.user_id ${tie}`,
      wins: `a.wins ${dir}, a.user_id ${tie}`,
      login: `u.login ${dir}, a.user_id ${dir}`,
      lastSeen: `u.last_seen ${dir}, a.user_id ${dir}`,
      createdAt: `a.created_at ${dir}, a.user_id ${dir}`,
    };
    const order = orderBy[q.sort ?? 'xp'] ?? orderBy.xp;
    const limit = clamp(q.limit ?? 50, 1, 500);
    const page = Math.max(1, Math.floor(q.page ?? 1) || 1);
    const [rows, total] = await Promise.all([
      this.db.all<AccountRow>(`${ACCOUNT_SELECT} ${whereSql} ORDER BY ${order} LIMIT ? OFFSET ?`, [...params, limit, (page - 1) * limit]),
      this.db.get<{ n: number }>(`SELECT count(*) AS n FROM economy_accounts a ${whereSql}`, params),
    ]);
    return { rows: (await this.named(rows.map((r) => ({ ...r, login: r.login ?? null, display_name: r.display_name ?? null })))).map((r) => toAccount(r, this.levelOf)), total: total?.n ?? 0 };
  }

  async history(userId: string, limit = 20, before?: number): Promise<LedgerEntry[]> {
    const lim = clamp(limit, 1, 1000);
    const rows = before === undefined
      ? await this.db.all<LedgerRow>('SELECT * FROM economy_ledger WHERE user_id = ? ORDER BY id DESC LIMIT ?', [userId, lim])
      : await this.db.all<LedgerRow>('SELECT * FROM economy_ledger WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?', [userId, before, lim]);
    return rows.map(toEntry);
  }

  async stats(): Promise<EconomyStats> {
    const r = await this.db.get<{ users: number; excluded: number; tokens: number; xp: number; ledger: number; escrowed: number; open: number }>(
      `SELECT count(*) AS users, coalesce(sum(is_excluded), 0) AS excluded, coalesce(sum(tokens), 0) AS tokens, coalesce(sum(xp), 0) AS xp,
         (SELECT count(*) FROM economy_ledger) AS ledger,
         (SELECT coalesce(sum(amount), 0) FROM economy_escrow WHERE state = 'held') AS escrowed,
         (SELECT count(*) FROM economy_escrow WHERE state = 'held') AS open
       FROM economy_accounts`,
    );
    return {
      users: r?.users ?? 0,
      excludedUsers: r?.excluded ?? 0,
      tokensInCirculation: r?.tokens ?? 0,
      totalXp: r?.xp ?? 0,
      ledgerRows: r?.ledger ?? 0,
      escrowed: r?.escrowed ?? 0,
      openEscrows: r?.open ?? 0,
    };
  }

  /**
   * Supply (balances + escrowed) at the end of each of the last `days` days. Only credits, debits, admin
   * edits and closed accounts change the supply (transfers and escrows move tokens around), so the curve is
   * walked back from today's supply over the window's rows alone.
   */
  async circulationOverTime(days: number, now: number, untilNextDay: number, dayOf: (t: number) => string): Promise<{ day: string; circulation: number; created: number; destroyed: number }[]> {
    const n = clamp(days, 1, 366);
    const DAY = 86_400_000;
    const end = now + untilNextDay; // start of tomorrow
    const start = end - n * DAY;
    const [supply, perDay] = await Promise.all([
      this.db.get<{ s: number }>('SELECT coalesce(sum(tokens + held), 0) AS s FROM economy_accounts'),
      this.db.all<{ ago: number; net: number; created: number; destroyed: number }>(
        `SELECT CAST((? - time) / ${DAY} AS INTEGER) AS ago,
           sum(CASE WHEN kind IN ('credit', 'debit', 'admin', 'close') THEN delta ELSE 0 END) AS net,
           sum(CASE WHEN kind IN ('credit', 'admin') AND delta > 0 THEN delta ELSE 0 END) AS created,
           sum(CASE WHEN kind IN ('debit', 'admin', 'close') AND delta < 0 THEN -delta ELSE 0 END) AS destroyed
         FROM economy_ledger WHERE time >= ? AND time < ? GROUP BY ago`,
        [end - 1, start, end],
      ),
    ]);
    const byAgo = new Map(perDay.map((r) => [r.ago, r]));
    // Rows after `now` (a clock set back) still count toward today.
    let level = supply?.s ?? 0;
    const out: { day: string; circulation: number; created: number; destroyed: number }[] = [];
    for (let ago = 0; ago < n; ago++) {
      const r = byAgo.get(ago);
      out.push({ day: dayOf(end - 1 - ago * DAY), circulation: level, created: r?.created ?? 0, destroyed: r?.destroyed ?? 0 });
      level -= r?.net ?? 0;
    }
    return out.reverse();
  }

  async topEarners(days: number, now: number, limit = 10): Promise<{ userId: string; login: string; displayName: string; earned: number }[]> {
    const since = now - clamp(days, 1, 3660) * 86_400_000;
    const rows = await this.named(await this.db.all<{ user_id: string; earned: number; login: string | null; display_name: string | null }>(
      `SELECT l.user_id, sum(l.delta) AS earned, u.login, u.display_name
       FROM economy_ledger l LEFT JOIN users u ON u.id = l.user_id
       WHERE l.time >= ? AND l.delta > 0 AND (l.kind = 'credit' OR (l.kind = 'payout' AND l.counterparty IS NOT NULL))
       GROUP BY l.user_id ORDER BY earned DESC, l.user_id LIMIT ?`,
      [since, clamp(limit, 1, 100)],
    ));
    return rows.map((r) => ({ userId: r.user_id, login: r.login ?? r.user_id, displayName: r.display_name || r.login || r.user_id, earned: r.earned }));
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(Number.isFinite(n) ? n : min)));
}
