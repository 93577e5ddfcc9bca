// EventSub: channel-point redemptions, follows, subs, gifts, cheers and raids become bot actions, exactly once.
// Twitch pushes the events over a WebSocket (default) or to a webhook; each is turned into one shape
// (events.ts), acted on once (actions.ts: the key is stored with the credits), and a redemption of a reward
// the bot manages is then marked FULFILLED or CANCELED on Twitch (rewards.ts).
import { randomUUID } from 'node:crypto';
import { definePlugin } from '../../core/define.ts';
import { createActions, type Outcome } from './actions.ts';
import { eventAlert } from './overlay.ts';
import { broadcasterAuth, type Broadcaster } from './auth.ts';
import { connect, type Connection, type ConnectionView } from './connection.ts';
import { BadPayload, describe, type BotEvent, type EventType } from './events.ts';
import { createLogin } from './login.ts';
import { batchQueue } from './queue.ts';
import { ManagedRewards, type StatusChange } from './rewards.ts';
import type { EventSubService, RecentEvent, TestEventOptions } from './service.ts';
import { CONFIG_SCHEMA } from './settings.ts';
import { addSetupStep } from './setup-step.ts';
import { mountDashboard } from './web.ts';

export type * from './service.ts';

const DAY_MS = 86_400_000;

