// A fake of Twitch's EventSub for tests that run the real twurple listeners: one local HTTP server that is
// the auth endpoints (`/auth/validate`, `/auth/token`), the Helix calls the EventSub plugin makes
// (`/eventsub/subscriptions`, `/mock/users`, `/mock/channel_points/...`) and the EventSub WebSocket (`/ws`),
// where twurple goes when TWURPLE_MOCK_API_PORT names this server's port. It speaks the WebSocket protocol
// (session_welcome, notification, session_keepalive, session_reconnect, revocation), verifies webhook
// callbacks and sends signed webhook notifications like Twitch does, and records every redemption status
// update so a test can check what the bot told Twitch.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeUser {
  readonly id: string;
  readonly login: string;
}

export interface TokenGrant {
  readonly user: FakeUser | null;
  readonly clientId: string;
  readonly scopes: readonly string[];
}

export interface FakeSubscription {
  id: string;
  type: string;
  version: string;
  condition: Record<string, string>;
  transport: { method: 'websocket'; session_id: string; connected_at?: string } | { method: 'webhook'; callback: string; secret: string };
  status: string;
  created_at: string;
  cost: number;
}

export interface FakeReward {
  id: string;
  title: string;
  cost: number;
  prompt: string;
  is_user_input_required: boolean;
  is_paused: boolean;
  /** The app (client id) that created it: only it may manage it. */
  ownerClientId: string;
}

export interface StatusUpdate {
  readonly rewardId: string;
  readonly redemptionIds: readonly string[];
  readonly status: string;
}

interface Session {
  readonly id: string;
  socket: WebSocket;
}

const VERSIONS: Record<string, string> = { 'channel.follow': '2' };

