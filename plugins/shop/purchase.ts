// The shop's books: buying (debit, stock, limit and redemption row in ONE transaction, then the effect),
// refunds, the redemption queue, restocking and sales numbers. Every change a viewer is told about has
// committed before they are told.
import type { PluginContext, SqlTx } from '../../core/types.ts';
import { isEconomyError, type EconomyService } from '../economy/service.ts';
import { findItem, type ConfiguredItem, toItems } from './catalog.ts';
import { runEffect, ShopFailure, type EffectRegistry, type RegisteredEffect } from './effects.ts';
import type {
  CatalogProblem,
  PurchaseErrorCode,
  PurchaseOutcome,
  PurchaseRequest,
  PurchaseSuccess,
  Redemption,
  RedemptionQuery,
  SalesStats,
  ShopItem,
  ShopItemView,
  ShopRole,
  ShopService,
} from './service.ts';

export interface ShopConfig {
  readonly items: Readonly<Record<string, ConfiguredItem>>;
  readonly effectTimeout: number;
  readonly inventorySize: number;
}

interface RedemptionRow {
  id: number;
  username: string;
  reward: string;
  cost: number;
  created_at: number;
  user_id: string;
  item_id: string;
  quantity: number;
  effect: string;
  input: string;
  status: Redemption['status'];
  refund_reason: string | null;
  handled_by: string | null;
  via: string;
  channel: string | null;
  request_key: string | null;
  updated_at: number;
  fulfilled_at: number | null;
  refunded_at: number | null;
}

export function toRedemption(r: RedemptionRow): Redemption {
  return {
    id: r.id,
    userId: r.user_id,
    username: r.username,
    itemId: r.item_id,
    reward: r.reward,
    quantity: r.quantity,
    cost: r.cost,
    effect: r.effect,
    input: r.input,
    status: r.status,
    refundReason: r.refund_reason,
    handledBy: r.handled_by,
    via: r.via,
    channel: r.channel,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    fulfilledAt: r.fulfilled_at,
    refundedAt: r.refunded_at,
  };
}

/** A purchase that stops inside the transaction: it rolls back, and the viewer is told why. */
class Stop extends Error {
  constructor(
    readonly code: PurchaseErrorCode,
    message: string,
    readonly extra: { retryInMs?: number; balance?: number } = {},
  ) {
    super(message);
  }
}

const ROLE_NAMES: Record<ShopRole, string> = { everyone: 'everyone', subscriber: 'subs', vip: 'VIPs', moderator: 'mods', broadcaster: 'the streamer' };

export function rolesText(roles: readonly ShopRole[]): string {
  const names = roles.map((r) => ROLE_NAMES[r]);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] ?? 'nobody');
}

/** Whether a viewer with these chat roles may buy an item for `allowed`. */
export function mayBuy(allowed: readonly ShopRole[], roles: readonly string[]): boolean {
  if (allowed.includes('everyone') || roles.includes('broadcaster')) return true;
  const has = new Set<string>(roles);
  if (has.has('founder')) has.add('subscriber');
  return allowed.some((r) => has.has(r));
}

