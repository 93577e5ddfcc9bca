// The catalog: its config schema (one schema for the YAML, ctx.config's type and the dashboard's editor),
// the bakery it ships with, and finding an item from what a viewer typed.
import { PERMISSIONS } from '../../core/define.ts';
import type { ShopItem } from './service.ts';

export const ITEM_ID = '^[a-z0-9][a-z0-9_-]{0,31}$';
export const EFFECT_NAME = '^[a-z][a-z0-9_]{0,31}$';

export const ITEM_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'cost', 'effect'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 40, description: 'Shown in !shop and on receipts.' },
    description: { type: 'string', maxLength: 200, default: '', description: 'One line for the Shop page and !shop <category>.' },
    cost: { type: 'integer', minimum: 0, maximum: 1000000, description: 'Tokens for one unit (0: free).' },
    category: { type: 'string', minLength: 1, maxLength: 24, pattern: '^\\S+$', default: 'treats', description: 'One word; !shop <category> lists it.' },
    effect: { type: 'string', pattern: EFFECT_NAME, description: 'What buying it does: highlight, shoutout, manual, none, or an effect a plugin provides.' },
    params: { type: 'object', default: {}, description: "The effect's settings for this item (see the shop's README)." },
    enabled: { type: 'boolean', default: true },
    stock: { type: 'integer', minimum: 0, description: 'Units for sale; leave out for unlimited. Changing it restocks.' },
    perUserLimit: { type: 'integer', minimum: 1, description: 'Units one viewer may ever buy; leave out for no limit.' },
    cooldown: { type: 'number', minimum: 0, description: 'Seconds a viewer waits between two purchases of this item.' },
    roles: {
      type: 'array',
      items: { type: 'string', enum: PERMISSIONS },
      minItems: 1,
      uniqueItems: true,
      default: ['everyone'],
      description: 'Who may buy it (any of these; the broadcaster always may).',
    },
    maxPerPurchase: { type: 'integer', minimum: 1, maximum: 100, default: 10, description: 'Most units in one !buy.' },
  },
} as const;

// The bakery the shop opens with. Items whose effect belongs to a plugin that may not be there yet
// (xp_boost: the economy; start_game: the mini-games) ship disabled: enabling one is a single line.
export const DEFAULT_ITEMS = {
  cookie: {
    name: 'Chocolate Chip Cookie',
    description: 'Warm, gooey, fresh from the oven.',
    cost: 10,
    category: 'treats',
    effect: 'highlight',
    params: { message: '🍪 {user} munches {quantity} warm chocolate chip cookie{s}. Crumbs everywhere!' },
    maxPerPurchase: 12,
  },
  croissant: {
    name: 'Butter Croissant',
    description: 'Flaky, buttery, 27 layers of joy.',
    cost: 25,
    category: 'treats',
    effect: 'highlight',
    params: { message: '🥐 {user} tears into {quantity} flaky butter croissant{s}. So. Many. Layers.' },
    maxPerPurchase: 5,
  },
  bakers_dozen: {
    name: "Baker's Dozen",
    description: '13 cookies for the price of 12, shared with chat.',
    cost: 120,
    category: 'treats',
    effect: 'highlight',
    params: { message: "🍪×13 {user} brought a baker's dozen for everyone! Chat, grab one while they're warm." },
    maxPerPurchase: 1,
    cooldown: 300,
  },
  frosted_message: {
    name: 'Frosted Message',
    description: 'Your message, iced and sprinkled, posted by the bot.',
    cost: 50,
    category: 'chat',
    effect: 'highlight',
    params: { message: '✨ {user} says: {input} ✨' },
    maxPerPurchase: 1,
    cooldown: 60,
  },
  shoutout_baguette: {
    name: 'Shoutout Baguette',
    description: 'A crusty shoutout for you or a friend: !buy baguette @friend',
    cost: 150,
    category: 'chat',
    effect: 'shoutout',
    params: {},
    maxPerPurchase: 1,
    cooldown: 600,
  },
  sourdough_starter: {
    name: 'Sourdough Starter',
    description: 'Adopt the stream\'s sourdough starter: the streamer names it after you.',
    cost: 500,
    category: 'specials',
    effect: 'manual',
    params: {},
    stock: 1,
    perUserLimit: 1,
    maxPerPurchase: 1,
  },
  golden_loaf: {
    name: 'Golden Loaf',
    description: 'Pick what the streamer bakes next (subs and VIPs).',
    cost: 1000,
    category: 'specials',
    effect: 'manual',
    params: {},
    roles: ['subscriber', 'vip'],
    maxPerPurchase: 1,
    cooldown: 3600,
  },
  proofing_boost: {
    name: 'Proofing Boost',
    description: 'Let your XP rise: double chat XP for 10 minutes.',
    cost: 75,
    category: 'boosts',
    effect: 'xp_boost',
    params: { multiplier: 2, minutes: 10 },
    enabled: false,
  },
  flour_fight: {
    name: 'Flour Fight',
    description: 'Start a mini-game for the whole chat.',
    cost: 200,
    category: 'boosts',
    effect: 'start_game',
    params: { game: 'trivia' },
    enabled: false,
    cooldown: 900,
  },
} as const;

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    items: {
      type: 'object',
      title: 'Catalog (edit it on the Shop page)',
      description: 'The catalog, by item id (lower case letters, digits, _ and -; viewers can also buy by name).',
      propertyNames: { pattern: ITEM_ID },
      maxProperties: 200,
      additionalProperties: ITEM_SCHEMA,
      default: DEFAULT_ITEMS,
    },
    effectTimeout: { title: 'Effect timeout (seconds)', type: 'number', exclusiveMinimum: 0, maximum: 300, default: 10, description: 'Seconds an effect may take before the purchase is refunded.' },
    inventorySize: { title: 'Items !inventory names', type: 'integer', minimum: 1, maximum: 50, default: 8, description: 'Items !inventory names at most.' },
  },
} as const;

