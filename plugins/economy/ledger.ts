// The books: every operation that changes tokens or XP, bound to one open write transaction. A balance and
// its ledger row are always written by the same statements of the same transaction, so they commit together
// or not at all. The service runs each call in its own transaction; `economy.transaction(fn)` hands these
// same operations to a dependent for its own transaction, where a failed call leaves nothing half-done behind:
// a refusal writes nothing, and a failure after writing fails the whole transaction (Books.op).
import { randomUUID } from 'node:crypto';
import type { Row, SqlParams, SqlTx, SqlValue } from '../../core/types.ts';
import type { LevelInfo } from './levels.ts';
import type {
  Account,
  ChangeOptions,
  EconomyErrorCode,
  EconomyTx,
  EscrowHold,
  LedgerEntry,
  LedgerKind,
  LevelUp,
  PayoutResult,
  TokensChange,
  TransferResult,
  WinResult,
} from './service.ts';

/** Largest amount one call may move: keeps every sum far inside SQLite's 64-bit integers and JS's safe range. */
export const MAX_AMOUNT = 1_000_000_000_000;

export class EconomyFailure extends Error {
  override name = 'EconomyError';
  constructor(
    readonly code: EconomyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class InsufficientFundsError extends EconomyFailure {
  declare readonly code: 'INSUFFICIENT_FUNDS';
  constructor(
    readonly userId: string,
    readonly balance: number,
    readonly needed: number,
  ) {
    super('INSUFFICIENT_FUNDS', `user ${userId} has ${balance} and needs ${needed}`);
  }
}

export type EconomyEvent = { readonly type: 'tokens'; readonly change: TokensChange } | { readonly type: 'level'; readonly event: LevelUp };

export interface BooksEnv {
  now(): number;
  levelOf(xp: number): LevelInfo;
  readonly tokensPerWin: number;
  readonly xpPerWin: number;
}

export interface AccountRow {
  user_id: string;
  xp: number;
  tokens: number;
  held: number;
  wins: number;
  daily_streak: number;
  last_daily: string | null;
  last_hourly: number | null;
  last_work: number | null;
  is_excluded: number;
  created_at: number;
  updated_at: number;
  login?: string | null;
  display_name?: string | null;
  last_seen?: number | null;
}

export interface LedgerRow {
  id: number;
  user_id: string;
  kind: LedgerKind;
  delta: number;
  balance_after: number;
  xp_delta: number;
  reason: string;
  source: string;
  key: string;
  actor: string;
  counterparty: string | null;
  escrow_id: number | null;
  time: number;
}

export interface EscrowRow {
  id: number;
  user_id: string;
  amount: number;
  state: EscrowHold['state'];
  paid_to: string | null;
  reason: string;
  source: string;
  key: string;
  created_at: number;
  settled_at: number | null;
}

/** An account's names from the user directory, for a RETURNING clause of a write to economy_accounts. */
const NAMES_OF_ACCOUNT = ['login', 'display_name', 'last_seen'].map((c) => `(SELECT ${c} FROM users WHERE users.id = economy_accounts.user_id) AS ${c}`).join(', ');

export const ACCOUNT_SELECT = `SELECT a.*, u.login AS login, u.display_name AS display_name, u.last_seen AS last_seen
  FROM economy_accounts a LEFT JOIN users u ON u.id = a.user_id`;

export function toAccount(r: AccountRow, levelOf: (xp: number) => LevelInfo, names?: { login: string; displayName: string; lastSeen: number }): Account {
  const lv = levelOf(r.xp);
  const login = names?.login ?? r.login ?? r.user_id;
  return {
    userId: r.user_id,
    login,
    displayName: names?.displayName ?? (r.display_name || login),
    xp: r.xp,
    level: lv.level,
    levelXp: lv.levelXp,
    levelXpNeeded: lv.levelXpNeeded,
    tokens: r.tokens,
    held: r.held,
    wins: r.wins,
    dailyStreak: r.daily_streak,
    lastDaily: r.last_daily,
    lastHourly: r.last_hourly,
    lastWork: r.last_work,
    excluded: r.is_excluded === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastSeen: names?.lastSeen ?? r.last_seen ?? 0,
  };
}

export function emptyAccountRow(userId: string): AccountRow {
  return { user_id: userId, xp: 0, tokens: 0, held: 0, wins: 0, daily_streak: 0, last_daily: null, last_hourly: null, last_work: null, is_excluded: 0, created_at: 0, updated_at: 0 };
}

export function toEntry(r: LedgerRow): LedgerEntry {
  return {
    id: r.id,
    userId: r.user_id,
    kind: r.kind,
    delta: r.delta,
    balanceAfter: r.balance_after,
    xpDelta: r.xp_delta,
    reason: r.reason,
    source: r.source,
    key: r.key,
    actor: r.actor,
    counterparty: r.counterparty,
    escrowId: r.escrow_id,
    time: r.time,
  };
}

export function toEscrow(r: EscrowRow): EscrowHold {
  return {
    id: r.id,
    userId: r.user_id,
    amount: r.amount,
    state: r.state,
    paidTo: r.paid_to,
    reason: r.reason,
    source: r.source,
    createdAt: r.created_at,
    settledAt: r.settled_at,
  };
}

/** A call failed after writing inside a caller's transaction: the whole transaction rolls back (see `Books.op`). */
function transactionFailed(cause: Error): EconomyFailure {
  const err = new EconomyFailure('TRANSACTION_FAILED', `an economy call failed after it had written (${cause.message}), so the whole transaction is rolled back`);
  err.cause = cause;
  return err;
}

const READ_ONLY = /^\s*select\b/i;

/** `tx`, counting each statement that may write (all but a plain SELECT). */
function countingWrites(tx: SqlTx, wrote: () => void): SqlTx {
  const counted = (sql: string) => {
    if (!READ_ONLY.test(sql)) wrote();
  };
  return {
    get: <T = Row>(sql: string, params?: SqlParams) => (counted(sql), tx.get<T>(sql, params)),
    all: <T = Row>(sql: string, params?: SqlParams) => (counted(sql), tx.all<T>(sql, params)),
    run: (sql, params) => (wrote(), tx.run(sql, params)),
    exec: (sql) => (wrote(), tx.exec(sql)),
    insertMany: (table, columns, rows, options) => (wrote(), tx.insertMany(table, columns, rows, options)),
    afterCommit: (fn) => tx.afterCommit(fn),
    beforeCommit: (fn) => tx.beforeCommit(fn),
  };
}

function fail(code: EconomyErrorCode, message: string): never {
  throw new EconomyFailure(code, message);
}

export function checkAmount(amount: number, what = 'amount'): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) fail('INVALID_AMOUNT', `${what} must be a whole number above 0, not ${String(amount)}`);
  if (amount > MAX_AMOUNT) fail('INVALID_AMOUNT', `${what} must be at most ${MAX_AMOUNT}`);
}

function checkUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || !userId) fail('UNKNOWN_USER', 'a user id is required');
}

interface RowSpec {
  readonly userId: string;
  readonly kind: LedgerKind;
  readonly delta: number;
  readonly balanceAfter: number;
  readonly xpDelta?: number;
  readonly key: string;
  readonly options: Partial<ChangeOptions>;
  readonly counterparty?: string | null;
  readonly escrowId?: number | null;
}

/**
 * The economy's operations inside one transaction. `nested` is true when the transaction belongs to a caller
 * (economy.transaction): a call that fails can then be caught, and its events count only if it succeeded.
 */
export class Books implements EconomyTx {
  readonly events: EconomyEvent[] = [];
  readonly tx: SqlTx;
  /** Statements that may have written, so far (nested only): whether a failed call left something behind. */
  private writes = 0;
  /** Set when a call failed after writing: the caller's transaction must not commit (see `op`). */
  private failedAfterWrite: Error | undefined;

  constructor(
    tx: SqlTx,
    private readonly env: BooksEnv,
    private readonly nested: boolean,
  ) {
    this.tx = nested ? countingWrites(tx, () => this.writes++) : tx;
  }

  // ------------------------------------------------------------------ plumbing

  /**
   * Runs one operation; its events are kept only if it succeeds. In a caller's transaction, a call that fails
   * before writing (every refusal: too few tokens, a settled escrow, an excluded viewer, a bad amount) leaves
   * nothing behind and may be caught. One that fails after writing (the disk, a constraint) cannot be undone
   * alone, so the whole transaction fails when it ends, caught or not. A savepoint per call would undo it
   * alone, for two more statements (two trips to SQLite's thread) on every call, a game's payout included.
   */
  private async op<R>(fn: (events: EconomyEvent[]) => Promise<R>): Promise<R> {
    const events: EconomyEvent[] = [];
    if (!this.nested) {
      const r = await fn(events);
      this.events.push(...events);
      return r;
    }
    if (this.failedAfterWrite) throw transactionFailed(this.failedAfterWrite);
    const before = this.writes;
    try {
      const r = await fn(events);
      this.events.push(...events);
      return r;
    } catch (err) {
      if (this.writes !== before) this.failedAfterWrite = err as Error;
      throw err;
    }
  }

