// Builds the economy for one loaded generation of the plugin: the service dependents receive, the chat XP
// batcher, the events, and what the chat commands need. Nothing lives at module level (hot reload).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChatMessage, PluginContext } from '../../core/types.ts';
import { calendar, type Calendar } from './calendar.ts';
import { writeXp, type XpItem } from './earning.ts';
import { checkBooks } from './invariant.ts';
import { ACCOUNT_SELECT, Books, emptyAccountRow, toAccount, toEntry, toEscrow, type AccountRow, type EconomyEvent, type EscrowRow, type LedgerRow } from './ledger.ts';
import { LevelUpAnnouncer } from './level-ups.ts';
import { levelOf as curveLevelOf } from './levels.ts';
import { anonymousId, eraseAccount, forgetViewer, loadSalt, SALT_KEY } from './privacy.ts';
import { Queries } from './queries.ts';
import type { EconomyConfig } from './schema.ts';
import { Boosts, xpBoostEffect } from './boosts.ts';
import type { Account, EconomyService, LevelUp, TokensChange, TransferResult, UserDeleted } from './service.ts';
import { TransferQueue, type TransferRequest } from './transfers.ts';

export interface Economy {
  readonly service: EconomyService;
  readonly config: EconomyConfig;
  readonly calendar: Calendar;
  readonly queries: Queries;
  /** Runs `fn` in its own write transaction; events fire after the commit. */
  run<R>(fn: (books: Books) => Promise<R>): Promise<R>;
  /** A transfer through the group commit (see transfers.ts); undefined for `all` of an empty balance. */
  give(request: TransferRequest): Promise<TransferResult | undefined>;
  isExcluded(userId: string): boolean;
  /** Counts a chat message toward participation XP (and remembers who chatted, for `chatter`). */
  participate(message: ChatMessage): void;
  /** A viewer who chatted in the last minutes, by login: answers `!give @login` without a database read. */
  chatter(login: string): Chatter | undefined;
}

export interface Chatter {
  readonly id: string;
  readonly login: string;
  readonly displayName: string;
  /** Clock time of their last message. */
  readonly at: number;
}

/** How long a chat sighting answers a login lookup, and how many are kept. */
const CHATTER_TTL_MS = 10 * 60_000;
const CHATTERS_MAX = 10_000;

/**
 * Logins of recent chatters (most recent last), so the hot commands do not read the user table for people
 * who just spoke. A login seen again moves to the end; a user seen under a new login loses the old one.
 */
function chatters(now: () => number) {
  const byLogin = new Map<string, { id: string; login: string; displayName: string; at: number }>();
  const loginOf = new Map<string, string>();
  const drop = (login: string) => {
    const c = byLogin.get(login);
    if (!c) return;
    byLogin.delete(login);
    if (loginOf.get(c.id) === login) loginOf.delete(c.id);
  };
  return {
    seen(id: string, login: string, displayName: string, at: number): void {
      const known = byLogin.get(login);
      // The same viewer again: refresh in place, and move to the end (away from eviction) once a minute.
      if (known && known.id === id && known.displayName === displayName && at - known.at < 60_000) {
        known.at = Math.max(known.at, at);
        return;
      }
      const before = loginOf.get(id);
      if (before !== undefined && before !== login) drop(before);
      byLogin.delete(login);
      byLogin.set(login, { id, login, displayName, at });
      loginOf.set(id, login);
      if (byLogin.size > CHATTERS_MAX) {
        const oldest = byLogin.keys().next().value;
        if (oldest !== undefined) drop(oldest);
      }
    },
    get(login: string): Chatter | undefined {
      const c = byLogin.get(login);
      return c && now() - c.at < CHATTER_TTL_MS ? c : undefined;
    },
    forget(id: string): void {
      const login = loginOf.get(id);
      if (login !== undefined) drop(login);
    },
  };
}

/** How long deleteUser waits for one onUserDeleted listener. */
const USER_DELETED_TIMEOUT_MS = 10_000;

