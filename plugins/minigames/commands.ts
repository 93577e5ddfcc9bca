// Chat commands: !game <type> [options] and the short ones (!trivia, !scramble, !numberguess, !typerace) for
// moderators, !games, !stopgame, !gamestats [@user], and !heist <amount> for everyone.
import type { CommandCall } from '../../core/types.ts';
import type { EconomyService } from '../economy/service.ts';
import type { MinigamesContext } from './config.ts';
import type { Engine } from './engine.ts';
import type { GameStarter } from './service.ts';
import { statsOf } from './store.ts';

function viewerStarter(call: CommandCall): GameStarter {
  return { kind: 'viewer', id: call.user.id, login: call.user.login, name: call.user.displayName };
}

export function registerCommands(ctx: MinigamesContext, engine: Engine, economy: EconomyService): void {
  const p = () => ctx.bot.prefix;

  /** Starts a game for a chat command; a refusal is told to the caller (with the usage for bad options). */
  const startFromChat = async (call: CommandCall, type: string, args: readonly string[]) => {
    try {
      await engine.start({ type, args, channel: call.message.channel, startedBy: viewerStarter(call), message: call.message });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'BAD_OPTIONS') return call.usage((err as Error).message);
      if (code === 'UNKNOWN_GAME' || code === 'GAME_RUNNING') return call.reply(`${(err as Error).message}.`);
      throw err;
    }
  };

  ctx.commands.register({
    name: 'game',
    description: 'Starts a mini-game (!games lists them).',
    usage: '<type> [options]',
    permission: 'moderator',
    async run(call) {
      const [type, ...rest] = call.args;
      if (!type) return call.usage(`games: ${engine.types().map((t) => t.type).join(', ')}`);
      const t = type.toLowerCase();
      if (await engine.join(call.message.channel, t, call.message, rest, (text) => call.reply(text))) return;
      await startFromChat(call, t, rest);
    },
  });

  for (const [name, description, usage] of [
    ['trivia', 'Starts a trivia round.', '[rounds] [category] [easy|medium|hard]'],
    ['scramble', 'Starts a word scramble.', ''],
    ['numberguess', 'Starts a number guessing game.', '[max]'],
    ['typerace', 'Starts a typerace.', ''],
  ] as const) {
    ctx.commands.register({ name, description, usage, permission: 'moderator', run: (call) => startFromChat(call, name, call.args) });
  }

  ctx.commands.register({
    name: 'heist',
    description: 'Plans a bakery heist, or joins the crew of the one being planned.',
    usage: '<amount>',
    cooldown: 2,
    async run(call) {
      if (await engine.join(call.message.channel, 'heist', call.message, call.args, (text) => call.reply(text))) return;
      if (!call.args.length) return call.usage();
      await startFromChat(call, 'heist', call.args);
    },
  });

  ctx.commands.register({
    name: 'games',
    description: 'Lists the mini-games and the one running.',
    cooldown: 10,
    async run(call) {
      const running = engine.running(call.message.channel);
      const list = engine.types().map((t) => t.type).join(', ');
      await call.reply(`Games: ${list || 'none'} (moderators: ${p()}game <type>).${running ? ` Running now: ${running.title}.` : ''}`);
    },
  });

  ctx.commands.register({
    name: 'stopgame',
    description: 'Stops the running game and returns every entry fee.',
    permission: 'moderator',
    async run(call) {
      const stopped = await engine.stop(call.message.channel, call.user.displayName);
      if (!stopped) await call.reply('no game is running.');
    },
  });

  ctx.commands.register({
    name: 'gamestats',
    description: 'Games played and won, yours or someone else\'s.',
    usage: '[@user]',
    cooldown: 5,
    async run(call) {
      const who = call.args[0];
      const account = who ? await economy.findAccount(who) : undefined;
      if (who && !account) return call.reply(`I don't know ${who}.`);
      const userId = account?.userId ?? call.user.id;
      const name = account?.displayName ?? call.user.displayName;
      const s = await statsOf(ctx.db, userId);
      if (!s.plays) return call.reply(`${name} has not played a game yet.`);
      const best = s.byType.map((t) => `${t.type} ${t.wins}/${t.plays}`).join(', ');
      await call.reply(`${name}: ${s.wins} wins in ${s.plays} games, ${economy.format(s.tokensWon)} won (${best}).`);
    },
  });
}
