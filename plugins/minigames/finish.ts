// The end of a game, in one economy transaction: the row is marked over (only if it still runs, so a retry
// pays nothing twice), the game's own settlement runs, fees still held go back to their owners, winners get
// awardWin (keyed by game id), and their stats and history rows are written. A crash anywhere in it rolls all
// of it back; the restarted bot then cancels or resumes the game. The other players' rows and everyone's
// participation XP follow in a second transaction (rewardPlayers).
import type { EconomyService } from '../economy/service.ts';
import type { MinigamesContext } from './config.ts';
import type { Live } from './engine.ts';
import type { SqlTx } from '../../core/types.ts';
import type { GameEntry, GameOutcome, GamePlayer } from './service.ts';

/** What ending a game reads of it: the running game, or a win a restart pays from the journal. */
export type Ending = Pick<Live, 'id' | 'state' | 'rng' | 'answers' | 'mayHoldFees'>;

/** XP for taking part in a game (the seed's XP_PER_PARTICIPATION), once per game and viewer. */
export const PARTICIPATION_XP = 1;

/**
 * Ends the game: everything the announcement states (the end, the settlement, the fees, the winners' pay) in
 * one transaction; false when it had already ended (nothing done). The other players follow in
 * `rewardPlayers`, after the announcement, so a busy game's winner does not wait for hundreds of XP rows.
 */
export async function finishGame(ctx: MinigamesContext, economy: EconomyService, live: Ending, outcome: GameOutcome, title: string): Promise<boolean> {
  const id = live.id;
  const key = (what: string, userId: string) => `minigames:game:${id}:${what}:${userId}`;
  return economy.transaction(async (tx, eco) => {
    const ended = await tx.run(
      "UPDATE minigames_games SET status = ?, ended_at = ?, answer = ?, summary = ?, state = ?, deadline = NULL, rng = ?, answers = ? WHERE id = ? AND status = 'running'",
      [outcome.status, ctx.clock.now(), outcome.answer ?? null, (outcome.text ?? outcome.status).slice(0, 500), JSON.stringify(live.state ?? null), live.rng, live.answers, id],
    );
    if (ended.changes === 0) return false;

    const entries = !live.mayHoldFees ? [] : (await tx.all<{ user_id: string; login: string; display_name: string; escrow_id: number; amount: number }>(
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
      await recordPlayer(tx, id, w, { won: true, tokens: win.tokens + (w.prize ?? 0) });
    }
    // Members of a wager game are players whatever happened to the game.
    for (const e of entries) if (!paid.has(e.userId)) await recordPlayer(tx, id, e, { won: false, tokens: 0 });
    return true;
  });
}

/** A player's row of the game, once per game (INSERT OR IGNORE); its trigger adds it to their stats (migration 002). */
async function recordPlayer(tx: SqlTx, gameId: number, p: GamePlayer, r: { won: boolean; tokens: number }): Promise<void> {
  await tx.run('INSERT OR IGNORE INTO minigames_players (game_id, user_id, login, won, tokens) VALUES (?, ?, ?, ?, ?)', [gameId, p.userId, p.login, r.won ? 1 : 0, r.tokens]);
}

/**
 * After the announcement: every other player's row and stats, and participation XP for everyone who played
 * (keyed by game id: once). A crash between the two transactions costs the players that 1 XP, nothing else.
 */
export async function rewardPlayers(economy: EconomyService, live: Live, status: GameOutcome['status'], title: string, eligible: (userId: string) => boolean): Promise<void> {
  const players = [...live.players.values()].filter((p) => eligible(p.userId));
  if (!players.length) return;
  const counted = status !== 'cancelled';
  await economy.transaction(async (tx, eco) => {
    for (const p of players) {
      await recordPlayer(tx, live.id, p, { won: false, tokens: 0 });
      if (counted && PARTICIPATION_XP > 0) {
        await eco.addXp(p.userId, PARTICIPATION_XP, { reason: `played ${title} #${live.id}`, source: 'minigames', key: `minigames:game:${live.id}:xp:${p.userId}`, actor: 'minigames' });
      }
    }
  });
}