  /** Throws if a call failed after writing (the caller's transaction then rolls back); see `op`. */
  assertCommittable(): void {
    if (this.failedAfterWrite) throw transactionFailed(this.failedAfterWrite);
  }

  private key(options: Partial<ChangeOptions>): string {
    if (options.key !== undefined) {
      if (typeof options.key !== 'string' || !options.key || options.key.length > 200) fail('INVALID_AMOUNT', 'an idempotency key is a string of 1-200 characters');
      return options.key;
    }
    return `auto:${randomUUID()}`;
  }

  private async byKey(key: string): Promise<LedgerRow | undefined> {
    return this.tx.get<LedgerRow>('SELECT * FROM economy_ledger WHERE key = ?', [key]);
  }

  /** The rows a multi-row operation wrote under `key`: `key`, `key#2`, `key#3`… */
  private async rowsByKey(key: string, count: number): Promise<LedgerRow[]> {
    const keys = Array.from({ length: count }, (_, i) => (i === 0 ? key : `${key}#${i + 1}`));
    const rows = await this.tx.all<LedgerRow>(`SELECT * FROM economy_ledger WHERE key IN (${keys.map(() => '?').join(',')})`, keys);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return keys.map((k) => byKey.get(k)).filter((r): r is LedgerRow => r !== undefined);
  }

  private async row(userId: string): Promise<AccountRow | undefined> {
    return this.tx.get<AccountRow>('SELECT * FROM economy_accounts WHERE user_id = ?', [userId]);
  }

  private async ensure(userId: string): Promise<AccountRow> {
    return (await this.row(userId)) ?? this.openAccount(userId);
  }

  /** Opens an account. Called after the call's checks: a refusal must write nothing (see `op`). */
  private async openAccount(userId: string): Promise<AccountRow> {
    const now = this.env.now();
    await this.tx.run('INSERT INTO economy_accounts (user_id, created_at, updated_at) VALUES (?, ?, ?)', [userId, now, now]);
    return { ...emptyAccountRow(userId), created_at: now, updated_at: now };
  }

