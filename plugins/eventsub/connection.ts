// The EventSub connection: a twurple listener (WebSocket by default, or webhooks on EVENTSUB_PORT), one
// subscription per configured event type, and what the dashboard shows about them. twurple reconnects a
// dropped WebSocket (and subscribes again on the new session) and follows Twitch's session_reconnect; this
// file records those moves, revocations with their reason, and makes failed subscriptions again after the
// broadcaster's token was refreshed.
import { ApiClient } from '@twurple/api';
import type { EventSubSubscription } from '@twurple/eventsub-base';
import type { PluginContext } from '../../core/types.ts';
import { missingScope, type Broadcaster } from './auth.ts';
import { fromCheer, fromFollow, fromGift, fromRaid, fromRedemption, fromResub, fromSubscription, type BotEvent, type EventType } from './events.ts';
import { capturingMiddleware, capturingWsListener, type CapturingMiddleware, type CapturingWsListener } from './listeners.ts';
import type { EventSubConfig } from './settings.ts';
import { startWebhookServer, type WebhookServer } from './webhook.ts';

export type SubscriptionStatus = 'pending' | 'enabled' | 'failed' | 'revoked' | 'missing scope';

export interface SubscriptionView {
  readonly event: EventType;
  /** Twitch's name of the topic, e.g. channel.follow. */
  readonly topic: string;
  status: SubscriptionStatus;
  detail: string;
  since: number;
}

export type ConnectionStatus = 'starting' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'stopped' | 'error';

export interface ConnectionView {
  readonly transport: 'websocket' | 'webhook';
  status: ConnectionStatus;
  detail: string;
  since: number;
  reconnects: number;
}

const TOPICS: Record<EventType, string> = {
  redemption: 'channel.channel_points_custom_reward_redemption.add',
  follow: 'channel.follow',
  subscribe: 'channel.subscribe',
  resub: 'channel.subscription.message',
  gift: 'channel.subscription.gift',
  cheer: 'channel.cheer',
  raid: 'channel.raid',
};

/** Event types the settings ask for (a type with no action needs no subscription, nor its scope). */
export function wantedTypes(config: EventSubConfig): EventType[] {
  const out: EventType[] = [];
  if (config.rewards.length) out.push('redemption');
  if (config.follow) out.push('follow');
  if (config.subscribe) out.push('subscribe', 'resub');
  if (config.gift) out.push('gift');
  if (config.cheer) out.push('cheer');
  if (config.raid) out.push('raid');
  return out;
}

export interface Connection {
  readonly api: ApiClient;
  readonly view: ConnectionView;
  subscriptions(): readonly SubscriptionView[];
  /** Makes the subscriptions that failed or were revoked again (after a token refresh). */
  renew(): void;
  stop(): Promise<void>;
}

type Listener = CapturingWsListener | CapturingMiddleware;