export default definePlugin({
  name: 'eventsub',
  version: '1.0.0',
  description: 'Channel points, follows, subs, cheers and raids become bot actions (tokens, XP, shop effects, games, chat), exactly once.',
  dependsOn: ['economy'],
  optionalDependsOn: ['shop', 'dashboard', 'minigames', 'overlays'],
  enabledByDefault: false,
  // The seed's names: ENABLE_EVENTSUB switches the plugin, the other two set its webhook settings.
  env: { ENABLE_EVENTSUB: 'enabled', EVENTSUB_SECRET: 'secret', EVENTSUB_PORT: 'port' },
  envVars: ['TWITCH_BROADCASTER_TOKEN', 'TWITCH_BROADCASTER_REFRESH_TOKEN', 'TWITCH_CLIENT_ID', 'TWITCH_CLIENT_SECRET', 'TWITCH_AUTH_URL'],
  // The bot's own token serves as the broadcaster's when the bot account is the channel's owner.
  // Its page's script and stylesheet are served through the dashboard's addAssets (no login for static files).
  capabilities: ['twitch-token', 'public-assets'],
  configSchema: CONFIG_SCHEMA,
  migrations: 'migrations',

  async setup(ctx) {
    const config = ctx.config;
    const economy = ctx.service('economy');
    const games = () => ctx.optionalService('minigames');
    const rewards = new ManagedRewards(config.rewards, ctx.log);
    let who: Broadcaster | undefined;
    let conn: Connection | undefined;
    let stopped = false;
    const idle: ConnectionView = { transport: config.transport, status: 'starting', detail: '', since: ctx.clock.now(), reconnects: 0 };

    const channel = () => {
      const joined = ctx.chat.channels;
      return (who && joined.find((c) => c === who?.login.toLowerCase())) ?? joined[0];
    };
    const actions = createActions({ ctx, economy, shop: () => ctx.optionalService('shop'), games, channel });
    // Events that arrive together are credited in one transaction (queue.ts), each still once.
    const queue = batchQueue(actions.runMany);
    // And their redemptions are marked on Twitch together: one call per reward and status, up to 50 ids.
    const statuses = batchQueue<StatusChange, Error | undefined>((items) =>
      conn && who ? rewards.setStatuses(conn.api, who.id, items) : Promise.resolve(items.map(() => new Error('EventSub is not connected'))),
    );

    async function settle(e: BotEvent, outcome: Outcome): Promise<void> {
      const what = `${describe(e)}${e.test ? ' (test)' : ''}`;
      if (outcome.status === 'duplicate') ctx.log.info(`dropped a redelivered event: ${what} was already handled`);
      else if (outcome.status === 'failed') ctx.log.warn(`${what}: failed: ${outcome.reason ?? ''}`);
      else if (outcome.status === 'skipped') ctx.log.info(`${what}: nothing to do (${outcome.reason ?? ''})`);
      else ctx.log.info(`${what}: ${outcome.did.join(', ') || 'done'}`);
      // On stream (OBS's alerts overlay), once per event the bot acted on.
      if (outcome.status === 'done') ctx.optionalService('overlays')?.publish(ctx, 'alerts', eventAlert(e));
      if (e.type !== 'redemption' || e.test || !outcome.reward || outcome.status === 'duplicate' || outcome.status === 'skipped') return;
      if (!rewards.manages(e.rewardId)) {
        ctx.log.warn(`"${e.reward}" is not a reward the bot manages, so its redemption stays in the streamer's queue (see the EventSub page)`);
        return;
      }
      const status = outcome.status === 'done' ? 'FULFILLED' : 'CANCELED';
      if (!conn || !who) return;
      const err = await statuses.push({ rewardId: e.rewardId, redemptionId: e.redemptionId, status });
      if (err) ctx.log.error(`could not mark ${e.user.login}'s "${e.reward}" redemption ${status} on Twitch: ${err.message}`);
      else if (status === 'CANCELED') ctx.log.warn(`canceled ${e.user.login}'s "${e.reward}" redemption (Twitch gives the points back): ${outcome.reason ?? ''}`);
    }

    async function handle(make: () => BotEvent | null, type: EventType): Promise<void> {
      let e: BotEvent | null;
      try {
        e = make();
      } catch (err) {
        if (err instanceof BadPayload) {
          ctx.log.warn(`skipped ${err.message}: the payload is missing fields`);
          return;
        }
        throw err;
      }
      if (!e) {
        ctx.log.info(`an anonymous ${type} event: nobody to credit`);
        return;
      }
      await settle(e, await queue.push(e));
    }

    async function start(): Promise<void> {
      try {
        who = await broadcasterAuth(ctx, () => conn?.renew());
        if (stopped) return;
        ctx.log.info(`EventSub for #${who.login} (token: ${who.source}), over ${config.transport}`);
        conn = await connect(ctx, who, (make, type) => void handle(make, type).catch((err: unknown) => ctx.log.error(`handling a ${type} event failed: ${(err as Error).message}`)));
        if (stopped) return void conn.stop();
        await rewards.sync(conn.api, who.id);
      } catch (err) {
        Object.assign(idle, { status: 'error', detail: (err as Error).message, since: ctx.clock.now() });
        ctx.log.error(`EventSub is not connected: ${(err as Error).message}`);
      }
    }
    void start();

    // The bot logged in from the setup wizard (perhaps as the broadcaster, with the scopes above) while this
    // plugin had no broadcaster token: start again, so its token serves if it can.
    const botTokenAtStart = ctx.runtime.twitchToken()?.accessToken;
    let restarting = false;
    ctx.onDispose(
      ctx.runtime.onStatus(() => {
        const token = ctx.runtime.twitchToken()?.accessToken;
        if (restarting || stopped || who || idle.status !== 'error' || !token || token === botTokenAtStart) return;
        restarting = true;
        ctx.log.info('the bot has a new Twitch token: EventSub starts again to try it as the broadcaster\'s');
        void ctx.host.reload('eventsub').catch((err: unknown) => ctx.log.warn(`EventSub could not start again: ${(err as Error).message}`));
      }),
    );

    ctx.onDispose(async () => {
      stopped = true;
      await queue.drained();
      await statuses.drained();
      // At most a few seconds: an unreachable Twitch must not hold up a reload or the bot's shutdown.
      if (conn && who && config.pauseRewardsWhenOff) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([rewards.pause(conn.api, who.id), new Promise((r) => (timer = setTimeout(r, 3000)))]);
        clearTimeout(timer);
      }
      await conn?.stop();
    });

    // A redemption claimed before its effect or game ran, when the bot then stopped (a crash): it was not acted
    // on, and its redelivery will be dropped. Say so once, so the streamer can check it by hand.
    const stuck = await ctx.db.run("UPDATE eventsub_events SET status = 'failed', detail = 'the bot stopped while acting on it: check it by hand' WHERE status = 'processing'");
    if (stuck.changes) ctx.log.warn(`${stuck.changes} event(s) were interrupted by a stop while being acted on; they are marked failed on the EventSub page`);

    // Event keys are kept dedupeDays, then forgotten (a redelivery comes within minutes, not weeks).
    const forget = () => ctx.db.run('DELETE FROM eventsub_events WHERE received_at < ?', [ctx.clock.now() - config.dedupeDays * DAY_MS]).then(() => undefined);
    await forget();
    ctx.timers.setInterval(forget, DAY_MS / 4);

    const service: EventSubService = {
      status: () => ({
        connection: conn?.view ?? idle,
        broadcaster: who ? { login: who.login, source: who.source, scopes: who.scopes } : null,
        subscriptions: conn?.subscriptions() ?? [],
        rewards: rewards.views,
      }),
      async recent(limit = 50) {
        const rows = await ctx.db.all<{ key: string; type: string; test: number; login: string | null; summary: string; status: string; detail: string; received_at: number }>(
          'SELECT key, type, test, login, summary, status, detail, received_at FROM eventsub_events ORDER BY received_at DESC, rowid DESC LIMIT ?',
          [Math.min(Math.max(1, limit), 500)],
        );
        return rows.map((r): RecentEvent => ({ key: r.key, type: r.type, test: r.test === 1, login: r.login, summary: r.summary, status: r.status, detail: r.detail, receivedAt: r.received_at }));
      },
      async test(type, options: TestEventOptions = {}) {
        const e = testEvent(type, options, config.rewards[0]?.title);
        const outcome = await actions.run(e);
        await settle(e, outcome);
        return outcome;
      },
    };

    const dashboard = ctx.optionalService('dashboard');
    if (dashboard) {
      const login = createLogin(ctx);
      mountDashboard(ctx, dashboard, service, login);
      addSetupStep(ctx, dashboard, service, login);
    }
    return service;
  },
});

/** An event as Twitch would send it, from the dashboard's test button. */
function testEvent(type: EventType, o: TestEventOptions, firstReward: string | undefined): BotEvent {
  const login = (o.login ?? 'testviewer').replace(/^@/, '').toLowerCase();
  const base = { key: `test:${randomUUID()}`, test: true, user: { id: `local:${login}`, login, displayName: login } } as const;
  const n = o.amount;
  switch (type) {
    case 'redemption':
      return { ...base, type, redemptionId: randomUUID(), rewardId: 'test', reward: o.reward ?? firstReward ?? 'Test reward', input: o.input ?? '' };
    case 'follow':
      return { ...base, type };
    case 'subscribe':
      return { ...base, type, tier: '1000', gifted: false };
    case 'resub':
      return { ...base, type, tier: '1000', months: n ?? 3, message: o.input ?? '' };
    case 'gift':
      return { ...base, type, tier: '1000', count: n ?? 1 };
    case 'cheer':
      return { ...base, type, bits: n ?? 100, message: o.input ?? '' };
    case 'raid':
      return { ...base, type, viewers: n ?? 10 };
  }
}

