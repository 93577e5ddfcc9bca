// The economy's public face: the types its dependents (shop, minigames, dashboard) code against, and the
// error codes they check. Types only, plus two pure helpers; the implementation is in ledger.ts / accounts.ts.
// Check errors by `code`, never with `instanceof`: a reloaded plugin has new classes.
import type { Owner, SqlTx } from '../../core/types.ts';

/** One viewer's economy account, joined with core's user directory for the names. */
export interface Account {
  readonly userId: string;
  /** Current login (core keeps it up to date on renames); the user id when core does not know the user. */
  readonly login: string;
  readonly displayName: string;
  readonly xp: number;
  readonly level: number;
  /** XP gathered inside the current level, and XP that level needs in all (for "140/283"). */
  readonly levelXp: number;
  readonly levelXpNeeded: number;
  /** Spendable tokens. Always equals the sum of the account's ledger rows. */
  readonly tokens: number;
  /** Tokens held in open escrows (wagers): not spendable, not in `tokens`. */
  readonly held: number;
  readonly wins: number;
  /** Consecutive days of `!daily` (0 before the first claim). */
  readonly dailyStreak: number;
  /** Day (`YYYY-MM-DD`, in the configured timezone) of the last `!daily`, or null. */
  readonly lastDaily: string | null;
  /** Milliseconds since the epoch of the last `!hourly` / `!work`, or null. */
  readonly lastHourly: number | null;
  readonly lastWork: number | null;
  /** Excluded by the broadcaster: earns nothing, cannot give or receive, hidden from leaderboards. */
  readonly excluded: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** From core's user directory (0 when unknown). */
  readonly lastSeen: number;
}

/** What a ledger row records. */
export type LedgerKind =
  | 'credit' // tokens created: earnings, wins, refunds from other plugins
  | 'debit' // tokens destroyed: purchases, fees
  | 'transfer' // one side of a transfer between two viewers (`counterparty` is the other side)
  | 'hold' // tokens moved from the balance into an escrow
  | 'release' // an escrow given back to its holder
  | 'payout' // an escrow paid to a winner
  | 'admin' // a moderator's or the dashboard's edit (setTokens, !addtokens, !removetokens)
  | 'close'; // the balance removed when an account is deleted on request

/** One append-only ledger row: a change to one user's tokens (and, for XP edits, to their XP). */
export interface LedgerEntry {
  readonly id: number;
  /** The user id, or a stable `anon-…` id after the user asked to be deleted. */
  readonly userId: string;
  readonly kind: LedgerKind;
  /** Change in tokens (negative for spending). */
  readonly delta: number;
  /** Spendable balance right after this row. */
  readonly balanceAfter: number;
  /** Change in XP recorded with this row (only for wins and XP edits; chat XP is not ledgered). */
  readonly xpDelta: number;
  readonly reason: string;
  /** Plugin that asked for the change. */
  readonly source: string;
  /** Idempotency key (unique). Generated when the caller gives none. */
  readonly key: string;
  /** Who did it: a user id (moderator, giver), `dashboard`, `system`, or the plugin name. */
  readonly actor: string;
  /** The other user of a transfer or payout, if any. */
  readonly counterparty: string | null;
  readonly escrowId: number | null;
  /** Milliseconds since the epoch (host clock). */
  readonly time: number;
}

export interface EscrowHold {
  readonly id: number;
  readonly userId: string;
  readonly amount: number;
  readonly state: 'held' | 'released' | 'paid';
  /** The winner, once paid. */
  readonly paidTo: string | null;
  readonly reason: string;
  readonly source: string;
  readonly createdAt: number;
  readonly settledAt: number | null;
}

export interface EconomyStats {
  /** Accounts (excluded ones included). */
  readonly users: number;
  readonly excludedUsers: number;
  /** Sum of spendable balances. */
  readonly tokensInCirculation: number;
  readonly totalXp: number;
  readonly ledgerRows: number;
  /** Tokens in open escrows, and how many escrows are open. */
  readonly escrowed: number;
  readonly openEscrows: number;
}

/** Options every token change takes. */
export interface ChangeOptions {
  /** Shown in history, e.g. "bought Cookie", "won a duel". Required: an unexplained change is a support ticket. */
  readonly reason: string;
  /** Plugin asking; default `economy`. */
  readonly source?: string;
  /**
   * Idempotency key: a change with a key that was already applied is not applied again; the call returns
   * the original result. Use a stable key per logical operation (e.g. `shop:order:42`).
   */
  readonly key?: string;
  /** Who did it (user id, `dashboard`, `system`); default the source. */
  readonly actor?: string;
  /** Allow the change on an excluded account (moderator edits); default false. */
  readonly allowExcluded?: boolean;
}

