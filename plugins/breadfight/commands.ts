// The chat commands: challenge, accept, decline, cancel (moderators), cheer, stats and the leaderboard.
// Parsing and usage here; what they do is the engine's.
import type { PluginContext } from '../../core/types.ts';
import type { EconomyService } from '../economy/service.ts';
import type { BreadfightConfig } from './config.ts';
import type { Engine } from './engine.ts';
import { readStats, readTop } from './store.ts';

const LOGIN = /^@?[a-z0-9_]{1,25}$/i;

export function registerCommands(ctx: PluginContext<BreadfightConfig>, engine: Engine, economy: EconomyService): void {
  const config = ctx.config;
  const fmt = (n: number) => economy.format(n);

  ctx.commands.register({
    name: 'breadfight',
    aliases: ['fight'],
    description: 'Challenges a viewer to a bread fight, won by answering questions; the wager is optional.',
    usage: '@user [wager]',
    cooldown: 2,
    async run(call) {
      const [who, amount] = call.args;
      if (!who || !LOGIN.test(who)) return call.usage();
      let wager = config.minWager;
      if (amount !== undefined) {
        if (!/^\d{1,12}$/.test(amount)) return call.usage('the wager must be a whole number');
        wager = Number(amount);
      }
      if (wager < config.minWager || wager > config.maxWager) {
        return call.reply(`The wager must be between ${fmt(config.minWager)} and ${fmt(config.maxWager)}.`);
      }
      const refused = await engine.challenge(call.message.channel, call.user, who.replace(/^@/, ''), wager);
      if (refused) await call.reply(refused);
    },
  });

  ctx.commands.register({
    name: 'accept',
    description: 'Accepts the bread fight you were challenged to.',
    cooldown: 0,
    async run(call) {
      const refused = await engine.accept(call.message.channel, call.user);
      if (refused) await call.reply(refused);
    },
  });

  ctx.commands.register({
    name: 'decline',
    description: 'Declines the bread fight you were challenged to (or takes your challenge back).',
    cooldown: 0,
    async run(call) {
      const refused = await engine.decline(call.message.channel, call.user);
      if (refused) await call.reply(refused);
    },
  });

  ctx.commands.register({
    name: 'cancelfight',
    description: 'Stops a bread fight (or a challenge) and refunds both wagers.',
    usage: '[@fighter]',
    permission: 'moderator',
    cooldown: 0,
    async run(call) {
      const who = call.args[0]?.replace(/^@/, '').toLowerCase();
      if (who !== undefined && !LOGIN.test(who)) return call.usage();
      const open = await ctx.db.all<{ id: number; challenger_login: string; opponent_login: string }>(
        "SELECT id, challenger_login, opponent_login FROM breadfight_fights WHERE state != 'finished' AND channel = ? ORDER BY id",
        [call.message.channel],
      );
      const matching = who ? open.filter((f) => f.challenger_login === who || f.opponent_login === who) : open;
      if (!matching.length) return call.reply(who ? `${who} is not in a bread fight.` : 'No bread fight is on.');
      if (matching.length > 1) return call.reply(`${matching.length} fights are on: name a fighter, e.g. !cancelfight @${matching[0]?.challenger_login ?? 'user'}.`);
      await engine.cancel((matching[0] as { id: number }).id, call.user.id);
    },
  });

  ctx.commands.register({
    name: 'cheer',
    description: 'Cheers for a fighter (no effect on the odds; it makes the recap).',
    usage: '@fighter',
    cooldown: 0,
    async run(call) {
      const who = call.args[0];
      if (!who || !LOGIN.test(who)) return call.usage();
      await call.reply(await engine.cheer(call.message.channel, call.user, who.replace(/^@/, '')));
    },
  });

  ctx.commands.register({
    name: 'fightstats',
    description: "Shows a viewer's bread fight record.",
    usage: '[@user]',
    async run(call) {
      const who = call.args[0]?.replace(/^@/, '').toLowerCase();
      if (who !== undefined && !LOGIN.test(who)) return call.usage();
      const user = who ? await ctx.users.byLogin(who) : { id: call.user.id, login: call.user.login };
      const stats = user ? await readStats(ctx.db, user.id) : undefined;
      const name = user?.login ?? who ?? call.user.login;
      if (!stats) return call.reply(`${name} has not fought yet.`);
      const s = stats;
      await call.reply(
        `${name}: ${s.wins} win${s.wins === 1 ? '' : 's'}, ${s.losses} loss${s.losses === 1 ? '' : 'es'}, ${s.draws} draw${s.draws === 1 ? '' : 's'} · streak ${s.streak} (best ${s.bestStreak}) · ${fmt(s.tokensWon)} won.`,
      );
    },
  });

  ctx.commands.register({
    name: 'fighttop',
    description: 'The best bread fighters.',
    async run(call) {
      const top = await readTop(ctx.db, 5);
      if (!top.length) return call.reply('No bread fight has been won yet.');
      await call.reply(`Top fighters: ${top.map((s, i) => `${i + 1}. ${s.login} ${s.wins}W/${s.losses}L/${s.draws}D (best streak ${s.bestStreak})`).join(' · ')}`);
    },
  });
}