  private async insertRow(spec: RowSpec, events: EconomyEvent[]): Promise<LedgerEntry> {
    const o = spec.options;
    const source = o.source ?? 'economy';
    const reason = (o.reason ?? '').trim() || spec.kind;
    const entry: Omit<LedgerEntry, 'id'> = {
      userId: spec.userId,
      kind: spec.kind,
      delta: spec.delta,
      balanceAfter: spec.balanceAfter,
      xpDelta: spec.xpDelta ?? 0,
      reason: reason.slice(0, 200),
      source,
      key: spec.key,
      actor: o.actor ?? source,
      counterparty: spec.counterparty ?? null,
      escrowId: spec.escrowId ?? null,
      time: this.env.now(),
    };
    const values: SqlValue[] = [
      entry.userId, entry.kind, entry.delta, entry.balanceAfter, entry.xpDelta, entry.reason, entry.source, entry.key, entry.actor, entry.counterparty, entry.escrowId, entry.time,
    ];
    const { lastID } = await this.tx.run(
      `INSERT INTO economy_ledger (user_id, kind, delta, balance_after, xp_delta, reason, source, key, actor, counterparty, escrow_id, time)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      values,
    );
    const full = { id: lastID, ...entry };
    if (entry.delta !== 0) {
      events.push({ type: 'tokens', change: { userId: entry.userId, delta: entry.delta, balance: entry.balanceAfter, kind: entry.kind, reason: entry.reason, source: entry.source, entryId: lastID } });
    }
    return full;
  }

  /** Changes a balance and writes its ledger row; the caller has checked funds and exclusion. */
  private async move(spec: Omit<RowSpec, 'balanceAfter'> & { heldDelta?: number; xp?: number; wins?: number }, events: EconomyEvent[]): Promise<LedgerEntry> {
    const now = this.env.now();
    const r = await this.tx.get<{ tokens: number; xp: number }>(
      `UPDATE economy_accounts SET tokens = tokens + ?, held = held + ?, xp = xp + ?, wins = wins + ?, updated_at = ?
       WHERE user_id = ? RETURNING tokens, xp`,
      [spec.delta, spec.heldDelta ?? 0, spec.xp ?? 0, spec.wins ?? 0, now, spec.userId],
    );
    if (!r) throw new Error(`economy: account ${spec.userId} vanished inside a transaction`);
    if (spec.xp) this.levelEvent(spec.userId, r.xp - spec.xp, r.xp, events);
    return this.insertRow({ ...spec, balanceAfter: r.tokens, xpDelta: spec.xp ?? 0 }, events);
  }

  private levelEvent(userId: string, before: number, after: number, events: EconomyEvent[]): void {
    const a = this.env.levelOf(before).level;
    const b = this.env.levelOf(after).level;
    if (b > a) events.push({ type: 'level', event: { userId, previousLevel: a, level: b, xp: after } });
  }

  private async spendable(userId: string, amount: number, allowExcluded: boolean | undefined): Promise<AccountRow> {
    const acc = await this.row(userId);
    if (acc?.is_excluded && !allowExcluded) fail('ACCOUNT_EXCLUDED', `user ${userId} is excluded from the economy`);
    if (!acc || acc.tokens < amount) throw new InsufficientFundsError(userId, acc?.tokens ?? 0, amount);
    return acc;
  }

  private async receivable(userId: string, allowExcluded: boolean | undefined): Promise<AccountRow> {
    const acc = await this.ensure(userId);
    if (acc.is_excluded && !allowExcluded) fail('ACCOUNT_EXCLUDED', `user ${userId} is excluded from the economy`);
    return acc;
  }

  // ------------------------------------------------------------------ reads

  async getAccount(userId: string): Promise<Account | undefined> {
    const r = await this.tx.get<AccountRow>(`${ACCOUNT_SELECT} WHERE a.user_id = ?`, [userId]);
    return r && toAccount(r, this.env.levelOf);
  }

  async balance(userId: string): Promise<number> {
    return (await this.row(userId))?.tokens ?? 0;
  }

  // ------------------------------------------------------------------ tokens

  credit(userId: string, amount: number, options: ChangeOptions): Promise<LedgerEntry> {
    return this.single('credit', userId, amount, options);
  }

  debit(userId: string, amount: number, options: ChangeOptions): Promise<LedgerEntry> {
    return this.single('debit', userId, amount, options);
  }

  /** A credit or a debit of one account: checked, and applied once per key. */
  private single(kind: 'credit' | 'debit', userId: string, amount: number, options: ChangeOptions): Promise<LedgerEntry> {
    return this.op(async (events) => {
      checkUserId(userId);
      checkAmount(amount);
      const key = this.key(options);
      const done = options.key !== undefined ? await this.byKey(key) : undefined;
      if (done) return toEntry(done);
      if (kind === 'credit') await this.receivable(userId, options.allowExcluded);
      else await this.spendable(userId, amount, options.allowExcluded);
      return this.move({ userId, kind, delta: kind === 'credit' ? amount : -amount, key, options }, events);
    });
  }

  adjust(userId: string, delta: number, options: ChangeOptions): Promise<LedgerEntry> {
    return this.op(async (events) => {
      checkUserId(userId);
      checkAmount(Math.abs(delta), 'the change');
      const key = this.key(options);
      const done = options.key !== undefined ? await this.byKey(key) : undefined;
      if (done) return toEntry(done);
      const found = await this.row(userId);
      const have = found?.tokens ?? 0;
      if (have + delta < 0) throw new InsufficientFundsError(userId, have, -delta);
      if (!found) await this.openAccount(userId);
      return this.move({ userId, kind: 'admin', delta, key, options }, events);
    });
  }

  setTokens(userId: string, tokens: number, options: ChangeOptions): Promise<LedgerEntry | null> {
    return this.op(async (events) => {
      checkUserId(userId);
      if (tokens !== 0) checkAmount(tokens, 'the balance');
      const key = this.key(options);
      const done = options.key !== undefined ? await this.byKey(key) : undefined;
      if (done) return toEntry(done);
      const acc = await this.ensure(userId);
      const delta = tokens - acc.tokens;
      if (delta === 0) return null;
      return this.move({ userId, kind: 'admin', delta, key, options }, events);
    });
  }

  transfer(fromId: string, toId: string, amount: number, options: ChangeOptions): Promise<TransferResult> {
    return this.op(async (events) => {
      checkUserId(fromId);
      checkUserId(toId);
      checkAmount(amount);
      if (fromId === toId) fail('SAME_USER', 'cannot transfer to the same user');
      const key = this.key(options);
      if (options.key !== undefined) {
        const [from, to] = await this.rowsByKey(key, 2);
        if (from && to) return { from: toEntry(from), to: toEntry(to), amount: -from.delta };
      }
      await this.spendable(fromId, amount, options.allowExcluded);
      await this.receivable(toId, options.allowExcluded);
      const opts = { ...options, actor: options.actor ?? fromId };
      const from = await this.move({ userId: fromId, kind: 'transfer', delta: -amount, key, options: opts, counterparty: toId }, events);
      const to = await this.move({ userId: toId, kind: 'transfer', delta: amount, key: `${key}#2`, options: opts, counterparty: fromId }, events);
      return { from, to, amount };
    });
  }

  // ------------------------------------------------------------------ XP and wins

  private xpChange(userId: string, target: (current: number) => number, options: ChangeOptions): Promise<Account> {
    return this.op(async (events) => {
      checkUserId(userId);
      const key = this.key(options);
      const done = options.key !== undefined ? await this.byKey(key) : undefined;
      if (!done) {
        const found = await this.row(userId);
        const next = target(found?.xp ?? 0);
        if (!Number.isSafeInteger(next) || next < 0 || next > MAX_AMOUNT) fail('INVALID_AMOUNT', `XP must be a whole number from 0 to ${MAX_AMOUNT}`);
        const acc = found ?? (await this.openAccount(userId));
        const delta = next - acc.xp;
        if (delta !== 0) {
          await this.tx.run('UPDATE economy_accounts SET xp = ?, updated_at = ? WHERE user_id = ?', [next, this.env.now(), userId]);
          this.levelEvent(userId, acc.xp, next, events);
          await this.insertRow({ userId, kind: 'admin', delta: 0, balanceAfter: acc.tokens, xpDelta: delta, key, options }, events);
        }
      }
      return (await this.getAccount(userId)) as Account;
    });
  }

  addXp(userId: string, xp: number, options: ChangeOptions): Promise<Account> {
    checkAmount(xp, 'XP');
    return this.xpChange(userId, (c) => c + xp, options);
  }

  setXp(userId: string, xp: number, options: ChangeOptions): Promise<Account> {
    return this.xpChange(userId, () => xp, options);
  }

  // A win is on the path of a game's announcement, so it takes two statements: an upsert that pays (below)
  // and the ledger row. Only a win refused (paid before under the key, or an excluded viewer) reads more.
  awardWin(userId: string, options: ChangeOptions & { tokens?: number; xp?: number }): Promise<WinResult> {
    return this.op(async (events) => {
      checkUserId(userId);
      const tokens = options.tokens ?? this.env.tokensPerWin;
      const xp = options.xp ?? this.env.xpPerWin;
      if (tokens !== 0) checkAmount(tokens, 'tokens');
      if (xp !== 0) checkAmount(xp, 'XP');
      const key = this.key(options);
      const now = this.env.now();
      // One statement pays a viewer who was not paid under this key before, opening the account if needed,
      // unless it is excluded, and returns the account with its names. Nothing back means one of those two.
      const paid = await this.tx.get<AccountRow>(
        `INSERT INTO economy_accounts (user_id, tokens, xp, wins, created_at, updated_at)
         SELECT ?, ?, ?, 1, ?, ? WHERE NOT EXISTS (SELECT 1 FROM economy_ledger WHERE key = ?)
         ON CONFLICT (user_id) DO UPDATE SET tokens = tokens + excluded.tokens, xp = xp + excluded.xp, wins = wins + 1, updated_at = excluded.updated_at
         WHERE economy_accounts.is_excluded = 0 OR ?
         RETURNING *, ${NAMES_OF_ACCOUNT}`,
        [userId, tokens, xp, now, now, key, options.allowExcluded ? 1 : 0],
      );
      if (!paid) {
        const account = (await this.getAccount(userId)) as Account;
        const done = options.key !== undefined ? await this.byKey(key) : undefined;
        return done ? { account, tokens: done.delta, xp: done.xp_delta, entry: toEntry(done) } : { account, tokens: 0, xp: 0, entry: null }; // excluded
      }
      if (xp) this.levelEvent(userId, paid.xp - xp, paid.xp, events);
      const entry = await this.insertRow({ userId, kind: 'credit', delta: tokens, balanceAfter: paid.tokens, xpDelta: xp, key, options }, events);
      return { account: toAccount(paid, this.env.levelOf), tokens, xp, entry };
    });
  }

  // ------------------------------------------------------------------ escrow

  private async escrow(id: number): Promise<EscrowRow> {
    if (!Number.isSafeInteger(id)) fail('ESCROW_NOT_FOUND', `no escrow ${String(id)}`);
    const e = await this.tx.get<EscrowRow>('SELECT * FROM economy_escrow WHERE id = ?', [id]);
    if (!e) fail('ESCROW_NOT_FOUND', `no escrow ${id}`);
    return e;
  }

  hold(userId: string, amount: number, options: ChangeOptions): Promise<EscrowHold> {
    return this.op(async (events) => {
      checkUserId(userId);
      checkAmount(amount);
      const key = this.key(options);
      if (options.key !== undefined) {
        const e = await this.tx.get<EscrowRow>('SELECT * FROM economy_escrow WHERE key = ?', [key]);
        if (e) return toEscrow(e);
      }
      await this.spendable(userId, amount, options.allowExcluded);
      const now = this.env.now();
      const source = options.source ?? 'economy';
      const reason = (options.reason ?? '').trim() || 'wager';
      const { lastID } = await this.tx.run(
        'INSERT INTO economy_escrow (user_id, amount, state, reason, source, key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [userId, amount, 'held', reason.slice(0, 200), source, key, now],
      );
      await this.move({ userId, kind: 'hold', delta: -amount, heldDelta: amount, key, options, escrowId: lastID }, events);
      return toEscrow((await this.tx.get<EscrowRow>('SELECT * FROM economy_escrow WHERE id = ?', [lastID])) as EscrowRow);
    });
  }

  release(escrowId: number, options: Partial<ChangeOptions> = {}): Promise<EscrowHold> {
    return this.op(async (events) => {
      const e = await this.escrow(escrowId);
      if (e.state === 'released') return toEscrow(e);
      if (e.state !== 'held') fail('ESCROW_SETTLED', `escrow ${e.id} was already paid out`);
      const now = this.env.now();
      await this.tx.run("UPDATE economy_escrow SET state = 'released', settled_at = ? WHERE id = ?", [now, e.id]);
      const opts = { ...options, reason: options.reason ?? `refund: ${e.reason}`, source: options.source ?? e.source };
      await this.move({ userId: e.user_id, kind: 'release', delta: e.amount, heldDelta: -e.amount, key: this.key(options.key ? options : {}), options: opts, escrowId: e.id }, events);
      return toEscrow({ ...e, state: 'released', settled_at: now });
    });
  }

  payout(escrowIds: number | readonly number[], winnerId: string, options: Partial<ChangeOptions> = {}): Promise<PayoutResult> {
    return this.op(async (events) => {
      checkUserId(winnerId);
      const ids = typeof escrowIds === 'number' ? [escrowIds] : [...escrowIds];
      if (!ids.length) fail('ESCROW_NOT_FOUND', 'no escrow to pay out');
      if (new Set(ids).size !== ids.length) fail('ESCROW_NOT_FOUND', 'the same escrow is listed twice');
      const escrows: EscrowRow[] = [];
      for (const id of ids) escrows.push(await this.escrow(id));
      // Paid before, to this winner: the same call again (a retry after a crash), answered with what it did.
      if (escrows.every((e) => e.state === 'paid' && e.paid_to === winnerId)) {
        const rows = await this.tx.all<LedgerRow>(
          `SELECT * FROM economy_ledger WHERE kind = 'payout' AND escrow_id IN (${ids.map(() => '?').join(',')})`,
          ids,
        );
        const byEscrow = new Map(rows.map((r) => [r.escrow_id, r]));
        return {
          escrows: escrows.map(toEscrow),
          entries: ids.map((id) => toEntry(byEscrow.get(id) as LedgerRow)),
          amount: escrows.reduce((s, e) => s + e.amount, 0),
        };
      }
      const settled = escrows.find((e) => e.state !== 'held');
      if (settled) fail('ESCROW_SETTLED', `escrow ${settled.id} was already ${settled.state === 'paid' ? 'paid out' : 'released'}`);
      await this.ensure(winnerId);
      const now = this.env.now();
      const key = this.key(options.key ? options : {});
      const entries: LedgerEntry[] = [];
      const out: EscrowHold[] = [];
      for (const [i, e] of escrows.entries()) {
        await this.tx.run("UPDATE economy_escrow SET state = 'paid', paid_to = ?, settled_at = ? WHERE id = ?", [winnerId, now, e.id]);
        await this.tx.run('UPDATE economy_accounts SET held = held - ?, updated_at = ? WHERE user_id = ?', [e.amount, now, e.user_id]);
        const opts = { ...options, reason: options.reason ?? `won: ${e.reason}`, source: options.source ?? e.source };
        entries.push(
          await this.move({ userId: winnerId, kind: 'payout', delta: e.amount, key: i === 0 ? key : `${key}#${i + 1}`, options: opts, escrowId: e.id, counterparty: e.user_id === winnerId ? null : e.user_id }, events),
        );
        out.push(toEscrow({ ...e, state: 'paid', paid_to: winnerId, settled_at: now }));
      }
      return { escrows: out, entries, amount: escrows.reduce((s, e) => s + e.amount, 0) };
    });
  }

  // ------------------------------------------------------------------ earning (used by the chat commands)

  /** Credits an earning and updates the account's claim state in the same operation. */
  earn(userId: string, amount: number, options: ChangeOptions, state: Partial<Pick<AccountRow, 'daily_streak' | 'last_daily' | 'last_hourly' | 'last_work'>>): Promise<LedgerEntry | null> {
    return this.op(async (events) => {
      const sets = Object.keys(state);
      if (sets.length) {
        await this.tx.run(`UPDATE economy_accounts SET ${sets.map((c) => `${c} = ?`).join(', ')} WHERE user_id = ?`, [...sets.map((c) => state[c as keyof typeof state] ?? null), userId]);
      }
      if (amount <= 0) return null;
      return this.move({ userId, kind: 'credit', delta: amount, key: this.key(options), options }, events);
    });
  }

  /** Removes an account: a `close` row takes its balance to 0 (escrows must be settled first). Returns the tokens closed. */
  closeAccount(userId: string, options: Partial<ChangeOptions>): Promise<number> {
    return this.op(async (events) => {
      const acc = await this.row(userId);
      if (!acc) return 0;
      if (acc.held) throw new Error(`economy: account ${userId} still has ${acc.held} in escrow`);
      if (acc.tokens > 0) await this.move({ userId, kind: 'close', delta: -acc.tokens, key: this.key({}), options }, events);
      await this.tx.run('DELETE FROM economy_accounts WHERE user_id = ?', [userId]);
      return acc.tokens;
    });
  }

  /** The account row, created when missing (for claim checks). */
  account(userId: string): Promise<AccountRow> {
    return this.ensure(userId);
  }
}