export interface TransferResult {
  readonly from: LedgerEntry;
  readonly to: LedgerEntry;
  readonly amount: number;
}

export interface PayoutResult {
  /** The escrows paid, now in state `paid`. */
  readonly escrows: readonly EscrowHold[];
  /** The winner's ledger rows: one `payout` row per escrow (each names its escrow), in the order given. */
  readonly entries: readonly LedgerEntry[];
  /** Sum paid. */
  readonly amount: number;
}

export interface WinResult {
  readonly account: Account;
  readonly tokens: number;
  readonly xp: number;
  readonly entry: LedgerEntry | null;
}

export type LeaderboardBy = 'xp' | 'tokens' | 'wins';

export interface LeaderboardRow {
  readonly rank: number;
  readonly userId: string;
  readonly login: string;
  readonly displayName: string;
  readonly xp: number;
  readonly level: number;
  readonly tokens: number;
  readonly wins: number;
}

export interface ListAccountsQuery {
  /** Login prefix (case-insensitive, `@` allowed) or an exact user id. */
  readonly search?: string;
  readonly sort?: 'xp' | 'tokens' | 'wins' | 'login' | 'lastSeen' | 'createdAt';
  readonly order?: 'asc' | 'desc';
  /** 1-based. */
  readonly page?: number;
  /** Default 50, at most 500. */
  readonly limit?: number;
  /** Include excluded accounts (default true: the dashboard shows them, marked). */
  readonly includeExcluded?: boolean;
}

export interface CheckMismatch {
  readonly userId: string;
  /** Balance in `economy_accounts` (0 if the account row is gone). */
  readonly balance: number;
  /** Sum of the user's ledger rows. */
  readonly ledgerSum: number;
}

export interface EscrowMismatch {
  readonly escrowId: number;
  /** What the escrow row says is still held (0 once settled). */
  readonly held: number;
  /** Minus the sum of the ledger rows that name this escrow. */
  readonly ledgerHeld: number;
}

export interface HeldMismatch {
  readonly userId: string;
  /** `held` of the account. */
  readonly held: number;
  /** Sum of the user's open escrows. */
  readonly escrowed: number;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly accounts: number;
  readonly ledgerRows: number;
  /** Users whose balance is not the sum of their ledger rows. */
  readonly mismatches: readonly CheckMismatch[];
  /** Escrows whose held amount is not minus the sum of their ledger rows. */
  readonly escrowMismatches: readonly EscrowMismatch[];
  /** Accounts whose `held` is not the sum of their open escrows. */
  readonly heldMismatches: readonly HeldMismatch[];
  /** Accounts with a negative balance (the CHECK constraint should make this impossible). */
  readonly negative: readonly string[];
}

export interface UserExport {
  readonly userId: string;
  readonly exportedAt: number;
  readonly user: { readonly login: string; readonly displayName: string; readonly firstSeen: number; readonly lastSeen: number; readonly notes: string } | null;
  readonly account: Account | null;
  readonly ledger: readonly LedgerEntry[];
  readonly escrows: readonly EscrowHold[];
}

export interface DeleteResult {
  /** The stable anonymous id that now stands for the user in the ledger. */
  readonly anonymousId: string;
  readonly ledgerRowsAnonymized: number;
  /** Tokens removed with the account (recorded as a `close` row), escrows refunded first. */
  readonly tokensClosed: number;
  readonly chatMessagesDeleted: number;
  readonly userForgotten: boolean;
}

export interface TokensChange {
  readonly userId: string;
  readonly delta: number;
  readonly balance: number;
  readonly kind: LedgerKind;
  readonly reason: string;
  readonly source: string;
  readonly entryId: number;
}

export interface UserDeleted {
  readonly userId: string;
  /** The stable `anon-…` id the user's ledger rows now carry (use it if you anonymize rather than delete). */
  readonly anonymousId: string;
}

/**
 * The shape of a shop effect the economy offers (the shop's `OfferedEffect`, the parts the economy uses),
 * declared here so the economy does not import the shop.
 */