export async function createEconomy(ctx: PluginContext<EconomyConfig>): Promise<Economy> {
  const config = ctx.config;
  const cal = calendar(config.timezone);
  const levelOf = (xp: number) => curveLevelOf(config, xp);
  const env = { now: () => ctx.clock.now(), levelOf, tokensPerWin: config.tokensPerWin, xpPerWin: config.xpPerWin };
  // Listeners other plugins register on the service: each goes when its owner unloads (or this economy does).
  const tokenListeners = ctx.events<TokensChange>('onTokensChanged');
  const levelListeners = ctx.events<LevelUp>('onLevelUp');
  const deletedListeners = ctx.events<UserDeleted>('onUserDeleted');

  // XP boosts bought in the shop: in memory, handed to the next version on a reload, expiring by the clock.
  const boosts = new Boosts();
  const restored = boosts.restore((ctx.inherited as { boosts?: unknown } | undefined)?.boosts, ctx.clock.now());
  if (restored) ctx.log.info(`${restored} viewer(s) keep their XP boost across the reload`);
  ctx.handOver(() => ({ boosts: boosts.snapshot(ctx.clock.now()) }));

  const excluded = new Set((await ctx.db.all<{ user_id: string }>('SELECT user_id FROM economy_accounts WHERE is_excluded = 1')).map((r) => r.user_id));
  // Written once per install; read on the reader afterwards, so a reload does not queue behind the writer.
  const salt = (await ctx.db.get<{ value: string }>('SELECT value FROM economy_meta WHERE key = ?', [SALT_KEY]))?.value ?? (await ctx.db.transaction(loadSalt));
  // Core writes new chatters behind; names it has not written yet come from its directory.
  const nameOf = async (id: string) => {
    const u = await ctx.users.byId(id);
    return u && { login: u.login, displayName: u.displayName };
  };
  const queries = new Queries(ctx.db, levelOf, nameOf, (id) => ctx.users.isBanned(id));

  const emit = (events: readonly EconomyEvent[]) => {
    for (const e of events) {
      if (e.type === 'tokens') tokenListeners.emit(e.change);
      else levelListeners.emit(e.event);
    }
  };

  const run = async <R>(fn: (books: Books) => Promise<R>, nested = false): Promise<R> => {
    let books: Books | undefined;
    const result = await ctx.db.transaction((tx) => {
      books = new Books(tx, env, nested);
      return fn(books);
    });
    queries.changed();
    if (books) emit(books.events);
    return result;
  };

  // Transfers are applied in groups (one transaction for all transfers waiting for the writer).
  const transfers = new TransferQueue({ db: ctx.db, log: ctx.log, now: env.now, run, emit, changed: () => queries.changed(['tokens']) });
  ctx.onDispose(() => transfers.drain());
  // Set while a dependent's economy.transaction(fn) runs: a top-level transfer from inside it would wait for
  // the writer that transaction holds, forever. Refuse it, as core refuses nested writes.
  const inTransaction = new AsyncLocalStorage<{ open: boolean }>();
  ctx.onDispose(() => inTransaction.disable()); // an enabled store costs every promise of the process a little
  const give = (request: TransferRequest): Promise<TransferResult | undefined> => {
    if (inTransaction.getStore()?.open) {
      return Promise.reject(new Error('economy.transfer() was called inside economy.transaction(): use the `eco` it gives you (the transaction holds the writer, so this would wait forever)'));
    }
    return transfers.submit(request);
  };

  // ---------------------------------------------------------------- chat XP, written behind

  const levelUps = new LevelUpAnnouncer({
    now: () => ctx.clock.now(),
    setTimeout: (fn, ms) => void ctx.timers.setTimeout(fn, ms),
    say: (channel, text) => void ctx.chat.say(channel, text).catch(() => undefined),
  });
  const xpBatch = ctx.db.batch<XpItem>({
    key: (item) => item.userId,
    merge: (older, newer) => ({ ...newer, xp: older.xp + newer.xp, time: Math.max(older.time, newer.time) }),
    flush: async (items, tx) => {
      const { ups, written } = await writeXp(items, tx, (xp) => levelOf(xp).level);
      const who = new Map(items.map((i) => [i.userId, i]));
      tx.afterCommit(() => {
        // Chat XP only ever raises XP: the kept XP top is updated in place instead of read again (under busy
        // chat a batch commits every 250 ms, and !top would otherwise read the board each time).
        queries.raised('xp', written.map((w) => ({ userId: w.user_id, xp: w.xp, tokens: w.tokens, wins: w.wins, login: who.get(w.user_id)?.login, displayName: who.get(w.user_id)?.displayName })));
        // Level-ups are announced only once the XP that made them is committed.
        for (const up of ups) {
          levelListeners.emit(up.event);
          const item = who.get(up.event.userId);
          if (config.announceLevelUps && item && !ctx.signal.aborted) {
            levelUps.add(item.channel, { userId: item.userId, name: item.displayName, level: up.event.level });
          }
        }
      });
    },
  });

  const recent = chatters(() => ctx.clock.now());
  const participate = (m: ChatMessage) => {
    recent.seen(m.user.id, m.user.login, m.user.displayName || m.user.login, m.time);
    if (config.xpPerParticipation <= 0 || excluded.has(m.user.id) || ctx.users.isBanned(m.user.id)) return;
    // Commands are not conversation (and `!xp` should not change the XP it reports).
    if (m.text.trimStart().startsWith(ctx.bot.prefix)) return;
    if (ctx.cooldowns.take(`xp:${m.user.id}`, config.participationCooldown) > 0) return;
    const base = config.xpPerParticipation;
    const boost = boosts.multiplierAt(m.user.id, m.time);
    const xp = boost === 1 ? base : Math.max(base, Math.round(base * boost));
    xpBatch.push({ userId: m.user.id, xp, time: m.time, channel: m.channel, login: m.user.login, displayName: m.user.displayName || m.user.login });
  };

  // ---------------------------------------------------------------- the service

  const names = (u: { login: string; displayName: string; lastSeen: number }) => ({ login: u.login, displayName: u.displayName, lastSeen: u.lastSeen });

  const getAccount = async (userId: string): Promise<Account | undefined> => {
    const row = await ctx.db.get<AccountRow>(`${ACCOUNT_SELECT} WHERE a.user_id = ?`, [userId]);
    // Core writes sightings behind; a first-time chatter may be known to it but not yet in `users`.
    const known = !row || !row.login ? await ctx.users.byId(userId) : undefined;
    if (!row) return known ? toAccount(emptyAccountRow(userId), levelOf, names(known)) : undefined;
    return toAccount(row, levelOf, known && names(known));
  };

  let numbers: Intl.NumberFormat | undefined; // toLocaleString builds one per call; this one is built at first use
  const service: EconomyService = {
    currency: { name: config.currencyName, singular: config.currencySingular },
    format: (amount) => `${(numbers ??= new Intl.NumberFormat('en-US')).format(amount)} ${Math.abs(amount) === 1 ? config.currencySingular : config.currencyName}`,
    levelOf,

    getAccount,
    async findAccount(loginOrId) {
      const s = String(loginOrId ?? '').trim().replace(/^@/, '');
      if (!s) return undefined;
      const byId = await getAccount(s);
      if (byId) return byId;
      const user = await ctx.users.byLogin(s.toLowerCase());
      return user ? getAccount(user.id) : undefined;
    },
    async balance(userId) {
      return (await ctx.db.get<{ tokens: number }>('SELECT tokens FROM economy_accounts WHERE user_id = ?', [userId]))?.tokens ?? 0;
    },

    credit: (userId, amount, options) => run((b) => b.credit(userId, amount, options)),
    debit: (userId, amount, options) => run((b) => b.debit(userId, amount, options)),
    adjust: (userId, delta, options) => run((b) => b.adjust(userId, delta, options)),
    setTokens: (userId, tokens, options) => run((b) => b.setTokens(userId, tokens, options)),
    transfer: (fromId, toId, amount, options) => give({ fromId, toId, amount, options }) as Promise<TransferResult>,
    async addXp(userId, xp, options) {
      return run((b) => b.addXp(userId, xp, options));
    },
    async setXp(userId, xp, options) {
      await xpBatch.flush(); // chat XP still waiting would land on top of the new value
      return run((b) => b.setXp(userId, xp, options));
    },
    awardWin: (userId, options) => run((b) => b.awardWin(userId, options)),
    hold: (userId, amount, options) => run((b) => b.hold(userId, amount, options)),
    release: (escrowId, options) => run((b) => b.release(escrowId, options)),
    payout: (escrowIds, winnerId, options) => run((b) => b.payout(escrowIds, winnerId, options)),

    async getEscrow(id) {
      const r = await ctx.db.get<EscrowRow>('SELECT * FROM economy_escrow WHERE id = ?', [id]);
      return r && toEscrow(r);
    },
    async openEscrows(userId) {
      const rows = userId === undefined
        ? await ctx.db.all<EscrowRow>("SELECT * FROM economy_escrow WHERE state = 'held' ORDER BY id")
        : await ctx.db.all<EscrowRow>("SELECT * FROM economy_escrow WHERE user_id = ? AND state = 'held' ORDER BY id", [userId]);
      return rows.map(toEscrow);
    },

    leaderboard: (by, limit, offset) => queries.leaderboard(by, limit, offset),
    rankOf: (userId, by) => queries.rankOf(userId, by),
    listAccounts: (query) => queries.listAccounts(query),
    history: (userId, limit, before) => queries.history(userId, limit, before),
    stats: () => queries.stats(),
    circulationOverTime: (days) => queries.circulationOverTime(days, ctx.clock.now(), cal.untilNextDay(ctx.clock.now()), cal.day),
    topEarners: (days, limit) => queries.topEarners(days, ctx.clock.now(), limit),

    async setExcluded(userId, exclude, actor = 'economy') {
      const now = ctx.clock.now();
      await ctx.db.run(
        `INSERT INTO economy_accounts (user_id, is_excluded, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET is_excluded = excluded.is_excluded, updated_at = excluded.updated_at`,
        [userId, exclude ? 1 : 0, now, now],
      );
      queries.changed();
      if (exclude) excluded.add(userId);
      else excluded.delete(userId);
      ctx.log.info(`user ${userId} ${exclude ? 'excluded from' : 'included in'} the economy by ${actor}`);
      return (await getAccount(userId)) as Account;
    },

    isExcluded: (userId) => excluded.has(userId),

    check: () => checkBooks({ all: <T>(sql: string) => ctx.db.all<T>(sql) }),

    async exportUser(userId) {
      await xpBatch.flush();
      const [user, account, ledger, escrows] = await Promise.all([
        ctx.users.byId(userId),
        getAccount(userId),
        ctx.db.all<LedgerRow>('SELECT * FROM economy_ledger WHERE user_id = ? ORDER BY id', [userId]),
        ctx.db.all<EscrowRow>('SELECT * FROM economy_escrow WHERE user_id = ? ORDER BY id', [userId]),
      ]);
      return {
        userId,
        exportedAt: ctx.clock.now(),
        user: user ? { login: user.login, displayName: user.displayName, firstSeen: user.firstSeen, lastSeen: user.lastSeen, notes: user.notes } : null,
        account: account ?? null,
        ledger: ledger.map(toEntry),
        escrows: escrows.map(toEscrow),
      };
    },

    // The one entry of a deletion request (!deleteme, the dashboard): core forgets the viewer and every plugin
    // deletes its own rows in its userForgotten tap (the economy's is below); this answers what they did.
    async deleteUser(userId) {
      const report = await ctx.users.erase(userId);
      const count = (k: string) => (typeof report[k] === 'number' ? (report[k] as number) : 0);
      return { anonymousId: anonymousId(salt, userId), tokensClosed: count('tokensClosed'), ledgerRowsAnonymized: count('ledgerRowsAnonymized'), chatMessagesDeleted: count('chatMessagesDeleted'), userForgotten: report.userForgotten };
    },

    anonymousId: (userId) => anonymousId(salt, userId),

    transaction: (fn) =>
      run(async (b) => {
        const state = { open: true };
        try {
          const result = await inTransaction.run(state, () => fn(b.tx, b));
          b.assertCommittable();
          return result;
        } finally {
          state.open = false; // work the caller left running may transfer later, as anyone
        }
      }, true),
    onTokensChanged: (owner, fn) => tokenListeners.on(owner, fn),
    onLevelUp: (owner, fn) => levelListeners.on(owner, fn),
    onUserDeleted: (owner, fn) => deletedListeners.on(owner, fn),
    shopEffects: { xp_boost: xpBoostEffect(boosts, () => ctx.clock.now(), () => config.xpPerParticipation) },
    flush: () => xpBatch.flush(),
  };

  // A viewer's deletion (ctx.users.forget, from wherever it was asked): the account goes, the ledger is anonymized.
  ctx.hooks.userForgotten.tap((event) =>
    forgetViewer(event, {
      salt,
      log: ctx.log,
      flush: () => xpBatch.flush(),
      erase: (userId, anon) => run((b) => eraseAccount(b, userId, anon)),
      dropMemory: (userId) => {
        excluded.delete(userId);
        recent.forget(userId);
        boosts.forget(userId);
        ctx.cooldowns.reset(`xp:${userId}`);
      },
      // Listeners of the older API (onUserDeleted) hear it after the economy's part has committed.
      notify: (deleted) => deletedListeners.emitAndWait(deleted, { timeoutMs: USER_DELETED_TIMEOUT_MS }),
    }),
  );

  // The first !top after a start (or a reload) finds its statements prepared and its index pages in memory.
  void queries.warm().catch((err: unknown) => ctx.log.debug(`could not warm the leaderboards: ${(err as Error).message}`));

  return { service, config, calendar: cal, queries, run, give, isExcluded: (id) => excluded.has(id), participate, chatter: (login) => recent.get(login) };
}
