// Shared set-up of the EventSub tests: a fake EventSub + Helix (test/support/fake-eventsub.ts) that twurple
// reaches through TWURPLE_MOCK_API_PORT, a broadcaster token it accepts, and a bot with the plugin on.
import { FakeEventSub, type FakeUser } from '../../../test/support/fake-eventsub.ts';
import { startTestBot, type TestBot } from '../../../test/support/kit.ts';
import { ALL_SCOPES } from '../auth.ts';

export const STREAMER: FakeUser = { id: '1001', login: 'streamer' };
export const CLIENT_ID = 'bakebot-client';
export const TOKEN = 'broadcaster-token';

export const SETTINGS = {
  rewards: [
    { title: 'Hydrate', cost: 100, tokens: 50, xp: 5, say: '{user} drinks water: +{tokens}' },
    { title: 'Fresh cookie', cost: 300, effect: 'cookie', tokens: 1 },
    { title: 'Mystery box', cost: 500, effect: 'mystery_box' },
  ],
  follow: { tokens: 5, xp: 10, say: 'Welcome to the bakery, {user}!' },
  subscribe: { tokens: 100 },
  gift: { tokens: 40 },
  cheer: { tokens: 10 },
  raid: { tokens: 2, max: 30, say: '{user} raided with {viewers}!' },
};

export async function startFake(scopes: readonly string[] = ALL_SCOPES): Promise<FakeEventSub> {
  const fake = await new FakeEventSub({ keepaliveSeconds: 10 }).start();
  fake.grant(TOKEN, { user: STREAMER, clientId: CLIENT_ID, scopes });
  // twurple reads it from the process environment when it builds each URL and when a listener is created.
  process.env.TWURPLE_MOCK_API_PORT = String(fake.port);
  return fake;
}

/** Stops the fake and takes its port out of the environment, so later test files start clean. */
export async function stopFake(fake: FakeEventSub | undefined): Promise<void> {
  await fake?.stop();
  delete process.env.TWURPLE_MOCK_API_PORT;
}

export function startBot(o: { dir?: string; settings?: Record<string, unknown>; env?: Record<string, string>; plugins?: string[] } = {}): Promise<TestBot> {
  return startTestBot({
    plugins: o.plugins ?? ['economy', 'shop', 'eventsub'],
    // The kit writes every other built-in as disabled; ENABLE_EVENTSUB in `env` overrides that.
    config: { bot: { channels: ['streamer'] }, plugins: { eventsub: { ...SETTINGS, ...o.settings } } },
    env: { TWITCH_BROADCASTER_TOKEN: TOKEN, TWITCH_CLIENT_ID: CLIENT_ID, ...o.env },
    ...(o.dir ? { dir: o.dir, keepConfig: true } : {}),
  });
}

/** Polls a condition (the bot works on its own time: sockets, Helix calls, transactions). */
export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 8000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function balance(t: TestBot, id: string): Promise<number> {
  return (await t.service('economy').getAccount(id))?.tokens ?? 0;
}

export function logsOf(t: TestBot, pattern: RegExp): string[] {
  return t.bot.logs.recent().filter((l) => l.source.includes('eventsub') && pattern.test(l.msg)).map((l) => l.msg);
}
