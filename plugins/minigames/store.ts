// The games' tables as the engine and the dashboard read them: a game row as GameInfo, history, stats per
// viewer and per type, plays per day.
import type { PluginDb } from '../../core/types.ts';
import type { GameInfo, GameStarter, GameStats, GameStatus, GameView } from './service.ts';

export interface GameRow {
  id: number;
  channel: string;
  type: string;
  provider: string;
  status: GameStatus;
  options: string;
  state: string;
  step: number;
  deadline: number | null;
  rng: number;
  started_by: string;
  started_at: number;
  ended_at: number | null;
  answer: string | null;
  summary: string | null;
  answers: number;
}

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function starterOf(text: string): GameStarter {
  const s = parseJson<Partial<GameStarter>>(text, {});
  const kinds: GameStarter['kind'][] = ['viewer', 'schedule', 'shop', 'dashboard', 'plugin'];
  return { kind: kinds.includes(s.kind as GameStarter['kind']) ? (s.kind as GameStarter['kind']) : 'plugin', name: typeof s.name === 'string' ? s.name : '?', ...(typeof s.id === 'string' ? { id: s.id } : {}), ...(typeof s.login === 'string' ? { login: s.login } : {}) };
}

/** How a game type's code sees a row, for views: title and view function, when the type is registered. */
export interface TypeLookup {
  title(type: string): string;
  view(type: string, state: unknown, over: boolean): GameView;
}

export function infoOf(
  row: GameRow,
  types: TypeLookup,
  extra: { players: number; winners: GameInfo['winners']; answers?: number; state?: unknown; deadline?: number | null },
): GameInfo {
  const over = row.status !== 'running';
  const view = types.view(row.type, extra.state ?? parseJson<unknown>(row.state, null), over);
  return {
    id: row.id,
    type: row.type,
    title: types.title(row.type),
    channel: row.channel,
    status: row.status,
    startedBy: starterOf(row.started_by),
    startedAt: row.started_at,
    endedAt: row.ended_at,
    deadline: over ? null : (extra.deadline ?? row.deadline),
    view: over && row.answer && !view.answer ? { ...view, answer: row.answer } : view,
    answers: extra.answers ?? row.answers,
    players: extra.players,
    winners: extra.winners,
    summary: row.summary,
  };
}

export async function history(db: PluginDb, types: TypeLookup, limit: number): Promise<GameInfo[]> {
  const rows = await db.all<GameRow>("SELECT * FROM minigames_games WHERE status <> 'running' ORDER BY id DESC LIMIT ?", [Math.max(1, Math.min(500, limit))]);
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const players = await db.all<{ game_id: number; user_id: string; login: string; won: number; tokens: number }>(
    `SELECT game_id, user_id, login, won, tokens FROM minigames_players WHERE game_id IN (${ids.map(() => '?').join(',')}) ORDER BY rowid`,
    ids,
  );
  return rows.map((r) => {
    const mine = players.filter((p) => p.game_id === r.id);
    const winners = mine.filter((p) => p.won).map((p) => ({ userId: p.user_id, login: p.login, tokens: p.tokens }));
    return infoOf(r, types, { players: mine.length, winners });
  });
}

export async function statsOf(db: PluginDb, userId: string): Promise<GameStats> {
  const rows = await db.all<{ type: string; plays: number; wins: number; tokens_won: number }>(
    'SELECT type, plays, wins, tokens_won FROM minigames_stats WHERE user_id = ? ORDER BY plays DESC, type',
    [userId],
  );
  const byType = rows.map((r) => ({ type: r.type, plays: r.plays, wins: r.wins, tokensWon: r.tokens_won }));
  const sum = (k: 'plays' | 'wins' | 'tokensWon') => byType.reduce((s, r) => s + r[k], 0);
  return { userId, plays: sum('plays'), wins: sum('wins'), tokensWon: sum('tokensWon'), byType };
}

/** Games per type and what they paid, over all time. */
export async function typeTotals(db: PluginDb): Promise<{ type: string; games: number; won: number; tokensWon: number }[]> {
  return db.all(
    `SELECT g.type AS type, count(*) AS games, sum(CASE WHEN g.status = 'won' THEN 1 ELSE 0 END) AS won,
            coalesce(sum((SELECT sum(tokens) FROM minigames_players p WHERE p.game_id = g.id)), 0) AS tokensWon
       FROM minigames_games g WHERE g.status <> 'running' GROUP BY g.type ORDER BY games DESC`,
  );
}

/** Games started per UTC day and type over the last `days` days (oldest first), for the chart. */
export async function playsPerDay(db: PluginDb, now: number, days: number): Promise<{ days: string[]; series: { type: string; counts: number[] }[] }> {
  const dayMs = 86_400_000;
  const first = Math.floor(now / dayMs) * dayMs - (days - 1) * dayMs;
  const rows = await db.all<{ day: number; type: string; n: number }>(
    'SELECT CAST(started_at / 86400000 AS INTEGER) AS day, type, count(*) AS n FROM minigames_games WHERE started_at >= ? GROUP BY day, type',
    [first],
  );
  const labels = Array.from({ length: days }, (_, i) => new Date(first + i * dayMs).toISOString().slice(0, 10));
  const byType = new Map<string, number[]>();
  for (const r of rows) {
    const i = r.day - first / dayMs;
    if (i < 0 || i >= days) continue;
    if (!byType.has(r.type)) byType.set(r.type, new Array<number>(days).fill(0));
    byType.get(r.type)![i] = r.n;
  }
  return { days: labels, series: [...byType].map(([type, counts]) => ({ type, counts })).sort((a, b) => a.type.localeCompare(b.type)) };
}
