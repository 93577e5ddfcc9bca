// Answers custom commands. They are not registered with core's router (a chat-added command would need
// unregistering, which ctx.commands does not offer), so this tap does what the router does for them: the
// prefix and case, a plugin's command always winning, bans, permissions, the flood limit, per-viewer and
// global cooldowns (moderators skip them), then the optional token cost, the use counter and the reply.
import { allows, parseArgs, permissionOf } from '../../core/define.ts';
import type { ChatMessage, PluginContext } from '../../core/types.ts';
import { isEconomyError } from '../economy/service.ts';
import { countUse, type CommandTable, type Entry } from './table.ts';
import { render, type VariableValues } from './variables.ts';

export interface Invocation {
  readonly entry: Entry;
  readonly rest: string;
}

export function createRunner(ctx: PluginContext<object>, table: CommandTable) {
  const flood = ctx.rateLimiter(ctx.bot.rateLimitMessages, ctx.bot.rateLimitWindow * 1000);

  /** The custom command a message calls, if it calls one that no plugin's command shadows. */
  function parse(m: ChatMessage): Invocation | undefined {
    const prefix = ctx.bot.prefix;
    const text = m.text.trimStart();
    if (!text.startsWith(prefix)) return undefined;
    const match = /^(\S+)\s*([\s\S]*)$/.exec(text.slice(prefix.length));
    const word = match?.[1]?.toLowerCase();
    const entry = word ? table.resolve(word) : undefined;
    if (!entry || !word || !entry.enabled) return undefined;
    // A plugin that loaded after the command was added has the name now: core's router answers.
    const plugins = table.pluginNames();
    if (plugins.has(word) || plugins.has(entry.name)) return undefined;
    return { entry, rest: (match?.[2] ?? '').trim() };
  }

  /** Values for the variables `response` uses (the balance is read only when asked for). */
  async function values(user: { id: string; displayName: string }, channel: string, rest: string, count: number | undefined, entry: Entry, response: string): Promise<VariableValues> {
    const args = parseArgs(rest, { mentionsAsTyped: true });
    const economy = ctx.optionalService('economy');
    const tokens = economy && /\{tokens\}/i.test(response) ? await economy.balance(user.id).catch(() => 0) : undefined;
    const cost = entry.cost > 0 ? (economy ? economy.format(entry.cost) : `${entry.cost} tokens`) : 'free';
    return {
      user: user.displayName,
      ...(args[0] ? { touser: args[0] } : {}),
      args,
      rest,
      ...(count !== undefined ? { count } : {}),
      ...(tokens !== undefined ? { tokens } : {}),
      uptimeMs: ctx.clock.now() - ctx.host.startedAt,
      channel: channel.replace(/^#/, ''),
      cost,
    };
  }

  /** Counts the use and charges it when it costs tokens; resolves to the new count, or a refusal to tell the viewer. */
  async function pay(m: ChatMessage, entry: Entry): Promise<{ count: number } | { refused: string }> {
    const now = ctx.clock.now();
    if (entry.cost <= 0) return { count: await ctx.db.transaction((tx) => countUse(tx, entry.name, now)) };
    const economy = ctx.optionalService('economy');
    const prefix = ctx.bot.prefix;
    if (!economy) return { refused: `${prefix}${entry.name} costs tokens, but the economy is not running.` };
    try {
      const count = await economy.transaction(async (tx, eco) => {
        // The chat message id makes the charge idempotent: one message never pays twice.
        await eco.debit(m.user.id, entry.cost, { reason: `used ${prefix}${entry.name}`, source: 'commands', key: `commands:${entry.name}:${m.id}`, actor: m.user.id });
        return countUse(tx, entry.name, now);
      });
      return { count };
    } catch (err) {
      if (isEconomyError(err, 'INSUFFICIENT_FUNDS') || isEconomyError(err, 'UNKNOWN_USER')) {
        const has = await economy.balance(m.user.id).catch(() => 0);
        return { refused: `${prefix}${entry.name} costs ${economy.format(entry.cost)}; you have ${economy.format(has)}.` };
      }
      if (isEconomyError(err, 'ACCOUNT_EXCLUDED')) return { refused: `your account is not part of the economy, so ${prefix}${entry.name} is not for you.` };
      throw err;
    }
  }

  /** Runs the custom command `m` calls (`call`: its parse, when the caller has it already). */
  async function handle(m: ChatMessage, call = parse(m)): Promise<void> {
    if (!call) return;
    const { entry } = call;
    if (ctx.users.isBanned(m.user.id)) return;
    const has = permissionOf(m.user.roles);
    if (!allows(has, entry.permission)) return;
    const privileged = has === 'moderator' || has === 'broadcaster';
    if (!privileged && !flood.take(m.user.id)) return;
    const globalKey = `${entry.name}:*`;
    const userKey = `${entry.name}:${m.user.id}`;
    if (entry.globalCooldown > 0 && ctx.cooldowns.remaining(globalKey) > 0) return;
    const cooldown = entry.cooldown ?? ctx.bot.commandCooldown;
    if (!privileged && cooldown > 0 && ctx.cooldowns.take(userKey, cooldown) > 0) return;
    if (entry.globalCooldown > 0) ctx.cooldowns.take(globalKey, entry.globalCooldown);
    const paid = await pay(m, entry);
    if ('refused' in paid) {
      // Nothing happened: the viewer may try again as soon as they can pay.
      ctx.cooldowns.reset(userKey);
      ctx.cooldowns.reset(globalKey);
      await ctx.chat.reply(m, `@${m.user.displayName} ${paid.refused}`);
      return;
    }
    const v = await values(m.user, m.channel, call.rest, paid.count, entry, entry.response);
    await ctx.chat.reply(m, render(entry.response, v));
  }

  return { handle, values, parse };
}