export interface OfferedShopEffect {
  readonly description?: string;
  readonly checkParams?: (params: Readonly<Record<string, unknown>>) => string | undefined;
  /** The JSON schema of its params (the shop's `EffectParamsSchema`): the Shop page's catalog form is built from it. */
  readonly paramsSchema?: { readonly type: 'object'; readonly properties: Readonly<Record<string, Readonly<Record<string, unknown>>>>; readonly required?: readonly string[]; readonly additionalProperties?: boolean };
  readonly run: (call: {
    readonly user: { readonly id: string; readonly login: string; readonly displayName: string };
    readonly quantity: number;
    readonly params: Readonly<Record<string, unknown>>;
  }) => { readonly ok: false; readonly reason: string } | { readonly message: string } | Promise<{ readonly ok: false; readonly reason: string } | { readonly message: string }>;
}

export interface LevelUp {
  readonly userId: string;
  readonly previousLevel: number;
  readonly level: number;
  readonly xp: number;
}

/**
 * The economy operations bound to one open transaction. Everything here runs in the caller's transaction:
 * it commits or rolls back with it. Reads through it see the transaction's own writes.
 */
export interface EconomyTx {
  getAccount(userId: string): Promise<Account | undefined>;
  balance(userId: string): Promise<number>;
  credit(userId: string, amount: number, options: ChangeOptions): Promise<LedgerEntry>;
  /** Throws INSUFFICIENT_FUNDS (nothing changes) when the balance is smaller than `amount`. */
  debit(userId: string, amount: number, options: ChangeOptions): Promise<LedgerEntry>;
  transfer(fromId: string, toId: string, amount: number, options: ChangeOptions): Promise<TransferResult>;
  /** A moderator's edit by `delta` (an `admin` row); allowed on excluded accounts. Throws INSUFFICIENT_FUNDS below 0. */
  adjust(userId: string, delta: number, options: ChangeOptions): Promise<LedgerEntry>;
  /** Sets the balance (an `admin` row for the difference; null when it already was that). */
  setTokens(userId: string, tokens: number, options: ChangeOptions): Promise<LedgerEntry | null>;
  addXp(userId: string, xp: number, options: ChangeOptions): Promise<Account>;
  setXp(userId: string, xp: number, options: ChangeOptions): Promise<Account>;
  /** Pays a win: tokensPerWin and xpPerWin (or the given amounts), counts the win. Skips excluded users (entry null). */
  awardWin(userId: string, options: ChangeOptions & { tokens?: number; xp?: number }): Promise<WinResult>;
  /** Moves `amount` from the balance into a new escrow (a wager). Throws INSUFFICIENT_FUNDS. */
  hold(userId: string, amount: number, options: ChangeOptions): Promise<EscrowHold>;
  /** Gives an open escrow back to its holder. Releasing a released escrow returns it; a paid one throws ESCROW_SETTLED. */
  release(escrowId: number, options?: Partial<ChangeOptions>): Promise<EscrowHold>;
  /**
   * Pays one or more open escrows (e.g. both stakes of a duel) to `winnerId`, all or nothing. Paying escrows
   * already paid to the same winner returns the earlier result; any other settled escrow throws ESCROW_SETTLED.
   */
  payout(escrowIds: number | readonly number[], winnerId: string, options?: Partial<ChangeOptions>): Promise<PayoutResult>;
}

