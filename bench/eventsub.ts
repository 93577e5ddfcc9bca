// The EventSub figure: a storm of channel-point redemptions and follows over the WebSocket transport, a fifth
// of them redelivered, credited end to end by the bot; beside a bare twurple EventSubWsListener that only
// counts the same events from the same fake. Figures: events/s and the ratio, p99 from sending an event to
// its committed credit (the ledger row's time), and double pays (must be 0).
import { StaticAuthProvider } from '@twurple/auth';
import { ApiClient } from '@twurple/api';
import { EventSubWsListener } from '@twurple/eventsub-ws';
import { randomUUID } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { readFileSync, writeFileSync } from 'node:fs';
import { ALL_SCOPES } from '../plugins/eventsub/auth.ts';
import { FakeEventSub, payloads, type FakeUser } from '../test/support/fake-eventsub.ts';
import { BOT_TOKEN, CHANNEL, count, openDb, percentile, waitUntil, startBot, type BenchWorld } from './harness.ts';

const BROADCASTER: FakeUser = { id: '100', login: CHANNEL };
const BROADCASTER_TOKEN = 'bench-broadcaster';
const REDEMPTION = 'channel.channel_points_custom_reward_redemption.add';

export interface StormResult {
  readonly rate: number;
  readonly bareRate: number;
  readonly p99: number;
  readonly doublePays: number;
  readonly missing: number;
}

interface Sent {
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly messageId?: string;
  /** The ledger key of its credit. */
  readonly key?: string;
}

/** n events: half redemptions, half follows; every fifth one a redelivery of an earlier one. */
function storm(n: number, rewardId: string): Sent[] {
  // Each round's ids are its own: a later round on the same database is not a redelivery of an earlier one.
  const round = randomUUID().slice(0, 8);
  const out: Sent[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 5 === 4) {
      const earlier = out[i - 4];
      // A redemption comes again under a new message id (only its own id matches); a follow with its old one.
      out.push(earlier?.type === REDEMPTION ? { type: REDEMPTION, payload: earlier.payload } : { ...(earlier as Sent), key: undefined });
      continue;
    }
    const user = { id: `es${round}${i}`, login: `es${round}${i}` };
    if (i % 2 === 0) {
      const payload = payloads.redemption(BROADCASTER, { user, rewardId, title: 'Bench loaf', cost: 1 });
      out.push({ type: REDEMPTION, payload, key: `eventsub:redemption:${String(payload.id)}:tokens` });
    } else {
      const messageId = `follow-${round}-${i}`;
      out.push({ type: 'channel.follow', payload: payloads.follow(BROADCASTER, user), messageId, key: `eventsub:msg:${messageId}:tokens` });
    }
  }
  return out;
}

/** Sends the storm; returns each credited key's send time (epoch ms). */
async function send(fake: FakeEventSub, events: readonly Sent[]): Promise<Map<string, number>> {
  const sentAt = new Map<string, number>();
  for (const e of events) {
    await fake.notify(e.type, e.payload, e.messageId ? { messageId: e.messageId } : {});
    if (e.key && !sentAt.has(e.key)) sentAt.set(e.key, Date.now());
  }
  return sentAt;
}

function withEventSub(configFile: string, on: boolean): void {
  const doc = parse(readFileSync(configFile, 'utf8')) as { plugins: Record<string, unknown> };
  doc.plugins.eventsub = on ? { enabled: true, rewards: [{ title: 'Bench loaf', cost: 1, tokens: 1 }], follow: { tokens: 1 } } : { enabled: false };
  writeFileSync(configFile, stringify(doc));
}

