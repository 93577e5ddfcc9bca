// Quotes: the example plugin for plugin authors (docs/plugins.md walks through it). A command with
// arguments and permissions, a config schema with defaults, a migration, and a typed service.
import { definePlugin, PERMISSIONS } from '../../core/define.ts';
import { quotesStore, type Quote } from './store.ts';
import { mountQuotesPage } from './web.ts';

export type { Quote } from './store.ts';

export interface QuotesService {
  random(): Promise<Quote | undefined>;
  add(text: string, addedBy: string, channel: string): Promise<Quote>;
  count(): Promise<number>;
}

// Dependents get `ctx.service('quotes')` typed as QuotesService.
declare module '../../core/types.ts' {
  interface PluginServices {
    quotes: QuotesService;
  }
}

export default definePlugin({
  name: 'quotes',
  version: '1.0.0',
  description: 'Saves memorable lines from chat; !quote shows one.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      addPermission: {
        type: 'string',
        enum: PERMISSIONS,
        default: 'moderator',
        description: 'Who may add quotes with !addquote.',
      },
      maxLength: { type: 'integer', minimum: 10, maximum: 400, default: 300, description: 'Longest quote, in characters.' },
    },
  },
  migrations: 'migrations',
  optionalDependsOn: ['dashboard'],

  setup(ctx) {
    const store = quotesStore(ctx);
    const service: QuotesService = { random: store.random, add: store.add, count: store.count };
    const dashboard = ctx.optionalService('dashboard');
    if (dashboard) mountQuotesPage(ctx, dashboard, store);

    ctx.commands.register({
      name: 'quote',
      aliases: ['q'],
      description: 'Shows a random quote, or quote number N.',
      usage: '[number]',
      async run(call) {
        const arg = call.args[0];
        if (arg !== undefined && !/^\d+$/.test(arg)) return call.usage('the number is a whole number, like 12');
        const quote = arg ? await store.byId(Number(arg)) : await service.random();
        if (!quote) return call.reply(arg ? `There is no quote #${arg}.` : `No quotes yet. Mods can add one with ${ctx.bot.prefix}addquote <text>.`);
        await call.reply(`#${quote.id}: "${quote.text}"`);
      },
    });

    ctx.commands.register({
      name: 'addquote',
      description: 'Saves a quote.',
      usage: '<text>',
      permission: ctx.config.addPermission,
      async run(call) {
        const text = call.rest.trim();
        if (!text) return call.usage();
        if (Array.from(text).length > ctx.config.maxLength) return call.usage(`at most ${ctx.config.maxLength} characters`);
        const quote = await service.add(text, call.user.login, call.message.channel);
        await call.reply(`Saved quote #${quote.id}.`);
      },
    });

    ctx.commands.register({
      name: 'delquote',
      description: 'Deletes a quote.',
      usage: '<number>',
      permission: 'moderator',
      async run(call) {
        const arg = call.args[0];
        if (!arg || !/^\d+$/.test(arg)) return call.usage();
        const deleted = await store.remove(Number(arg));
        await call.reply(deleted ? `Deleted quote #${arg}.` : `There is no quote #${arg}.`);
      },
    });

    return service;
  },
});
