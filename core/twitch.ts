// Twitch chat through @twurple/chat. We send with the IRC client directly (`client.irc.say`) and pace
// messages in our own outbox: twurple's queue is cleared on disconnect and would lose replies.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { getTokenInfo, RefreshingAuthProvider, StaticAuthProvider, type AccessToken, type AuthProvider } from '@twurple/auth';
import { ChatClient, UserState, type ChatMessage as TwurpleMessage } from '@twurple/chat';
import type { Transport, TransportSink } from './chat.ts';
import type { ChatEvent, ChatMessage, ChatStatus, ChatUser, Clock, Logger, Role } from './types.ts';

export interface TwitchOptions {
  /** TWITCH_TOKEN: `oauth:xxx` or the bare token. */
  readonly token: string;
  readonly refreshToken?: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly channels: readonly string[];
  readonly dataDir: string;
  /** TWITCH_CHAT_URL, e.g. ws://127.0.0.1:6667, for tests and proxies. */
  readonly chatUrl?: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** Where the streamer can fix a bad token (the dashboard's setup wizard, when it runs). */
  readonly fixHint?: () => string;
}

const TOKEN_FILE = 'twitch-token.json';

export interface StoredToken extends AccessToken {
  readonly clientId?: string;
  /** Hash of the TWITCH_TOKEN this was refreshed from: a new token in .env wins over the stored one. */
  readonly source: string;
}

export function tokenHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

export function normalizeToken(token: string): string {
  return token.trim().replace(/^oauth:/i, '');
}

/** Writes a token file readable only by the bot's user (it is a password). */
export function writeTokenFile(dataDir: string, token: AccessToken & { clientId?: string }, source: string): void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, TOKEN_FILE);
  const stored: StoredToken = { ...token, source: source === 'wizard' ? source : tokenHash(source) };
  writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function readTokenFile(dataDir: string): StoredToken | undefined {
  const file = path.join(dataDir, TOKEN_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredToken;
  } catch {
    return undefined;
  }
}

/**
 * The sender of a chat message, from the message's tags, with the meaning twurple's ChatUser gives them.
 * Read directly because ChatUser parses the badge list again for each role it is asked about, through a cache
 * that sets a timer per message: at a thousand messages a second that was half of what the bot allocated.
 */
export function senderOf(tags: ReadonlyMap<string, string>, userName: string): ChatUser {
  const badges: Record<string, string> = {};
  const list = tags.get('badges');
  if (list) {
    for (const badge of list.split(',')) {
      const slash = badge.indexOf('/');
      if (slash === -1) badges[badge] = '';
      else badges[badge.slice(0, slash)] = badge.slice(slash + 1);
    }
  }
  const vip = tags.get('vip');
  const roles: Role[] = [];
  if (hasBadge(badges, 'broadcaster')) roles.push('broadcaster');
  if (hasBadge(badges, 'moderator') || hasBadge(badges, 'lead_moderator')) roles.push('moderator');
  if (vip != null && vip !== '0') roles.push('vip');
  if (hasBadge(badges, 'subscriber') || hasBadge(badges, 'founder')) roles.push('subscriber');
  if (hasBadge(badges, 'founder')) roles.push('founder');
  const login = userName.toLowerCase();
  return { id: tags.get('user-id') ?? '', login, displayName: tags.get('display-name') || login, roles, badges };
}

function hasBadge(badges: Record<string, string>, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(badges, name);
}

/** Most chatters kept by `Senders`; past it the cache starts over (a raid of new names, say). */
const SENDERS_MAX = 20_000;

/**
 * The sender of each message, built once per chatter and reused while the tags it comes from stay the same:
 * a busy channel is a few hundred people talking many times. Frozen, since every plugin sees the same object.
 */
export class Senders {
  private readonly byId = new Map<string, { badges: string; vip: string | undefined; display: string; name: string; user: ChatUser }>();

  of(tags: ReadonlyMap<string, string>, userName: string): ChatUser {
    const id = tags.get('user-id') ?? '';
    const badges = tags.get('badges') ?? '';
    const vip = tags.get('vip');
    const display = tags.get('display-name') ?? '';
    const known = this.byId.get(id);
    if (known && known.badges === badges && known.vip === vip && known.display === display && known.name === userName) return known.user;
    const user = senderOf(tags, userName);
    Object.freeze(user.roles);
    Object.freeze(user.badges);
    Object.freeze(user);
    if (!id) return user;
    if (this.byId.size >= SENDERS_MAX) this.byId.clear();
    this.byId.set(id, { badges, vip, display, name: userName, user });
    return user;
  }
}