export async function eventsubStorm(world: BenchWorld, n: number): Promise<StormResult> {
  const fake = await new FakeEventSub({ keepaliveSeconds: 60 }).start();
  fake.grant(BOT_TOKEN, { user: { id: '1', login: 'bakebot' }, clientId: 'benchclient', scopes: ['chat:read', 'chat:edit'] });
  fake.grant(BROADCASTER_TOKEN, { user: BROADCASTER, clientId: 'benchclient', scopes: ALL_SCOPES });
  withEventSub(world.configFile, true);
  try {
    // The bot: its chat token is validated by the same fake (TWURPLE_MOCK_API_PORT points everything at it).
    const bot = await startBot(world, { TWURPLE_MOCK_API_PORT: String(fake.port), TWITCH_BROADCASTER_TOKEN: BROADCASTER_TOKEN });
    let rate = 0;
    let p99 = NaN;
    let doublePays = 0;
    let missing = 0;
    const events = storm(n, 'pending');
    try {
      await waitUntil(() => fake.enabled().length === 2 && fake.rewards.length === 1, 30_000, 'the bot\'s subscriptions and reward');
      const rewardId = fake.rewards[0]?.id ?? '';
      for (const e of events) if (e.type === REDEMPTION) (e.payload.reward as { id: string }).id = rewardId;
      const unique = events.filter((e) => e.key).length;
      const db = await openDb(world);
      const t0 = Date.now();
      const sentAt = await send(fake, events);
      await waitUntil(async () => (await count(db, `SELECT count(*) AS n FROM economy_ledger WHERE source = 'eventsub' AND time >= ${t0}`)) >= unique, 180_000, 'every credit committed', 20);
      // A redelivery arriving last would pay after the others: give it a moment, then count.
      await new Promise((r) => setTimeout(r, 500));
      const rows = await db.all<{ key: string; time: number; delta: number }[]>(`SELECT key, time, delta FROM economy_ledger WHERE source = 'eventsub' AND time >= ${t0}`);
      const paid = rows.reduce((s, r) => s + r.delta, 0);
      doublePays = Math.max(0, rows.length - unique) + Math.max(0, paid - unique);
      const latencies = rows.map((r) => r.time - (sentAt.get(r.key) ?? r.time));
      const credited = new Set(rows.map((r) => r.key));
      missing = [...sentAt.keys()].filter((k) => !credited.has(k)).length;
      p99 = percentile(latencies, 99);
      rate = events.length / ((Math.max(...rows.map((r) => r.time)) - t0) / 1000);
      await db.close();
    } finally {
      await bot.stop();
    }

    // The baseline: twurple alone, counting the same storm from the same fake (it drops repeated message ids).
    const previous = process.env.TWURPLE_MOCK_API_PORT;
    process.env.TWURPLE_MOCK_API_PORT = String(fake.port);
    const api = new ApiClient({ authProvider: new StaticAuthProvider('benchclient', BROADCASTER_TOKEN, [...ALL_SCOPES]) });
    const bare = new EventSubWsListener({ apiClient: api });
    let seen = 0;
    let last = 0;
    bare.onChannelRedemptionAdd(BROADCASTER.id, () => void ((seen += 1), (last = Date.now())));
    bare.onChannelFollow(BROADCASTER.id, BROADCASTER.id, () => void ((seen += 1), (last = Date.now())));
    bare.start();
    let bareRate = 0;
    try {
      await waitUntil(() => fake.enabled().length === 2, 30_000, 'the bare listener\'s subscriptions');
      const expected = events.filter((e) => e.type === REDEMPTION || e.key).length;
      const t0 = Date.now();
      await send(fake, events);
      await waitUntil(() => seen >= expected, 120_000, 'the bare listener to count the storm', 5);
      bareRate = events.length / (Math.max(1, last - t0) / 1000);
    } finally {
      bare.stop();
      if (previous === undefined) delete process.env.TWURPLE_MOCK_API_PORT;
      else process.env.TWURPLE_MOCK_API_PORT = previous;
    }
    return { rate, bareRate, p99, doublePays, missing };
  } finally {
    withEventSub(world.configFile, false);
    await fake.stop();
  }
}
