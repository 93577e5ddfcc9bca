// Shared set-up for the bread fight tests: a bot with the economy, the mini-games plugin and bread fights on
// a fake clock, with a known question set (each answer is readable from its question, so a test can answer
// right or wrong on purpose) and a seed (the draw and the flavour text are the same every run).
import { expect } from 'chai';
import { FakeClock, settle, startTestBot, type TestBot, type TestBotOptions } from '../../../test/support/kit.ts';
import type { LocalOutput } from '../../../core/chat.ts';
import type { EconomyService } from '../../economy/service.ts';
import type { BreadfightService } from '../service.ts';

/** Questions "Bake word N: type <word>"; difficulty 1 to 3. */
export const WORDS: Record<1 | 2 | 3, string[]> = {
  1: ['rye', 'bun', 'loaf', 'roll', 'crust', 'toast'],
  2: ['bagel', 'scone', 'brioche', 'challah', 'focaccia', 'ciabatta'],
  3: ['pumpernickel', 'panettone', 'kouignamann', 'pandoro', 'stollen', 'croquembouche'],
};

export const QUESTIONS = ([1, 2, 3] as const).flatMap((difficulty) =>
  WORDS[difficulty].map((word) => ({ question: `Level ${difficulty} word: type ${word}`, answer: word, difficulty })),
);

export const PASSWORD = 'correct horse battery staple';
export const API_TOKEN = 'breadfight-test-token-0123456789';
/** Env for a bot with the dashboard: a known password and API token. */
export const DASHBOARD_ENV = { DASHBOARD_PASSWORD: PASSWORD, BAKEBOT_API_TOKEN: API_TOKEN };

export const NO_COOLDOWNS = Object.fromEntries(['breadfight', 'accept', 'decline', 'cancelfight', 'cheer', 'fightstats', 'fighttop'].map((c) => [c, { cooldown: 0 }]));

export interface FightBot {
  readonly t: TestBot;
  readonly clock: FakeClock;
  readonly economy: EconomyService;
  readonly fights: BreadfightService;
  fund(login: string, tokens: number): Promise<void>;
  balance(login: string): Promise<number>;
  /** Waits for the next message asking `login` a question (or the first after index `from`); returns its word. */
  turn(login: string, from?: number): Promise<{ word: string; out: LocalOutput; index: number }>;
  /** Waits for a bot message matching `re` (after index `from`). */
  said(re: RegExp, from?: number, timeoutMs?: number): Promise<LocalOutput>;
  /** Plays `login`'s turn: the right word, a wrong one, or silence (the turn clock runs out). */
  play(login: string, how: 'right' | 'wrong' | 'silent'): Promise<void>;
  /** Expects the economy's books to balance and no escrow to be open. */
  booksBalanced(openEscrows?: number): Promise<void>;
  readonly settings: Record<string, unknown>;
}

export interface FightBotOptions {
  readonly settings?: Record<string, unknown>;
  readonly dir?: string;
  readonly keepConfig?: boolean;
  readonly clock?: FakeClock;
  readonly dashboard?: boolean;
  readonly env?: TestBotOptions['env'];
}

export const DEFAULTS = { includeBuiltin: false, questions: QUESTIONS, seed: 7, turnTime: 15, fightTimeout: 60 };

export async function startFights(options: FightBotOptions = {}): Promise<FightBot> {
  const clock = options.clock ?? new FakeClock('2026-01-15T12:00:00Z');
  const settings = { ...DEFAULTS, ...options.settings };
  const t = await startTestBot({
    plugins: ['economy', 'minigames', 'breadfight', ...(options.dashboard ? ['dashboard'] : [])],
    clock,
    ...(options.dir ? { dir: options.dir } : {}),
    ...(options.keepConfig ? { keepConfig: true } : {}),
    ...(options.env ? { env: options.env } : {}),
    config: {
      bot: { commandCooldown: 0, commands: NO_COOLDOWNS },
      plugins: { breadfight: settings, ...(options.dashboard ? { dashboard: { port: 0 } } : {}) },
    },
  });
  const economy = t.service('economy');
  const said = (re: RegExp, from = 0, timeoutMs = 3000) => t.waitFor((o) => t.outputs.indexOf(o) >= from && re.test(o.text), timeoutMs, `a message like ${String(re)}`);
  // Turn messages are looked for after the last one found, so each call finds the next turn.
  let cursor = 0;
  const turn = async (login: string, from = cursor) => {
    const out = await said(new RegExp(`@${login} round \\d+/\\d+ ★+: Level \\d word: type (\\w+)`), from);
    const index = t.outputs.indexOf(out);
    cursor = Math.max(cursor, index + 1);
    return { word: /type (\w+)/.exec(out.text)?.[1] ?? '', out, index };
  };
  const bot: FightBot = {
    t,
    clock,
    economy,
    get fights() {
      return t.service('breadfight');
    },
    settings,
    fund: async (login, tokens) => {
      await t.bot.users.ensure({ id: `local:${login}`, login });
      if (tokens > 0) await economy.credit(`local:${login}`, tokens, { reason: 'test money', source: 'test' });
    },
    balance: (login) => t.service('economy').balance(`local:${login}`),
    turn,
    said,
    play: async (login, how) => {
      const { word, index } = await turn(login);
      if (how === 'right') t.say(login, word);
      else if (how === 'wrong') t.say(login, 'definitely not it');
      else await clock.advance((settings.turnTime as number) * 1000);
      // The turn is scored (and the next question asked) when a message after the question says so.
      await said(/HP|wins|draw/, index + 1);
      await settle(5);
    },
    booksBalanced: async (openEscrows = 0) => {
      const check = await t.service('economy').check();
      expect(check.ok, JSON.stringify(check)).to.equal(true);
      expect((await t.service('economy').stats()).openEscrows).to.equal(openEscrows);
    },
  };
  return bot;
}

/** Challenge and accept: a fight between `a` (challenger) and `b`, `wager` each. */
export async function startFight(f: FightBot, a: string, b: string, wager: number): Promise<void> {
  const from = f.t.outputs.length;
  f.t.say(a, `!breadfight @${b} ${wager}`);
  await f.said(new RegExp(`@${b}, ${a} challenges you`), from);
  f.t.say(b, '!accept');
  await f.said(/Bread fight #\d+:/, from);
}
