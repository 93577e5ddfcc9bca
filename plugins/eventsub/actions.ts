// What an event does: tokens and XP through the economy (each credit with a key taken from the event), a shop
// effect, a mini-game, a chat line. The event's key is recorded in eventsub_events in the same transaction as
// the credits, so a redelivered event (also after a restart) finds its key and does nothing.
import type { MinigamesService } from '../minigames/service.ts';
import type { PluginContext, SqlTx } from '../../core/types.ts';
import { isEconomyError, type EconomyService, type EconomyTx } from '../economy/service.ts';
import type { ShopService } from '../shop/service.ts';
import { describe, type BotEvent } from './events.ts';
import type { EventAction, EventSubConfig, RewardConfig } from './settings.ts';

/**
 * The mini-games plugin's service as this plugin uses it (being built in parallel; declared here, minimal).
 * `start` throws, or returns `{ ok: false, reason }`, when the game cannot start.
 */

export type OutcomeStatus = 'done' | 'failed' | 'duplicate' | 'skipped';

export interface Outcome {
  readonly status: OutcomeStatus;
  /** What was done, for the log and the dashboard ("+50 tokens", "effect cookie", "said ..."). */
  readonly did: readonly string[];
  /** Why it failed or was skipped. */
  readonly reason?: string;
  /** The reward configured for a redemption (undefined: not one of ours). */
  readonly reward?: RewardConfig;
}

export interface ActionDeps {
  readonly ctx: PluginContext<EventSubConfig>;
  readonly economy: EconomyService;
  readonly shop: () => ShopService | undefined;
  readonly games: () => MinigamesService | undefined;
  /** The channel chat lines go to. */
  readonly channel: () => string | undefined;
}

export function findReward(rewards: readonly RewardConfig[], title: string): RewardConfig | undefined {
  const t = title.trim().toLowerCase();
  return rewards.find((r) => r.title.trim().toLowerCase() === t);
}

/** The configured action of an event and the amounts it gives (per gift, per 100 bits, per raiding viewer). */
function amounts(config: EventSubConfig, e: BotEvent, reward: RewardConfig | undefined): { action: EventAction | undefined; tokens: number; xp: number } {
  const scaled = (a: EventAction | undefined, times: number, max?: number) => {
    const cap = (n: number) => (max === undefined ? n : Math.min(n, max));
    return { action: a, tokens: cap((a?.tokens ?? 0) * times), xp: cap((a?.xp ?? 0) * times) };
  };
  switch (e.type) {
    case 'redemption':
      return scaled(reward, 1);
    case 'follow':
      return scaled(config.follow, 1);
    case 'subscribe':
    case 'resub':
      return scaled(config.subscribe, 1);
    case 'gift':
      return scaled(config.gift, e.count);
    case 'cheer':
      return scaled(config.cheer, Math.floor(e.bits / 100));
    case 'raid':
      return scaled(config.raid, e.viewers, config.raid?.max);
  }
}

function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (values[key] === undefined ? whole : String(values[key])));
}

/** Twitch reads a line that starts with `/` or `.` as a chat command: what a viewer typed never may. */
function notACommand(text: string): string {
  return /^\s*[/.]/.test(text) ? `» ${text.trim()}` : text;
}

class ActionFailed extends Error {}

interface CreditPlan {
  readonly kind: 'credit' | 'side';
  readonly reward: RewardConfig | undefined;
  readonly action: EventAction;
  readonly tokens: number;
  readonly xp: number;
}

type Plan = { readonly kind: 'skip'; readonly reason: string } | CreditPlan;

