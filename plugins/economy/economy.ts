// Builds the economy for one loaded generation of the plugin: the service dependents receive, the chat XP
// batcher, the events, and what the chat commands need. Nothing lives at module level (hot reload).
import type { ChatMessage, Logger, Owner, PluginContext } from '../../core/types.ts';
import { calendar, type Calendar } from './calendar.ts';
import { writeXp, type XpItem } from './earning.ts';
import { checkBooks } from './invariant.ts';
import { ACCOUNT_SELECT, Books, emptyAccountRow, toAccount, toEntry, toEscrow, type AccountRow, type EconomyEvent, type EscrowRow, type LedgerRow } from './ledger.ts';
import { levelOf as curveLevelOf } from './levels.ts';
import { anonymousId, eraseAccount, loadSalt } from './privacy.ts';
import { Queries } from './queries.ts';
import type { EconomyConfig } from './schema.ts';
import type { Account, EconomyService, LevelUp, TokensChange } from './service.ts';

export interface Economy {
  readonly service: EconomyService;
  readonly config: EconomyConfig;
  readonly calendar: Calendar;
  readonly queries: Queries;
  /** Runs `fn` in its own write transaction; events fire after the commit. */
  run<R>(fn: (books: Books) => Promise<R>): Promise<R>;
  isExcluded(userId: string): boolean;
  /** Counts a chat message toward participation XP. */
  participate(message: ChatMessage): void;
}

type Listener<T> = (event: T) => void | Promise<void>;

/** Listeners registered by other plugins, each removed when its owner unloads (the Owner pattern). */
function listeners<T>(log: Logger, what: string) {
  const entries = new Set<{ owner: string; fn: Listener<T> }>();
  return {
    add(owner: Owner, fn: Listener<T>): () => void {
      const entry = { owner: owner.name, fn };
      entries.add(entry);
      const remove = () => void entries.delete(entry);
      owner.onDispose(remove);
      return remove;
    },
    emit(event: T): void {
      for (const e of [...entries]) {
        const report = (err: unknown) => log.warn(`${what} listener of ${e.owner} failed: ${(err as Error)?.message ?? String(err)}`);
        try {
          const r = e.fn(event);
          if (r instanceof Promise) r.catch(report);
        } catch (err) {
          report(err);
        }
      }
    },
    clear: () => entries.clear(),
  };
}

export async function createEconomy(ctx: PluginContext<EconomyConfig>): Promise<Economy> {
  const config = ctx.config;
  const cal = calendar(config.timezone);
  const levelOf = (xp: number) => curveLevelOf(config, xp);
  // Core writes new chatters behind; names it has not written yet come from its directory.
  const queries = new Queries(ctx.db, levelOf, async (id) => {
    const u = await ctx.users.byId(id);
    return u && { login: u.login, displayName: u.displayName };
  });
  const env = { now: () => ctx.clock.now(), levelOf, tokensPerWin: config.tokensPerWin, xpPerWin: config.xpPerWin };
  const tokenListeners = listeners<TokensChange>(ctx.log, 'onTokensChanged');
  const levelListeners = listeners<LevelUp>(ctx.log, 'onLevelUp');
  ctx.onDispose(() => {
    tokenListeners.clear();
    levelListeners.clear();
  });

  const excluded = new Set((await ctx.db.all<{ user_id: string }>('SELECT user_id FROM economy_accounts WHERE is_excluded = 1')).map((r) => r.user_id));
  const salt = await ctx.db.transaction(loadSalt);

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
    if (books) emit(books.events);
    return result;
  };

  // ---------------------------------------------------------------- chat XP, written behind

  const xpBatch = ctx.db.batch<XpItem>({
    key: (item) => item.userId,
    merge: (older, newer) => ({ ...newer, xp: older.xp + newer.xp, time: Math.max(older.time, newer.time) }),
    flush: async (items, tx) => {
      const ups = await writeXp(items, tx, (xp) => levelOf(xp).level);
      if (!ups.length) return;
      const who = new Map(items.map((i) => [i.userId, i]));
      // Level-ups are announced only once the XP that made them is committed.
      tx.afterCommit(() => {
        for (const up of ups) {
          levelListeners.emit(up.event);
          const item = who.get(up.event.userId);
          if (config.announceLevelUps && item && !ctx.signal.aborted) {
            void ctx.chat.say(item.channel, `${item.displayName} reached level ${up.event.level}! 🎉`).catch(() => undefined);
          }
        }
      });
    },
  });

  const participate = (m: ChatMessage) => {
    if (config.xpPerParticipation <= 0 || excluded.has(m.user.id) || ctx.users.isBanned(m.user.id)) return;
    // Commands are not conversation (and `!xp` should not change the XP it reports).
    if (m.text.trimStart().startsWith(ctx.bot.prefix)) return;
    if (ctx.cooldowns.take(`xp:${m.user.id}`, config.participationCooldown) > 0) return;
    xpBatch.push({ userId: m.user.id, xp: config.xpPerParticipation, time: m.time, channel: m.channel, displayName: m.user.displayName || m.user.login });
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

  const service: EconomyService = {
    currency: { name: config.currencyName, singular: config.currencySingular },
    format: (amount) => `${amount.toLocaleString('en-US')} ${Math.abs(amount) === 1 ? config.currencySingular : config.currencyName}`,
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
    transfer: (fromId, toId, amount, options) => run((b) => b.transfer(fromId, toId, amount, options)),
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
      if (exclude) excluded.add(userId);
      else excluded.delete(userId);
      ctx.log.info(`user ${userId} ${exclude ? 'excluded from' : 'included in'} the economy by ${actor}`);
      return (await getAccount(userId)) as Account;
    },

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

    async deleteUser(userId) {
      await xpBatch.flush();
      const anon = anonymousId(salt, userId);
      const erased = await run((b) => eraseAccount(b, userId, anon));
      excluded.delete(userId);
      ctx.cooldowns.reset(`xp:${userId}`);
      const userForgotten = await ctx.users.forget(userId);
      const chatlog = ctx.optionalService('chatlog');
      const chatMessagesDeleted = chatlog ? await chatlog.deleteUser(userId) : 0;
      ctx.log.info(`deleted a user's data on request; their ledger rows now belong to ${anon}`);
      return { anonymousId: anon, ...erased, chatMessagesDeleted, userForgotten };
    },

    transaction: (fn) => run((b) => fn(b.tx, b), true),
    onTokensChanged: (owner, fn) => tokenListeners.add(owner, fn),
    onLevelUp: (owner, fn) => levelListeners.add(owner, fn),
    flush: () => xpBatch.flush(),
  };

  return { service, config, calendar: cal, queries, run, isExcluded: (id) => excluded.has(id), participate };
}
