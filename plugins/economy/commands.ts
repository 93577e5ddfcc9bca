// The economy's chat commands. Every reply that reports a change is stored in the change's transaction
// (call.confirm): sent after the commit, or after a restart if a crash came between. It names the numbers.
// Errors from the books are told apart by their `code`.
import type { CommandCall, KnownUser, PluginContext } from '../../core/types.ts';
import { formatDuration } from './calendar.ts';
import { claimDaily, claimHourly, doWork, type ClaimResult } from './earning.ts';
import type { Economy } from './economy.ts';
import type { Books } from './ledger.ts';
import { isEconomyError, type LeaderboardBy } from './service.ts';
import { MAX_AMOUNT } from './ledger.ts';
import type { EconomyConfig } from './schema.ts';

const DELETE_CONFIRM_MS = 60_000;
const TOP_COUNT = 5;

/** A positive whole number (at most MAX_AMOUNT), `all`, or why not. */
function parseAmount(arg: string | undefined, allowAll: boolean): number | 'all' | { problem: string } {
  if (arg === undefined) return { problem: 'say how many' };
  if (allowAll && arg.toLowerCase() === 'all') return 'all';
  const hint = allowAll ? 'a whole number above 0, or "all"' : 'a whole number above 0';
  if (!/^[+-]?\d+$/.test(arg)) return { problem: `"${arg.slice(0, 20)}" is not a number: use ${hint}` };
  const n = Number(arg);
  if (n <= 0) return { problem: `the amount must be above 0` };
  if (n > MAX_AMOUNT) return { problem: `at most ${MAX_AMOUNT.toLocaleString('en-US')}` };
  return n;
}

