// Twitch chat through @twurple/chat: the connection (core/twitch-connection.ts, loaded once the bot is ready)
// reads chat; this side turns it into chat messages for the plugins and hands it what to send. We send with
// the IRC client directly (`client.irc.say`) and pace messages in our own outbox: twurple's queue is cleared
// on disconnect and would lose replies.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import type { AccessToken } from '@twurple/auth';
import type { Transport, TransportSink } from './chat.ts';
import type * as ConnectionModule from './twitch-connection.ts';
import type { TwitchConnection } from './twitch-connection.ts';
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
  /**
   * The connection is loaded and opened once this settles (the bot passes its ready line): loading Twitch's
   * client holds the main thread for about 50 ms, which the start need not wait for.
   */
  readonly openAfter?: Promise<unknown>;
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
 * twurple's IrcClient.receiveLine formats every parsed message with JSON.stringify for a trace log line, even
 * with trace logging off (the text is built before the logger looks at its level): about a third of the
 * Twitch connection's time per line, and the bench's ingest ratio went from 0.75 to 0.89 without it. After
 * this, twurple's messages (the classes of `parsed`, any parsed message) serialize to their command name. Called
 * by the connection (twice is once); nothing else in the bot serializes them.
 */
export function cheapTraceLines(parsed: object): void {
  // The root of the message classes (ircv3's Message): the last prototype before Object's.
  let root: object | null = Object.getPrototypeOf(parsed) as object | null;
  if (!root || root === Object.prototype) return;
  for (let up = Object.getPrototypeOf(root) as object | null; up && up !== Object.prototype; up = Object.getPrototypeOf(up) as object | null) root = up;
  if (Object.hasOwn(root, 'toJSON')) return;
  Object.defineProperty(root, 'toJSON', {
    value(this: { readonly command: string }) {
      return this.command;
    },
    configurable: true,
  });
}

/**
 * The sender of a chat message, from the message's tags, with the meaning twurple's ChatUser gives them.
 * Read directly because ChatUser parses the badge list again for each role it is asked about, through a cache
 * that sets a timer per message: at a thousand messages a second that was half of what the bot allocated.
 */
export function senderOf(tags: ReadonlyMap<string, string>, userName: string): ChatUser {
  return senderFrom(tags.get('user-id') ?? '', tags.get('badges') ?? '', tags.get('vip'), tags.get('display-name') ?? '', userName);
}

/** The same, from the tag values the connection reports. */
function senderFrom(id: string, badgeList: string, vip: string | undefined, display: string, userName: string): ChatUser {
  const badges: Record<string, string> = {};
  if (badgeList) {
    for (const badge of badgeList.split(',')) {
      const slash = badge.indexOf('/');
      if (slash === -1) badges[badge] = '';
      else badges[badge.slice(0, slash)] = badge.slice(slash + 1);
    }
  }
  const roles: Role[] = [];
  if (hasBadge(badges, 'broadcaster')) roles.push('broadcaster');
  if (hasBadge(badges, 'moderator') || hasBadge(badges, 'lead_moderator')) roles.push('moderator');
  if (vip != null && vip !== '0') roles.push('vip');
  if (hasBadge(badges, 'subscriber') || hasBadge(badges, 'founder')) roles.push('subscriber');
  if (hasBadge(badges, 'founder')) roles.push('founder');
  const login = userName.toLowerCase();
  return { id, login, displayName: display || login, roles, badges };
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

  from(id: string, badges: string, vip: string | undefined, display: string, userName: string): ChatUser {
    const known = this.byId.get(id);
    if (known && known.badges === badges && known.vip === vip && known.display === display && known.name === userName) return known.user;
    const user = senderFrom(id, badges, vip, display, userName);
    Object.freeze(user.roles);
    Object.freeze(user.badges);
    Object.freeze(user);
    if (!id) return user;
    if (this.byId.size >= SENDERS_MAX) this.byId.clear();
    this.byId.set(id, { badges, vip, display, name: userName, user });
    return user;
  }
}

/** What the connection needs: TwitchOptions without the parts that live on this side. */
export type ConnectionOptions = Omit<TwitchOptions, 'log' | 'clock' | 'fixHint' | 'openAfter'>;

/** What the connection reports. */
export type ConnectionReport =
  /** The chat of one WebSocket frame. */
  | { readonly t: 'chat'; readonly rows: readonly ChatRow[] }
  | { readonly t: 'event'; readonly event: ChatEvent }
  | { readonly t: 'status'; readonly status: ChatStatus; readonly detail?: string }
  | { readonly t: 'writable' }
  | { readonly t: 'authFailed'; readonly reason: string }
  | { readonly t: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly text: string };

