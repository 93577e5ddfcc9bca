// The bakery heist, a wager game: `!heist <amount>` plans one (or joins the one being planned); each fee is
// held in economy escrow the moment its viewer joins. When the join window closes, each member gets away
// with the chance the odds give for the crew's size. Survivors get their fee back, a share of the caught
// members' fees (in proportion to their own fee) and a bonus on their fee; the caught lose their fee.
// Every move is a ledger row: hold at join, then release (+ debit for the caught, credit for the loot).
import type { EconomyTx } from '../../economy/service.ts';
import type { GameAnswer, GameDefinition, GameEntry, RunningGame } from '../service.ts';
import { duration, option, playerOf, wholeNumber } from './common.ts';

export interface OddsLine {
  readonly crew: number;
  readonly chance: number;
  readonly bonus?: number;
}

export interface HeistShare {
  readonly userId: string;
  readonly login: string;
  readonly displayName: string;
  readonly fee: number;
  readonly share: number;
  readonly bonus: number;
}

export interface HeistResult {
  readonly chance: number;
  readonly bonusPercent: number;
  readonly survivors: readonly HeistShare[];
  readonly caught: readonly { readonly userId: string; readonly login: string; readonly displayName: string; readonly fee: number }[];
  readonly pot: number;
}

export interface HeistState {
  readonly leader: string | null;
  readonly crew: number;
  readonly staked: number;
  readonly result: HeistResult | null;
}

/** The odds line for a crew: the one with the largest `crew` not above its size (the smallest line below that). */
export function oddsFor(size: number, odds: readonly OddsLine[]): { chance: number; bonus: number } {
  const sorted = [...odds].sort((a, b) => a.crew - b.crew);
  const line = sorted.filter((l) => l.crew <= size).pop() ?? sorted[0];
  return { chance: line?.chance ?? 0, bonus: line?.bonus ?? 0 };
}

/**
 * Draws the outcome: one draw per member in joining order, `random() * 100 < chance` gets away. The caught
 * members' fees make the pot, shared among survivors in proportion to their fees (rounded down; the tokens
 * left over go one each to the first survivors), plus `bonus` percent of their own fee, rounded down.
 */
export function heistOutcome(entries: readonly GameEntry[], odds: readonly OddsLine[], random: () => number): HeistResult {
  const { chance, bonus } = oddsFor(entries.length, odds);
  const away: GameEntry[] = [];
  const caught: GameEntry[] = [];
  for (const e of entries) (random() * 100 < chance ? away : caught).push(e);
  const pot = caught.reduce((s, e) => s + e.amount, 0);
  const staked = away.reduce((s, e) => s + e.amount, 0);
  const shares = away.map((e) => (staked ? Math.floor((pot * e.amount) / staked) : 0));
  let left = away.length ? pot - shares.reduce((s, n) => s + n, 0) : 0;
  for (let i = 0; left > 0; i = (i + 1) % shares.length, left--) shares[i]! += 1;
  return {
    chance,
    bonusPercent: bonus,
    survivors: away.map((e, i) => ({ userId: e.userId, login: e.login, displayName: e.displayName, fee: e.amount, share: shares[i]!, bonus: Math.floor((e.amount * bonus) / 100) })),
    caught: caught.map((e) => ({ userId: e.userId, login: e.login, displayName: e.displayName, fee: e.amount })),
    pot,
  };
}

/** Moves the money of a drawn outcome, inside the transaction that ends the game. */
export async function settleHeist(eco: EconomyTx, gameId: number, result: HeistResult, entries: readonly GameEntry[]): Promise<void> {
  const key = (what: string, userId: string) => `minigames:game:${gameId}:heist:${what}:${userId}`;
  const common = { source: 'minigames', actor: 'minigames', allowExcluded: true } as const;
  const escrowOf = new Map(entries.map((e) => [e.userId, e.escrowId]));
  for (const s of result.survivors) {
    await eco.release(escrowOf.get(s.userId)!, { ...common, reason: `heist #${gameId}: got away, fee back`, key: key('back', s.userId) });
    if (s.share + s.bonus > 0) {
      await eco.credit(s.userId, s.share + s.bonus, { ...common, reason: `heist #${gameId}: loot (${s.share} share + ${s.bonus} bonus)`, key: key('loot', s.userId) });
    }
  }
  for (const c of result.caught) {
    await eco.release(escrowOf.get(c.userId)!, { ...common, reason: `heist #${gameId}: caught`, key: key('back', c.userId) });
    await eco.debit(c.userId, c.fee, { ...common, reason: `heist #${gameId}: caught, fee lost to the crew`, key: key('lost', c.userId) });
  }
}

export interface HeistSettings {
  readonly joinSeconds: () => number;
  readonly minEntry: () => number;
  readonly maxEntry: () => number;
  readonly odds: () => readonly OddsLine[];
  readonly format: (amount: number) => string;
}

