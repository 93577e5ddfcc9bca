// A raffle, written the way a plugin outside BakeBot is: it imports only from `bakebot/*`. Tickets are held
// in economy escrow (rounds.ts); the winner gets the pot in one payout. A reload (a saved file, a settings
// change, the economy restarting) hands the running round to the new version; a round the bot stopped
// during is refunded at the next start.
import { definePlugin } from 'bakebot/plugin';
import { isCoded } from 'bakebot/errors';
import type { EconomyService } from 'bakebot/economy';
import { Rounds, type Round } from './rounds.ts';
import { lastRounds, roundsTable } from './web.ts';

/** What one version hands the next: the round whose draw timer it was running. */
interface HandOver {
  readonly roundId: number;
}

function handedOver(value: unknown): HandOver | undefined {
  const id = (value as { roundId?: unknown } | undefined)?.roundId;
  return typeof id === 'number' ? { roundId: id } : undefined;
}

export default definePlugin({
  name: 'raffle',
  version: '1.0.0',
  description: 'Viewers buy raffle tickets with tokens; the winner takes the pot.',
  dependsOn: ['economy'],
  optionalDependsOn: ['dashboard'],
  migrations: 'migrations',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ticketCost: { type: 'integer', minimum: 1, default: 10, description: 'Tokens a ticket costs.' },
      durationSeconds: { type: 'integer', minimum: 10, maximum: 3600, default: 120, description: 'How long a raffle stays open.' },
    },
  },
  async setup(ctx) {
    const economy: EconomyService = ctx.service('economy');
    const rounds = new Rounds(ctx.db, economy);
    let current: Round | undefined;
    let cancelTimer: (() => void) | undefined;

    const finish = async (round: Round): Promise<string> => {
      cancelTimer?.();
      current = undefined;
      const tickets = await rounds.tickets(round.id);
      if (tickets.length < 2) {
        await rounds.refund(round, tickets);
        return `Raffle #${round.id} needed two players; tickets refunded.`;
      }
      const winner = tickets[Math.floor(Math.random() * tickets.length)]!;
      const pot = await rounds.draw(round, winner.userId, tickets);
      const login = (await ctx.users.byId(winner.userId))?.login ?? winner.userId;
      return `@${login} wins raffle #${round.id} and ${economy.format(pot)}!`;
    };

    const schedule = (round: Round): void => {
      current = round;
      cancelTimer = ctx.timers.setTimeout(async () => {
        const text = await finish(round);
        for (const channel of ctx.chat.channels) await ctx.chat.say(channel, text);
      }, Math.max(0, round.endsAt - ctx.clock.now()));
    };

    const open = await rounds.open();
    if (open && handedOver(ctx.inherited)?.roundId === open.id) schedule(open);
    else if (open) {
      await rounds.refund(open, await rounds.tickets(open.id));
      ctx.log.info(`raffle #${open.id} was open when the bot stopped: its tickets were refunded`);
    }
    ctx.handOver((): HandOver | undefined => current && { roundId: current.id });

    const dash = ctx.optionalService('dashboard');
    dash?.addPage(ctx, { path: '/raffle', title: 'Raffle', order: 60, render: async () => roundsTable(dash, await lastRounds(ctx.db, async (id) => (await ctx.users.byId(id))?.login)) });

    ctx.commands.register({
      name: 'raffle',
      description: 'Buys a ticket for the open raffle.',
      async run(call) {
        if (!current) return call.reply('No raffle is open.');
        try {
          const bought = await rounds.buy(current, call.user.id);
          await call.reply(bought ? `You are in raffle #${current.id} (${economy.format(current.ticketCost)}).` : `You already have a ticket for raffle #${current.id}.`);
        } catch (err) {
          if (!isCoded(err, 'INSUFFICIENT_FUNDS')) throw err;
          await call.reply(`A ticket costs ${economy.format(current.ticketCost)}; you have ${economy.format(await economy.balance(call.user.id))}.`);
        }
      },
    });
    ctx.commands.register({
      name: 'startraffle',
      description: 'Opens a raffle.',
      usage: '[ticket cost]',
      permission: 'moderator',
      async run(call) {
        if (current) return call.reply(`Raffle #${current.id} is still open.`);
        const cost = call.args[0] === undefined ? ctx.config.ticketCost : Number(call.args[0]);
        if (!Number.isInteger(cost) || cost < 1) return call.usage('the ticket cost is a whole number of tokens');
        const now = ctx.clock.now();
        const round = await rounds.start(cost, now, now + ctx.config.durationSeconds * 1000);
        schedule(round);
        await call.reply(`Raffle #${round.id} is open for ${ctx.config.durationSeconds} s: !raffle buys a ticket for ${economy.format(cost)}.`);
      },
    });
    ctx.commands.register({
      name: 'drawraffle',
      description: 'Draws the open raffle now.',
      permission: 'moderator',
      async run(call) {
        if (!current) return call.reply('No raffle is open.');
        await call.reply(await finish(current));
      },
    });
  },
});
