// The bread fights' public face: the types other plugins (an overlay, a stream widget) and the dashboard
// code against. Types only. Errors carry a `code`; check it, never `instanceof`.
import type { Owner } from '../../core/types.ts';

export type FightState = 'challenged' | 'active' | 'finished';
export type FightOutcome = 'win' | 'draw' | 'declined' | 'expired' | 'cancelled' | 'refunded';

export interface Fighter {
  readonly id: string;
  readonly login: string;
  readonly hp: number;
  /** Spectators' cheers for this fighter (`!cheer`). */
  readonly cheers: number;
}

export interface FightMove {
  /** 0-based turn; even turns are the challenger's. */
  readonly turn: number;
  readonly round: number;
  readonly attacker: string;
  readonly result: 'hit' | 'miss' | 'timeout';
  readonly difficulty: number;
  /** The matcher's accuracy of the answer (0 for silence). */
  readonly accuracy: number;
  readonly damage: number;
  readonly move: string | null;
  readonly text: string;
  /** The question's id in the pool (a fight does not ask one twice). */
  readonly questionId: string;
}

/** A fight as the API, the dashboard and event listeners see it (never the answer being asked for). */
export interface FightView {
  readonly id: number;
  readonly channel: string;
  readonly state: FightState;
  readonly challenger: Fighter;
  readonly opponent: Fighter;
  readonly wager: number;
  readonly hpMax: number;
  /** Turns played so far. */
  readonly turn: number;
  /** Current round, 1-based (the round of the turn being played). */
  readonly round: number;
  readonly maxRounds: number;
  /** Login of the fighter whose turn it is (active fights only). */
  readonly activeFighter: string | null;
  readonly question: string | null;
  readonly difficulty: number | null;
  /** When the current turn (or the open challenge) ends, ms since the epoch; null when nothing is running. */
  readonly endsAt: number | null;
  readonly outcome: FightOutcome | null;
  /** Login of the winner. */
  readonly winner: string | null;
  readonly houseCut: number;
  readonly moves: readonly FightMove[];
  readonly createdAt: number;
  readonly finishedAt: number | null;
}

export interface FighterStats {
  readonly userId: string;
  readonly login: string;
  readonly wins: number;
  readonly losses: number;
  readonly draws: number;
  readonly streak: number;
  readonly bestStreak: number;
  /** Net tokens gained by wins (the opponents' wagers minus the house cut). */
  readonly tokensWon: number;
}

export type FightEventType = 'challenged' | 'accepted' | 'turn' | 'move' | 'cheer' | 'finished';

export interface FightEvent {
  readonly type: FightEventType;
  readonly fight: FightView;
}

export type BreadfightErrorCode = 'NOT_FOUND' | 'ALREADY_FINISHED';

export interface BreadfightError extends Error {
  readonly code: BreadfightErrorCode;
}

export interface FightQuestionView {
  readonly id: string;
  readonly question: string;
  readonly answer: string;
  readonly aliases: readonly string[];
  readonly difficulty: number;
  readonly source: 'builtin' | 'config';
}

export interface BreadfightService {
  /** Open challenges and running fights. */
  live(): Promise<FightView[]>;
  /** Finished fights, newest first. */
  recent(limit?: number): Promise<FightView[]>;
  fight(id: number): Promise<FightView | undefined>;
  stats(userId: string): Promise<FighterStats | undefined>;
  /** Most wins first (then best streak). */
  top(limit?: number): Promise<FighterStats[]>;
  /** Ends a challenge or fight and refunds both wagers. Throws NOT_FOUND / ALREADY_FINISHED. */
  cancel(id: number, actor: string): Promise<FightView>;
  /** The question pool fights draw from (bundled and the config's). */
  questions(): readonly FightQuestionView[];
  /** Called after each change of a fight (committed). Removed when `owner` unloads; returns a remover too. */
  onFight(owner: Owner, fn: (event: FightEvent) => void | Promise<void>): () => void;
}

declare module '../../core/types.ts' {
  interface PluginServices {
    breadfight: BreadfightService;
  }
}
