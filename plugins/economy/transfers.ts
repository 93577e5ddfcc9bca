// Group commit for transfers. node-sqlite3 costs ~40–170 µs per statement whatever the statement does, so a
// transfer in its own transaction (~10 statements) cannot go faster than a few hundred a second. Transfers
// asked for while the writer is busy therefore wait in a queue and are applied together, in ONE transaction
// with a fixed number of statements per group: one read of every account involved, one read of the
// idempotency keys given, a decision per transfer in arrival order (in JS, with the rules of
// Books.transfer), then one multi-row UPDATE of the balances, one INSERT of new receivers and one
// multi-row INSERT of the ledger rows. Each caller is answered (or gets its own typed error) only after the
// commit. If the group's transaction fails, no innocent transfer fails with it: the group is applied again
// one transfer per transaction, through the ordinary path.
import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Logger, PluginDb, SqlTx, SqlValue } from '../../core/types.ts';
import { checkAmount, EconomyFailure, InsufficientFundsError, toEntry, type Books, type EconomyEvent, type LedgerRow } from './ledger.ts';
import type { ChangeOptions, LedgerEntry, TransferResult } from './service.ts';

/** Most transfers in one group: 1,000 ledger rows × 9 parameters stays far under SQLite's variable limit. */
export const MAX_GROUP = 500;

export interface TransferRequest {
  readonly fromId: string;
  readonly toId: string;
  /** `all`: the sender's whole balance at the moment the transfer is applied (nothing happens at 0). */
  readonly amount: number | 'all';
  readonly options: ChangeOptions;
  /**
   * Called inside the transaction that applies the transfer (not for an idempotent replay), to store what
   * must commit with it: the chat confirmation (call.confirm).
   */
  readonly confirm?: (tx: SqlTx, result: TransferResult) => Promise<void>;
}

interface Job extends TransferRequest {
  /** The idempotency key: the caller's, or a generated `auto:` one. */
  readonly key: string;
  /** The caller gave the key (so it may have been applied before). */
  readonly keyed: boolean;
  resolve(result: TransferResult | undefined): void;
  reject(err: unknown): void;
}

type Outcome = { readonly ok: true; readonly result: TransferResult | undefined } | { readonly ok: false; readonly error: unknown };

interface AccountState {
  tokens: number;
  excluded: boolean;
  exists: boolean;
  /** Created by this group (a receiver without an account). */
  created: boolean;
  touched: boolean;
  readonly start: number;
}

interface Plan {
  readonly outcomes: Map<Job, Outcome>;
  /** Jobs whose key collides oddly with other rows: applied alone after the group (they fail as before). */
  readonly alone: Job[];
  readonly events: EconomyEvent[];
  /** Transfers written by the group. */
  readonly applied: number;
}

export interface TransferQueueDeps {
  readonly db: PluginDb;
  readonly log: Logger;
  now(): number;
  /** The ordinary path: one transaction, events emitted after it. */
  run<R>(fn: (books: Books) => Promise<R>): Promise<R>;
  emit(events: readonly EconomyEvent[]): void;
  /** Balances changed (committed): before any caller hears of it. */
  changed(): void;
}

const placeholders = (n: number, tuple = '?') => `${tuple},`.repeat(n).slice(0, -1);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Checks a transfer before it is queued; throws what Books.transfer would throw for the same arguments. */
export function validateTransfer(r: TransferRequest): { key: string; keyed: boolean } {
  if (typeof r.options !== 'object' || r.options === null) throw new TypeError('a transfer needs options (at least a reason)');
  if (typeof r.fromId !== 'string' || !r.fromId || typeof r.toId !== 'string' || !r.toId) throw new EconomyFailure('UNKNOWN_USER', 'a user id is required');
  if (r.amount !== 'all') checkAmount(r.amount);
  if (r.fromId === r.toId) throw new EconomyFailure('SAME_USER', 'cannot transfer to the same user');
  const k = r.options.key;
  if (k !== undefined) {
    if (typeof k !== 'string' || !k || k.length > 200) throw new EconomyFailure('INVALID_AMOUNT', 'an idempotency key is a string of 1-200 characters');
    return { key: k, keyed: true };
  }
  return { key: `auto:${randomUUID()}`, keyed: false };
}

