// The fight's money, always in one economy transaction with the fight's own row, so a crash at any moment
// leaves either nothing done or everything done:
// - accept: both wagers into escrow and the fight turns active (or neither);
// - settle: the pot to the winner (minus the house cut, a debit from the winner), or both escrows back, plus
//   the stats and the finished row. The state check on the row makes settling happen once per fight; the
//   economy keys (`breadfight:fight:<id>:...`) make each token movement idempotent on top of that.
import { isEconomyError, type EconomyService, type EconomyTx } from '../economy/service.ts';
import { recordResult, type FightRow } from './store.ts';
import type { FightMove, FightOutcome } from './service.ts';

export type AcceptResult =
  | { readonly ok: true; readonly row: FightRow }
  | { readonly ok: false; readonly reason: 'gone' | 'expired' | 'challenger-broke' | 'opponent-broke' | 'excluded'; readonly login?: string };

class Refused extends Error {
  constructor(readonly result: AcceptResult & { ok: false }) {
    super(result.reason);
  }
}

const keyOf = (id: number, what: string) => `breadfight:fight:${id}:${what}`;

/** Holds both wagers and makes the fight active, or changes nothing and says why. */
export async function acceptFight(economy: EconomyService, id: number, now: number): Promise<AcceptResult> {
  try {
    const row = await economy.transaction(async (tx, eco) => {
      const f = await tx.get<FightRow>('SELECT * FROM breadfight_fights WHERE id = ?', [id]);
      if (!f || f.state !== 'challenged') throw new Refused({ ok: false, reason: 'gone' });
      if (f.expires_at <= now) throw new Refused({ ok: false, reason: 'expired' });
      let a: number | null = null;
      let b: number | null = null;
      if (f.wager > 0) {
        const hold = async (userId: string, login: string, side: 'challenger' | 'opponent') => {
          try {
            return (await eco.hold(userId, f.wager, { reason: `bread fight #${id} wager`, source: 'breadfight', key: keyOf(id, `hold:${side}`), actor: userId })).id;
          } catch (err) {
            if (isEconomyError(err, 'INSUFFICIENT_FUNDS')) throw new Refused({ ok: false, reason: side === 'challenger' ? 'challenger-broke' : 'opponent-broke', login });
            if (isEconomyError(err, 'ACCOUNT_EXCLUDED')) throw new Refused({ ok: false, reason: 'excluded', login });
            throw err;
          }
        };
        a = await hold(f.challenger_id, f.challenger_login, 'challenger');
        b = await hold(f.opponent_id, f.opponent_login, 'opponent');
      }
      await tx.run("UPDATE breadfight_fights SET state = 'active', escrow_challenger = ?, escrow_opponent = ?, updated_at = ? WHERE id = ?", [a, b, now, id]);
      return (await tx.get<FightRow>('SELECT * FROM breadfight_fights WHERE id = ?', [id])) as FightRow;
    });
    return { ok: true, row };
  } catch (err) {
    if (err instanceof Refused) return err.result;
    throw err;
  }
}

export interface Settlement {
  readonly outcome: FightOutcome;
  /** The winner's user id (outcome `win`). */
  readonly winnerId?: string;
  readonly moves?: readonly FightMove[];
  readonly hp?: { readonly challenger: number; readonly opponent: number };
  readonly houseCutPercent: number;
  readonly reason: string;
  /** Settle only a fight in this state (an expiry must not end a fight that was accepted meanwhile). */
  readonly from?: 'challenged' | 'active';
}

/** Finishes the fight and moves its money; undefined when it was already finished (by someone else). */
export async function settleFight(economy: EconomyService, id: number, s: Settlement, now: number): Promise<FightRow | undefined> {
  return economy.transaction(async (tx, eco) => {
    const f = await tx.get<FightRow>('SELECT * FROM breadfight_fights WHERE id = ?', [id]);
    if (!f || f.state === 'finished' || (s.from && f.state !== s.from)) return undefined;
    const escrows = [f.escrow_challenger, f.escrow_opponent].filter((e): e is number => e !== null);
    let cut = 0;
    if (s.outcome === 'win' && s.winnerId) {
      const winner = s.winnerId === f.challenger_id ? { id: f.challenger_id, login: f.challenger_login } : { id: f.opponent_id, login: f.opponent_login };
      const loser = winner.id === f.challenger_id ? { id: f.opponent_id, login: f.opponent_login } : { id: f.challenger_id, login: f.challenger_login };
      if (escrows.length) {
        const paid = await eco.payout(escrows, winner.id, { reason: `won bread fight #${id} against ${loser.login}`, source: 'breadfight', key: keyOf(id, 'payout'), actor: 'breadfight' });
        cut = Math.floor((paid.amount * s.houseCutPercent) / 100);
        if (cut > 0) await eco.debit(winner.id, cut, { reason: `house cut of bread fight #${id} (${s.houseCutPercent}%)`, source: 'breadfight', key: keyOf(id, 'cut'), actor: 'breadfight' });
      }
      await winAward(eco, winner.id, id);
      await recordResult(tx, winner, 'win', f.wager - cut, now);
      await recordResult(tx, loser, 'loss', 0, now);
    } else {
      for (const [i, e] of escrows.entries()) {
        await eco.release(e, { reason: `bread fight #${id} ${s.reason}: wager back`, source: 'breadfight', key: keyOf(id, `refund:${i + 1}`), actor: 'breadfight' });
      }
      if (s.outcome === 'draw') {
        await recordResult(tx, { id: f.challenger_id, login: f.challenger_login }, 'draw', 0, now);
        await recordResult(tx, { id: f.opponent_id, login: f.opponent_login }, 'draw', 0, now);
      }
    }
    await tx.run(
      `UPDATE breadfight_fights SET state = 'finished', outcome = ?, winner_id = ?, house_cut = ?, moves = ?, hp_challenger = ?, hp_opponent = ?,
       question = NULL, question_id = NULL, answers = NULL, difficulty = NULL, updated_at = ?, finished_at = ? WHERE id = ?`,
      [s.outcome, s.winnerId ?? null, cut, JSON.stringify(s.moves ?? JSON.parse(f.moves)), s.hp?.challenger ?? f.hp_challenger, s.hp?.opponent ?? f.hp_opponent, now, now, id],
    );
    return (await tx.get<FightRow>('SELECT * FROM breadfight_fights WHERE id = ?', [id])) as FightRow;
  });
}

/** The economy's win for the winner: the win is counted and its XP given; the pot is the token prize. */
async function winAward(eco: EconomyTx, userId: string, id: number): Promise<void> {
  await eco.awardWin(userId, { tokens: 0, reason: `won bread fight #${id}`, source: 'breadfight', key: keyOf(id, 'win'), actor: 'breadfight' });
}