export function registerCommands(ctx: PluginContext<EconomyConfig>, eco: Economy): void {
  const { service, config } = eco;
  const fmt = (n: number) => service.format(n);
  // What toLocaleString('en-US') gives, without building a formatter per call; built at first use.
  let numbers: Intl.NumberFormat | undefined;
  const num = (n: number) => (numbers ??= new Intl.NumberFormat('en-US')).format(n);
  const prefix = () => ctx.bot.prefix;
  const nameOf = (u: { displayName?: string; login: string }) => u.displayName || u.login;

  /** The viewer named by an argument (`@bob` or `bob`), if the bot has seen them (recent chatters without a read). */
  const lookup = async (arg: string | undefined): Promise<Pick<KnownUser, 'id' | 'login' | 'displayName'> | undefined> => {
    const login = arg?.replace(/^@/, '').toLowerCase();
    if (!login || !/^\w{1,25}$/.test(login)) return undefined;
    return eco.chatter(login) ?? ctx.users.byLogin(login);
  };
  const unknown = (call: CommandCall, arg: string) => call.reply(`I don't know @${arg.replace(/^@/, '').toLowerCase()} yet: they need to chat first.`);
  const excludedReply = (call: CommandCall) => call.reply(`You're excluded from the economy, so you can't earn or spend ${config.currencyName}.`);

  // ------------------------------------------------------------------ looking

  ctx.commands.register({
    name: 'balance',
    aliases: ['tokens'],
    description: `Shows your ${config.currencyName}, or someone else's.`,
    usage: '[@user]',
    async run(call) {
      const arg = call.args[0];
      const user = arg ? await lookup(arg) : undefined;
      if (arg && !user) return unknown(call, arg);
      const id = user?.id ?? call.user.id;
      // Names come from the chat message or the lookup: the balance is one prepared primary-key read.
      const acc = await eco.queries.balance(id);
      const held = acc.held ? ` (+${fmt(acc.held)} in open bets)` : '';
      const note = acc.excluded ? ' (excluded from the economy)' : '';
      const tokens = acc.tokens;
      if (!user || user.id === call.user.id) return call.reply(`${nameOf(call.user)}, you have ${fmt(tokens)}${held}.${note}`);
      await call.reply(`${nameOf(user)} has ${fmt(tokens)}${held}.${note}`);
    },
  });

  ctx.commands.register({
    name: 'xp',
    aliases: ['rank', 'level'],
    description: 'Shows your level, XP and rank, or someone else\'s.',
    usage: '[@user]',
    async run(call) {
      const arg = call.args[0];
      const user = arg ? await lookup(arg) : undefined;
      if (arg && !user) return unknown(call, arg);
      const id = user?.id ?? call.user.id;
      await service.flush(); // chat XP waiting in the batch counts too
      const acc = await service.getAccount(id);
      const who = user && user.id !== call.user.id ? nameOf(user) : nameOf(call.user);
      const lv = service.levelOf(acc?.xp ?? 0);
      const rank = acc && !acc.excluded ? await service.rankOf(id, 'xp') : undefined;
      await call.reply(
        `${who}: level ${lv.level} (${lv.levelXp}/${lv.levelXpNeeded} XP to level ${lv.level + 1}), ${num(acc?.xp ?? 0)} XP in all`
        + `${rank ? `, rank #${rank}` : ''}${acc?.excluded ? ' (excluded from the economy)' : ''}.`,
      );
    },
  });

  ctx.commands.register({
    name: 'top',
    aliases: ['leaderboard'],
    description: `The top ${TOP_COUNT} by XP or by ${config.currencyName}.`,
    usage: '[xp|tokens|wins]',
    async run(call) {
      const arg = (call.args[0] ?? 'xp').toLowerCase();
      const by: LeaderboardBy | undefined = arg === 'xp' || arg === 'level' ? 'xp' : arg === 'tokens' || arg === config.currencyName.toLowerCase() ? 'tokens' : arg === 'wins' ? 'wins' : undefined;
      if (!by) return call.usage(`pick xp, tokens or wins`);
      // Committed XP: chat XP still in its batch (at most a quarter second) shows on the next !top.
      const rows = await service.leaderboard(by, TOP_COUNT);
      const label = by === 'xp' ? 'XP' : by === 'tokens' ? config.currencyName : 'wins';
      if (!rows.length) return call.reply(`Nobody is on the ${label} board yet.`);
      const cell = (r: (typeof rows)[number]) =>
        by === 'xp' ? `Lv ${r.level}, ${num(r.xp)} XP` : by === 'tokens' ? num(r.tokens) : `${r.wins} wins`;
      await call.reply(`Top by ${label}: ${rows.map((r) => `${r.rank}. ${r.displayName} (${cell(r)})`).join(' · ')}`);
    },
  });

  // ------------------------------------------------------------------ earning

  /** A claim whose confirmation is stored with it; a refusal (wait, excluded) is a plain reply. */
  const claim = async (call: CommandCall, fn: (b: Books) => Promise<ClaimResult>, ok: (r: ClaimResult & { ok: true }) => string, wait: (ms: number) => string) => {
    const r = await eco.run(async (b) => {
      const result = await fn(b);
      if (result.ok) await call.confirm(b.tx, ok(result));
      return result;
    });
    if (r.ok) return;
    if (r.reason === 'excluded') return excludedReply(call);
    return call.reply(wait(r.waitMs));
  };

  ctx.commands.register({
    name: 'daily',
    description: `Claims your daily ${config.currencyName}; more for every day in a row.`,
    async run(call) {
      await claim(
        call,
        (b) => claimDaily(b, call.user.id, config, eco.calendar, ctx.clock.now()),
        (ok) => `Daily bonus: +${fmt(ok.amount)}${(ok.streak ?? 1) > 1 ? ` (day ${ok.streak} in a row)` : ''}! You have ${fmt(ok.balance)}.`,
        (ms) => `You already claimed today's bonus. The next one is ready in ${formatDuration(ms)}.`,
      );
    },
  });

  ctx.commands.register({
    name: 'hourly',
    description: `Claims ${config.hourlyBonus} ${config.currencyName}; again 60 minutes after your last claim.`,
    async run(call) {
      await claim(
        call,
        (b) => claimHourly(b, call.user.id, config, ctx.clock.now()),
        (ok) => `Hourly bonus: +${fmt(ok.amount)}! You have ${fmt(ok.balance)}.`,
        (ms) => `Your hourly bonus is ready again in ${formatDuration(ms)}.`,
      );
    },
  });

  ctx.commands.register({
    name: 'work',
    description: `Works a shift at the bakery for a few ${config.currencyName}.`,
    async run(call) {
      await claim(
        call,
        (b) => doWork(b, call.user.id, config, ctx.clock.now(), Math.random),
        (ok) => `${(ok.message ?? '+{amount}').replace('{amount}', fmt(ok.amount))} You have ${fmt(ok.balance)}.`,
        (ms) => `You're still tired from your last shift. Rest ${formatDuration(ms)} more.`,
      );
    },
  });

  // ------------------------------------------------------------------ giving

  ctx.commands.register({
    name: 'give',
    aliases: ['gift'],
    description: `Gives some of your ${config.currencyName} to another viewer.`,
    usage: '@user <amount|all>',
    async run(call) {
      const [who, amountArg] = call.args;
      if (!who || amountArg === undefined) return call.usage();
      const amount = parseAmount(amountArg, true);
      if (typeof amount === 'object') return call.usage(amount.problem);
      if (eco.isExcluded(call.user.id)) return excludedReply(call);
      const to = await lookup(who);
      if (!to) return unknown(call, who);
      if (to.id === call.user.id) return call.reply(`You can't give ${config.currencyName} to yourself.`);
      if (eco.isExcluded(to.id)) return call.reply(`${nameOf(to)} is not part of the economy.`);
      try {
        // Group-committed with other transfers; the confirmation is stored in the transaction that applies it.
        const r = await eco.give({
          fromId: call.user.id,
          toId: to.id,
          amount,
          options: { reason: 'gift', key: `give:${call.message.id}`, actor: call.user.id },
          confirm: (tx, done) => call.confirm(tx, `${nameOf(call.user)} gave ${fmt(done.amount)} to ${nameOf(to)}! You have ${fmt(done.from.balanceAfter)} left.`),
        });
        if (!r) return call.reply(`You have no ${config.currencyName} to give.`);
      } catch (err) {
        if (isEconomyError(err, 'INSUFFICIENT_FUNDS')) {
          const balance = (err as unknown as { balance: number }).balance;
          return call.reply(`You only have ${fmt(balance)}, not ${fmt(amount === 'all' ? balance : amount)}.`);
        }
        if (isEconomyError(err, 'ACCOUNT_EXCLUDED')) return call.reply(`That gift is not possible: one of you is excluded from the economy.`);
        throw err;
      }
    },
  });

  // ------------------------------------------------------------------ moderators

  const modEdit = (name: string, sign: 1 | -1, description: string) =>
    ctx.commands.register({
      name,
      description,
      usage: sign > 0 ? '@user <amount>' : '@user <amount|all>',
      permission: 'moderator',
      async run(call) {
        const [who, amountArg] = call.args;
        if (!who || amountArg === undefined) return call.usage();
        const amount = parseAmount(amountArg, sign < 0);
        if (typeof amount === 'object') return call.usage(amount.problem);
        const user = await lookup(who);
        if (!user) return unknown(call, who);
        try {
          const entry = await eco.run(async (b) => {
            const n = amount === 'all' ? await b.balance(user.id) : amount;
            if (n <= 0) return undefined;
            const done = await b.adjust(user.id, sign * n, { reason: `${prefix()}${name} by a moderator`, key: `cmd:${call.message.id}`, actor: call.user.id, allowExcluded: true });
            const moved = Math.abs(done.delta);
            await call.confirm(
              b.tx,
              sign > 0
                ? `Added ${fmt(moved)} to ${nameOf(user)}. They have ${fmt(done.balanceAfter)} now.`
                : `Removed ${fmt(moved)} from ${nameOf(user)}. They have ${fmt(done.balanceAfter)} now.`,
            );
            return done;
          });
          if (!entry) return call.reply(`${nameOf(user)} has no ${config.currencyName} to remove.`);
        } catch (err) {
          if (isEconomyError(err, 'INSUFFICIENT_FUNDS')) {
            const balance = (err as unknown as { balance: number }).balance;
            return call.reply(`${nameOf(user)} only has ${fmt(balance)}; use ${prefix()}${name} @${user.login} all to take everything.`);
          }
          throw err;
        }
      },
    });
  modEdit('addtokens', 1, `Gives a viewer ${config.currencyName} (moderators).`);
  modEdit('removetokens', -1, `Takes ${config.currencyName} from a viewer (moderators).`);

  ctx.commands.register({
    name: 'setxp',
    description: 'Sets a viewer\'s XP (moderators).',
    usage: '@user <xp>',
    permission: 'moderator',
    async run(call) {
      const [who, xpArg] = call.args;
      if (!who || xpArg === undefined) return call.usage();
      if (!/^\d+$/.test(xpArg) || Number(xpArg) > MAX_AMOUNT) return call.usage('XP is a whole number, 0 or more');
      const user = await lookup(who);
      if (!user) return unknown(call, who);
      const acc = await service.setXp(user.id, Number(xpArg), { reason: `${prefix()}setxp by a moderator`, key: `cmd:${call.message.id}`, actor: call.user.id, allowExcluded: true });
      await call.reply(`${nameOf(user)} now has ${num(acc.xp)} XP (level ${acc.level}).`);
    },
  });

  // ------------------------------------------------------------------ broadcaster

  const exclusion = (name: string, exclude: boolean) =>
    ctx.commands.register({
      name,
      description: exclude ? 'Takes a viewer out of the economy: no earning, no giving, not on !top.' : 'Lets an excluded viewer back into the economy.',
      usage: '@user',
      permission: 'broadcaster',
      async run(call) {
        const who = call.args[0];
        if (!who) return call.usage();
        const user = await lookup(who);
        if (!user) return unknown(call, who);
        if (eco.isExcluded(user.id) === exclude) return call.reply(`${nameOf(user)} is already ${exclude ? 'excluded from' : 'part of'} the economy.`);
        const acc = await service.setExcluded(user.id, exclude, call.user.id);
        await call.reply(
          exclude
            ? `${nameOf(user)} is now excluded from the economy. Their ${fmt(acc.tokens)} are kept; ${prefix()}include @${user.login} undoes it.`
            : `${nameOf(user)} is part of the economy again, with ${fmt(acc.tokens)}.`,
        );
      },
    });
  exclusion('exclude', true);
  exclusion('include', false);

  // ------------------------------------------------------------------ privacy

  const deleteRequests = new Map<string, number>();
  ctx.commands.register({
    name: 'deleteme',
    description: 'Deletes your data: account, chat history and name. Asks to confirm.',
    usage: '[confirm]',
    cooldown: 0,
    async run(call) {
      const id = call.user.id;
      const now = ctx.clock.now();
      for (const [k, until] of deleteRequests) if (until < now) deleteRequests.delete(k);
      if ((call.args[0] ?? '').toLowerCase() !== 'confirm') {
        deleteRequests.set(id, now + DELETE_CONFIRM_MS);
        const acc = await service.getAccount(id);
        const tokens = acc ? acc.tokens + acc.held : 0;
        return call.reply(
          `This deletes your account${tokens ? ` and your ${fmt(tokens)}` : ''}, your chat history and your name from the bot; `
          + `the ledger keeps anonymous rows. Type ${prefix()}deleteme confirm within ${DELETE_CONFIRM_MS / 1000} seconds to go ahead.`,
        );
      }
      const until = deleteRequests.get(id);
      if (until === undefined || until < now) return call.reply(`Type ${prefix()}deleteme first; then ${prefix()}deleteme confirm within ${DELETE_CONFIRM_MS / 1000} seconds.`);
      deleteRequests.delete(id);
      const r = await service.deleteUser(id);
      await call.reply(
        `Done: your account${r.tokensClosed ? `, your ${fmt(r.tokensClosed)}` : ''} and your chat history are deleted. `
        + 'If you chat again, the bot starts a new account for you.',
      );
    },
  });
}
