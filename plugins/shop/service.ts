// The shop's public face: the types other plugins code against to provide effects, read the catalog and
// work the redemption queue. Types only (plus one pure helper); the implementation is in the other files.
//
// A plugin that provides an effect lists `shop` in `optionalDependsOn` (or `dependsOn`) and calls
//   ctx.optionalService('shop')?.provideEffect(ctx, 'confetti', async ({ user, quantity, reply }) => { … });
// The registration belongs to that plugin's ctx and goes away when it unloads.
// A plugin the shop itself depends on (the economy) cannot do that without a dependency cycle: it offers its
// effects on its own service as `shopEffects` instead, and the shop registers them (see README).
import type { Owner, Permission, SqlTx } from '../../core/types.ts';

/** Who may buy: the bot's permission levels. */
export type ShopRole = Permission;
export type RedemptionStatus = 'pending' | 'fulfilled' | 'refunded';

/** One catalog entry, as configured (`plugins.shop.items.<id>`), with its id. */
export interface ShopItem {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Tokens for one unit. */
  readonly cost: number;
  readonly category: string;
  /** Name of the effect that delivers it (`highlight`, `shoutout`, `manual`, `none`, or a plugin's). */
  readonly effect: string;
  /** The effect's settings for this item. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly enabled: boolean;
  /** Units in the shop when the stock was last set; undefined: unlimited. */
  readonly stock?: number;
  /** Units one viewer may ever buy (refunds give them back); undefined: no limit. */
  readonly perUserLimit?: number;
  /** Seconds a viewer waits between two purchases of this item. */
  readonly cooldown?: number;
  /** Who may buy it: a viewer needs one of these (the broadcaster always may). */
  readonly roles: readonly ShopRole[];
  /** Most units in one purchase. */
  readonly maxPerPurchase: number;
}

/** An item with what the shop knows right now. */
export interface ShopItemView extends ShopItem {
  /** Enabled, its effect is provided and its params are fine. */
  readonly available: boolean;
  /** Why it is not available (disabled, effect missing, bad params). */
  readonly unavailableReason?: string;
  /** Units left; undefined when unlimited. */
  readonly remaining?: number;
  /** Plugin providing its effect, if any. */
  readonly effectProvider?: string;
}

export interface Redemption {
  readonly id: number;
  readonly userId: string;
  /** Login at the time of the purchase. */
  readonly username: string;
  readonly itemId: string;
  /** Item name at the time of the purchase. */
  readonly reward: string;
  readonly quantity: number;
  /** Tokens paid in all. */
  readonly cost: number;
  readonly effect: string;
  /** What the buyer typed after the item (a message, a name), or ''. */
  readonly input: string;
  readonly status: RedemptionStatus;
  readonly refundReason: string | null;
  /** Who fulfilled or refunded it: a user id, `dashboard`, `shop` (automatic), a plugin. */
  readonly handledBy: string | null;
  /** Where it was bought: `chat` or `api`. */
  readonly via: string;
  readonly channel: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly fulfilledAt: number | null;
  readonly refundedAt: number | null;
}

/** The buyer, as effects see them. */
export interface ShopBuyer {
  readonly id: string;
  readonly login: string;
  readonly displayName: string;
}

/** What an effect handler receives: one committed (paid) redemption to deliver. */
export interface EffectCall {
  readonly redemption: Redemption;
  readonly item: ShopItem;
  /** The item's `params` for this effect. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly user: ShopBuyer;
  readonly quantity: number;
  /** What the buyer typed after the item and quantity ('' when nothing). */
  readonly input: string;
  /** Answers the buyer (threaded under their `!buy`, or in the channel for purchases made from the dashboard). */
  reply(text: string): Promise<void>;
  /** Says something in the channel of the purchase. */
  say(text: string): Promise<void>;
  /** Aborted when the effect timed out or the shop unloads. */
  readonly signal: AbortSignal;
}

/**
 * What a handler returns:
 * - nothing, `true` or `{ status: 'fulfilled' }`: delivered; the redemption is fulfilled;
 * - `{ status: 'pending' }`: the streamer delivers it; it waits in the redemption queue;
 * - `false` or `{ ok: false, reason }`: not delivered; the buyer is refunded and told the reason.
 * Throwing (or running past the shop's `effectTimeout`) counts as a failure and refunds too.
 */