export function duration(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.ceil(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

const DAY_MS = 86_400_000;

/** The shop's workings: most of its service (see service.ts for what each does), plus what only the plugin uses. */
export interface ShopCore extends Pick<ShopService, 'purchase' | 'redemption' | 'redemptions' | 'fulfil' | 'refund' | 'restock' | 'stats' | 'onRedemption'> {
  readonly items: ShopItem[];
  views(): Promise<ShopItemView[]>;
  view(item: ShopItem, remaining: number | undefined): ShopItemView;
  find(text: string): ShopItem | undefined;
  problems(): CatalogProblem[];
  /** Brings the stock table in line with the configured stock (a changed number restocks). */
  syncStock(): Promise<void>;
  /** Paid orders whose effect a crash kept from running: run now, or refunded if that cannot be done. */
  resumeInterrupted(): Promise<void>;
}

export function createShopCore(ctx: PluginContext<ShopConfig>, economy: EconomyService, effects: EffectRegistry): ShopCore {
  const config = ctx.config;
  const items = toItems(config.items);
  const byId = new Map(items.map((i) => [i.id, i]));
  const listeners = ctx.events<Redemption>('onRedemption');
  const fmt = (n: number) => economy.format(n);

  const emit = (r: Redemption): void => listeners.emit(r);

  /** Why an item cannot be sold now (undefined: it can). */
  function unavailableReason(item: ShopItem): string | undefined {
    if (!item.enabled) return 'disabled';
    const effect = effects.get(item.effect);
    if (!effect) return `effect "${item.effect}" is not provided by any loaded plugin`;
    const bad = effect.options.checkParams?.(item.params, item);
    return bad ? `effect "${item.effect}": ${bad}` : undefined;
  }

  function view(item: ShopItem, remaining: number | undefined): ShopItemView {
    const why = unavailableReason(item);
    const provider = effects.get(item.effect)?.provider;
    return {
      ...item,
      available: why === undefined,
      ...(why !== undefined ? { unavailableReason: why } : {}),
      ...(item.stock !== undefined ? { remaining: remaining ?? item.stock } : {}),
      ...(provider ? { effectProvider: provider } : {}),
    };
  }

  async function stockLeft(): Promise<Map<string, number>> {
    const rows = await ctx.db.all<{ item_id: string; remaining: number }>('SELECT item_id, remaining FROM shop_stock');
    return new Map(rows.map((r) => [r.item_id, r.remaining]));
  }

  async function views(): Promise<ShopItemView[]> {
    const left = await stockLeft();
    return items.map((i) => view(i, left.get(i.id)));
  }

  function problems(): CatalogProblem[] {
    const out: CatalogProblem[] = [];
    for (const item of items) {
      if (!item.enabled) continue;
      const why = unavailableReason(item);
      if (why) out.push({ item: item.id, message: `item "${item.id}" (${item.name}): ${why}` });
    }
    return out;
  }

  async function getRow(tx: SqlTx | undefined, id: number): Promise<RedemptionRow | undefined> {
    return tx ? tx.get<RedemptionRow>('SELECT * FROM shop_redemptions WHERE id = ?', [id]) : ctx.db.get<RedemptionRow>('SELECT * FROM shop_redemptions WHERE id = ?', [id]);
  }

  function stop(code: PurchaseErrorCode, message: string, extra?: { retryInMs?: number; balance?: number }): never {
    throw new Stop(code, message, extra);
  }

  // ------------------------------------------------------------------ buying

  async function purchase(req: PurchaseRequest): Promise<PurchaseOutcome> {
    const prefix = ctx.bot.prefix;
    const fail = (code: PurchaseErrorCode, message: string, extra: { retryInMs?: number; balance?: number } = {}): PurchaseOutcome => ({ ok: false, code, message, ...extra });
    const item = findItem(items, req.item);
    if (!item) return fail('UNKNOWN_ITEM', `There is no "${req.item}" in the bakery. See ${prefix}shop`);
    if (!item.enabled) return fail('UNAVAILABLE', `${item.name} is not for sale right now.`);
    const effect = effects.get(item.effect);
    if (!effect || unavailableReason(item)) return fail('UNAVAILABLE', `${item.name} is not available right now. The streamer can see why on the Shop page.`);
    if (req.user.roles && !mayBuy(item.roles, req.user.roles)) return fail('NOT_ALLOWED', `${item.name} is only for ${rolesText(item.roles)}.`);
    const quantity = req.quantity ?? 1;
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > item.maxPerPurchase) {
      return fail('INVALID_QUANTITY', item.maxPerPurchase === 1 ? `${item.name} comes one at a time.` : `You can buy 1 to ${item.maxPerPurchase} ${item.name} at a time.`);
    }
    const input = (req.input ?? '').trim();
    const badInput = effect.options.checkInput?.(input, item.params, item);
    if (badInput) return fail('INVALID_INPUT', `${item.name}: ${badInput}.`);
    if (!req.user.id) return fail('UNKNOWN_USER', 'Who is buying? A viewer is needed.');

    const total = req.paidWith ? 0 : item.cost * quantity;
    const now = ctx.clock.now();
    const via = req.via ?? 'chat';
    const channel = req.channel ?? ctx.chat.channels[0] ?? null;
    let created: { row: RedemptionRow; balance: number; replayed: boolean };
    try {
      created = await economy.transaction(async (tx, eco) => {
        if (req.key !== undefined) {
          const earlier = await tx.get<RedemptionRow>('SELECT * FROM shop_redemptions WHERE request_key = ?', [req.key]);
          if (earlier) return { row: earlier, balance: await eco.balance(earlier.user_id), replayed: true };
        }
        if (item.cooldown) {
          const last = await tx.get<{ at: number | null }>(
            "SELECT max(created_at) AS at FROM shop_redemptions WHERE user_id = ? AND item_id = ? AND status != 'refunded'",
            [req.user.id, item.id],
          );
          const wait = last?.at != null ? last.at + item.cooldown * 1000 - now : 0;
          if (wait > 0) stop('COOLDOWN', `Your ${item.name} is still in the oven: try again in ${duration(wait)}.`, { retryInMs: wait });
        }
        if (item.perUserLimit !== undefined) {
          const had = (await tx.get<{ bought: number }>('SELECT bought FROM shop_user_limits WHERE user_id = ? AND item_id = ?', [req.user.id, item.id]))?.bought ?? 0;
          if (had + quantity > item.perUserLimit) {
            const left = item.perUserLimit - had;
            stop('LIMIT_REACHED', left > 0 ? `You can buy only ${left} more ${item.name} (${item.perUserLimit} per viewer).` : `You already have ${item.name}: it is limited to ${item.perUserLimit} per viewer.`);
          }
          await tx.run(
            'INSERT INTO shop_user_limits (user_id, item_id, bought) VALUES (?, ?, ?) ON CONFLICT (user_id, item_id) DO UPDATE SET bought = bought + excluded.bought',
            [req.user.id, item.id, quantity],
          );
        }
        if (item.stock !== undefined) {
          await tx.run('INSERT OR IGNORE INTO shop_stock (item_id, remaining, configured, updated_at) VALUES (?, ?, ?, ?)', [item.id, item.stock, item.stock, now]);
          // The conditional decrement is what makes overselling impossible, whatever the interleaving.
          const { changes } = await tx.run('UPDATE shop_stock SET remaining = remaining - ?, updated_at = ? WHERE item_id = ? AND remaining >= ?', [quantity, now, item.id, quantity]);
          if (!changes) {
            const left = (await tx.get<{ remaining: number }>('SELECT remaining FROM shop_stock WHERE item_id = ?', [item.id]))?.remaining ?? 0;
            stop('OUT_OF_STOCK', left > 0 ? `Only ${left} ${item.name} left.` : `${item.name} is sold out.`);
          }
        }
        const { lastID } = await tx.run(
          `INSERT INTO shop_redemptions (username, reward, cost, created_at, user_id, item_id, quantity, effect, input, status, via, channel, request_key, updated_at, effect_due)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, 1)`,
          [req.user.login, item.name, total, now, req.user.id, item.id, quantity, item.effect, input, via, channel, req.key ?? null, now],
        );
        if (total > 0) {
          try {
            await eco.debit(req.user.id, total, { reason: `bought ${quantity}× ${item.name} (order #${lastID})`, source: 'shop', key: `shop:order:${lastID}`, actor: req.user.id });
          } catch (err) {
            if (isEconomyError(err, 'INSUFFICIENT_FUNDS')) {
              const balance = await eco.balance(req.user.id);
              stop('INSUFFICIENT_FUNDS', `${quantity > 1 ? `${quantity}× ` : ''}${item.name} costs ${fmt(total)}; you have ${fmt(balance)}.`, { balance });
            }
            if (isEconomyError(err, 'ACCOUNT_EXCLUDED')) stop('ACCOUNT_EXCLUDED', 'Your account is not part of the economy, so the bakery cannot sell to you.');
            throw err;
          }
        }
        const row = await tx.get<RedemptionRow>('SELECT * FROM shop_redemptions WHERE id = ?', [lastID]);
        if (!row) throw new Error(`redemption #${lastID} vanished inside its transaction`);
        return { row, balance: await eco.balance(req.user.id), replayed: false };
      });
    } catch (err) {
      if (err instanceof Stop) return fail(err.code, err.message, err.extra);
      throw err;
    }

    // Committed: the viewer paid and the order exists. Now deliver it.
    const redemption = toRedemption(created.row);
    const itemView = view(item, undefined);
    if (created.replayed) {
      if (redemption.status === 'refunded') return { ok: false, code: 'EFFECT_FAILED', message: `Order #${redemption.id} was refunded${redemption.refundReason ? `: ${redemption.refundReason}` : ''}.`, refunded: redemption };
      return { ok: true, redemption, balance: created.balance, item: itemView, replayed: true };
    }
    const say = sayIn(channel);
    const reply = req.reply ?? ((text: string) => say(`@${req.user.login} ${text}`));
    const user = { id: req.user.id, login: req.user.login, displayName: req.user.displayName };
    return deliver(created.row, item, effect, { user, balance: created.balance, reply, say, confirm: req.confirm });
  }

  function sayIn(channel: string | null): (text: string) => Promise<void> {
    return (text) => (channel ? ctx.chat.say(channel, text) : Promise.resolve(ctx.log.info(`(no channel) ${text}`)));
  }

  /**
   * Runs a paid order's effect and records its verdict (fulfilled, queued, or refunded). The buyer's
   * confirmation is stored in the transaction that records the verdict (request.confirm), so a crash before
   * it leaves the order marked `effect_due` (resumed at start) and a crash after it still sends it.
   */
  async function deliver(
    row: RedemptionRow,
    item: ShopItem,
    effect: RegisteredEffect,
    how: { user: { id: string; login: string; displayName: string }; balance: number; reply: (text: string) => Promise<void>; say: (text: string) => Promise<void>; confirm?: PurchaseRequest['confirm'] },
  ): Promise<PurchaseOutcome> {
    const redemption = toRedemption(row);
    const total = row.cost;
    const verdict = await runEffect(
      effect,
      { redemption, item, params: item.params, user: how.user, quantity: row.quantity, input: row.input, reply: how.reply, say: how.say },
      ctx.clock,
      config.effectTimeout * 1000,
      ctx.signal,
    );
    if (!verdict.ok) {
      ctx.log.warn(`effect "${item.effect}" of order #${redemption.id} (${item.name} for ${how.user.login}) failed: ${verdict.reason}; refunding`);
      const refunded = await refund(redemption.id, { reason: `effect failed: ${verdict.reason}`, actor: 'shop' }).catch((err: unknown) => {
        // Refunded by a moderator in the meantime is fine; anything else the streamer must see.
        if (err instanceof ShopFailure && err.code === 'ALREADY_REFUNDED') return undefined;
        throw err;
      });
      const balance = await economy.balance(how.user.id);
      return {
        ok: false,
        code: 'EFFECT_FAILED',
        message: `Sorry, ${item.name} could not be delivered (${verdict.reason}). Your ${fmt(total)} ${total === 1 ? 'is' : 'are'} back: order #${redemption.id} refunded.`,
        ...(refunded ? { refunded } : {}),
        balance,
      };
    }
    let outcome: PurchaseSuccess | undefined;
    await ctx.db.transaction(async (tx) => {
      const t = ctx.clock.now();
      if (verdict.status === 'pending') await tx.run('UPDATE shop_redemptions SET effect_due = 0 WHERE id = ?', [redemption.id]);
      else {
        await tx.run("UPDATE shop_redemptions SET status = 'fulfilled', fulfilled_at = ?, updated_at = ?, handled_by = ?, effect_due = 0 WHERE id = ? AND status = 'pending'", [
          t,
          t,
          effect.provider,
          redemption.id,
        ]);
      }
      const final = verdict.status === 'pending' ? redemption : toRedemption((await getRow(tx, redemption.id)) ?? row);
      outcome = { ok: true, redemption: final, balance: how.balance, item: view(item, undefined), replayed: false, ...(verdict.message ? { message: verdict.message } : {}) };
      if (how.confirm) await how.confirm(tx, outcome);
    });
    const done = outcome as PurchaseSuccess;
    emit(done.redemption);
    return done;
  }

  async function resumeInterrupted(): Promise<void> {
    const rows = await ctx.db.all<RedemptionRow>("SELECT * FROM shop_redemptions WHERE status = 'pending' AND effect_due = 1 ORDER BY id");
    for (const row of rows) {
      const say = sayIn(row.channel);
      const item = byId.get(row.item_id);
      const effect = item && effects.get(item.effect);
      const what = `order #${row.id} (${row.quantity > 1 ? `${row.quantity}× ` : ''}${row.reward} for ${row.username})`;
      try {
        if (!item || !effect || unavailableReason(item)) {
          ctx.log.warn(`${what} was paid, but the bot stopped before its effect ran, and it cannot run now: refunding`);
          await refund(row.id, { reason: 'the bot stopped before it was delivered, and it cannot be delivered now', actor: 'shop' });
          await say(`@${row.username} your ${row.reward} (order #${row.id}) could not be delivered because the bot restarted: your ${fmt(row.cost)} ${row.cost === 1 ? 'is' : 'are'} back.`);
          continue;
        }
        ctx.log.warn(`${what} was paid, but the bot stopped before its effect ran: running it now`);
        const known = await ctx.users.byId(row.user_id);
        const user = { id: row.user_id, login: row.username, displayName: known?.displayName ?? row.username };
        const balance = await economy.balance(row.user_id);
        const outcome = await deliver(row, item, effect, { user, balance, reply: (text) => say(`@${row.username} ${text}`), say });
        await say(outcome.ok ? `@${row.username} your ${row.reward} (order #${row.id}) is delivered now, after a restart of the bot.` : `@${row.username} ${outcome.message}`);
      } catch (err) {
        ctx.log.error(`${what} could not be resumed or refunded: ${(err as Error).message}; see the Shop page`);
      }
    }
  }

  // ------------------------------------------------------------------ the queue

  async function redemptionById(id: number): Promise<Redemption | undefined> {
    const r = await getRow(undefined, id);
    return r && toRedemption(r);
  }

  async function redemptions(query: RedemptionQuery = {}): Promise<Redemption[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.status) {
      where.push('status = ?');
      params.push(query.status);
    }
    if (query.userId) {
      where.push('user_id = ?');
      params.push(query.userId);
    }
    if (query.itemId) {
      where.push('item_id = ?');
      params.push(query.itemId);
    }
    if (query.before !== undefined) {
      where.push('id < ?');
      params.push(query.before);
    }
    const limit = Math.min(500, Math.max(1, Math.floor(query.limit ?? 50)));
    const rows = await ctx.db.all<RedemptionRow>(`SELECT * FROM shop_redemptions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`, params);
    return rows.map(toRedemption);
  }

  async function fulfil(id: number, actor: string): Promise<Redemption> {
    const now = ctx.clock.now();
    const row = await ctx.db.transaction(async (tx) => {
      const r = await getRow(tx, id);
      if (!r) throw new ShopFailure('NOT_FOUND', `there is no order #${id}`);
      if (r.status !== 'pending') throw new ShopFailure('NOT_PENDING', `order #${id} is ${r.status}, not pending`);
      await tx.run("UPDATE shop_redemptions SET status = 'fulfilled', fulfilled_at = ?, updated_at = ?, handled_by = ? WHERE id = ?", [now, now, actor, id]);
      return getRow(tx, id);
    });
    const r = toRedemption(row as RedemptionRow);
    emit(r);
    return r;
  }

  async function refund(id: number, options: { reason: string; actor: string }): Promise<Redemption> {
    const now = ctx.clock.now();
    const reason = options.reason.trim().slice(0, 200) || 'refunded';
    const row = await economy.transaction(async (tx, eco) => {
      const r = await getRow(tx, id);
      if (!r) throw new ShopFailure('NOT_FOUND', `there is no order #${id}`);
      if (r.status === 'refunded') throw new ShopFailure('ALREADY_REFUNDED', `order #${id} was already refunded`);
      await tx.run("UPDATE shop_redemptions SET status = 'refunded', refund_reason = ?, handled_by = ?, refunded_at = ?, updated_at = ? WHERE id = ?", [reason, options.actor, now, now, id]);
      if (r.cost > 0) {
        // The key makes the credit happen once, whatever retries or races come.
        await eco.credit(r.user_id, r.cost, { reason: `refund of ${r.reward} (order #${id}): ${reason}`, source: 'shop', key: `shop:refund:${id}`, actor: options.actor, allowExcluded: true });
      }
      await tx.run('UPDATE shop_stock SET remaining = remaining + ?, updated_at = ? WHERE item_id = ?', [r.quantity, now, r.item_id]);
      await tx.run('UPDATE shop_user_limits SET bought = max(0, bought - ?) WHERE user_id = ? AND item_id = ?', [r.quantity, r.user_id, r.item_id]);
      return getRow(tx, id);
    });
    const out = toRedemption(row as RedemptionRow);
    emit(out);
    return out;
  }

  async function restock(itemId: string, remaining: number): Promise<void> {
    const item = byId.get(itemId);
    if (!item) throw new ShopFailure('UNKNOWN_ITEM', `there is no item "${itemId}"`);
    if (item.stock === undefined) throw new ShopFailure('INVALID', `${item.name} has no stock (unlimited); set "stock" in its settings first`);
    if (!Number.isSafeInteger(remaining) || remaining < 0) throw new ShopFailure('INVALID', 'the stock is a whole number, 0 or more');
    await ctx.db.run(
      'INSERT INTO shop_stock (item_id, remaining, configured, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET remaining = excluded.remaining, updated_at = excluded.updated_at',
      [itemId, remaining, item.stock, ctx.clock.now()],
    );
  }

  async function syncStock(): Promise<void> {
    const now = ctx.clock.now();
    // Usually nothing changed: look on the reader first, so a start or reload does not queue behind the writer.
    const configured = new Map((await ctx.db.all<{ item_id: string; configured: number }>('SELECT item_id, configured FROM shop_stock')).map((r) => [r.item_id, r.configured]));
    if (items.every((i) => i.stock === undefined || configured.get(i.id) === i.stock)) return;
    await ctx.db.transaction(async (tx) => {
      for (const item of items) {
        if (item.stock === undefined) continue;
        const row = await tx.get<{ configured: number }>('SELECT configured FROM shop_stock WHERE item_id = ?', [item.id]);
        if (!row) await tx.run('INSERT INTO shop_stock (item_id, remaining, configured, updated_at) VALUES (?, ?, ?, ?)', [item.id, item.stock, item.stock, now]);
        else if (row.configured !== item.stock) {
          await tx.run('UPDATE shop_stock SET remaining = ?, configured = ?, updated_at = ? WHERE item_id = ?', [item.stock, item.stock, now, item.id]);
          ctx.log.info(`${item.name} restocked to ${item.stock} (its stock changed in the config)`);
        }
      }
    });
  }

  async function stats(days = 14): Promise<SalesStats> {
    const n = Math.min(365, Math.max(1, Math.floor(days)));
    const today = Math.floor(ctx.clock.now() / DAY_MS) * DAY_MS;
    const since = today - (n - 1) * DAY_MS;
    const perDay = await ctx.db.all<{ day: string; orders: number; units: number; tokens: number }>(
      `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day, count(*) AS orders, sum(quantity) AS units, sum(cost) AS tokens
       FROM shop_redemptions WHERE status != 'refunded' AND created_at >= ? GROUP BY day`,
      [since],
    );
    const found = new Map(perDay.map((d) => [d.day, d]));
    const out: SalesStats['days'][number][] = [];
    for (let t = since; t <= today; t += DAY_MS) {
      const day = new Date(t).toISOString().slice(0, 10);
      const d = found.get(day);
      out.push({ day, orders: d?.orders ?? 0, units: d?.units ?? 0, tokens: d?.tokens ?? 0 });
    }
    const perItem = await ctx.db.all<{ item_id: string; reward: string; orders: number; units: number; tokens: number }>(
      `SELECT item_id, max(reward) AS reward, count(*) AS orders, sum(quantity) AS units, sum(cost) AS tokens
       FROM shop_redemptions WHERE status != 'refunded' AND created_at >= ? GROUP BY item_id ORDER BY tokens DESC, orders DESC`,
      [since],
    );
    const totals = await ctx.db.get<{ orders: number; tokens: number | null; pending: number; refunded: number }>(
      `SELECT sum(status != 'refunded') AS orders, sum(CASE WHEN status != 'refunded' THEN cost ELSE 0 END) AS tokens,
              sum(status = 'pending') AS pending, sum(status = 'refunded') AS refunded FROM shop_redemptions`,
    );
    return {
      days: out,
      items: perItem.map((r) => ({ itemId: r.item_id, reward: byId.get(r.item_id)?.name ?? r.reward, orders: r.orders, units: r.units, tokens: r.tokens })),
      totals: { orders: totals?.orders ?? 0, tokens: totals?.tokens ?? 0, pending: totals?.pending ?? 0, refunded: totals?.refunded ?? 0 },
    };
  }

  return {
    items,
    views,
    view,
    find: (text) => findItem(items, text),
    problems,
    purchase,
    redemption: redemptionById,
    redemptions,
    fulfil,
    refund,
    restock,
    stats,
    syncStock,
    resumeInterrupted,
    onRedemption: (owner, fn) => listeners.on(owner, fn),
  };
}
