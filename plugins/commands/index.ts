// Custom commands and timed messages: what every streamer sets up on day one (!discord, !socials, "follow
// the bakery on …" every 20 minutes). Commands come from the config file and from chat / the dashboard
// (the database); see table.ts for how the two combine and runner.ts for how they answer.
import { definePlugin } from '../../core/define.ts';
import { registerManagement } from './manage.ts';
import { createRunner } from './runner.ts';
import { CONFIG_SCHEMA } from './schema.ts';
import type { CommandsService } from './service.ts';
import { CommandsError, CommandTable, normalName } from './table.ts';
import { createTimers } from './timers.ts';
import { analyze, render } from './variables.ts';
import { mountDashboard } from './web.ts';

export type * from './service.ts';

export default definePlugin({
  name: 'commands',
  version: '1.0.0',
  description: 'Custom commands (!addcom, config, dashboard) with variables, cooldowns and costs, and timed messages.',
  optionalDependsOn: ['economy', 'dashboard'],
  // Its dashboard page's script and stylesheet are served through the dashboard's addAssets (no login for static files).
  capabilities: ['public-assets'],
  configSchema: CONFIG_SCHEMA,
  migrations: 'migrations',

  async setup(ctx) {
    const table = new CommandTable(ctx);
    await table.load();
    const runner = createRunner(ctx, table);
    const timers = createTimers(ctx);
    registerManagement(ctx, table);

    ctx.hooks.chatMessage.tap((m) => {
      // Plain chat (nearly every line of a busy channel) ends here without a promise.
      const posting = timers.onLine(m.channel);
      const call = runner.parse(m);
      if (!posting && !call) return;
      return (async () => {
        await posting;
        if (call) await runner.handle(m, call);
      })();
    });

    const testUser = async (login = 'viewer') => {
      const known = await ctx.users.byLogin(login.toLowerCase().replace(/^@/, ''));
      return { id: known?.id ?? `local:${login}`, displayName: known?.displayName ?? login };
    };
    const channel = () => ctx.chat.channels[0] ?? ctx.bot.channels[0] ?? 'channel';

    const service: CommandsService = {
      async list() {
        const counts = await table.counts();
        return Promise.all([...table.all(), ...table.hidden()].map((e) => table.view(e, counts)));
      },
      async save(name, settings, actor) {
        const n = normalName(name, ctx.bot.prefix);
        const saved = await table.save(n, settings, actor);
        return table.view(saved);
      },
      remove: (name) => table.remove(normalName(name, ctx.bot.prefix)),
      async preview(name, options = {}) {
        const e = table.get(normalName(name, ctx.bot.prefix));
        if (!e) throw new CommandsError('NOT_FOUND', `there is no custom command ${ctx.bot.prefix}${name}`);
        const count = ((await table.counts()).get(e.name) ?? 0) + 1;
        const v = await runner.values(await testUser(options.login), channel(), options.args ?? '', count, e, e.response);
        return render(e.response, v);
      },
      async render(text, options = {}) {
        const e = { name: 'test', source: 'database' as const, response: text, permission: 'everyone' as const, globalCooldown: 0, aliases: [], cost: 0, enabled: true };
        const v = await runner.values(await testUser(options.login), channel(), options.args ?? '', 1, e, text);
        return { text: render(text, v), unknownVariables: analyze(text).unknown };
      },
      timers: () => timers.views(),
      async fireTimer(name) {
        if (!(await timers.fire(name))) throw new CommandsError('NOT_FOUND', `there is no timer "${name}"`);
      },
    };

    const dashboard = ctx.optionalService('dashboard');
    if (dashboard) mountDashboard(ctx, dashboard, service);
    return service;
  },
});