export class TransferQueue {
  private queue: Job[] = [];
  private pumping: Promise<void> | undefined;
  /** Starts the pump in the economy's own async context, never in a caller's (whose transaction it is not). */
  private readonly startPump: () => void;

  constructor(private readonly deps: TransferQueueDeps) {
    this.startPump = AsyncResource.bind(() => {
      this.pumping = this.pump()
        .catch((err: unknown) => deps.log.error(`the transfer queue failed: ${(err as Error)?.message ?? String(err)}`))
        .finally(() => {
          this.pumping = undefined;
          if (this.queue.length) this.startPump();
        });
    });
  }

  /** Queues a transfer; resolves after the commit that applied it (undefined: `all` of an empty balance). */
  submit(request: TransferRequest): Promise<TransferResult | undefined> {
    let checked: { key: string; keyed: boolean };
    try {
      checked = validateTransfer(request);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ ...request, ...checked, resolve, reject });
      if (!this.pumping) this.startPump();
    });
  }

  /** Resolves when every queued transfer has been settled (unload, shutdown). */
  async drain(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private async pump(): Promise<void> {
    while (this.queue.length) {
      const jobs = this.queue.splice(0, MAX_GROUP);
      let plan: Plan | undefined;
      try {
        await this.deps.db.transaction(async (tx) => {
          // Transfers that came in while this transaction waited for the writer join it.
          if (jobs.length < MAX_GROUP && this.queue.length) jobs.push(...this.queue.splice(0, MAX_GROUP - jobs.length));
          plan = await this.apply(tx, jobs);
        });
      } catch (err) {
        this.deps.log.warn(`a group of ${jobs.length} transfers failed (${(err as Error)?.message ?? String(err)}); applying them one by one`);
        for (const job of jobs) await this.alone(job);
        continue;
      }
      if (!plan) continue;
      this.deps.log.debug(`one transaction settled ${jobs.length} transfer requests (${plan.applied} applied)`);
      if (plan.applied) this.deps.changed();
      this.deps.emit(plan.events);
      for (const [job, outcome] of plan.outcomes) {
        if (outcome.ok) job.resolve(outcome.result);
        else job.reject(outcome.error);
      }
      for (const job of plan.alone) await this.alone(job);
    }
  }

  /** One transfer in its own transaction, through Books.transfer. */
  private async alone(job: Job): Promise<void> {
    try {
      const result = await this.deps.run(async (b) => {
        const n = job.amount === 'all' ? await b.balance(job.fromId) : job.amount;
        if (n <= 0) return undefined;
        const done = await b.transfer(job.fromId, job.toId, n, job.keyed ? job.options : { ...job.options, key: job.key });
        if (job.confirm) await job.confirm(b.tx, done);
        return done;
      });
      job.resolve(result);
    } catch (err) {
      job.reject(err);
    }
  }

  /** Decides every job of the group in arrival order and writes the result with a handful of statements. */
  private async apply(tx: SqlTx, jobs: readonly Job[]): Promise<Plan> {
    const now = this.deps.now();
    const ids = new Set<string>();
    for (const j of jobs) ids.add(j.fromId).add(j.toId);
    const keys: string[] = [];
    for (const j of jobs) if (j.keyed) keys.push(j.key, `${j.key}#2`);
    // Two reads, sent together (the connection runs them one after the other; their round trips overlap).
    const [accounts, done] = await settledAll([
      tx.all<{ user_id: string; tokens: number; is_excluded: number }>(
        `SELECT user_id, tokens, is_excluded FROM economy_accounts WHERE user_id IN (${placeholders(ids.size)})`,
        [...ids],
      ),
      keys.length ? tx.all<LedgerRow>(`SELECT * FROM economy_ledger WHERE key IN (${placeholders(keys.length)})`, keys) : Promise.resolve([] as LedgerRow[]),
    ]);

    const state = new Map<string, AccountState>();
    for (const a of accounts) state.set(a.user_id, { tokens: a.tokens, excluded: a.is_excluded === 1, exists: true, created: false, touched: false, start: a.tokens });
    const stateOf = (id: string): AccountState => {
      let s = state.get(id);
      if (!s) state.set(id, (s = { tokens: 0, excluded: false, exists: false, created: false, touched: false, start: 0 }));
      return s;
    };
    const existing = new Map(done.map((r) => [r.key, r]));
    const appliedHere = new Map<string, TransferResult>();
    const written = new Set<string>();
    const outcomes = new Map<Job, Outcome>();
    const alone: Job[] = [];
    const confirms: [Job, TransferResult][] = [];
    // The ledger rows to write, two per applied transfer (sender, receiver); their ids come from the INSERT.
    const rows: Mutable<LedgerEntry>[] = [];

    for (const job of jobs) {
      if (job.keyed) {
        // Idempotency: a key applied in this group, or before it, returns what it did.
        const here = appliedHere.get(job.key);
        if (here) {
          outcomes.set(job, { ok: true, result: here });
          continue;
        }
        const a = existing.get(job.key);
        const b = existing.get(`${job.key}#2`);
        if (a && b) {
          outcomes.set(job, { ok: true, result: { from: toEntry(a), to: toEntry(b), amount: -a.delta } });
          continue;
        }
        // Half a pair, or keys that collide with this group's rows: the ordinary path says what happens.
        if (a || b || written.has(job.key) || written.has(`${job.key}#2`)) {
          alone.push(job);
          continue;
        }
      }
      const from = stateOf(job.fromId);
      const amount = job.amount === 'all' ? (from.exists ? from.tokens : 0) : job.amount;
      if (job.amount === 'all' && amount <= 0) {
        outcomes.set(job, { ok: true, result: undefined });
        continue;
      }
      const allowExcluded = job.options.allowExcluded;
      if (from.exists && from.excluded && !allowExcluded) {
        outcomes.set(job, { ok: false, error: new EconomyFailure('ACCOUNT_EXCLUDED', `user ${job.fromId} is excluded from the economy`) });
        continue;
      }
      if (!from.exists || from.tokens < amount) {
        outcomes.set(job, { ok: false, error: new InsufficientFundsError(job.fromId, from.exists ? from.tokens : 0, amount) });
        continue;
      }
      const to = stateOf(job.toId);
      if (to.exists && to.excluded && !allowExcluded) {
        outcomes.set(job, { ok: false, error: new EconomyFailure('ACCOUNT_EXCLUDED', `user ${job.toId} is excluded from the economy`) });
        continue;
      }
      from.tokens -= amount;
      to.tokens += amount;
      from.touched = true;
      to.touched = true;
      if (!to.exists) {
        to.exists = true;
        to.created = true;
      }
      // What Books.transfer writes: the same reason, source, actor and keys (`key`, `key#2`).
      const o = job.options;
      const source = o.source ?? 'economy';
      const reason = ((o.reason ?? '').trim() || 'transfer').slice(0, 200);
      const actor = o.actor ?? job.fromId;
      const toKey = `${job.key}#2`;
      // Plain literals in toEntry's field order (spreading here cost more than the SQL).
      const fromRow: Mutable<LedgerEntry> = {
        id: 0, userId: job.fromId, kind: 'transfer', delta: -amount, balanceAfter: from.tokens, xpDelta: 0, reason, source, key: job.key, actor, counterparty: job.toId, escrowId: null, time: now,
      };
      const toRow: Mutable<LedgerEntry> = {
        id: 0, userId: job.toId, kind: 'transfer', delta: amount, balanceAfter: to.tokens, xpDelta: 0, reason, source, key: toKey, actor, counterparty: job.fromId, escrowId: null, time: now,
      };
      rows.push(fromRow, toRow);
      written.add(job.key).add(toKey);
      const result: TransferResult = { from: fromRow, to: toRow, amount };
      appliedHere.set(job.key, result);
      outcomes.set(job, { ok: true, result });
      if (job.confirm) confirms.push([job, result]);
    }

    const events: EconomyEvent[] = [];
    if (rows.length) {
      const created: SqlValue[] = [];
      const changed: SqlValue[] = [now];
      const expected = new Map<string, number>();
      for (const [id, s] of state) {
        if (!s.touched) continue;
        if (s.created) created.push(id, s.tokens, now, now);
        else {
          changed.push(id, s.tokens - s.start);
          expected.set(id, s.tokens);
        }
      }
      const ledgerParams: SqlValue[] = new Array<SqlValue>(rows.length * 9);
      let p = 0;
      for (const r of rows) {
        ledgerParams[p++] = r.userId;
        ledgerParams[p++] = r.delta;
        ledgerParams[p++] = r.balanceAfter;
        ledgerParams[p++] = r.reason;
        ledgerParams[p++] = r.source;
        ledgerParams[p++] = r.key;
        ledgerParams[p++] = r.actor;
        ledgerParams[p++] = r.counterparty;
        ledgerParams[p++] = r.time;
      }
      // Sent together; each touches different rows, and all must succeed before the commit.
      const [updated, inserted] = await settledAll([
        expected.size
          ? tx.all<{ user_id: string; tokens: number }>(
              `UPDATE economy_accounts SET tokens = tokens + v.column2, updated_at = ? FROM (VALUES ${placeholders(expected.size, '(?, ?)')}) AS v
               WHERE economy_accounts.user_id = v.column1 RETURNING user_id, tokens`,
              changed,
            )
          : Promise.resolve([]),
        tx.all<{ id: number; key: string }>(
          `INSERT INTO economy_ledger (user_id, kind, delta, balance_after, xp_delta, reason, source, key, actor, counterparty, escrow_id, time)
           VALUES ${placeholders(rows.length, "(?, 'transfer', ?, ?, 0, ?, ?, ?, ?, ?, NULL, ?)")} RETURNING id, key`,
          ledgerParams,
        ),
        created.length
          ? tx.run(`INSERT INTO economy_accounts (user_id, tokens, created_at, updated_at) VALUES ${placeholders(created.length / 4, '(?, ?, ?, ?)')}`, created)
          : Promise.resolve(undefined),
      ]);
      // The balances the database arrived at must be the ones the ledger rows say; if not, roll back.
      if (updated.length !== expected.size) throw new Error(`economy: ${updated.length} of ${expected.size} accounts were updated`);
      for (const u of updated) {
        if (expected.get(u.user_id) !== u.tokens) throw new Error(`economy: account ${u.user_id} ended at ${u.tokens}, the ledger says ${String(expected.get(u.user_id))}`);
      }
      if (inserted.length !== rows.length) throw new Error(`economy: ${inserted.length} of ${rows.length} ledger rows were written`);
      const idOf = new Map<string, number>();
      for (const r of inserted) idOf.set(r.key, r.id);
      for (const r of rows) {
        const id = idOf.get(r.key);
        if (id === undefined) throw new Error(`economy: the ledger row ${r.key} was not written`);
        r.id = id;
        events.push({ type: 'tokens', change: { userId: r.userId, delta: r.delta, balance: r.balanceAfter, kind: 'transfer', reason: r.reason, source: r.source, entryId: id } });
      }
      // What must commit with the transfers (their confirmations), once their ledger ids are known.
      for (const [job, result] of confirms) await job.confirm?.(tx, result);
    }
    return { outcomes, alone, events, applied: rows.length / 2 };
  }
}

/**
 * Awaits statements sent together on the transaction's connection. Unlike Promise.all it waits for every one
 * of them before reporting a failure, so the rollback never races a statement still running.
 */
async function settledAll<T extends readonly unknown[]>(work: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(work as readonly Promise<unknown>[]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
