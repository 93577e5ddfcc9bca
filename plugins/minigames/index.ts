// Mini-games: chat games (trivia, word scramble, number guess, typerace, a bakery heist) on an engine other
// plugins extend with their own game types (`minigames.registerGame(ctx, definition)`). Answers come from
// plain chat; wins are paid through the economy; a running game is a row that survives reloads and restarts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { definePlugin } from '../../core/define.ts';
import { scheduleGames } from './autostart.ts';
import { QuestionBank } from './bank.ts';
import { registerCommands } from './commands.ts';
import { CONFIG_SCHEMA } from './config.ts';
import { Engine } from './engine.ts';
import { heistGame } from './games/heist.ts';
import { numberGuessGame } from './games/numberguess.ts';
import { scrambleGame } from './games/scramble.ts';
import { triviaGame } from './games/trivia.ts';
import { typeraceGame } from './games/typerace.ts';
import { WinJournal } from './journal.ts';
import { matchAnswer, normalizeAnswer } from './matcher.ts';
import { gameOverlay } from './overlay.ts';
import type { GameInfo, MinigamesService } from './service.ts';
import { provideShopEffect } from './shop.ts';
import { history, statsOf } from './store.ts';
import { mountDashboard } from './web.ts';

export type * from './service.ts';

export default definePlugin({
  name: 'minigames',
  version: '1.0.0',
  description: 'Chat games: trivia, word scramble, number guess, typerace and a bakery heist; other plugins add their own.',
  dependsOn: ['economy'],
  optionalDependsOn: ['dashboard', 'shop', 'overlays'],
  // Its dashboard page's script and stylesheet are served through the dashboard's addAssets (no login for static files).
  capabilities: ['public-assets'],
  configSchema: CONFIG_SCHEMA,
  migrations: 'migrations',

  async setup(ctx) {
    const config = ctx.config;
    const economy = ctx.service('economy');
    const dashboard = ctx.optionalService('dashboard');
    const overlays = ctx.optionalService('overlays');
    const bank = new QuestionBank(ctx);
    await bank.load();
    const words = JSON.parse(readFileSync(path.join(ctx.dir, 'words', 'en.json'), 'utf8')) as { scramble: string[]; typerace: string[] };
    const scrambleWords = [...words.scramble, ...config.scramble.words];

    const journal = new WinJournal(path.join(ctx.runtime.dataDir, 'minigames-wins.jsonl'));
    const engine = new Engine(ctx, {
      economy,
      journal,
      questions: (query, random) => bank.draw(query, random),
      // With the bot's time: the page counts a deadline down from it (a test bot's clock is not the browser's).
      publish: (event, data) => {
        dashboard?.publish(ctx, event, { now: ctx.clock.now(), game: data });
        // The running game on stream (OBS): the question, time left, answers so far; the answer once over.
        if (event === 'game') overlays?.publish(ctx, 'game', gameOverlay(data as GameInfo));
      },
    });
    engine.register(ctx, triviaGame({ maxRounds: () => config.trivia.maxRounds, categories: () => bank.categories().map((c) => c.category) }));
    engine.register(ctx, scrambleGame(() => scrambleWords));
    engine.register(ctx, numberGuessGame({ max: () => config.numberguess.max, guessSeconds: () => config.numberguess.guessSeconds }));
    engine.register(ctx, typeraceGame(() => words.typerace));
    engine.register(ctx, heistGame({
      joinSeconds: () => config.heist.joinSeconds,
      minEntry: () => config.heist.minEntry,
      maxEntry: () => Math.max(config.heist.minEntry, config.heist.maxEntry),
      odds: () => config.heist.odds,
      format: (n) => economy.format(n),
    }));

    ctx.hooks.chatMessage.tap((m) => engine.onChat(m));
    ctx.hooks.ready.tap(() => engine.chatReady());
    registerCommands(ctx, engine, economy);
    scheduleGames(ctx, engine);
    provideShopEffect(ctx, engine);

    // State not in the rows (who answered this round, guess cooldowns, players so far) goes to the next version.
    ctx.handOver(() => engine.handOver());
    // A win already said is paid before its game could be resumed or cancelled; an unload (a reload, a stop)
    // waits for the wins still saving, so the next version's start finds them committed.
    await engine.payWrittenWins();
    ctx.onDispose(() => journal.drain());
    await engine.restore(ctx.inherited);

    const service: MinigamesService = {
      match: (given, accepted, accuracy = config.answerAccuracy) => matchAnswer(given, accepted, accuracy),
      normalize: (text) => normalizeAnswer(text),
      questions: (query = {}) => bank.draw(query),
      categories: () => bank.categories(),
      registerGame: (owner, definition) => engine.register(owner, definition),
      types: () => engine.types(),
      start: (request) => engine.start(request),
      stop: (channel, by) => engine.stop(channel, by),
      running: (channel) => engine.running(channel),
      history: (limit = 20) => history(ctx.db, engine.lookup, limit),
      stats: (userId) => statsOf(ctx.db, userId),
      onGameEnded: (owner, fn) => engine.onEnded(owner, fn),
      customQuestions: () => bank.customQuestions(),
      saveQuestion: (input, id) => bank.save(input, id),
      deleteQuestion: (id) => bank.delete(id),
      importQuestions: (inputs) => bank.import(inputs),
    };
    if (dashboard) mountDashboard(ctx, dashboard, service);
    return service;
  },
});
