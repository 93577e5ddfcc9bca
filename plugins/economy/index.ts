// Economy: XP and tokens for every viewer, kept in an append-only ledger that always adds up. The first
// real plugin, and the one every other feature pays through (shop, minigames, dashboard): they use its
// typed service (service.ts), never its tables.
import { definePlugin } from '../../core/define.ts';
import { registerCommands } from './commands.ts';
import { createEconomy } from './economy.ts';
import { configSchema, settingsIssues, settingsProblem } from './schema.ts';
import { mountDashboard } from './web.ts';
import type { EconomyService } from './service.ts';

export type * from './service.ts';
export { isEconomyError, ECONOMY_ERROR_CODES } from './service.ts';

export default definePlugin({
  name: 'economy',
  version: '1.0.0',
  description: 'XP and tokens: chat participation, !daily, !hourly, !work, !give, leaderboards, and the ledger other plugins pay through.',
  // With the dashboard: the Users pages, the economy's API routes and charts (web.ts).
  optionalDependsOn: ['dashboard'],
  configSchema,
  migrations: 'migrations',
  checkConfig: settingsIssues,

  async setup(ctx): Promise<EconomyService> {
    const problem = settingsProblem(ctx.config);
    if (problem) throw new Error(problem);
    const economy = await createEconomy(ctx);
    // ICU's locale data (about 25 ms) loads with the first formatter: after the ready line, before a reply needs it.
    ctx.afterStart(() => {
      economy.service.format(0);
      economy.calendar.day(ctx.clock.now());
    });
    registerCommands(ctx, economy);
    ctx.hooks.chatMessage.tap((message) => economy.participate(message));
    const dashboard = ctx.optionalService('dashboard');
    if (dashboard) mountDashboard(ctx, dashboard, economy.service);
    return economy.service;
  },
});
