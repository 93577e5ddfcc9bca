// What the bot says about a fight: the challenge, the start, each turn's question, the score line and the
// recap. Every line names the viewers it concerns and stays under Twitch's 500 characters (clip).
import { clip } from './moves.ts';
import type { FightRow } from './store.ts';
import { attackerOf, roundOf } from './store.ts';

export type Format = (amount: number) => string;

export function scoreLine(f: Pick<FightRow, 'challenger_login' | 'opponent_login' | 'hp_challenger' | 'hp_opponent'>): string {
  return `${f.challenger_login} ${f.hp_challenger} HP · ${f.opponent_login} ${f.hp_opponent} HP`;
}

export function challengeText(f: FightRow, timeoutSec: number, fmt: Format): string {
  const stake = f.wager > 0 ? ` for ${fmt(f.wager)} each` : ' (a friendly fight, no wager)';
  return clip(`@${f.opponent_login}, ${f.challenger_login} challenges you to a bread fight${stake}! Type !accept or !decline within ${timeoutSec} s.`);
}

export function startText(f: FightRow, fmt: Format): string {
  const pot = f.wager > 0 ? ` ${fmt(f.wager * 2)} in the pot.` : '';
  return clip(`🥖 Bread fight #${f.id}: ${f.challenger_login} vs ${f.opponent_login}, ${f.hp_max} HP each, up to ${f.max_rounds} round${f.max_rounds === 1 ? '' : 's'}.${pot} Answer your question in chat when it is your turn!`);
}

/** The message that asks the active fighter their question: it @mentions them. */
export function turnText(f: FightRow, question: string, difficulty: number, turnSec: number, resumed: boolean): string {
  const who = attackerOf(f).login;
  const stars = '★'.repeat(difficulty);
  const head = resumed ? `(fight #${f.id} resumes) ` : '';
  return clip(`${head}@${who} round ${roundOf(f.turn)}/${f.max_rounds} ${stars}: ${question} (${turnSec} s)`);
}

export function cheersText(cheers: ReadonlyMap<string, number>, f: FightRow): string {
  const parts = [
    [f.challenger_login, cheers.get(f.challenger_id) ?? 0],
    [f.opponent_login, cheers.get(f.opponent_id) ?? 0],
  ].filter(([, n]) => (n as number) > 0).map(([login, n]) => `${n as number} for ${login as string}`);
  return parts.length ? ` Cheers: ${parts.join(', ')}.` : '';
}

/** The last word on a finished fight. */
export function recapText(f: FightRow, cheers: ReadonlyMap<string, number>, fmt: Format): string {
  const c = cheersText(cheers, f);
  switch (f.outcome) {
    case 'win': {
      const wonByChallenger = f.winner_id === f.challenger_id;
      const [w, l] = wonByChallenger ? [f.challenger_login, f.opponent_login] : [f.opponent_login, f.challenger_login];
      const [hw, hl] = wonByChallenger ? [f.hp_challenger, f.hp_opponent] : [f.hp_opponent, f.hp_challenger];
      const pot = f.wager * 2;
      const money = f.wager > 0 ? ` and takes ${fmt(pot - f.house_cut)}${f.house_cut > 0 ? ` (${fmt(f.house_cut)} to the house)` : ''}` : '';
      return clip(`🏆 @${w} wins bread fight #${f.id} against @${l} (${hw} HP to ${hl} HP)${money}!${c}`);
    }
    case 'draw':
      return clip(`🤝 Bread fight #${f.id} between @${f.challenger_login} and @${f.opponent_login} is a draw (${f.hp_challenger} HP each)${f.wager > 0 ? '; both wagers go back' : ''}.${c}`);
    case 'declined':
      return clip(`@${f.challenger_login}, the bread fight with ${f.opponent_login} is off: declined.`);
    case 'expired':
      return clip(`@${f.challenger_login}, ${f.opponent_login} did not accept your bread fight in time.`);
    case 'cancelled':
      return clip(`Bread fight #${f.id} between @${f.challenger_login} and @${f.opponent_login} was cancelled${f.wager > 0 && f.escrow_challenger !== null ? '; both wagers go back' : ''}.`);
    case 'refunded':
      return clip(`Bread fight #${f.id} between @${f.challenger_login} and @${f.opponent_login} was interrupted too long ago to resume${f.wager > 0 ? '; both wagers go back' : ''}.`);
    default:
      return clip(`Bread fight #${f.id} is over.`);
  }
}