export type EffectResult =
  | void
  | boolean
  | { readonly ok?: true; readonly status?: 'fulfilled' | 'pending'; readonly message?: string }
  | { readonly ok: false; readonly reason: string };

export type EffectHandler = (call: EffectCall) => EffectResult | Promise<EffectResult>;

/**
 * The JSON schema of an effect's params (an object's properties): the Shop page's catalog form renders one
 * labelled input per property (`title` as label, `description` as help; a string named `message` gets a
 * text area), and saving the catalog checks the params against it.
 */
export interface EffectParamsSchema {
  readonly type: 'object';
  readonly properties?: Readonly<Record<string, EffectParamSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
}

/** One param: a string, number, integer, boolean, enum or list of strings (anything else is edited as JSON). */
export interface EffectParamSchema {
  readonly type?: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
  readonly title?: string;
  readonly description?: string;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly default?: unknown;
  readonly items?: EffectParamSchema;
}

export interface EffectOptions {
  /** One line for the dashboard, e.g. "Posts the buyer's message in chat". */
  readonly description?: string;
  /** What `params` an item of this effect takes (see EffectParamsSchema); checked when the catalog is saved. */
  readonly paramsSchema?: EffectParamsSchema;
  /** Checks an item's params when the catalog is loaded; a returned text is a config error naming the item. */
  readonly checkParams?: (params: Readonly<Record<string, unknown>>, item: ShopItem) => string | undefined;
  /**
   * Checks what the buyer typed before anything is charged (e.g. a message is required); a returned text is
   * told to the buyer and nothing happens.
   */
  readonly checkInput?: (input: string, params: Readonly<Record<string, unknown>>, item: ShopItem) => string | undefined;
}

/** An effect a dependency offers on its service as `shopEffects` (see README): a handler, or one with options. */
export type OfferedEffect = EffectHandler | (EffectOptions & { readonly run: EffectHandler });

export interface EffectInfo {
  readonly name: string;
  /** Plugin that provides it. */
  readonly provider: string;
  readonly description: string;
  /** Its params' schema, when the provider gave one. */
  readonly paramsSchema?: EffectParamsSchema;
}

/** A configuration problem of the catalog, shown in the log, on the plugin and on the Shop page. */
export interface CatalogProblem {
  readonly item: string;
  readonly message: string;
}

export type PurchaseErrorCode =
  | 'UNKNOWN_ITEM'
  | 'UNAVAILABLE'
  | 'NOT_ALLOWED'
  | 'INVALID_QUANTITY'
  | 'INVALID_INPUT'
  | 'UNKNOWN_USER'
  | 'ACCOUNT_EXCLUDED'
  | 'OUT_OF_STOCK'
  | 'LIMIT_REACHED'
  | 'COOLDOWN'
  | 'INSUFFICIENT_FUNDS';

export interface PurchaseRequest {
  /** The buyer. `roles` are checked against the item's roles when given (chat); the dashboard acts for the streamer. */
  readonly user: ShopBuyer & { readonly roles?: readonly string[] };
  /** Item id or name (case-insensitive; a unique start of a name works too). */
  readonly item: string;
  readonly quantity?: number;
  readonly input?: string;
  /** An idempotency key: a purchase with a key already used returns the first purchase's result. */
  readonly key?: string;
  readonly via?: 'chat' | 'api' | 'channel_points';
  /**
   * Paid some other way (a channel-point redemption, by the eventsub plugin): no tokens are debited and the
   * order is recorded at cost 0; stock, limits, cooldowns and the effect apply as usual.
   */
  readonly paidWith?: 'channel_points';
  readonly channel?: string;
  /** How the effect answers the buyer; default: says it in `channel` (or the bot's first channel). */
  readonly reply?: (text: string) => Promise<void>;
  /**
   * Stores the buyer's confirmation with the order's outcome, inside the transaction that records it (e.g.
   * `(tx, outcome) => call.confirm(tx, text)`): sent after that commit, and after a restart if a crash came
   * between. Not called for a refused, refunded or replayed purchase.
   */
  readonly confirm?: (tx: SqlTx, outcome: PurchaseSuccess) => Promise<void>;
}

