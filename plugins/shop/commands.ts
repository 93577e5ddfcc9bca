// Chat commands: !shop [category|item], !buy <item> [qty] [text], !inventory, and the moderators' !refund.
import type { PluginContext } from '../../core/types.ts';
import type { EconomyService } from '../economy/service.ts';
import { normalize, parseBuy } from './catalog.ts';
import { ShopFailure } from './effects.ts';
import { rolesText, type ShopConfig, type ShopCore } from './purchase.ts';
import type { PurchaseSuccess, ShopItemView } from './service.ts';

/** Twitch allows 500 characters; stay clear of it (the chat layer would split, but we choose where). */
const LINE = 440;

/** Packs parts into at most `maxLines` lines of at most LINE characters; what does not fit becomes `more(n)`. */
export function packLines(head: string, parts: readonly string[], tail: string, more: (left: number) => string, maxLines = 2): string[] {
  const fits = (text: string) => text.length <= LINE;
  const lines: string[] = [];
  let current = head;
  let i = 0;
  for (; i < parts.length; i++) {
    const part = parts[i] as string;
    const next = current === head ? `${head} ${part}` : `${current} · ${part}`;
    if (fits(next)) {
      current = next;
      continue;
    }
    if (lines.length + 1 >= maxLines) break;
    lines.push(current);
    current = part.slice(0, LINE);
  }
  if (i >= parts.length) {
    if (tail && fits(`${current} ${tail}`)) current = `${current} ${tail}`;
    else if (tail && lines.length + 1 < maxLines) {
      lines.push(current);
      current = tail;
    }
  } else {
    // Make room for the pointer to the rest by dropping whole parts from the end of the last line.
    let left = parts.length - i;
    let end = more(left);
    while (!fits(`${current} ${end}`)) {
      const cut = current.lastIndexOf(' · ');
      if (cut < 0) {
        current = current.slice(0, Math.max(0, LINE - end.length - 2)) + '…';
        break;
      }
      current = current.slice(0, cut);
      left++;
      end = more(left);
    }
    current = `${current} ${end}`;
  }
  lines.push(current);
  return lines;
}

