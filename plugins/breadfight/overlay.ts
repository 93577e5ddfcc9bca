// The live bread fight on stream: the `fight` overlay (plugins/overlays) with both HP bars, the question of the
// turn while it runs, the last move, and the winner at the end.
import type { FightView } from './service.ts';

interface Side {
  name: string;
  hp: number;
  maxHp: number;
}
type FightOverlayEvent = { type: 'fight'; left: Side; right: Side; text?: string; winner?: 'left' | 'right' } | { type: 'clear' };

export function fightOverlay(fight: FightView): FightOverlayEvent {
  const side = (f: FightView['challenger']): Side => ({ name: f.login, hp: Math.max(0, f.hp), maxHp: fight.hpMax });
  const last = fight.moves[fight.moves.length - 1];
  const text = fight.state === 'active' && fight.question && fight.activeFighter ? `${fight.activeFighter}: ${fight.question}` : last?.text;
  const winner = fight.winner === fight.challenger.login ? 'left' : fight.winner === fight.opponent.login ? 'right' : undefined;
  return { type: 'fight', left: side(fight.challenger), right: side(fight.opponent), ...(text ? { text } : {}), ...(winner ? { winner } : {}) };
}