/** An item as ctx.config holds it (defaults applied): a shop item without its id, which is its key. */
export type ConfiguredItem = Omit<ShopItem, 'id'>;

export function toItems(items: Readonly<Record<string, ConfiguredItem>>): ShopItem[] {
  return Object.entries(items).map(([id, i]) => ({ id, ...i }));
}

/** Lower case, letters and digits only, single spaces: "Baker's  Dozen" → "bakers dozen". */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f'’`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The item `text` names: its id, its name, or a unique start of a name or id (all case-insensitive). */
export function findItem<T extends ShopItem>(items: readonly T[], text: string): T | undefined {
  const want = normalize(text);
  if (!want) return undefined;
  const exact = items.find((i) => normalize(i.id) === want || normalize(i.name) === want);
  if (exact) return exact;
  const starts = items.filter((i) => normalize(i.name).startsWith(want) || normalize(i.id).startsWith(want) || normalize(i.name).split(' ').includes(want));
  return starts.length === 1 ? starts[0] : undefined;
}

export interface ParsedBuy {
  readonly item: string;
  readonly quantity: number | undefined;
  /** Text after the item and quantity, as typed. */
  readonly input: string;
  /** A quantity was typed but is not a whole number above 0. */
  readonly badQuantity?: string;
}

/**
 * Splits `!buy` arguments: the longest run of words that names an item, then an optional quantity, then
 * whatever the effect needs (a message, a name). `"quoted names"` work too.
 */
export function parseBuy<T extends ShopItem>(items: readonly T[], rest: string): (ParsedBuy & { found?: T }) | undefined {
  const words = [...rest.matchAll(/["“”]([^"“”]*)["“”]?|\S+/g)].map((m) => ({ text: m[1] ?? m[0], start: m.index, end: m.index + m[0].length }));
  if (!words.length) return undefined;
  for (let n = words.length; n >= 1; n--) {
    const name = words.slice(0, n).map((w) => w.text).join(' ');
    const found = findItem(items, name);
    if (!found) continue;
    let next = n;
    let quantity: number | undefined;
    let badQuantity: string | undefined;
    const q = words[next];
    if (q && /^[x×]?-?\d+[x×]?$/i.test(q.text)) {
      const num = Number(q.text.replace(/[x×]/gi, ''));
      if (Number.isSafeInteger(num) && num > 0) quantity = num;
      else badQuantity = q.text;
      next++;
    }
    const input = words[next] ? rest.slice(words[next]?.start).trim() : '';
    return { item: name, quantity, input, badQuantity, found };
  }
  const first = words[0];
  return { item: first?.text ?? '', quantity: undefined, input: '' };
}

/** "tokens" for the shop's own labels when the economy's names are not at hand. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
