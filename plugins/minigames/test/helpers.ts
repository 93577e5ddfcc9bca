// Shared by the minigames tests: a bot with the economy and the games on a fake clock, and waiting for what
// the bot says in the channel.
import type { GameInfo } from '../service.ts';
import { FakeClock, startTestBot, type TestBot, type TestBotOptions } from '../../../test/support/kit.ts';

export const MOD = { login: 'amod', roles: ['moderator'] as const };

export interface GamesBot {
  readonly t: TestBot;
  readonly clock: FakeClock;
}

export async function startGamesBot(minigames: Record<string, unknown> = {}, options: Partial<TestBotOptions> = {}): Promise<GamesBot> {
  const clock = (options.clock as FakeClock | undefined) ?? new FakeClock('2026-03-02T18:00:00Z');
  const t = await startTestBot({
    ...options,
    plugins: ['economy', 'minigames', ...(options.plugins ?? [])],
    clock,
    config: { ...options.config, bot: { commandCooldown: 0, ...options.config?.bot }, plugins: { minigames, ...options.config?.plugins } },
  });
  return { t, clock };
}

/** The first thing the bot said (after `from` messages) whose text matches. */
export async function said(t: TestBot, pattern: RegExp, from = 0, timeoutMs = 3000): Promise<string> {
  const out = await t.waitFor((o) => t.outputs.indexOf(o) >= from && pattern.test(o.text), timeoutMs, `the bot to say ${pattern}`);
  return out.text;
}

/** The game as history shows it once its end has committed. */
export async function ended(t: TestBot, id: number, timeoutMs = 3000): Promise<GameInfo> {
  const games = t.service('minigames');
  const end = Date.now() + timeoutMs;
  for (;;) {
    const game = (await games.history(10)).find((g) => g.id === id);
    if (game) return game;
    if (Date.now() > end) throw new Error(`game ${id} did not end`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits for a condition the bot makes true (polled, bounded). */
export async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Polls `read` until `ok` holds for its value (the players' rewards follow a game's announcement). */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 3000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