function price(item: ShopItemView): string {
  const notes: string[] = [];
  if (item.remaining !== undefined) notes.push(item.remaining > 0 ? `${item.remaining} left` : 'sold out');
  if (!item.roles.includes('everyone')) notes.push(rolesText(item.roles));
  return `${item.name} ${item.cost}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

export function registerCommands(ctx: PluginContext<ShopConfig>, shop: ShopCore, economy: EconomyService): void {
  const p = () => ctx.bot.prefix;
  const cur = () => economy.currency.name;

  ctx.commands.register({
    name: 'shop',
    aliases: ['bakery'],
    description: 'Lists the bakery: everything, one category, or one item.',
    usage: '[category|item]',
    cooldown: 5,
    async run(call) {
      const all = (await shop.views()).filter((i) => i.available);
      if (!all.length) return call.reply('The bakery is closed: nothing is for sale right now.');
      const categories = [...new Set(all.map((i) => i.category))];
      const want = call.args.length ? normalize(call.rest) : '';
      if (!want) {
        const parts = categories.map((c) => `${c}: ${all.filter((i) => i.category === c).map(price).join(', ')}`);
        const lines = packLines(`🧁 Bakery (${cur()}):`, parts, `· ${p()}buy <item> [qty]`, (n) => `· …${n} more: ${p()}shop <category>`);
        for (const line of lines) await call.reply(line);
        return;
      }
      const category = categories.find((c) => normalize(c) === want);
      if (category) {
        const parts = all.filter((i) => i.category === category).map((i) => `${price(i)}${i.description ? `: ${i.description}` : ''}`);
        const lines = packLines(`🧁 ${category} (${cur()}):`, parts, `· ${p()}buy <item> [qty]`, (n) => `· …and ${n} more`);
        for (const line of lines) await call.reply(line);
        return;
      }
      const item = shop.find(call.rest);
      const shown = item && all.find((i) => i.id === item.id);
      if (shown) {
        const limits: string[] = [];
        if (shown.maxPerPurchase > 1) limits.push(`up to ${shown.maxPerPurchase} at a time`);
        if (shown.perUserLimit !== undefined) limits.push(`${shown.perUserLimit} per viewer`);
        if (shown.cooldown) limits.push(`one every ${shown.cooldown >= 60 ? `${Math.round(shown.cooldown / 60)} min` : `${shown.cooldown} s`}`);
        return call.reply(`${price(shown)} ${cur()}${shown.description ? `: ${shown.description}` : ''}${limits.length ? ` (${limits.join(', ')})` : ''} · ${p()}buy ${shown.id}`);
      }
      return call.reply(`No "${call.rest}" in the bakery. Categories: ${categories.join(', ')}`);
    },
  });

  const bought = (outcome: PurchaseSuccess): string => {
    const r = outcome.redemption;
    const what = `${r.quantity > 1 ? `${r.quantity}× ` : ''}${r.reward}`;
    const paid = r.cost > 0 ? ` for ${economy.format(r.cost)}` : '';
    const after = `You have ${economy.format(outcome.balance)} left.`;
    const extra = outcome.message ? ` ${outcome.message}` : '';
    if (r.status === 'pending') return `You bought ${what}${paid}: order #${r.id} is in the streamer's queue.${extra} ${after}`;
    return `You bought ${what}${paid} (order #${r.id}).${extra} ${after}`;
  };

  ctx.commands.register({
    name: 'buy',
    aliases: ['purchase'],
    description: 'Buys from the bakery with your tokens.',
    usage: '<item> [qty] [message]',
    cooldown: 3,
    async run(call) {
      if (!call.rest) return call.usage(`see ${p()}shop`);
      const parsed = parseBuy(shop.items, call.rest);
      if (!parsed) return call.usage();
      if (parsed.badQuantity) return call.usage('the quantity is a whole number above 0');
      const outcome = await shop.purchase({
        user: { id: call.user.id, login: call.user.login, displayName: call.user.displayName, roles: call.user.roles },
        item: parsed.found?.id ?? call.rest.slice(0, 40),
        quantity: parsed.quantity,
        input: parsed.input,
        via: 'chat',
        channel: call.message.channel,
        reply: (text) => call.reply(text),
        // Stored with the order's outcome: a crash between its commit and the reply does not lose it.
        confirm: (tx, done) => call.confirm(tx, bought(done)),
      });
      if (!outcome.ok) return call.reply(outcome.message);
      if (outcome.replayed) return call.reply(bought(outcome));
    },
  });

  ctx.commands.register({
    name: 'inventory',
    aliases: ['bag', 'inv'],
    description: 'Shows what you bought at the bakery.',
    cooldown: 5,
    async run(call) {
      const rows = await ctx.db.all<{ item_id: string; reward: string; status: string; units: number; orders: number; last_id: number }>(
        `SELECT item_id, max(reward) AS reward, status, sum(quantity) AS units, count(*) AS orders, max(id) AS last_id
         FROM shop_redemptions WHERE user_id = ? AND status != 'refunded' GROUP BY item_id, status ORDER BY last_id DESC`,
        [call.user.id],
      );
      if (!rows.length) return call.reply(`Your bakery bag is empty. See ${p()}shop`);
      const size = ctx.config.inventorySize;
      const pending = rows.filter((r) => r.status === 'pending');
      const done = rows.filter((r) => r.status === 'fulfilled');
      const parts: string[] = [];
      const pendingIds = async (itemId: string) =>
        (await ctx.db.all<{ id: number }>("SELECT id FROM shop_redemptions WHERE user_id = ? AND item_id = ? AND status = 'pending' ORDER BY id DESC LIMIT 3", [call.user.id, itemId])).map(
          (r) => `#${r.id}`,
        );
      if (done.length) parts.push(done.slice(0, size).map((r) => `${r.reward} ×${r.units}`).join(', '));
      if (pending.length) {
        const shown: string[] = [];
        for (const r of pending.slice(0, size)) shown.push(`${r.reward} ×${r.units} (${(await pendingIds(r.item_id)).join(' ')})`);
        parts.push(`waiting for the streamer: ${shown.join(', ')}`);
      }
      const more = rows.length > size * 2 ? ' …' : '';
      return call.reply(`Your bakery bag: ${parts.join(' · ')}${more}`.slice(0, 480));
    },
  });

  ctx.commands.register({
    name: 'refund',
    description: 'Refunds a bakery order (tokens back, stock back).',
    usage: '<order number> [reason]',
    permission: 'moderator',
    async run(call) {
      const arg = call.args[0]?.replace(/^#/, '');
      if (!arg || !/^\d+$/.test(arg)) return call.usage();
      const id = Number(arg);
      const reason = call.rest.replace(/^\S+\s*/, '').trim() || `refunded by ${call.user.login}`;
      try {
        const r = await shop.refund(id, { reason, actor: call.user.id });
        return call.reply(`Refunded order #${r.id} (${r.quantity > 1 ? `${r.quantity}× ` : ''}${r.reward}): ${economy.format(r.cost)} back to ${r.username}.`);
      } catch (err) {
        if (err instanceof ShopFailure && (err.code === 'NOT_FOUND' || err.code === 'ALREADY_REFUNDED')) return call.reply(`Cannot refund: ${err.message}.`);
        throw err;
      }
    },
  });
}
