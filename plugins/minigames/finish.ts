// The end of a game, in one economy transaction: the row is marked over (only if it still runs, so a retry
// pays nothing twice), the game's own settlement runs, fees still held go back to their owners, winners get
// awardWin (keyed by game id), players their participation XP, and the stats and history rows are written.
// A crash anywhere in it rolls all of it back; the restarted bot then cancels or resumes the game.
import type { EconomyService } from '../economy/service.ts';
import type { MinigamesContext } from './config.ts';
import type { Live } from './engine.ts';
import type { GameEntry, GameOutcome, GamePlayer } from './service.ts';

/** XP for taking part in a game (the seed's XP_PER_PARTICIPATION), once per game and viewer. */
export const PARTICIPATION_XP = 1;

/** Ends the game; false when it had already ended (nothing done). */
export async function finishGame(ctx: MinigamesContext, economy: EconomyService, live: Live, outcome: GameOutcome, title: string): Promise<boolean> {
  const id = live.id;
  const key = (what: string, userId: string) => `minigames:game:${id}:${what}:${userId}`;
  return economy.transaction(async (tx, eco) => {
    const ended = await tx.run(
      "UPDATE minigames_games SET status = ?, ended_at = ?, answer = ?, summary = ?, state = ?, deadline = NULL, rng = ?, answers = ? WHERE id = ? AND status = 'running'",
      [outcome.status, ctx.clock.now(), outcome.answer ?? null, (outcome.text ?? outcome.status).slice(0, 500), JSON.stringify(live.state ?? null), live.rng, live.answers, id],
    );
    if (ended.changes === 0) return false;

    const entries = (await tx.all<{ user_id: string; login: string; display_name: string; escrow_id: number; amount: number }>(
      'SELECT user_id, login, display_name, escrow_id, amount FROM minigames_entries WHERE game_id = ? ORDER BY joined_at, rowid', [id],
    )).map((r): GameEntry => ({ userId: r.user_id, login: r.login, displayName: r.display_name, escrowId: r.escrow_id, amount: r.amount }));
    if (outcome.settle && outcome.status !== 'cancelled') await outcome.settle(eco, entries);
    for (const e of entries) {
      try {
        await eco.release(e.escrowId, { reason: `${title} #${id}: entry returned`, source: 'minigames', key: key('release', e.userId), actor: 'minigames' });
      } catch (err) {
        if ((err as { code?: string }).code !== 'ESCROW_SETTLED') throw err; // settled by the game: fine
      }
    }

    const paid = new Map<string, number>();
    for (const w of outcome.winners ?? []) {
      if (paid.has(w.userId)) continue;
      const win = await eco.awardWin(w.userId, {
        reason: `won ${title} #${id}`, source: 'minigames', key: key('win', w.userId), actor: 'minigames',
        ...(w.tokens !== undefined ? { tokens: w.tokens } : {}), ...(w.xp !== undefined ? { xp: w.xp } : {}),
      });
      paid.set(w.userId, win.tokens + (w.prize ?? 0));
    }

    const players = new Map<string, GamePlayer>();
    for (const p of [...live.players.values(), ...entries, ...(outcome.winners ?? [])]) if (!players.has(p.userId)) players.set(p.userId, p);
    const counted = outcome.status !== 'cancelled';
    for (const p of players.values()) {
      const won = paid.has(p.userId) ? 1 : 0;
      const tokens = paid.get(p.userId) ?? 0;
      await tx.run('INSERT OR IGNORE INTO minigames_players (game_id, user_id, login, won, tokens) VALUES (?, ?, ?, ?, ?)', [id, p.userId, p.login, won, tokens]);
      if (!counted) continue;
      await tx.run(
        `INSERT INTO minigames_stats (user_id, type, plays, wins, tokens_won) VALUES (?, ?, 1, ?, ?)
         ON CONFLICT (user_id, type) DO UPDATE SET plays = plays + 1, wins = wins + excluded.wins, tokens_won = tokens_won + excluded.tokens_won`,
        [p.userId, live.type, won, tokens],
      );
      if (PARTICIPATION_XP > 0) await eco.addXp(p.userId, PARTICIPATION_XP, { reason: `played ${title} #${id}`, source: 'minigames', key: key('xp', p.userId), actor: 'minigames' });
    }
    return true;
  });
}
