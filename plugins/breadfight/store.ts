// The fights' rows and how they read: the persisted state machine (breadfight_fights), the cheers and the
// per-viewer stats, turned into the views the service hands out.
import type { PluginDb, SqlTx } from '../../core/types.ts';
import type { FightMove, FightOutcome, FighterStats, FightState, FightView } from './service.ts';

export interface FightRow {
  id: number;
  channel: string;
  challenger_id: string;
  challenger_login: string;
  opponent_id: string;
  opponent_login: string;
  wager: number;
  state: FightState;
  turn: number;
  max_rounds: number;
  hp_max: number;
  hp_challenger: number;
  hp_opponent: number;
  question_id: string | null;
  question: string | null;
  answers: string | null;
  difficulty: number | null;
  escrow_challenger: number | null;
  escrow_opponent: number | null;
  outcome: FightOutcome | null;
  winner_id: string | null;
  house_cut: number;
  moves: string;
  created_at: number;
  expires_at: number;
  updated_at: number;
  finished_at: number | null;
}

interface StatsRow {
  user_id: string;
  login: string;
  wins: number;
  losses: number;
  draws: number;
  streak: number;
  best_streak: number;
  tokens_won: number;
}

type Reader = Pick<PluginDb, 'get' | 'all'> | SqlTx;

export const roundOf = (turn: number): number => Math.floor(turn / 2) + 1;

/** The fighter whose turn `turn` is: the challenger on even turns. */
export function attackerOf(row: FightRow, turn = row.turn): { id: string; login: string; side: 'challenger' | 'opponent' } {
  return turn % 2 === 0 ? { id: row.challenger_id, login: row.challenger_login, side: 'challenger' } : { id: row.opponent_id, login: row.opponent_login, side: 'opponent' };
}

export function movesOf(row: FightRow): FightMove[] {
  try {
    const m: unknown = JSON.parse(row.moves);
    return Array.isArray(m) ? (m as FightMove[]) : [];
  } catch {
    return [];
  }
}

export function answersOf(row: FightRow): string[] {
  try {
    const a: unknown = JSON.parse(row.answers ?? '[]');
    return Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export async function cheersOf(db: Reader, fightId: number): Promise<Map<string, number>> {
  const rows = await db.all<{ fighter_id: string; n: number }>('SELECT fighter_id, count(*) AS n FROM breadfight_cheers WHERE fight_id = ? GROUP BY fighter_id', [fightId]);
  return new Map(rows.map((r) => [r.fighter_id, r.n]));
}

export function toView(row: FightRow, cheers: ReadonlyMap<string, number>, endsAt: number | null): FightView {
  const active = row.state === 'active';
  return {
    id: row.id,
    channel: row.channel,
    state: row.state,
    challenger: { id: row.challenger_id, login: row.challenger_login, hp: row.hp_challenger, cheers: cheers.get(row.challenger_id) ?? 0 },
    opponent: { id: row.opponent_id, login: row.opponent_login, hp: row.hp_opponent, cheers: cheers.get(row.opponent_id) ?? 0 },
    wager: row.wager,
    hpMax: row.hp_max,
    turn: row.turn,
    round: Math.min(roundOf(row.turn), row.max_rounds),
    maxRounds: row.max_rounds,
    activeFighter: active ? attackerOf(row).login : null,
    question: active ? row.question : null,
    difficulty: active ? row.difficulty : null,
    endsAt: row.state === 'challenged' ? row.expires_at : active ? endsAt : null,
    outcome: row.outcome,
    winner: row.winner_id === row.challenger_id ? row.challenger_login : row.winner_id === row.opponent_id ? row.opponent_login : null,
    houseCut: row.house_cut,
    moves: movesOf(row),
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

export function toStats(r: StatsRow): FighterStats {
  return { userId: r.user_id, login: r.login, wins: r.wins, losses: r.losses, draws: r.draws, streak: r.streak, bestStreak: r.best_streak, tokensWon: r.tokens_won };
}

export async function readStats(db: Reader, userId: string): Promise<FighterStats | undefined> {
  const r = await db.get<StatsRow>('SELECT * FROM breadfight_stats WHERE user_id = ?', [userId]);
  return r ? toStats(r) : undefined;
}

export async function readTop(db: Reader, limit: number): Promise<FighterStats[]> {
  const rows = await db.all<StatsRow>('SELECT * FROM breadfight_stats WHERE wins + losses + draws > 0 ORDER BY wins DESC, best_streak DESC, tokens_won DESC, login LIMIT ?', [limit]);
  return rows.map(toStats);
}

/** Records one fighter's result (in the settling transaction). */
export async function recordResult(tx: SqlTx, user: { id: string; login: string }, result: 'win' | 'loss' | 'draw', tokensWon: number, now: number): Promise<void> {
  await tx.run('INSERT OR IGNORE INTO breadfight_stats (user_id, login, updated_at) VALUES (?, ?, ?)', [user.id, user.login, now]);
  if (result === 'win') {
    await tx.run(
      'UPDATE breadfight_stats SET login = ?, wins = wins + 1, streak = streak + 1, best_streak = max(best_streak, streak + 1), tokens_won = tokens_won + ?, updated_at = ? WHERE user_id = ?',
      [user.login, tokensWon, now, user.id],
    );
  } else {
    const col = result === 'loss' ? 'losses' : 'draws';
    await tx.run(`UPDATE breadfight_stats SET login = ?, ${col} = ${col} + 1, streak = 0, updated_at = ? WHERE user_id = ?`, [user.login, now, user.id]);
  }
}
