// Shared set-up for the shop's tests: a bot with the economy and the shop (and, when asked, the test
// effects of fixtures/bakery_extras), viewers with tokens, and a look into the shop's tables.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock, startTestBot, type TestBot, type TestBotOptions } from '../../../test/support/kit.ts';
import type { EconomyService } from '../../economy/service.ts';
import type { ShopService } from '../service.ts';
import { Client } from '../../dashboard/test/helpers.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export const PASSWORD = 'correct horse battery staple';
export const API_TOKEN = 'shop-test-token-0123456789';
/** Env for a bot with the dashboard: a known password and API token, a random port. */
export const DASHBOARD_ENV = { DASHBOARD_PASSWORD: PASSWORD, BAKEBOT_API_TOKEN: API_TOKEN };

/** No command cooldowns: tests talk fast; the cooldowns themselves are core's and tested there. */
export const NO_COOLDOWNS = { buy: { cooldown: 0 }, shop: { cooldown: 0 }, inventory: { cooldown: 0 }, refund: { cooldown: 0 } };

export interface ShopBot {
  readonly t: TestBot;
  readonly clock: FakeClock;
  readonly shop: ShopService;
  readonly economy: EconomyService;
  /** Makes a local viewer known (as if they had chatted) and gives them tokens; their user id is `local:<login>`. */
  fund(login: string, tokens: number): Promise<void>;
  balance(login: string): Promise<number>;
  rows(sql: string, params?: (string | number)[]): Promise<Record<string, unknown>[]>;
  /** The dashboard's address (with `dashboard: true`). */
  readonly url: string;
}

export interface ShopBotOptions extends Pick<TestBotOptions, 'env'> {
  readonly items?: Record<string, unknown>;
  readonly shop?: Record<string, unknown>;
  /** Load fixtures/bakery_extras (test effects). */
  readonly extras?: boolean;
  /** Start the dashboard too (random port, known password and API token). */
  readonly dashboard?: boolean;
  readonly bot?: Record<string, unknown>;
}

export async function startShop(options: ShopBotOptions = {}): Promise<ShopBot> {
  const clock = new FakeClock('2026-01-15T12:00:00Z');
  const shopSettings = { ...(options.items ? { items: options.items } : {}), ...options.shop };
  const t = await startTestBot({
    plugins: ['economy', 'shop', ...(options.dashboard ? ['dashboard'] : [])],
    clock,
    pluginPaths: options.extras ? [FIXTURES] : [],
    env: { ...(options.dashboard ? DASHBOARD_ENV : {}), ...options.env },
    config: {
      bot: { commandCooldown: 0, commands: NO_COOLDOWNS, ...options.bot },
      plugins: { shop: shopSettings, ...(options.dashboard ? { dashboard: { port: 0 } } : {}) },
    },
  });
  const economy = t.service('economy');
  return {
    t,
    clock,
    shop: t.service('shop'),
    economy,
    fund: async (login, tokens) => {
      await t.bot.users.ensure({ id: `local:${login}`, login });
      await economy.credit(`local:${login}`, tokens, { reason: 'test money', source: 'test' });
    },
    balance: (login) => economy.balance(`local:${login}`),
    rows: (sql, params = []) => t.storage.all<Record<string, unknown>>(sql, params),
    url: options.dashboard ? (t.service('dashboard').url ?? '') : '',
  };
}


export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

/**
 * Calls the dashboard's HTTP API (with the dashboard's own test client), with the bearer token unless other
 * headers are given. A string body is sent as it is (for malformed JSON).
 */
export async function call(base: string, method: string, url: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${API_TOKEN}` }, client = new Client(base)): Promise<HttpAnswer> {
  const r = await client.request(method, url, {
    headers: { accept: 'application/json', ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(typeof body === 'string' ? { body } : body !== undefined ? { json: body } : {}),
  });
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(r.text) as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  return { status: r.status, body: parsed, text: r.text };
}