/** Twitch's signature of a webhook message: HMAC-SHA256 over id + timestamp + body. */
export function signWebhook(secret: string, messageId: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(messageId + timestamp + body).digest('hex')}`;
}

export interface WebhookMessage {
  readonly url: string;
  readonly secret: string;
  readonly type: 'notification' | 'webhook_callback_verification' | 'revocation';
  readonly body: unknown;
  readonly messageId?: string;
  readonly timestamp?: string;
  /** Sign with this secret instead (a forged message). */
  readonly signWith?: string;
  readonly subscriptionType?: string;
}

/** Sends one signed webhook message as Twitch does; resolves with the status and body of the answer. */
export async function sendWebhook(m: WebhookMessage): Promise<{ status: number; text: string; messageId: string }> {
  const messageId = m.messageId ?? randomUUID();
  const timestamp = m.timestamp ?? new Date().toISOString();
  const body = JSON.stringify(m.body);
  const res = await fetch(m.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'twitch-eventsub-message-id': messageId,
      'twitch-eventsub-message-timestamp': timestamp,
      'twitch-eventsub-message-type': m.type,
      'twitch-eventsub-message-signature': signWebhook(m.signWith ?? m.secret, messageId, timestamp, body),
      'twitch-eventsub-subscription-type': m.subscriptionType ?? '',
      'twitch-eventsub-subscription-version': '1',
    },
    body,
  });
  return { status: res.status, text: await res.text(), messageId };
}

export class FakeEventSub {
  readonly subscriptions: FakeSubscription[] = [];
  readonly rewards: FakeReward[] = [];
  readonly statusUpdates: StatusUpdate[] = [];
  readonly requests: { method: string; path: string }[] = [];
  /** Where webhook callbacks really go: the bot's listener on localhost (Twitch would call the public URL). */
  webhookTarget: string | undefined;
  /** Make every redemption status update fail with this HTTP status. */
  failStatusUpdates: number | undefined;
  private readonly tokens = new Map<string, TokenGrant>();
  private readonly expired = new Set<string>();
  private readonly sessions = new Map<string, Session>();
  private readonly server = http.createServer((req, res) => void this.http(req, res));
  private readonly wss = new WebSocketServer({ noServer: true });
  private keepalive: NodeJS.Timeout | undefined;
  private seq = 0;
  port = 0;

  constructor(readonly options: { keepaliveSeconds?: number } = {}) {
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/ws') return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws, url.searchParams.get('reconnect') ?? undefined));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    const every = (this.options.keepaliveSeconds ?? 10) * 400;
    this.keepalive = setInterval(() => {
      for (const s of this.sessions.values()) this.send(s.socket, 'session_keepalive', {});
    }, every);
    this.keepalive.unref();
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.keepalive);
    for (const c of this.wss.clients) c.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A token Twitch would accept. */
  grant(token: string, grant: TokenGrant): void {
    this.tokens.set(token, grant);
  }

  /** The device-code login in progress (Twitch's id.twitch.tv/oauth2/device, at TWITCH_AUTH_URL = this server). */
  device: { code: string; userCode: string; clientId: string; scopes: string[]; approvedBy: FakeUser | undefined } | undefined;

  /** The user approves the device-code login on Twitch's activate page. */
  approveDevice(user: FakeUser): void {
    if (!this.device) throw new Error('no device login was started');
    this.device.approvedBy = user;
  }

  /** The token stops working (expired): Twitch answers 401 until it is refreshed. */
  expire(token: string): void {
    this.expired.add(token);
  }

  /** Tokens handed out by refreshing. */
  get refreshed(): number {
    return [...this.tokens.keys()].filter((k) => k.startsWith('refreshed-')).length;
  }

  /** Sessions with an open socket. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  enabled(type?: string): FakeSubscription[] {
    return this.subscriptions.filter((s) => s.status === 'enabled' && (!type || s.type === type));
  }

  // ------------------------------------------------------------------ WebSocket

  private connected(ws: WebSocket, reconnecting: string | undefined): void {
    const old = reconnecting ? this.sessions.get(reconnecting) : undefined;
    const id = old?.id ?? `session-${++this.seq}`;
    const session: Session = old ?? { id, socket: ws };
    const previous = session.socket;
    session.socket = ws;
    this.sessions.set(id, session);
    ws.on('close', () => {
      if (session.socket !== ws) return;
      this.sessions.delete(id);
      // Twitch drops a closed session's subscriptions.
      for (const s of this.subscriptions) if (s.transport.method === 'websocket' && s.transport.session_id === id && s.status === 'enabled') s.status = 'websocket_disconnected';
    });
    this.send(ws, 'session_welcome', { session: { id, status: 'connected', connected_at: new Date().toISOString(), keepalive_timeout_seconds: this.options.keepaliveSeconds ?? 10, reconnect_url: null } });
    // After a session_reconnect the old connection closes once the new one is welcomed; subscriptions stay.
    if (old && previous !== ws) previous.close(4004, 'reconnected');
  }

  private send(ws: WebSocket, type: string, payload: unknown, extra: Record<string, string> = {}, messageId: string = randomUUID()): string {
    ws.send(JSON.stringify({ metadata: { message_id: messageId, message_type: type, message_timestamp: extra.timestamp ?? new Date().toISOString(), ...extra }, payload }));
    return messageId;
  }

  /**
   * Sends an event to the subscription of `type` (over its WebSocket or to its webhook) and returns the message
   * id; pass the same `messageId` again for a redelivery. `timestamp` sends an old message.
   */
  async notify(type: string, event: Record<string, unknown>, o: { messageId?: string; timestamp?: string } = {}): Promise<string> {
    const sub = this.enabled(type)[0];
    if (!sub) throw new Error(`no enabled ${type} subscription (have: ${this.subscriptions.map((s) => `${s.type}=${s.status}`).join(', ')})`);
    const messageId = o.messageId ?? randomUUID();
    if (sub.transport.method === 'webhook') {
      const res = await sendWebhook({ url: this.callback(sub), secret: sub.transport.secret, type: 'notification', body: { subscription: this.public(sub), event }, messageId, timestamp: o.timestamp, subscriptionType: type });
      if (res.status >= 300) throw new Error(`the webhook answered ${res.status}`);
      return messageId;
    }
    const session = this.sessions.get(sub.transport.session_id);
    if (!session) throw new Error(`the ${type} subscription's session is closed`);
    return this.send(session.socket, 'notification', { subscription: this.public(sub), event }, { subscription_type: type, subscription_version: sub.version, ...(o.timestamp ? { timestamp: o.timestamp } : {}) }, messageId);
  }

  /** Twitch moves the connection: sends session_reconnect with a URL on this server. */
  reconnect(): void {
    for (const s of this.sessions.values()) {
      this.send(s.socket, 'session_reconnect', { session: { id: s.id, status: 'reconnecting', keepalive_timeout_seconds: null, reconnect_url: `ws://127.0.0.1:${this.port}/ws?reconnect=${s.id}`, connected_at: new Date().toISOString() } });
    }
  }

  /** Cuts every WebSocket without a goodbye (a network failure). */
  dropConnections(): void {
    for (const c of this.wss.clients) c.terminate();
  }

  /** Twitch revokes a subscription (e.g. `authorization_revoked`). */
  async revoke(type: string, status: string): Promise<void> {
    const sub = this.enabled(type)[0];
    if (!sub) throw new Error(`no enabled ${type} subscription`);
    sub.status = status;
    if (sub.transport.method === 'webhook') {
      await sendWebhook({ url: this.callback(sub), secret: sub.transport.secret, type: 'revocation', body: { subscription: this.public(sub) }, subscriptionType: type });
      return;
    }
    const session = this.sessions.get(sub.transport.session_id);
    if (session) this.send(session.socket, 'revocation', { subscription: this.public(sub) }, { subscription_type: type, subscription_version: sub.version });
  }

  /** The URL Twitch would call for a webhook subscription, pointed at the local listener. */
  callback(sub: FakeSubscription): string {
    if (sub.transport.method !== 'webhook') throw new Error('not a webhook subscription');
    const url = new URL(sub.transport.callback);
    if (!this.webhookTarget) throw new Error('set webhookTarget to the bot\'s webhook listener first');
    const target = new URL(this.webhookTarget);
    url.protocol = target.protocol;
    url.host = target.host;
    return url.toString();
  }

  private public(sub: FakeSubscription): Record<string, unknown> {
    const { transport, ...rest } = sub;
    return { ...rest, transport: transport.method === 'webhook' ? { method: 'webhook', callback: transport.callback } : transport };
  }

  // ------------------------------------------------------------------ HTTP

  private async http(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname });
    const json = (status: number, body?: unknown) => {
      // twurple's rate limiter waits for the reset when a response lacks these.
      res.writeHead(status, { 'content-type': 'application/json', 'ratelimit-limit': '800', 'ratelimit-remaining': '799', 'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 60) });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const auth = (req.headers.authorization ?? '').replace(/^(OAuth|Bearer)\s+/i, '');
    const grant = this.expired.has(auth) ? undefined : this.tokens.get(auth);
    const path = url.pathname;
    const q = url.searchParams;

    // twurple's mock path, and id.twitch.tv's own (the dashboard's wizard, at TWITCH_AUTH_URL).
    if (path === '/auth/validate' || path === '/oauth2/validate') {
      if (!grant) return json(401, { status: 401, message: 'invalid access token' });
      return json(200, { client_id: grant.clientId, login: grant.user?.login, user_id: grant.user?.id, scopes: grant.scopes, expires_in: 3600 });
    }
    if (path === '/auth/token') {
      const form = new URLSearchParams(raw || url.search);
      const kind = form.get('grant_type') ?? q.get('grant_type');
      if (kind === 'client_credentials') {
        const token = `app-${++this.seq}`;
        this.tokens.set(token, { user: null, clientId: form.get('client_id') ?? q.get('client_id') ?? '', scopes: [] });
        return json(200, { access_token: token, expires_in: 3600, token_type: 'bearer' });
      }
      const old = [...this.tokens.entries()].find(([, g]) => g.user && `refresh-${g.user.id}` === (form.get('refresh_token') ?? q.get('refresh_token')));
      if (!old) return json(400, { status: 400, message: 'Invalid refresh token' });
      const token = `refreshed-${++this.seq}`;
      this.tokens.set(token, old[1]);
      return json(200, { access_token: token, refresh_token: `refresh-${old[1].user?.id ?? ''}`, expires_in: 3600, scope: old[1].scopes, token_type: 'bearer' });
    }
    if (path === '/oauth2/device') {
      const form = new URLSearchParams(raw);
      this.device = { code: `device-${++this.seq}`, userCode: 'BAKE-1234', clientId: form.get('client_id') ?? '', scopes: (form.get('scopes') ?? '').split(' ').filter(Boolean), approvedBy: undefined };
      return json(200, { device_code: this.device.code, user_code: this.device.userCode, verification_uri: 'https://www.twitch.tv/activate', expires_in: 1800, interval: 5 });
    }
    if (path === '/oauth2/token') {
      const form = new URLSearchParams(raw);
      const d = this.device;
      if (!d || form.get('device_code') !== d.code) return json(400, { status: 400, message: 'invalid device code' });
      if (!d.approvedBy) return json(400, { status: 400, message: 'authorization_pending' });
      const token = `device-token-${++this.seq}`;
      this.tokens.set(token, { user: d.approvedBy, clientId: d.clientId, scopes: d.scopes });
      return json(200, { access_token: token, refresh_token: `refresh-${d.approvedBy.id}`, expires_in: 14400, scope: d.scopes, token_type: 'bearer' });
    }
    if (!grant) return json(401, { error: 'Unauthorized', status: 401, message: 'OAuth token is missing or invalid' });

    if (path === '/eventsub/subscriptions') {
      if (req.method === 'GET') return json(200, { data: this.subscriptions.map((s) => this.public(s)), total: this.subscriptions.length, total_cost: 0, max_total_cost: 10000, pagination: {} });
      if (req.method === 'DELETE') {
        const i = this.subscriptions.findIndex((s) => s.id === q.get('id'));
        if (i >= 0) this.subscriptions.splice(i, 1);
        return json(204);
      }
      const body = JSON.parse(raw) as Pick<FakeSubscription, 'type' | 'version' | 'condition' | 'transport'>;
      if (body.transport.method === 'websocket' && !this.sessions.has(body.transport.session_id)) return json(400, { error: 'Bad Request', status: 400, message: 'websocket session not found' });
      const sub: FakeSubscription = {
        id: randomUUID(),
        type: body.type,
        version: body.version ?? VERSIONS[body.type] ?? '1',
        condition: body.condition,
        transport: body.transport.method === 'websocket' ? { ...body.transport, connected_at: new Date().toISOString() } : body.transport,
        status: body.transport.method === 'websocket' ? 'enabled' : 'webhook_callback_verification_pending',
        created_at: new Date().toISOString(),
        cost: 0,
      };
      this.subscriptions.push(sub);
      json(202, { data: [this.public(sub)], total: this.subscriptions.length, total_cost: 0, max_total_cost: 10000 });
      if (sub.transport.method === 'webhook') void this.verify(sub);
      return;
    }
    if (path === '/mock/users') {
      const ids = q.getAll('id');
      const logins = q.getAll('login');
      const users = [...this.tokens.values()].map((g) => g.user).filter((u): u is FakeUser => !!u && (ids.includes(u.id) || logins.includes(u.login) || (!ids.length && !logins.length && u === grant.user)));
      return json(200, { data: [...new Map(users.map((u) => [u.id, u])).values()].map((u) => ({ id: u.id, login: u.login, display_name: u.login, type: '', broadcaster_type: 'affiliate', description: '', profile_image_url: '', offline_image_url: '', view_count: 0, created_at: '2020-01-01T00:00:00Z' })) });
    }
    if (path === '/mock/channel_points/custom_rewards') {
      const view = (r: FakeReward) => ({
        broadcaster_id: q.get('broadcaster_id'),
        broadcaster_login: grant.user?.login,
        broadcaster_name: grant.user?.login,
        id: r.id,
        title: r.title,
        prompt: r.prompt,
        cost: r.cost,
        image: null,
        default_image: { url_1x: '', url_2x: '', url_4x: '' },
        background_color: '#9147FF',
        is_enabled: true,
        is_user_input_required: r.is_user_input_required,
        max_per_stream_setting: { is_enabled: false, max_per_stream: 0 },
        max_per_user_per_stream_setting: { is_enabled: false, max_per_user_per_stream: 0 },
        global_cooldown_setting: { is_enabled: false, global_cooldown_seconds: 0 },
        is_paused: r.is_paused,
        is_in_stock: true,
        should_redemptions_skip_request_queue: false,
        redemptions_redeemed_current_stream: null,
        cooldown_expires_at: null,
      });
      if (req.method === 'GET') {
        const only = q.get('only_manageable_rewards') === 'true';
        return json(200, { data: this.rewards.filter((r) => !only || r.ownerClientId === grant.clientId).map(view) });
      }
      const body = (raw ? JSON.parse(raw) : {}) as Partial<FakeReward>;
      if (req.method === 'POST') {
        if (this.rewards.some((r) => r.title.toLowerCase() === String(body.title).toLowerCase())) return json(400, { error: 'Bad Request', status: 400, message: 'CREATE_CUSTOM_REWARD_DUPLICATE_REWARD' });
        const r: FakeReward = { id: randomUUID(), title: String(body.title), cost: Number(body.cost), prompt: body.prompt ?? '', is_user_input_required: body.is_user_input_required ?? false, is_paused: false, ownerClientId: grant.clientId };
        this.rewards.push(r);
        return json(200, { data: [view(r)] });
      }
      if (req.method === 'PATCH') {
        const r = this.rewards.find((x) => x.id === q.get('id'));
        if (!r) return json(404, { error: 'Not Found', status: 404, message: 'reward not found' });
        if (r.ownerClientId !== grant.clientId) return json(403, { error: 'Forbidden', status: 403, message: 'The client-id in the header must match the client-id that created the custom reward' });
        Object.assign(r, Object.fromEntries(Object.entries(body).filter(([k]) => ['title', 'cost', 'prompt', 'is_user_input_required', 'is_paused'].includes(k))));
        return json(200, { data: [view(r)] });
      }
    }
    if (path === '/mock/channel_points/custom_rewards/redemptions' && req.method === 'PATCH') {
      const r = this.rewards.find((x) => x.id === q.get('reward_id'));
      if (!r) return json(404, { error: 'Not Found', status: 404, message: 'reward not found' });
      if (r.ownerClientId !== grant.clientId) return json(403, { error: 'Forbidden', status: 403, message: 'The client-id in the header must match the client-id that created the custom reward' });
      if (this.failStatusUpdates) return json(this.failStatusUpdates, { error: 'Error', status: this.failStatusUpdates, message: 'failed on purpose' });
      const status = (JSON.parse(raw) as { status: string }).status;
      const ids = q.getAll('id');
      this.statusUpdates.push({ rewardId: r.id, redemptionIds: ids, status });
      return json(200, {
        data: ids.map((id) => ({ broadcaster_id: q.get('broadcaster_id'), broadcaster_login: grant.user?.login, broadcaster_name: grant.user?.login, id, user_id: '1', user_login: 'x', user_name: 'x', user_input: '', status, redeemed_at: new Date().toISOString(), reward: { id: r.id, title: r.title, prompt: r.prompt, cost: r.cost } })),
      });
    }
    json(404, { error: 'Not Found', status: 404, message: `the fake has no ${req.method ?? ''} ${path}` });
  }

  /** Twitch's callback check: a signed challenge that must come back as the body. */
  private async verify(sub: FakeSubscription): Promise<void> {
    if (sub.transport.method !== 'webhook') return;
    const challenge = randomUUID();
    try {
      const res = await sendWebhook({ url: this.callback(sub), secret: sub.transport.secret, type: 'webhook_callback_verification', body: { subscription: this.public(sub), challenge }, subscriptionType: sub.type });
      sub.status = res.status === 200 && res.text === challenge ? 'enabled' : 'webhook_callback_verification_failed';
    } catch {
      sub.status = 'webhook_callback_verification_failed';
    }
  }
}

/** Event payloads as Twitch sends them, with what a test usually leaves out filled in. */
export const payloads = {
  redemption: (b: FakeUser, o: { id?: string; user: FakeUser; rewardId: string; title: string; cost?: number; input?: string }) => ({
    id: o.id ?? randomUUID(),
    broadcaster_user_id: b.id,
    broadcaster_user_login: b.login,
    broadcaster_user_name: b.login,
    user_id: o.user.id,
    user_login: o.user.login,
    user_name: o.user.login,
    user_input: o.input ?? '',
    status: 'unfulfilled',
    reward: { id: o.rewardId, title: o.title, cost: o.cost ?? 100, prompt: '' },
    redeemed_at: new Date().toISOString(),
  }),
  follow: (b: FakeUser, user: FakeUser) => ({ user_id: user.id, user_login: user.login, user_name: user.login, broadcaster_user_id: b.id, broadcaster_user_login: b.login, broadcaster_user_name: b.login, followed_at: new Date().toISOString() }),
  subscribe: (b: FakeUser, user: FakeUser, gift = false) => ({ user_id: user.id, user_login: user.login, user_name: user.login, broadcaster_user_id: b.id, broadcaster_user_login: b.login, broadcaster_user_name: b.login, tier: '1000', is_gift: gift }),
  resub: (b: FakeUser, user: FakeUser, months: number) => ({
    user_id: user.id,
    user_login: user.login,
    user_name: user.login,
    broadcaster_user_id: b.id,
    broadcaster_user_login: b.login,
    broadcaster_user_name: b.login,
    tier: '1000',
    message: { text: 'still here', emotes: [] },
    cumulative_months: months,
    streak_months: null,
    duration_months: 1,
  }),
  gift: (b: FakeUser, user: FakeUser, total: number) => ({ user_id: user.id, user_login: user.login, user_name: user.login, broadcaster_user_id: b.id, broadcaster_user_login: b.login, broadcaster_user_name: b.login, total, tier: '1000', cumulative_total: null, is_anonymous: false }),
  cheer: (b: FakeUser, user: FakeUser, bits: number) => ({ is_anonymous: false, user_id: user.id, user_login: user.login, user_name: user.login, broadcaster_user_id: b.id, broadcaster_user_login: b.login, broadcaster_user_name: b.login, message: 'Cheer100', bits }),
  raid: (b: FakeUser, from: FakeUser, viewers: number) => ({ from_broadcaster_user_id: from.id, from_broadcaster_user_login: from.login, from_broadcaster_user_name: from.login, to_broadcaster_user_id: b.id, to_broadcaster_user_login: b.login, to_broadcaster_user_name: b.login, viewers }),
};
