// Bread fights: turn-based duels in chat, won by answering questions, wagers held in economy escrow.
// Built on the economy (escrow) and the mini-games plugin (its answer matcher), with a Fights page when the
// dashboard runs. A fight is a persisted state machine: a hot reload hands the running turn over, a restart
// asks the current question again (or refunds a fight interrupted too long ago).
import { definePlugin } from '../../core/define.ts';
import { registerCommands } from './commands.ts';
import { CONFIG_SCHEMA } from './config.ts';
import { createEngine } from './engine.ts';
import { fightOverlay } from './overlay.ts';
import { buildPool } from './questions.ts';
import { seeded } from './random.ts';
import type { BreadfightService, FightView } from './service.ts';
import { readStats, readTop, type FightRow } from './store.ts';
import { mountDashboard } from './web.ts';

export type * from './service.ts';

export default definePlugin({
  name: 'breadfight',
  version: '1.0.0',
  description: 'Bread fights: !breadfight @user [wager], answer questions to land bread-themed hits; wagers in escrow.',
  dependsOn: ['economy', 'minigames'],
  optionalDependsOn: ['dashboard', 'overlays'],
  // Its dashboard page's script and stylesheet are served through the dashboard's addAssets (no login for static files).
  capabilities: ['public-assets'],
  configSchema: CONFIG_SCHEMA,
  migrations: 'migrations',

  async setup(ctx) {
    const economy = ctx.service('economy');
    const minigames = ctx.service('minigames');
    const pool = buildPool(ctx.dir, ctx.config.includeBuiltin, ctx.config.questions);
    const random = ctx.config.seed === undefined ? Math.random : seeded(ctx.config.seed);
    const engine = createEngine({ ctx, economy, minigames, pool, random });

    registerCommands(ctx, engine, economy);
    ctx.hooks.chatMessage.tap((m) => engine.onChat(m));
    ctx.handOver(() => engine.handOver());

    // A viewer's deletion request: their fights and stats stay (the ledger keeps the money side), under the
    // anonymous id, without their login.
    economy.onUserDeleted(ctx, async ({ userId, anonymousId }) => {
      // The economy has given their escrows back already; a fight of theirs that is still on stops here, and
      // the other fighter's wager goes back too.
      const open = await ctx.db.all<{ id: number }>("SELECT id FROM breadfight_fights WHERE state != 'finished' AND (challenger_id = ? OR opponent_id = ?)", [userId, userId]);
      for (const f of open) await engine.cancel(f.id, 'a deletion request');
      await ctx.db.transaction(async (tx) => {
        await tx.run('UPDATE breadfight_fights SET challenger_id = ?, challenger_login = ? WHERE challenger_id = ?', [anonymousId, anonymousId, userId]);
        await tx.run('UPDATE breadfight_fights SET opponent_id = ?, opponent_login = ? WHERE opponent_id = ?', [anonymousId, anonymousId, userId]);
        await tx.run('UPDATE breadfight_fights SET winner_id = ? WHERE winner_id = ?', [anonymousId, userId]);
        await tx.run('DELETE FROM breadfight_cheers WHERE user_id = ?', [userId]);
        await tx.run('UPDATE breadfight_cheers SET fighter_id = ? WHERE fighter_id = ?', [anonymousId, userId]);
        await tx.run('DELETE FROM breadfight_stats WHERE user_id = ?', [userId]);
      });
    });

    const views = async (rows: FightRow[]): Promise<FightView[]> => Promise.all(rows.map((r) => engine.view(r)));
    const service: BreadfightService = {
      live: async () => views(await ctx.db.all<FightRow>("SELECT * FROM breadfight_fights WHERE state != 'finished' ORDER BY id")),
      recent: async (limit = 20) =>
        views(await ctx.db.all<FightRow>("SELECT * FROM breadfight_fights WHERE state = 'finished' ORDER BY finished_at DESC, id DESC LIMIT ?", [Math.max(1, Math.min(200, Math.floor(limit)))])),
      fight: async (id) => {
        const row = await engine.readRow(id);
        return row ? engine.view(row) : undefined;
      },
      stats: (userId) => readStats(ctx.db, userId),
      top: (limit = 10) => readTop(ctx.db, Math.max(1, Math.min(100, Math.floor(limit)))),
      cancel: async (id, actor) => {
        const before = await engine.readRow(id);
        if (!before) throw Object.assign(new Error(`no bread fight #${id}`), { code: 'NOT_FOUND' as const });
        if (before.state === 'finished') throw Object.assign(new Error(`bread fight #${id} is already over`), { code: 'ALREADY_FINISHED' as const });
        const after = (await engine.cancel(id, actor)) ?? before;
        return engine.view(after);
      },
      questions: () => pool.map((q) => ({ id: q.id, question: q.question, answer: q.answers[0] ?? '', aliases: q.answers.slice(1), difficulty: q.difficulty, source: q.source })),
      onFight: (owner, fn) => engine.onFight(owner, fn),
    };

    const dashboard = ctx.optionalService('dashboard');
    if (dashboard) mountDashboard(ctx, dashboard, service, economy);
    // The live fight on stream (OBS): both HP bars, the question of the turn, the winner.
    const overlays = ctx.optionalService('overlays');
    if (overlays) service.onFight(ctx, (e) => overlays.publish(ctx, 'fight', fightOverlay(e.fight)));

    // Fights that were on when this version started. At the bot's start chat is not connected yet (the
    // resumed questions would go nowhere), so that waits for `ready`; a reload or a later enable goes now.
    const inherited = ctx.inherited;
    const restore = () => engine.restore(inherited).catch((err: unknown) => ctx.log.error(`could not pick up the running fights: ${(err as Error).message}`));
    if (ctx.chat.status === 'stopped') ctx.hooks.ready.tap(() => void restore());
    else await restore();
    return service;
  },
});