export function heistGame(settings: HeistSettings): GameDefinition<HeistState> {
  const range = () => `${settings.minEntry()} to ${settings.maxEntry()}`;
  const amountProblem = (amount: number | undefined) =>
    amount === undefined ? `give an amount from ${range()}` : amount < settings.minEntry() || amount > settings.maxEntry() ? `the fee is ${range()}` : undefined;

  /** Holds a member's fee; false (and a reply) when they cannot pay. */
  const enlist = async (game: RunningGame<HeistState>, a: Pick<GameAnswer, 'user' | 'reply'>, amount: number): Promise<boolean> => {
    try {
      await game.hold(playerOf(a.user), amount);
    } catch (err) {
      if ((err as { code?: string }).code !== 'INSUFFICIENT_FUNDS') throw err;
      await a.reply(`you don't have ${settings.format(amount)} to bring.`);
      return false;
    }
    const entries = await game.entries();
    const staked = entries.reduce((s, e) => s + e.amount, 0);
    await game.update({ ...game.state, crew: entries.length, staked });
    return true;
  };

  return {
    type: 'heist',
    title: 'Bakery heist',
    description: 'Rob the bakery: join with a fee; survivors share the caught members\' fees and a bonus.',
    usage: '<amount>',
    create(setup) {
      const leader = setup.startedBy.kind === 'viewer' ? setup.startedBy : undefined;
      const amount = option(setup.options, setup.args, 'amount', wholeNumber);
      if (leader) {
        const problem = amountProblem(amount);
        if (problem) setup.fail(problem);
      }
      return { leader: leader?.login ?? null, crew: 0, staked: 0, result: null, ...(leader ? { opening: amount } : {}) };
    },
    async start(game) {
      const state = game.state as HeistState & { opening?: number };
      const ms = settings.joinSeconds() * 1000;
      await game.update({ leader: state.leader, crew: 0, staked: 0, result: null }, ms);
      const starter = game.startedBy;
      if (state.leader && starter.id && state.opening) {
        const user = { id: starter.id, login: starter.login ?? state.leader, displayName: starter.name, roles: [], badges: {} };
        const ok = await enlist(game, { user, reply: (text) => game.say(`${starter.name}, ${text}`) }, state.opening);
        if (!ok) return game.finish({ status: 'cancelled' });
        return game.say(`${starter.name} is planning a bakery heist with ${settings.format(state.opening)}! Type !heist <amount> (${range()}) within ${duration(ms)} to join the crew.`);
      }
      await game.say(`A bakery heist is being planned! Type !heist <amount> (${range()}) within ${duration(ms)} to join the crew.`);
    },
    resume: (game) => game.say(`The bakery heist is still recruiting: ${game.state.crew} in the crew. Type !heist <amount> to join.`),
    async join(game, a, args) {
      const amount = wholeNumber(args[0] ?? '');
      const problem = amountProblem(amount);
      if (problem) return a.reply(`${problem}: !heist <amount>`);
      if ((await game.entries()).some((e) => e.userId === a.user.id)) return a.reply('you are already in the crew.');
      if (!(await enlist(game, a, amount!))) return;
      await a.reply(`you're in the crew with ${settings.format(amount!)}! ${game.state.crew} members, ${settings.format(game.state.staked)} at stake.`);
    },
    async timeout(game) {
      const entries = await game.entries();
      if (!entries.length) return game.finish({ status: 'cancelled', text: 'Nobody joined the bakery heist.' });
      const result = heistOutcome(entries, settings.odds(), () => game.random());
      await game.update({ ...game.state, result }, null);
      const got = result.survivors.map((s) => `${s.displayName} (+${settings.format(s.share + s.bonus)})`);
      const caught = result.caught.map((c) => c.displayName);
      const text = !got.length
        ? `The heist failed: the whole crew was caught (${caught.join(', ')}) and lost ${settings.format(result.pot)}.`
        : `The heist worked! Got away: ${got.join(', ')}.${caught.length ? ` Caught: ${caught.join(', ')}.` : ''}`;
      await game.finish({
        status: got.length ? 'won' : 'lost',
        text,
        answer: `${result.survivors.length} of ${entries.length} got away (${result.chance} % each)`,
        winners: result.survivors.map((s) => ({ userId: s.userId, login: s.login, displayName: s.displayName, tokens: 0, prize: s.share + s.bonus })),
        settle: (eco, held) => settleHeist(eco, game.id, result, held),
      });
    },
    view(state) {
      const lines = [`${state.crew} in the crew, ${state.staked} at stake`];
      if (state.result) lines.push(`${state.result.survivors.length} got away, ${state.result.caught.length} caught`);
      return { prompt: state.result ? 'The heist is over' : 'Recruiting the crew', lines };
    },
  };
}