export type PurchaseOutcome =
  /** The effect delivered it (fulfilled), or it waits for the streamer (pending). */
  | { readonly ok: true; readonly redemption: Redemption; readonly balance: number; readonly item: ShopItemView; readonly replayed: boolean; readonly message?: string }
  /** Nothing was charged, or the effect failed and the buyer was refunded (`refunded` is then the redemption). */
  | { readonly ok: false; readonly code: PurchaseErrorCode | 'EFFECT_FAILED'; readonly message: string; readonly refunded?: Redemption; readonly balance?: number; readonly retryInMs?: number };

export type PurchaseSuccess = Extract<PurchaseOutcome, { ok: true }>;

export interface RedemptionQuery {
  readonly status?: RedemptionStatus;
  readonly userId?: string;
  readonly itemId?: string;
  /** Newest first; default 50, at most 500. */
  readonly limit?: number;
  /** A redemption id, for paging back. */
  readonly before?: number;
}

export interface SalesStats {
  /** One row per day (UTC), oldest first: purchases not refunded, units and tokens. */
  readonly days: readonly { readonly day: string; readonly orders: number; readonly units: number; readonly tokens: number }[];
  readonly items: readonly { readonly itemId: string; readonly reward: string; readonly orders: number; readonly units: number; readonly tokens: number }[];
  readonly totals: { readonly orders: number; readonly tokens: number; readonly pending: number; readonly refunded: number };
}

export type ShopErrorCode = 'NOT_FOUND' | 'ALREADY_REFUNDED' | 'NOT_PENDING' | 'UNKNOWN_ITEM' | 'EFFECT_TAKEN' | 'INVALID';

/** Errors the shop's service throws on purpose carry a `code`; compare codes, not classes. */
export interface ShopError extends Error {
  readonly code: ShopErrorCode;
}

export function isShopError<C extends ShopErrorCode>(err: unknown, code?: C): err is ShopError & { code: C } {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown; name?: unknown }).code;
  return (err as { name?: unknown }).name === 'ShopError' && typeof c === 'string' && (code === undefined || c === code);
}

export interface ShopService {
  /**
   * Provides an effect by name. `owner` is the providing plugin's ctx: the effect is removed when it unloads
   * (or when the returned function is called). A name already provided by another plugin throws EFFECT_TAKEN.
   */
  provideEffect(owner: Owner, name: string, handler: EffectHandler, options?: EffectOptions): () => void;
  effects(): EffectInfo[];
  /** The catalog with availability and stock left, in the configured order. */
  items(): Promise<ShopItemView[]>;
  /** An item by id or name (case-insensitive; a unique start of a name). */
  findItem(text: string): ShopItem | undefined;
  /** Buys, in one transaction (debit, stock, limits, redemption row), then runs the effect. */
  purchase(request: PurchaseRequest): Promise<PurchaseOutcome>;
  redemption(id: number): Promise<Redemption | undefined>;
  redemptions(query?: RedemptionQuery): Promise<Redemption[]>;
  /** Marks a pending redemption done. Throws NOT_FOUND or NOT_PENDING. */
  fulfil(id: number, actor: string): Promise<Redemption>;
  /** Gives the tokens back (idempotent), returns the stock and the buyer's limit. Throws NOT_FOUND or ALREADY_REFUNDED. */
  refund(id: number, options: { reason: string; actor: string }): Promise<Redemption>;
  /** Sets the units left of an item with a stock. */
  restock(itemId: string, remaining: number): Promise<void>;
  stats(days?: number): Promise<SalesStats>;
  /** Catalog problems right now: enabled items whose effect no loaded plugin provides, or whose params it rejects. */
  problems(): readonly CatalogProblem[];
  /**
   * Called with a redemption's new state: bought (once its effect has run: pending, fulfilled, or refunded when
   * the effect failed), then fulfilled or refunded by the streamer. Removed when `owner` unloads.
   */
  onRedemption(owner: Owner, fn: (redemption: Redemption) => void | Promise<void>): () => void;
}

declare module '../../core/types.ts' {
  interface PluginServices {
    shop: ShopService;
  }
}