export async function connect(ctx: PluginContext<EventSubConfig>, who: Broadcaster, onEvent: (make: () => BotEvent | null, type: EventType) => void): Promise<Connection> {
  const config = ctx.config;
  const now = () => ctx.clock.now();
  // twurple's own warnings repeat what this plugin logs with more context; only its critical errors pass.
  const twurpleLog = { minLevel: 'critical' as const, custom: (_level: number, message: string) => ctx.log.error(`twurple: ${message}`) };
  const api = new ApiClient({ authProvider: who.provider, logger: twurpleLog });
  const view: ConnectionView = { transport: config.transport, status: 'starting', detail: '', since: now(), reconnects: 0 };
  const set = (status: ConnectionStatus, detail = '') => Object.assign(view, { status, detail, since: now() });
  const subs = new Map<string, { view: SubscriptionView; sub: EventSubSubscription; make: () => EventSubSubscription }>();

  let listener: Listener;
  let server: WebhookServer | undefined;
  if (config.transport === 'webhook') {
    if (!config.secret) throw new Error('the webhook transport needs EVENTSUB_SECRET (10-100 characters)');
    if (!config.publicUrl) throw new Error('the webhook transport needs plugins.eventsub.publicUrl: the HTTPS address your reverse proxy forwards to EVENTSUB_PORT');
    if (!who.appToken) throw new Error('the webhook transport subscribes with an app token: set TWITCH_CLIENT_SECRET in .env (or use the websocket transport)');
    const url = new URL(config.publicUrl);
    const middleware = capturingMiddleware({ apiClient: api, hostName: url.host, pathPrefix: url.pathname.replace(/^\/|\/$/g, '') || undefined, secret: config.secret, logger: twurpleLog });
    listener = middleware;
    server = await startWebhookServer(ctx, middleware, config.port, (sub) => [...subs.values()].some((s) => s.sub.id === sub));
    set('connected', `listening on port ${server.port} for ${config.publicUrl}`);
  } else {
    const ws = capturingWsListener({ apiClient: api, logger: twurpleLog });
    listener = ws;
    let ready = false;
    ws.onUserSocketConnect(() => set(ready ? 'reconnecting' : 'connecting', 'connected, waiting for the session'));
    ws.onUserSocketReady((_user, session) => {
      if (ready) view.reconnects++;
      ready = true;
      set('connected', `session ${session}`);
    });
    ws.onUserSocketDisconnect((_user, err) => {
      if (view.status === 'stopped') return;
      set('disconnected', err ? `${err.message}; twurple reconnects` : 'closed');
      ctx.log.warn(`EventSub WebSocket disconnected${err ? `: ${err.message}` : ''}; reconnecting`);
      for (const s of subs.values()) if (s.view.status === 'enabled') Object.assign(s.view, { status: 'pending', detail: 'waiting for the new session', since: now() });
    });
  }

  const byTwurple = (sub: EventSubSubscription) => [...subs.values()].find((s) => s.sub === sub || s.sub.id === sub.id);
  listener.onSubscriptionCreateSuccess((sub) => {
    const s = byTwurple(sub);
    if (s) Object.assign(s.view, { status: 'enabled', detail: '', since: now() });
  });
  listener.onSubscriptionCreateFailure((sub, err) => {
    const s = byTwurple(sub);
    if (!s) return;
    Object.assign(s.view, { status: 'failed', detail: err.message, since: now() });
    ctx.log.error(`Twitch refused the ${s.view.topic} subscription: ${err.message}`);
  });
  listener.onRevoke((sub, status) => {
    const s = byTwurple(sub);
    if (!s) return;
    const why = status === 'authorization_revoked' ? 'the broadcaster revoked the bot\'s access' : status === 'user_removed' ? 'the user no longer exists' : status === 'moderator_removed' ? 'the moderator was removed' : status === 'version_removed' ? 'Twitch retired this version' : String(status);
    Object.assign(s.view, { status: 'revoked', detail: `${status}: ${why}`, since: now() });
    ctx.log.warn(`Twitch revoked the ${s.view.topic} subscription (${status}: ${why}); it is made again after the next token refresh, or when the plugin restarts`);
  });
  listener.onRepeat = (id, sub) => ctx.log.info(`dropped a repeated EventSub message ${id} (${byTwurple(sub)?.view.topic ?? 'unknown subscription'})`);
  listener.onHandlerError = (msg) => ctx.log.error(msg);

  // Each handler reads the message id first: twurple calls it synchronously while the id is set.
  const on = (type: EventType, convert: (messageId: string | undefined) => BotEvent | null) => {
    const messageId = listener.current;
    onEvent(() => convert(messageId), type);
  };
  const received = () => now();
  const b = who.id;
  const makers: Record<EventType, () => EventSubSubscription> = {
    redemption: () => listener.onChannelRedemptionAdd(b, (e) => on('redemption', () => fromRedemption(e))),
    follow: () => listener.onChannelFollow(b, b, (e) => on('follow', (id) => fromFollow(e, id))),
    subscribe: () => listener.onChannelSubscription(b, (e) => on('subscribe', (id) => fromSubscription(e, id, received()))),
    resub: () => listener.onChannelSubscriptionMessage(b, (e) => on('resub', (id) => fromResub(e, id, received()))),
    gift: () => listener.onChannelSubscriptionGift(b, (e) => on('gift', (id) => fromGift(e, id, received()))),
    cheer: () => listener.onChannelCheer(b, (e) => on('cheer', (id) => fromCheer(e, id, received()))),
    raid: () => listener.onChannelRaidTo(b, (e) => on('raid', (id) => fromRaid(e, id, received()))),
  };

  const problems: SubscriptionView[] = [];
  for (const type of wantedTypes(config)) {
    const lacking = missingScope(who.scopes, type);
    if (lacking) {
      problems.push({ event: type, topic: TOPICS[type], status: 'missing scope', detail: `the broadcaster token lacks the scope ${lacking}`, since: now() });
      ctx.log.error(`cannot subscribe to ${TOPICS[type]}: the broadcaster token lacks the scope ${lacking}; log the broadcaster in again with it`);
      continue;
    }
    const sub = makers[type]();
    subs.set(type, { view: { event: type, topic: TOPICS[type], status: 'pending', detail: '', since: now() }, sub, make: makers[type] });
  }

  if (listener.transport === 'websocket') listener.start();
  else await listener.markAsReady();

  return {
    api,
    view,
    subscriptions: () => [...[...subs.values()].map((s) => s.view), ...problems],
    renew() {
      for (const s of subs.values()) {
        if (s.view.status !== 'failed' && s.view.status !== 'revoked') continue;
        s.sub.stop();
        s.sub = s.make();
        Object.assign(s.view, { status: 'pending', detail: 'subscribing again', since: now() });
      }
    },
    async stop() {
      set('stopped');
      if (listener.transport === 'websocket') listener.stop();
      else for (const s of subs.values()) s.sub.stop();
      await server?.close();
    },
  };
}