/** One chat message as the connection reports it: channel, user name, text, action (1/0), then tags. */
export type ChatRow = [channel: string, userName: string, text: string, action: 0 | 1, id: string, userId: string, displayName: string, badges: string, vip: string | null, bits: string, firstMessage: 0 | 1];

// Compiled (`npm start`, core/start.mjs), the connection and Twitch's client are built into a file of their own
// beside this one; from the sources (tests, tools), tsx loads the TypeScript. Not a literal import, so that
// esbuild leaves it out of core's file: nothing before the ready line needs it.
const CONNECTION_MODULE = new URL(import.meta.url.endsWith('.mjs') ? './twitch-connection.mjs' : './twitch-connection.ts', import.meta.url).href;

export class TwitchTransport implements Transport {
  readonly kind = 'twitch';
  readonly limited = true;
  private state: ChatStatus = 'stopped';
  private connection: TwitchConnection | undefined;
  private sink: TransportSink | undefined;
  private readonly senders = new Senders();
  private stopping = false;

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
    this.stopping = false;
    this.setStatus('connecting');
    void this.open().catch((err: unknown) => {
      this.o.log.error(`Twitch chat could not start: ${(err as Error).message}`, { err: err as Error });
      this.setStatus('disconnected', (err as Error).message);
    });
  }

  private async open(): Promise<void> {
    await this.o.openAfter;
    if (this.stopping) return;
    const { TwitchConnection: Connection } = (await import(CONNECTION_MODULE)) as typeof ConnectionModule;
    if (this.stopping) return;
    const options: ConnectionOptions = {
      token: this.o.token,
      refreshToken: this.o.refreshToken,
      clientId: this.o.clientId,
      clientSecret: this.o.clientSecret,
      channels: this.channels,
      dataDir: this.o.dataDir,
      chatUrl: this.o.chatUrl,
    };
    const connection: TwitchConnection = new Connection(options, (m) => {
      if (this.connection !== connection) return;
      // What the bot does with chat is its own to fail: logged here, so it never ends the process from
      // inside twurple's socket handlers.
      try {
        this.receive(m);
      } catch (err) {
        this.o.log.error(`handling Twitch chat failed: ${(err as Error).message}`, { err: err as Error });
      }
    });
    this.connection = connection;
    await connection.start();
  }

  private receive(m: ConnectionReport): void {
    switch (m.t) {
      case 'chat':
        this.chat(m.rows);
        return;
      case 'event':
        this.sink?.event(m.event);
        return;
      case 'status':
        if (this.state !== 'auth-failed' && this.state !== 'stopped') this.setStatus(m.status, m.detail);
        return;
      case 'writable':
        this.sink?.writable();
        return;
      case 'authFailed':
        this.authFailed(m.reason);
        return;
      case 'log':
        this.o.log[m.level](m.text);
        return;
    }
  }

  private chat(rows: readonly ChatRow[]): void {
    const sink = this.sink;
    if (!sink) return;
    const time = this.o.clock.now();
    for (const row of rows) {
      const [channel, userName, text, action, id, userId, displayName, badges, vip, bits, firstMessage] = row;
      const m: ChatMessage = {
        id,
        channel,
        user: this.senders.from(userId, badges, vip ?? undefined, displayName, userName),
        text,
        bits: bits ? Number(bits) : 0,
        firstMessage: firstMessage === 1,
        isAction: action === 1,
        time,
        transport: 'twitch',
      };
      sink.message(m);
    }
  }

  private authFailed(reason: string): void {
    const hint = this.o.fixHint?.() ?? 'Get a new token (scopes chat:read chat:edit) and put it in TWITCH_TOKEN in .env, then restart the bot.';
    this.o.log.error(`Twitch rejected the bot's token (${reason}). The bot keeps running in local mode. To fix it: ${hint}`);
    this.setStatus('auth-failed', `Twitch rejected the token: ${reason}`);
    void this.connection?.quit();
  }

  canSend(channel: string): boolean {
    return this.connection?.canSay(channel) ?? false;
  }

  isMod(channel: string): boolean {
    return this.connection?.isMod(channel) ?? false;
  }

  send(channel: string, text: string, replyTo?: string, onSent?: () => void): boolean {
    if (!this.connection?.say(channel, text, replyTo)) return false;
    onSent?.();
    return true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.setStatus('stopped');
    this.sink = undefined;
    const connection = this.connection;
    this.connection = undefined;
    await connection?.quit();
  }
}