export interface EconomyService extends EconomyTx {
  readonly currency: { readonly name: string; readonly singular: string };
  /** "1 token", "5 tokens". */
  format(amount: number): string;
  /** Level of an XP total, and the XP a level starts at (see README: the level curve). */
  levelOf(xp: number): { level: number; levelXp: number; levelXpNeeded: number };
  /** An account by user id, or by login (with or without `@`). */
  findAccount(loginOrId: string): Promise<Account | undefined>;
  getEscrow(id: number): Promise<EscrowHold | undefined>;
  openEscrows(userId?: string): Promise<EscrowHold[]>;
  leaderboard(by: LeaderboardBy, limit?: number, offset?: number): Promise<LeaderboardRow[]>;
  /** Position of a user on the XP (or tokens) leaderboard, 1-based; undefined if not on it. */
  rankOf(userId: string, by?: LeaderboardBy): Promise<number | undefined>;
  listAccounts(query?: ListAccountsQuery): Promise<{ rows: Account[]; total: number }>;
  /** Newest first; `before` is a ledger id for paging back. */
  history(userId: string, limit?: number, before?: number): Promise<LedgerEntry[]>;
  stats(): Promise<EconomyStats>;
  /** Tokens in circulation (balances + escrowed) at the end of each of the last `days` days, oldest first. */
  circulationOverTime(days: number): Promise<{ day: string; circulation: number; created: number; destroyed: number }[]>;
  /** Who earned the most (credits, wins, payouts; not transfers) over the last `days` days. */
  topEarners(days: number, limit?: number): Promise<{ userId: string; login: string; displayName: string; earned: number }[]>;
  setExcluded(userId: string, excluded: boolean, actor?: string): Promise<Account>;
  /**
   * Whether the viewer is excluded, as of the last committed `setExcluded`: kept in memory, so a plugin can
   * check every chat message without a read. (Payments check the account row again in their transaction.)
   */
  isExcluded(userId: string): boolean;
  /** Proves sum(ledger) == balance for every user, and held == -sum(ledger) for every escrow. */
  check(): Promise<CheckResult>;
  exportUser(userId: string): Promise<UserExport>;
  /**
   * Privacy request: personal data goes, ledger rows stay under an anonymous id (sums still hold). The same as
   * `ctx.users.forget(userId)` (core's `userForgotten` hook, where every plugin deletes its rows), answering
   * what the economy and the others reported.
   */
  deleteUser(userId: string): Promise<DeleteResult>;
  /** The stable `anon-…` id a deleted user's ledger rows carry (for a plugin that anonymizes its own rows in `userForgotten`). */
  anonymousId(userId: string): string;
  /**
   * Runs `fn` in one write transaction with the economy bound to it, so a dependent can debit and write
   * its own tables atomically. Do not call the top-level service (or ctx.db.run) inside `fn`: the writer
   * is held by this transaction and that would wait forever. Change and level-up events fire after commit.
   */
  transaction<R>(fn: (tx: SqlTx, eco: EconomyTx) => Promise<R>): Promise<R>;
  /** Called after every committed token change. Removed when `owner` unloads. Returns a remover too. */
  onTokensChanged(owner: Owner, fn: (change: TokensChange) => void | Promise<void>): () => void;
  /** Called after a user reaches a new level (chat XP, wins, edits). Removed when `owner` unloads. */
  onLevelUp(owner: Owner, fn: (event: LevelUp) => void | Promise<void>): () => void;
  /**
   * Kept for plugins written before core's `userForgotten` hook (tap that instead: it fires for every deletion).
   * Called after `deleteUser` has committed (the account is gone, the ledger anonymized, core has forgotten
   * the user), with the user id and the anonymous id that now stands for them, so a dependent deletes or
   * anonymizes its own rows. `deleteUser` waits for the listeners (each at most 10 s; a failure is logged,
   * not thrown: the economy's part is done). Removed when `owner` unloads.
   */
  onUserDeleted(owner: Owner, fn: (event: UserDeleted) => void | Promise<void>): () => void;
  /**
   * Effects the economy offers the shop (it cannot depend on the shop: the shop depends on it), registered by
   * the shop in the economy's name; see the shop's README. `xp_boost`: multiplied chat XP for a while.
   */
  readonly shopEffects?: Readonly<Record<string, OfferedShopEffect>>;
  /** Writes pending chat XP now (tests, shutdown). */
  flush(): Promise<void>;
}

export type EconomyErrorCode =
  | 'INSUFFICIENT_FUNDS'
  | 'INVALID_AMOUNT'
  | 'UNKNOWN_USER'
  | 'SAME_USER'
  | 'ACCOUNT_EXCLUDED'
  | 'ESCROW_NOT_FOUND'
  | 'ESCROW_SETTLED'
  /** Thrown by `transaction(fn)` (and by any call after it) when a call failed after writing: nothing commits. */
  | 'TRANSACTION_FAILED';

/** Every error the economy throws on purpose has a `code`; compare codes, not classes. */
export interface EconomyError extends Error {
  readonly code: EconomyErrorCode;
}

export interface InsufficientFunds extends EconomyError {
  readonly code: 'INSUFFICIENT_FUNDS';
  readonly userId: string;
  readonly balance: number;
  readonly needed: number;
}

export const ECONOMY_ERROR_CODES: readonly EconomyErrorCode[] = [
  'INSUFFICIENT_FUNDS',
  'INVALID_AMOUNT',
  'UNKNOWN_USER',
  'SAME_USER',
  'ACCOUNT_EXCLUDED',
  'ESCROW_NOT_FOUND',
  'ESCROW_SETTLED',
];

/** True when `err` is an economy error (with that code, if given). Pure: safe to bundle into a dependent. */
export function isEconomyError<C extends EconomyErrorCode>(err: unknown, code?: C): err is EconomyError & { code: C } {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' && c !== '' && (code === undefined ? ECONOMY_ERROR_CODES.includes(c as EconomyErrorCode) : c === code);
}

declare module '../../core/types.ts' {
  interface PluginServices {
    economy: EconomyService;
  }
}