export function createActions(deps: ActionDeps) {
  const { ctx, economy } = deps;

  async function record(tx: SqlTx, e: BotEvent, status: string, detail: string): Promise<boolean> {
    const r = await tx.run(
      'INSERT OR IGNORE INTO eventsub_events (key, type, test, user_id, login, summary, status, detail, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [e.key, e.type, e.test ? 1 : 0, e.user.id, e.user.login, describe(e), status, detail, ctx.clock.now()],
    );
    return r.changes > 0;
  }

  async function finish(tx: SqlTx, e: BotEvent, status: OutcomeStatus, detail: string): Promise<void> {
    await tx.run('UPDATE eventsub_events SET status = ?, detail = ? WHERE key = ?', [status, detail, e.key]);
  }

  /** What crediting these amounts does, in the words of the log and the dashboard. */
  function planned(tokens: number, xp: number): string[] {
    return [...(tokens > 0 ? [`+${economy.format(tokens)}`] : []), ...(xp > 0 ? [`+${xp} XP`] : [])];
  }

  async function credit(eco: EconomyTx, e: BotEvent, tokens: number, xp: number, did: string[]): Promise<void> {
    const reason = `${describe(e)}${e.test ? ' (test event)' : ''}`;
    const account = await eco.getAccount(e.user.id);
    if (account?.excluded) throw new ActionFailed(`${e.user.login} is excluded from the economy`);
    try {
      const [tokensDone, xpDone] = [planned(tokens, 0)[0], planned(0, xp)[0]];
      if (tokensDone) {
        await eco.credit(e.user.id, tokens, { reason, source: 'eventsub', key: `eventsub:${e.key}:tokens` });
        did.push(tokensDone);
      }
      if (xpDone) {
        await eco.addXp(e.user.id, xp, { reason, source: 'eventsub', key: `eventsub:${e.key}:xp` });
        did.push(xpDone);
      }
    } catch (err) {
      if (isEconomyError(err)) throw new ActionFailed(`the economy refused the credit: ${err.message}`);
      throw err;
    }
  }

  /** The shop item's effect, paid with channel points (no tokens charged); the purchase key makes it run once. */
  async function runEffect(e: BotEvent & { type: 'redemption' }, item: string, did: string[]): Promise<void> {
    const shop = deps.shop();
    if (!shop) throw new ActionFailed(`effect "${item}" needs the shop plugin, which is not running`);
    const outcome = await shop.purchase({
      user: e.user,
      item,
      input: e.input,
      key: `eventsub:${e.key}`,
      via: 'channel_points',
      paidWith: 'channel_points',
      ...(deps.channel() ? { channel: deps.channel() } : {}),
    });
    if (!outcome.ok) throw new ActionFailed(`effect "${item}": ${outcome.message}`);
    did.push(`effect ${outcome.item.id}`);
  }

  async function startGame(e: BotEvent & { type: 'redemption' }, game: string, did: string[]): Promise<void> {
    const games = deps.games();
    if (!games) throw new ActionFailed(`game "${game}" needs the minigames plugin, which is not running`);
    const channel = deps.channel();
    if (!channel) throw new ActionFailed('no chat channel to start the game in');
    try {
      // The viewer who redeemed starts it: the history and the game's first line name them.
      await games.start({ type: game, channel, startedBy: { kind: 'viewer', id: e.user.id, login: e.user.login, name: e.user.displayName } });
    } catch (err) {
      // GAME_RUNNING, UNKNOWN_GAME, BAD_OPTIONS: the redemption is cancelled, so Twitch refunds the points.
      throw new ActionFailed(`game "${game}" did not start: ${(err as Error).message}`);
    }
    did.push(`game ${game}`);
  }

  async function say(e: BotEvent, template: string | undefined, tokens: number, xp: number, did: string[]): Promise<void> {
    const channel = deps.channel();
    if (!template || !channel) return;
    const values: Record<string, string | number> = { user: e.user.displayName, tokens: economy.format(tokens), xp };
    if (e.type === 'redemption') Object.assign(values, { input: e.input, reward: e.reward });
    if (e.type === 'cheer') values.bits = e.bits;
    if (e.type === 'raid') values.viewers = e.viewers;
    if (e.type === 'gift') values.count = e.count;
    if (e.type === 'resub') values.months = e.months;
    if (e.type === 'subscribe' || e.type === 'resub' || e.type === 'gift') values.tier = Number(e.tier) / 1000 || e.tier;
    const text = notACommand(fill(template, values)).slice(0, 500);
    try {
      await ctx.chat.say(channel, text);
      did.push(`said "${text}"`);
    } catch (err) {
      ctx.log.warn(`could not say the line for "${describe(e)}": ${(err as Error).message}`);
    }
  }

  /** What an event calls for: nothing (and why), side effects first (an effect or a game), or credits only. */
  function plan(e: BotEvent): Plan {
    const reward = e.type === 'redemption' ? findReward(ctx.config.rewards, e.reward) : undefined;
    if (e.type === 'redemption' && !reward) return { kind: 'skip', reason: `no reward titled "${e.reward}" in plugins.eventsub.rewards` };
    if (e.type === 'subscribe' && e.gifted) return { kind: 'skip', reason: 'a gifted sub: the gifter is credited by the gift event' };
    const { action, tokens, xp } = amounts(ctx.config, e, reward);
    if (!action) return { kind: 'skip', reason: `plugins.eventsub.${e.type === 'resub' ? 'subscribe' : e.type} is not set` };
    const sideFirst = e.type === 'redemption' && !!(reward?.effect || reward?.game);
    return { kind: sideFirst ? 'side' : 'credit', reward, action, tokens, xp };
  }

  /**
   * Acts on one event, once. A redemption with an effect or a game claims its key first and runs those before
   * crediting (they can fail for reasons outside the bot, and then nothing is credited and the redemption is
   * canceled); otherwise the claim and the credits are one transaction.
   */
  async function run(e: BotEvent): Promise<Outcome> {
    const p = plan(e);
    if (p.kind === 'skip') return skip(e, p.reason);
    const { reward, action, tokens, xp } = p;
    const did: string[] = [];
    await ctx.users.ensure({ id: e.user.id, login: e.user.login, displayName: e.user.displayName });
    const sideFirst = p.kind === 'side';
    try {
      if (sideFirst && e.type === 'redemption') {
        const claimed = await ctx.db.transaction((tx) => record(tx, e, 'processing', ''));
        if (!claimed) return { status: 'duplicate', did, reward };
        if (reward?.effect) await runEffect(e, reward.effect, did);
        if (reward?.game) await startGame(e, reward.game, did);
      }
      const fresh = await economy.transaction(async (tx, eco) => {
        if (!sideFirst && !(await record(tx, e, 'processing', ''))) return false;
        await credit(eco, e, tokens, xp, did);
        await finish(tx, e, 'done', did.join(', '));
        return true;
      });
      if (!fresh) return { status: 'duplicate', did, reward };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      // The failure is recorded under the same key: a redelivery of a failed event does not act either.
      await ctx.db.transaction(async (tx) => {
        if (!(await record(tx, e, 'failed', reason))) await finish(tx, e, 'failed', reason);
      });
      if (!(err instanceof ActionFailed)) ctx.log.error(`acting on "${describe(e)}" failed`, { err: err as Error });
      return { status: 'failed', did, reason, reward };
    }
    await say(e, action.say, tokens, xp, did);
    if (did.length) await ctx.db.run('UPDATE eventsub_events SET detail = ? WHERE key = ?', [did.join(', '), e.key]);
    return { status: 'done', did, reward };
  }

  /**
   * Acts on events that arrived together (a storm) in one economy transaction instead of one each, with a
   * few statements per batch for this plugin's own rows: one read of the keys already seen, one insert of
   * the new ones (each event keeps its own key, and its credits theirs, so each still acts once, also across
   * a restart). An event the economy refuses before anything was credited (an excluded viewer) is marked
   * failed alone; any other failure undoes the whole batch, which is then acted on one by one (run), so no
   * event is lost or paid twice. Events with an effect or a game run one by one after the batch.
   */
  async function runMany(events: readonly BotEvent[]): Promise<Outcome[]> {
    if (events.length === 1) return [await run(events[0]!)];
    const plans = events.map(plan);
    const out: Outcome[] = new Array<Outcome>(events.length);
    const batch = events.flatMap((e, i) => (plans[i]!.kind === 'side' ? [] : [i]));
    const users = new Map(batch.flatMap((i) => (plans[i]!.kind === 'credit' ? [[events[i]!.user.id, events[i]!.user] as const] : [])));
    await ctx.users.ensureMany([...users.values()]);
    try {
      const done = batch.length ? await economy.transaction((tx, eco) => inOneTransaction(tx, eco, events, plans, batch)) : new Map<number, Outcome>();
      for (const [i, o] of done) out[i] = o;
    } catch (err) {
      ctx.log.warn(`a batch of ${batch.length} events failed (${(err as Error).message}): acting on them one by one`);
      for (const i of batch) out[i] = await run(events[i]!);
      batch.length = 0;
    }
    const said: number[] = [];
    for (const i of batch) {
      const p = plans[i]!;
      const o = out[i]!;
      if (o.status !== 'done' || p.kind !== 'credit') continue;
      const before = o.did.length;
      await say(events[i]!, p.action.say, p.tokens, p.xp, o.did as string[]);
      if (o.did.length > before) said.push(i);
    }
    if (said.length) {
      await ctx.db.transaction(async (tx) => {
        for (const i of said) await tx.run('UPDATE eventsub_events SET detail = ? WHERE key = ?', [out[i]!.did.join(', '), events[i]!.key]);
      });
    }
    for (const [i, p] of plans.entries()) if (p.kind === 'side') out[i] = await run(events[i]!);
    return out;
  }

  async function inOneTransaction(tx: SqlTx, eco: EconomyTx, events: readonly BotEvent[], plans: readonly Plan[], batch: readonly number[]): Promise<Map<number, Outcome>> {
    const r = new Map<number, Outcome>();
    const keys = batch.map((i) => events[i]!.key);
    const seen = new Set((await tx.all<{ key: string }>(`SELECT key FROM eventsub_events WHERE key IN (${keys.map(() => '?').join(', ')})`, keys)).map((row) => row.key));
    const fresh: number[] = [];
    for (const i of batch) {
      const e = events[i]!;
      // Already acted on, or twice in this batch (a redelivery right behind the first delivery).
      if (seen.has(e.key)) r.set(i, { status: 'duplicate', did: [], ...(plans[i]!.kind === 'skip' ? {} : { reward: (plans[i] as CreditPlan).reward }) });
      else fresh.push(i);
      seen.add(e.key);
    }
    const now = ctx.clock.now();
    // Recorded as done with what the credits will say; an event whose credit is refused is updated to failed.
    const rows = fresh.map((i) => {
      const e = events[i]!;
      const p = plans[i]!;
      const [status, detail] = p.kind === 'skip' ? ['skipped', p.reason] : ['done', planned(p.tokens, p.xp).join(', ')];
      return [e.key, e.type, e.test ? 1 : 0, e.user.id, e.user.login, describe(e), status, detail, now];
    });
    if (rows.length) await tx.insertMany('eventsub_events', ['key', 'type', 'test', 'user_id', 'login', 'summary', 'status', 'detail', 'received_at'], rows);
    for (const i of fresh) {
      const e = events[i]!;
      const p = plans[i]!;
      if (p.kind === 'skip') {
        r.set(i, { status: 'skipped', did: [], reason: p.reason });
        continue;
      }
      const did: string[] = [];
      try {
        await credit(eco, e, p.tokens, p.xp, did);
      } catch (err) {
        // Something was credited before the failure (its change event is already queued): undo the batch instead.
        if (!(err instanceof ActionFailed) || did.length) throw err;
        await finish(tx, e, 'failed', err.message);
        r.set(i, { status: 'failed', did, reason: err.message, reward: p.reward });
        continue;
      }
      r.set(i, { status: 'done', did, reward: p.reward });
    }
    return r;
  }

  async function skip(e: BotEvent, reason: string): Promise<Outcome> {
    const fresh = await ctx.db.transaction((tx) => record(tx, e, 'skipped', reason));
    return fresh ? { status: 'skipped', did: [], reason } : { status: 'duplicate', did: [] };
  }

  return { run, runMany };
}

export type Actions = ReturnType<typeof createActions>;