export class TwitchTransport implements Transport {
  readonly kind = 'twitch';
  readonly limited = true;
  private state: ChatStatus = 'stopped';
  private client: ChatClient | undefined;
  private sink: TransportSink | undefined;
  private readonly modIn = new Set<string>();
  private hasStoredRefresh = false;

  constructor(private readonly o: TwitchOptions) {}

  get status(): ChatStatus {
    return this.state;
  }

  get channels(): readonly string[] {
    return this.o.channels.map((c) => c.replace(/^#/, '').toLowerCase());
  }

  private setStatus(s: ChatStatus, detail?: string): void {
    this.state = s;
    this.sink?.status(s, detail);
  }

  async start(sink: TransportSink): Promise<void> {
    this.sink = sink;
    const { log } = this.o;
    const envToken = normalizeToken(this.o.token);
    const stored = readTokenFile(this.o.dataDir);
    // The stored token wins if it was refreshed from this same TWITCH_TOKEN, or came from the setup wizard.
    const useStored = stored && (stored.source === tokenHash(envToken) || stored.source === 'wizard');
    // The token's real scopes, when it is valid: twurple refreshes a token it believes has none.
    const scope = useStored ? stored.scope : await getTokenInfo(envToken).then((i) => i.scopes, () => []);
    const token: AccessToken = useStored
      ? stored
      : { accessToken: envToken, refreshToken: this.o.refreshToken ?? null, expiresIn: null, obtainmentTimestamp: this.o.clock.now(), scope };
    this.hasStoredRefresh = !!(useStored && stored.refreshToken);
    this.setStatus('connecting');
    let auth: AuthProvider;
    try {
      if (token.refreshToken) {
        const refreshing = new RefreshingAuthProvider({ clientId: this.o.clientId, clientSecret: this.o.clientSecret ?? '' });
        refreshing.onRefresh((_userId, fresh) => {
          writeTokenFile(this.o.dataDir, { ...fresh, clientId: this.o.clientId }, useStored && stored.source === 'wizard' ? 'wizard' : envToken);
          log.info('Twitch token refreshed and saved');
        });
        refreshing.onRefreshFailure((_userId, err) => log.error(`refreshing the Twitch token failed: ${err.message}`));
        await refreshing.addUserForToken(token, ['chat']);
        auth = refreshing;
      } else {
        // A bare access token cannot be refreshed: check it now so a bad one fails once, clearly.
        const info = await getTokenInfo(token.accessToken);
        auth = new StaticAuthProvider(this.o.clientId || info.clientId, token.accessToken, info.scopes);
      }
    } catch (err) {
      this.authFailed((err as Error).message);
      return;
    }
    const url = this.o.chatUrl ? new URL(this.o.chatUrl) : undefined;
    const client = new ChatClient({
      authProvider: auth,
      channels: [...this.channels],
      // Our outbox paces messages; isAlwaysMod keeps twurple's own limiter from queueing on top of it.
      isAlwaysMod: true,
      requestMembershipEvents: true,
      rejoinChannelsOnReconnect: true,
      // One WebSocket frame per event-loop turn. By default ws handles every frame already read in one go,
      // and a busy channel's burst then held the loop for hundreds of milliseconds: database callbacks,
      // timers and replies all waited behind it (test/chat/twitch.test.ts, "a frame at a time").
      connectionOptions: { wsOptions: { allowSynchronousEvents: false } },
      ...(url ? { hostName: `${url.hostname}:${url.port || (url.protocol === 'wss:' ? 443 : 80)}/`, ssl: url.protocol === 'wss:', webSocket: true } : {}),
      logger: {
        minLevel: 'warning',
        custom: (level, message) => (level <= 1 ? log.error(`twurple: ${message}`) : log.warn(`twurple: ${message}`)),
      },
    });
    this.client = client;
    this.wire(client);
    client.connect();
  }

  private authFailed(reason: string): void {
    const hint = this.o.fixHint?.() ?? 'Get a new token (scopes chat:read chat:edit) and put it in TWITCH_TOKEN in .env, then restart the bot.';
    this.o.log.error(`Twitch rejected the bot's token (${reason}). The bot keeps running in local mode. To fix it: ${hint}`);
    this.client?.quit();
    this.client = undefined;
    this.setStatus('auth-failed', `Twitch rejected the token: ${reason}`);
  }

  private wire(client: ChatClient): void {
    const sink = (): TransportSink | undefined => this.sink;
    const emit = (e: ChatEvent) => sink()?.event(e);
    // Every message names its channel as `#name`; remembered, as there are only a few.
    const stripped = new Map<string, string>();
    const strip = (c: string) => {
      let name = stripped.get(c);
      if (name === undefined) {
        name = c.replace(/^#/, '').toLowerCase();
        if (stripped.size < 1000) stripped.set(c, name);
      }
      return name;
    };
    // Per connection: a reconnect starts with fresh senders.
    const senders = new Senders();

    client.onAuthenticationSuccess(() => this.setStatus('connected'));
    // With a refresh token twurple refreshes and retries by itself; give it a couple of tries first.
    client.onAuthenticationFailure((text, retries) => {
      if (retries > (this.o.refreshToken || this.hasStoredRefresh ? 2 : 0)) this.authFailed(text);
    });
    client.onTokenFetchFailure((err) => this.authFailed(err.message));
    client.onDisconnect((manually, reason) => {
      if (this.state === 'auth-failed' || this.state === 'stopped') return;
      this.setStatus('disconnected', reason?.message);
      if (!manually) this.o.log.warn(`disconnected from Twitch chat${reason ? `: ${reason.message}` : ''}; reconnecting`);
    });
    const me = () => client.irc.currentNick.toLowerCase();
    client.irc.onTypedMessage(UserState, (msg) => {
      const channel = strip(msg.channel);
      const badges = msg.tags.get('badges') ?? '';
      if (/(^|,)(moderator|broadcaster)\//.test(badges) || msg.tags.get('mod') === '1' || channel === me()) this.modIn.add(channel);
      else this.modIn.delete(channel);
    });
    client.onJoin((channel, user) => {
      if (user.toLowerCase() === me()) {
        if (this.state !== 'connected') this.setStatus('connected');
        sink()?.writable();
      }
      emit({ type: 'join', channel: strip(channel), login: user });
    });
    client.onPart((channel, user) => emit({ type: 'part', channel: strip(channel), login: user }));
    const onText = (isAction: boolean) => (channel: string, user: string, text: string, msg: TwurpleMessage) => {
      const tags = msg.tags;
      const bits = tags.get('bits');
      const m: ChatMessage = {
        id: tags.get('id') ?? '',
        channel: strip(channel),
        user: senders.of(tags, user),
        text,
        bits: bits ? Number(bits) : 0,
        firstMessage: tags.get('first-msg') === '1',
        isAction,
        time: this.o.clock.now(),
        transport: 'twitch',
      };
      sink()?.message(m);
    };
    client.onMessage(onText(false));
    client.onAction(onText(true));
    client.onSub((channel, user, info) =>
      emit({ type: 'sub', channel: strip(channel), user: { id: info.userId, login: user, displayName: info.displayName }, months: info.months, plan: info.plan, message: info.message }),
    );
    client.onResub((channel, user, info) =>
      emit({ type: 'resub', channel: strip(channel), user: { id: info.userId, login: user, displayName: info.displayName }, months: info.months, plan: info.plan, message: info.message }),
    );
    client.onSubGift((channel, user, info) =>
      emit({
        type: 'subgift',
        channel: strip(channel),
        user: { id: info.gifterUserId, login: info.gifter ?? 'anonymous', displayName: info.gifterDisplayName },
        recipient: { id: info.userId, login: user, displayName: info.displayName },
        plan: info.plan,
        months: info.months,
      }),
    );
    client.onRaid((channel, user, info, msg) =>
      emit({ type: 'raid', channel: strip(channel), from: { id: msg.userInfo.userId, login: user, displayName: info.displayName }, viewers: info.viewerCount }),
    );
    client.onBan((channel, user, msg) => emit({ type: 'ban', channel: strip(channel), user: { id: msg.targetUserId ?? undefined, login: user } }));
    client.onTimeout((channel, user, duration, msg) =>
      emit({ type: 'timeout', channel: strip(channel), user: { id: msg.targetUserId ?? undefined, login: user }, durationSec: duration }),
    );
    client.onChatClear((channel) => emit({ type: 'clear', channel: strip(channel) }));
    client.onMessageFailed((channel, reason) => this.o.log.warn(`Twitch did not deliver a message to #${strip(channel)}: ${reason}`));
  }

  canSend(channel: string): boolean {
    const c = this.client;
    return !!c && c.irc.isConnected && c.currentChannels.includes(`#${channel}`);
  }

  isMod(channel: string): boolean {
    return this.modIn.has(channel);
  }

  send(channel: string, text: string, replyTo?: string): boolean {
    if (!this.canSend(channel)) return false;
    this.client?.irc.say(`#${channel}`, text, replyTo ? { 'reply-parent-msg-id': replyTo } : {});
    return true;
  }

  async stop(): Promise<void> {
    this.setStatus('stopped');
    this.client?.quit();
    this.client = undefined;
    this.sink = undefined;
  }
}
