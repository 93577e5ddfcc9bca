/**
 * A fake Twitch for tests: chat (tmi.twitch.tv IRC over WebSocket) and the
 * auth endpoints of twurple's mock API, both on one local HTTP server.
 *
 * Typical use with the real twurple ChatClient:
 *
 *   const fake = await startFakeTwitch();
 *   fake.acceptToken('tok', { login: 'bakebot', userId: '1001' });
 *   process.env.TWURPLE_MOCK_API_PORT = String(fake.port); // auth + Helix go to the fake
 *   const chat = new ChatClient({
 *     authProvider: new StaticAuthProvider('cid', 'tok'),
 *     hostName: `127.0.0.1:${fake.port}/`, ssl: false, webSocket: true, channels: ['streamer'],
 *   });
 *
 * twurple builds the socket URL as `ws://${hostName}:80`, so the trailing slash
 * turns the ":80" into a harmless path ("/:80"); the fake upgrades on any path.
 *
 * Conventions:
 * - Channel names in every record and argument are bare lowercase logins ("streamer");
 *   a leading '#' is accepted on input and stripped.
 * - Like Twitch, tags are only sent to connections that negotiated twitch.tv/tags,
 *   Twitch-specific commands (USERSTATE, ROOMSTATE, USERNOTICE, CLEARCHAT, ...) only
 *   with twitch.tv/commands, and other users' JOIN/PART only with twitch.tv/membership
 *   (twurple asks for membership only with `requestMembershipEvents: true`).
 * - Registration completes on NICK and does not wait for CAP END: Twitch is just as
 *   lenient, and many bots never send CAP END.
 * - Text injected with say()/userNotice() is sent verbatim (any Unicode, any length)
 *   except that CR and LF are removed, because an IRC line cannot carry them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

// ---------------------------------------------------------------------------
// IRC line helpers
// ---------------------------------------------------------------------------

export type Tags = Record<string, string>;
/** Tag values to send; `undefined` omits the tag, booleans become "1"/"0" as Twitch writes them. */
export type TagInput = Record<string, string | number | boolean | undefined>;

export interface IrcMessage {
  tags: Tags;
  /** e.g. "nick!nick@nick.tmi.twitch.tv" or "tmi.twitch.tv"; absent for client lines. */
  prefix?: string;
  /** Upper-cased. */
  command: string;
  /** Middle params followed by the trailing param (if any), with the ':' removed. */
  params: string[];
}

export interface IrcLineSpec {
  tags?: TagInput;
  prefix?: string;
  command: string;
  params?: string[];
  /** Always written as a trailing (':'-prefixed) param so it may contain spaces or start with ':'. */
  trailing?: string;
}

const TAG_ESCAPES: Record<string, string> = { '\\': '\\\\', ';': '\\:', ' ': '\\s', '\r': '\\r', '\n': '\\n' };
const TAG_UNESCAPES: Record<string, string> = { '\\': '\\', ':': ';', s: ' ', r: '\r', n: '\n' };

/** IRCv3 message-tags escaping. */
export function escapeTagValue(value: string): string {
  return TAG_SPECIALS.test(value) ? value.replace(/[\\; \r\n]/g, ch => TAG_ESCAPES[ch] ?? ch) : value;
}
const TAG_SPECIALS = /[\\; \r\n]/;

/** IRCv3 unescaping: unknown escapes drop the backslash, a dangling trailing backslash is dropped. */
export function unescapeTagValue(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charAt(i);
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    i++;
    if (i >= raw.length) break;
    const next = raw.charAt(i);
    out += TAG_UNESCAPES[next] ?? next;
  }
  return out;
}

/** Parses the part after '@' (without it). Keys without '=' get ''. */
export function parseTags(raw: string): Tags {
  const tags: Tags = {};
  for (const part of raw.split(';')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : unescapeTagValue(part.slice(eq + 1));
    // defineProperty so a hostile key such as "__proto__" stays a plain own property.
    Object.defineProperty(tags, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return tags;
}

/** Formats tags in the given order (without the leading '@'); '' when there are none. */
export function formatTags(tags: TagInput, order: readonly string[] = Object.keys(tags)): string {
  // Plain concatenation: the benchmarks format every line of a 1,000 messages/s chat here, and the server's
  // garbage collections land inside the round trips they time.
  let out = '';
  for (const key of order) {
    const value = tags[key];
    if (value === undefined) continue;
    const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    out += `${out ? ';' : ''}${key}=${escapeTagValue(text)}`;
  }
  return out;
}

export function parseIrcLine(line: string): IrcMessage {
  let pos = 0;
  const readToken = (): string => {
    while (line.charAt(pos) === ' ') pos++;
    const start = pos;
    while (pos < line.length && line.charAt(pos) !== ' ') pos++;
    return line.slice(start, pos);
  };
  const peek = (): string => {
    while (line.charAt(pos) === ' ') pos++;
    return line.charAt(pos);
  };

  let tags: Tags = {};
  if (peek() === '@') tags = parseTags(readToken().slice(1));
  let prefix: string | undefined;
  if (peek() === ':') prefix = readToken().slice(1);
  const command = readToken().toUpperCase();
  const params: string[] = [];
  while (pos < line.length) {
    const next = peek();
    if (next === '') break;
    if (next === ':') {
      params.push(line.slice(pos + 1));
      break;
    }
    params.push(readToken());
  }
  return prefix === undefined ? { tags, command, params } : { tags, prefix, command, params };
}

/** `sortTags` writes the tags in alphabetical order, as Twitch sends them. */
export function formatIrcLine(spec: IrcLineSpec, sortTags = false): string {
  const tags = spec.tags ? formatTags(spec.tags, sortTags ? Object.keys(spec.tags).sort() : undefined) : '';
  let line = tags ? `@${tags} ` : '';
  if (spec.prefix) line += `:${spec.prefix} `;
  line += spec.command;
  for (const param of spec.params ?? []) line += ` ${param}`;
  if (spec.trailing !== undefined) line += ` :${spec.trailing}`;
  return line;
}

/** Stable fake numeric user id for a login, so tests can predict ids without configuring them. */
export function fakeUserId(login: string): string {
  let hash = 0x811c9dc5; // FNV-1a
  for (const ch of login.toLowerCase()) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return String(100_000_000 + (hash % 900_000_000));
}

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

export interface FakeTwitchLimits {
  /** Messages per sliding window in channels where the sender is neither mod nor broadcaster. */
  perWindow: number;
  /** Messages per sliding window in channels where the sender is mod or broadcaster. */
  perWindowMod: number;
  windowMs: number;
  /** A non-mod may not repeat their previous message in a channel within this time. */
  duplicateWindowMs: number;
  /** In Unicode code points, as Twitch counts. */
  maxLength: number;
}

export const TWITCH_LIMITS: Readonly<FakeTwitchLimits> = Object.freeze({
  perWindow: 20,
  perWindowMod: 100,
  windowMs: 30_000,
  duplicateWindowMs: 30_000,
  maxLength: 500,
});

export interface TokenOwner {
  login: string;
  userId: string;
  displayName?: string;
  /** Registers this refresh token too, so POST /auth/token can refresh it. */
  refreshToken?: string;
  scopes?: string[];
  clientId?: string;
  /** Seconds reported by /auth/validate; default 14400. */
  expiresIn?: number;
}

export interface FakeTwitchOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (random free port). */
  port?: number;
  limits?: Partial<FakeTwitchLimits>;
  /** Tokens accepted from the start (same as calling acceptToken). */
  tokens?: Record<string, TokenOwner>;
  /** channel -> logins that are moderators there. */
  mods?: Record<string, string[]>;
  /** channel -> room id (the broadcaster's user id); defaults to fakeUserId(channel). */
  roomIds?: Record<string, string>;
  /** client_id reported for tokens that do not set their own. */
  clientId?: string;
}

export type RuleName = 'rate' | 'length' | 'duplicate';

export interface BotMessage {
  /** Id the fake gave the message (what other clients see in the `id` tag). */
  id: string;
  channel: string;
  login: string;
  /** Text as sent; for /me the CTCP ACTION wrapper is removed and `action` is true. */
  text: string;
  action: boolean;
  /** Tags the client sent, e.g. reply-parent-msg-id. */
  tags: Tags;
  at: number;
  connectionId: number;
  /** Set when a rule rejected the message; it was not delivered. */
  dropped?: true;
  violation?: RuleName;
}

export interface Violation {
  rule: RuleName;
  channel: string;
  login: string;
  text: string;
  at: number;
  connectionId: number;
}

export interface JoinRecord {
  channel: string;
  login: string;
  anonymous: boolean;
  connectionId: number;
  at: number;
}

export interface AuthFailure {
  connectionId: number;
  nick: string;
  reason: string;
  at: number;
}

export interface RefreshRecord {
  login: string;
  userId: string;
  refreshToken: string;
  newAccessToken: string;
  at: number;
}

export interface HttpRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  at: number;
}

export interface ClientInfo {
  id: number;
  nick: string | undefined;
  login: string | undefined;
  anonymous: boolean;
  registered: boolean;
  channels: string[];
  caps: string[];
}

export interface FakeHttpRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeHttpResponse {
  status?: number;
  /** Serialised as JSON. */
  body?: unknown;
}

export type FakeHttpHandler = (req: FakeHttpRequest) => FakeHttpResponse | Promise<FakeHttpResponse>;

export type ViewerRole = 'broadcaster' | 'moderator' | 'vip' | 'subscriber' | 'founder';

export interface ViewerIdentity {
  login: string;
  /** Default fakeUserId(login). */
  userId?: string;
  displayName?: string;
  roles?: ViewerRole[];
  /** Months behind badge-info for subscriber/founder; default 1. */
  subMonths?: number;
  /** Default '' (a user who never picked a colour, which Twitch sends as an empty tag). */
  color?: string;
}

export interface ViewerMessage extends ViewerIdentity {
  text: string;
  bits?: number;
  firstMsg?: boolean;
  /** Default a random UUID. */
  id?: string;
  /**
   * Not remembered by id, so a reply to it carries no parent's names. For chat that nobody answers (the
   * benchmark's background chat): each remembered message survived the fake's scavenges, which paused the
   * benchmark process 1-5 ms while it timed a reply.
   */
  forget?: boolean;
}

export type SubPlan = 'Prime' | '1000' | '2000' | '3000';

export interface SubNotice extends ViewerIdentity {
  /** Cumulative months; default 1. */
  months?: number;
  /** When set, the streak is shared (msg-param-should-share-streak=1). */
  streakMonths?: number;
  plan?: SubPlan;
  planName?: string;
  /** The resub message the user typed. */
  text?: string;
  id?: string;
}

export interface SubGiftNotice extends ViewerIdentity {
  recipient: string;
  recipientUserId?: string;
  recipientDisplayName?: string;
  plan?: SubPlan;
  planName?: string;
  /** Months gifted; default 1. */
  giftMonths?: number;
  /** Recipient's cumulative months; default 1. */
  months?: number;
  /** Gifter's total gifts in the channel; default 1. */
  senderCount?: number;
  id?: string;
}

export interface RaidNotice extends ViewerIdentity {
  viewerCount: number;
  id?: string;
}

export interface WaitForJoinOptions {
  /** Resolve on the count-th join of the channel since the fake started; default 1. */
  count?: number;
  timeoutMs?: number;
}

// ---------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------

const SERVER_NAME = 'tmi.twitch.tv';
const CAP_TAGS = 'twitch.tv/tags';
const CAP_COMMANDS = 'twitch.tv/commands';
const CAP_MEMBERSHIP = 'twitch.tv/membership';
const SUPPORTED_CAPS = [CAP_TAGS, CAP_COMMANDS, CAP_MEMBERSHIP];
const DEFAULT_TIMEOUT_MS = 5000;
const RECONNECT_CLOSE_DELAY_MS = 100;
/** How many of the newest messages the server remembers by id (see `remember`). */
const KNOWN_MESSAGES = 20_000;
/** /me arrives as a CTCP ACTION: \x01ACTION text\x01. */
const CTCP_ACTION = '\u0001ACTION ';
const CTCP_END = '\u0001';

interface TokenGrant {
  /** Absent for app access tokens. */
  user?: { login: string; userId: string; displayName: string };
  clientId: string;
  scopes: string[];
  expiresIn: number;
}

interface Identity {
  login: string;
  userId: string;
  displayName: string;
}

interface Connection {
  id: number;
  ws: WebSocket;
  /** Bytes of an unfinished line; a frame may end mid-line. */
  pending: string;
  caps: Set<string>;
  pass: string | undefined;
  nick: string | undefined;
  registered: boolean;
  /** undefined for anonymous (justinfan) connections. */
  identity: Identity | undefined;
  channels: Set<string>;
}

/** One line to send, plus the capability a connection needs to receive it. */
interface Outgoing extends IrcLineSpec {
  cap?: string;
}

interface KnownMessage {
  login: string;
  userId: string;
  displayName: string;
  text: string;
}

interface Waiter {
  check: () => void;
  fail: (error: Error) => void;
}

const userPrefix = (login: string): string => `${login}!${login}@${login}.tmi.twitch.tv`;
const normalizeChannel = (channel: string): string => channel.replace(/^#/, '').toLowerCase();
const stripNewlines = (text: string): string => text.replace(/[\r\n]/g, '');
const codePointLength = (text: string): number => [...text].length;
const randomToken = (kind: string): string => `fake-${kind}-${randomBytes(12).toString('hex')}`;

function rawDataToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Twitch's subscriber badge versions step through tenure milestones. */
function subscriberBadgeVersion(months: number): number {
  const milestones = [0, 3, 6, 9, 12, 18, 24];
  if (months >= 36) return Math.floor(months / 12) * 12;
  return milestones.filter(m => m <= months).pop() ?? 0;
}

function planLabel(plan: SubPlan): string {
  return plan === 'Prime' ? 'Prime' : `Tier ${plan.charAt(0)}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------------------
// The fake
// ---------------------------------------------------------------------------

export class FakeTwitch {
  readonly port: number;
  readonly url: string;
  readonly limits: Readonly<FakeTwitchLimits>;

  /** Every PRIVMSG from an authenticated connection, delivered or not. */
  readonly botMessages: BotMessage[] = [];
  readonly violations: Violation[] = [];
  readonly joins: JoinRecord[] = [];
  readonly authFailures: AuthFailure[] = [];
  readonly refreshes: RefreshRecord[] = [];
  /** HTTP requests nobody handled (answered 404), e.g. Helix calls a test forgot to stub. */
  readonly unhandledHttp: HttpRecord[] = [];

  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly mirror: NetServer | undefined;
  private readonly defaultClientId: string;
  private readonly conns = new Set<Connection>();
  private nextConnectionId = 1;
  private readonly tokens = new Map<string, TokenGrant>();
  private readonly refreshTokens = new Map<string, TokenGrant>();
  private readonly mods = new Map<string, Set<string>>();
  private readonly roomIds = new Map<string, string>();
  private readonly knownUserIds = new Map<string, string>();
  /** The newest messages (oldest first), for replies and deletions that name one by id. */
  private readonly knownMessages = new Map<string, KnownMessage>();
  /** Per login (rate is per user across channels): times of delivered messages. */
  private readonly sentAt = new Map<string, number[]>();
  /** Per login+channel: the previous delivered message, for the duplicate rule. */
  private readonly lastSent = new Map<string, { text: string; at: number }>();
  private readonly routes = new Map<string, FakeHttpHandler>();
  private readonly waiters = new Set<Waiter>();
  private readonly botMessageListeners = new Set<(m: BotMessage) => void>();
  private corked: Map<Connection, string[]> | undefined;
  /** Pending delayed actions; close() runs them early so nobody awaits a promise that never settles. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private lastBotLogin: string | undefined;
  private closed = false;

  /** Use startFakeTwitch(); the server must already be listening. */
  private constructor(server: Server, mirror: NetServer | undefined, opts: FakeTwitchOptions) {
    this.server = server;
    this.mirror = mirror;
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('fake-twitch: server is not listening on TCP');
    this.port = address.port;
    this.url = `ws://${opts.host ?? '127.0.0.1'}:${this.port}`;
    this.limits = Object.freeze({ ...TWITCH_LIMITS, ...opts.limits });
    this.defaultClientId = opts.clientId ?? 'fake-client-id';
    for (const [token, owner] of Object.entries(opts.tokens ?? {})) this.acceptToken(token, owner);
    for (const [channel, logins] of Object.entries(opts.mods ?? {})) {
      for (const login of logins) this.setMod(channel, login, true);
    }
    for (const [channel, id] of Object.entries(opts.roomIds ?? {})) this.roomIds.set(normalizeChannel(channel), id);

    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handleHttp(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.json(res, 500, { status: 500, message: String(err) });
        else res.destroy();
      });
    });
    server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      this.wss.handleUpgrade(req, socket, head, ws => this.accept(ws));
    });
  }

  /** @internal Prefer startFakeTwitch(). */
  static async start(opts: FakeTwitchOptions = {}): Promise<FakeTwitch> {
    const host = opts.host ?? '127.0.0.1';
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = address !== null && typeof address !== 'string' ? address.port : 0;
    // twurple calls the mock API at http://localhost:PORT, and on machines where localhost
    // resolves to ::1 first that would miss a 127.0.0.1-only server.
    const mirror = host === '127.0.0.1' ? await listenLoopbackV6Mirror(server, port) : undefined;
    return new FakeTwitch(server, mirror, opts);
  }

  // ----- control API: auth ----------------------------------------------

  acceptToken(token: string, owner: TokenOwner): void {
    const login = owner.login.toLowerCase();
    const grant: TokenGrant = {
      user: { login, userId: owner.userId, displayName: owner.displayName ?? owner.login },
      clientId: owner.clientId ?? this.defaultClientId,
      scopes: owner.scopes ?? ['chat:read', 'chat:edit'],
      expiresIn: owner.expiresIn ?? 14_400,
    };
    this.tokens.set(token, grant);
    if (owner.refreshToken !== undefined) this.refreshTokens.set(owner.refreshToken, grant);
    this.knownUserIds.set(login, owner.userId);
  }

  /** Stops accepting a token (validate → 401, IRC login → "Login authentication failed"). */
  revokeToken(token: string): void {
    this.tokens.delete(token);
  }

  /** Answers `METHOD path` (e.g. 'GET', '/mock/users') with a handler instead of 404. */
  route(method: string, path: string, handler: FakeHttpHandler): void {
    this.routes.set(`${method.toUpperCase()} ${path}`, handler);
  }

  // ----- control API: state ---------------------------------------------

  /** Changes USERSTATE on the next join and the rate class immediately. */
  setMod(channel: string, login: string, isMod: boolean): void {
    const name = normalizeChannel(channel);
    let set = this.mods.get(name);
    if (!set) this.mods.set(name, (set = new Set()));
    if (isMod) set.add(login.toLowerCase());
    else set.delete(login.toLowerCase());
  }

  /** Open WebSocket connections. */
  get connections(): number {
    return this.conns.size;
  }

  /** Login of the most recently authenticated (non-anonymous) connection. */
  get botLogin(): string | undefined {
    return this.lastBotLogin;
  }

  get clients(): ClientInfo[] {
    return [...this.conns].map(c => ({
      id: c.id,
      nick: c.nick,
      login: c.identity?.login ?? (c.registered ? c.nick : undefined),
      anonymous: c.registered && c.identity === undefined,
      registered: c.registered,
      channels: [...c.channels],
      caps: [...c.caps],
    }));
  }

  // ----- control API: injecting chat ------------------------------------

  /** Calls `listener` for every message a bot sends, as it arrives (benchmarks time replies with it). */
  onBotSays(listener: (m: BotMessage) => void): () => void {
    this.botMessageListeners.add(listener);
    return () => this.botMessageListeners.delete(listener);
  }

  /** Delivers a viewer's PRIVMSG to every connection in the channel; returns the message id. */
  say(channel: string, msg: ViewerMessage): string {
    const name = normalizeChannel(channel);
    const viewer = this.viewer(msg);
    const id = msg.id ?? randomUUID();
    const text = stripNewlines(msg.text);
    // Object.assign, not a spread into the literal: V8 turned the spread object into a dictionary, about 6 KB of
    // garbage a message, which made the benchmark's fake server pause for collections in the middle of replies.
    const tags: TagInput = Object.assign(this.viewerBadgeTags(msg), {
      bits: msg.bits,
      color: msg.color ?? '',
      'display-name': viewer.displayName,
      emotes: '',
      'first-msg': msg.firstMsg ?? false,
      flags: '',
      id,
      'returning-chatter': false,
      'room-id': this.roomId(name),
      'tmi-sent-ts': Date.now(),
      turbo: false,
      'user-id': viewer.userId,
    });
    if (!msg.forget) this.remember(id, viewer, text);
    this.broadcast(name, { tags, prefix: userPrefix(viewer.login), command: 'PRIVMSG', params: [`#${name}`], trailing: text });
    return id;
  }

  /** Sends a USERNOTICE like Twitch's; returns its id. */
  userNotice(channel: string, kind: 'sub' | 'resub', data: SubNotice): string;
  userNotice(channel: string, kind: 'subgift', data: SubGiftNotice): string;
  userNotice(channel: string, kind: 'raid', data: RaidNotice): string;
  userNotice(channel: string, kind: 'sub' | 'resub' | 'subgift' | 'raid', data: SubNotice | SubGiftNotice | RaidNotice): string {
    const name = normalizeChannel(channel);
    const viewer = this.viewer(data);
    const id = data.id ?? randomUUID();
    let specific: TagInput;
    let trailing: string | undefined;
    if (kind === 'raid') {
      const raid = data as RaidNotice;
      specific = {
        'msg-param-displayName': viewer.displayName,
        'msg-param-login': viewer.login,
        'msg-param-profileImageURL': `https://static-cdn.jtvnw.net/jtv_user_pictures/${viewer.login}-profile_image-70x70.png`,
        'msg-param-viewerCount': raid.viewerCount,
        'system-msg': `${raid.viewerCount} raiders from ${viewer.displayName} have joined!`,
      };
    } else if (kind === 'subgift') {
      const gift = data as SubGiftNotice;
      const recipient = gift.recipient.toLowerCase();
      const plan = gift.plan ?? '1000';
      const recipientDisplayName = gift.recipientDisplayName ?? gift.recipient;
      const senderCount = gift.senderCount ?? 1;
      specific = {
        'msg-param-gift-months': gift.giftMonths ?? 1,
        'msg-param-months': gift.months ?? 1,
        'msg-param-origin-id': randomBytes(20).toString('hex'),
        'msg-param-recipient-display-name': recipientDisplayName,
        'msg-param-recipient-id': gift.recipientUserId ?? this.userIdFor(recipient),
        'msg-param-recipient-user-name': recipient,
        'msg-param-sender-count': senderCount,
        'msg-param-sub-plan': plan,
        'msg-param-sub-plan-name': gift.planName ?? `Channel Subscription (${name})`,
        'system-msg':
          `${viewer.displayName} gifted a ${planLabel(plan)} sub to ${recipientDisplayName}!` +
          (senderCount === 1 ? ' This is their first Gift Sub in the channel!' : ` They have given ${senderCount} Gift Subs in the channel!`),
      };
    } else {
      const sub = data as SubNotice;
      const plan = sub.plan ?? '1000';
      const months = sub.months ?? 1;
      const how = plan === 'Prime' ? 'with Prime' : `at ${planLabel(plan)}`;
      specific = {
        'msg-param-cumulative-months': months,
        'msg-param-months': 0,
        'msg-param-multimonth-duration': kind === 'sub' ? 1 : 0,
        'msg-param-multimonth-tenure': 0,
        'msg-param-should-share-streak': sub.streakMonths !== undefined,
        'msg-param-streak-months': sub.streakMonths,
        'msg-param-sub-plan': plan,
        'msg-param-sub-plan-name': sub.planName ?? `Channel Subscription (${name})`,
        'msg-param-was-gifted': 'false',
        'system-msg':
          `${viewer.displayName} subscribed ${how}.` + (kind === 'resub' ? ` They've subscribed for ${months} months!` : ''),
      };
      if (sub.text !== undefined) trailing = stripNewlines(sub.text);
    }
    const tags: TagInput = {
      ...this.viewerBadgeTags(data),
      color: data.color ?? '',
      'display-name': viewer.displayName,
      emotes: '',
      flags: '',
      id,
      login: viewer.login,
      'msg-id': kind,
      ...specific,
      'room-id': this.roomId(name),
      'tmi-sent-ts': Date.now(),
      'user-id': viewer.userId,
    };
    const line: Outgoing = { tags, prefix: SERVER_NAME, command: 'USERNOTICE', params: [`#${name}`], cap: CAP_COMMANDS };
    if (trailing !== undefined) line.trailing = trailing;
    this.broadcast(name, line);
    return id;
  }

  /** No login: the whole chat was cleared. Login without duration: ban. With duration: timeout. */
  clearChat(channel: string, login?: string, durationSec?: number): void {
    const name = normalizeChannel(channel);
    const tags: TagInput = { 'ban-duration': durationSec, 'room-id': this.roomId(name) };
    const line: Outgoing = { tags, prefix: SERVER_NAME, command: 'CLEARCHAT', params: [`#${name}`], cap: CAP_COMMANDS };
    if (login !== undefined) {
      tags['target-user-id'] = this.userIdFor(login.toLowerCase());
      line.trailing = login.toLowerCase();
    }
    tags['tmi-sent-ts'] = Date.now();
    this.broadcast(name, line);
  }

  /** A moderator deleted one message (CLEARMSG). */
  deleteMessage(channel: string, messageId: string): void {
    const name = normalizeChannel(channel);
    const known = this.knownMessages.get(messageId);
    this.broadcast(name, {
      tags: { login: known?.login ?? '', 'room-id': this.roomId(name), 'target-msg-id': messageId, 'tmi-sent-ts': Date.now() },
      prefix: SERVER_NAME,
      command: 'CLEARMSG',
      params: [`#${name}`],
      trailing: known?.text ?? '',
      cap: CAP_COMMANDS,
    });
  }

  /** Another user joined or left; only connections with twitch.tv/membership see it. */
  membership(channel: string, login: string, kind: 'JOIN' | 'PART'): void {
    const name = normalizeChannel(channel);
    const user = login.toLowerCase();
    this.broadcast(name, { prefix: userPrefix(user), command: kind, params: [`#${name}`], cap: CAP_MEMBERSHIP });
  }

  // ----- control API: connection faults ---------------------------------

  /** Sends RECONNECT to every connection and closes them ~100 ms later, as Twitch does before maintenance. */
  sendReconnect(): Promise<void> {
    const targets = [...this.conns];
    for (const conn of targets) this.send(conn, { prefix: SERVER_NAME, command: 'RECONNECT', cap: CAP_COMMANDS });
    return new Promise(resolve => {
      this.later(RECONNECT_CLOSE_DELAY_MS, () => {
        for (const conn of targets) conn.ws.close(1000, 'reconnect');
        resolve();
      });
    });
  }

  /** Kills every socket without a closing handshake, like a network failure. */
  dropConnections(): void {
    for (const conn of this.conns) conn.ws.terminate();
  }

  // ----- control API: waiting -------------------------------------------

  /**
   * Resolves once probe() returns something other than undefined; re-checked whenever the
   * fake's state changes (messages, joins, connections, refreshes).
   */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number = DEFAULT_TIMEOUT_MS, describe: () => string = () => 'condition'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const first = probe();
      if (first !== undefined) {
        resolve(first);
        return;
      }
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        check: () => {
          const value = probe();
          if (value === undefined) return;
          finish();
          resolve(value);
        },
        fail: error => {
          finish();
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.fail(new Error(`fake-twitch: timed out after ${timeoutMs} ms waiting for ${describe()}`)), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** The first n delivered (non-dropped) bot messages. */
  waitForBotMessages(n: number, timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<BotMessage[]> {
    const delivered = (): BotMessage[] => this.botMessages.filter(m => !m.dropped);
    return this.waitFor(
      () => {
        const list = delivered();
        return list.length >= n ? list.slice(0, n) : undefined;
      },
      timeoutMs,
      () => {
        const got = delivered().length;
        const dropped = this.botMessages.length - got;
        return `${n} delivered bot message(s); ${got} arrived` + (dropped ? ` (plus ${dropped} dropped by rules)` : '');
      },
    );
  }

  /** Resolves with the count-th JOIN of the channel (count 2 = the rejoin after a reconnect). */
  waitForJoin(channel: string, opts: number | WaitForJoinOptions = {}): Promise<JoinRecord> {
    const { count = 1, timeoutMs = DEFAULT_TIMEOUT_MS } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
    const name = normalizeChannel(channel);
    const joinsOf = (): JoinRecord[] => this.joins.filter(j => j.channel === name);
    return this.waitFor(
      () => joinsOf()[count - 1],
      timeoutMs,
      () => `join #${count} of #${name}; ${joinsOf().length} join(s) so far`,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [timer, fn] of this.timers) {
      clearTimeout(timer);
      fn();
    }
    this.timers.clear();
    for (const waiter of [...this.waiters]) waiter.fail(new Error('fake-twitch: closed while waiting'));
    for (const conn of this.conns) conn.ws.terminate();
    this.wss.close();
    this.mirror?.close();
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  // ----- IRC ---------------------------------------------------------------

  private accept(ws: WebSocket): void {
    const conn: Connection = {
      id: this.nextConnectionId++,
      ws,
      pending: '',
      caps: new Set(),
      pass: undefined,
      nick: undefined,
      registered: false,
      identity: undefined,
      channels: new Set(),
    };
    this.conns.add(conn);
    // Errors from abrupt client disconnects are expected; 'close' follows and does the cleanup.
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.conns.delete(conn);
      this.notify();
    });
    ws.on('message', (data: RawData) => {
      // Clients may batch several lines in a frame or split one across frames.
      const lines = (conn.pending + rawDataToString(data)).split(/\r?\n/);
      conn.pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim()) this.onLine(conn, parseIrcLine(line));
      }
    });
    this.notify();
  }

  private onLine(conn: Connection, msg: IrcMessage): void {
    const [first = '', second = ''] = msg.params;
    switch (msg.command) {
      case 'CAP':
        this.onCap(conn, msg.params);
        return;
      case 'PASS':
        conn.pass = first;
        return;
      case 'NICK':
        conn.nick = first.toLowerCase();
        if (!conn.registered) this.register(conn);
        return;
      case 'USER':
      case 'PONG':
        return;
      case 'PING':
        this.send(conn, { prefix: SERVER_NAME, command: 'PONG', params: [SERVER_NAME], trailing: first });
        return;
      case 'QUIT':
        conn.ws.close();
        return;
    }
    if (!conn.registered) return; // Twitch ignores everything else until login succeeded
    switch (msg.command) {
      case 'JOIN':
        for (const channel of first.split(',')) {
          if (channel.startsWith('#')) this.onJoin(conn, normalizeChannel(channel));
        }
        return;
      case 'PART':
        for (const channel of first.split(',')) {
          if (channel.startsWith('#')) this.onPart(conn, normalizeChannel(channel));
        }
        return;
      case 'PRIVMSG':
        // Anonymous connections cannot talk; Twitch drops their messages silently.
        if (conn.identity && first.startsWith('#')) this.onBotMessage(conn, conn.identity, normalizeChannel(first), second, msg.tags);
        return;
      default:
        this.send(conn, { prefix: SERVER_NAME, command: '421', params: [this.nickOf(conn), msg.command], trailing: 'Unknown command' });
    }
  }

  private onCap(conn: Connection, params: string[]): void {
    const sub = (params[0] ?? '').toUpperCase();
    if (sub === 'LS') {
      this.send(conn, { prefix: SERVER_NAME, command: 'CAP', params: ['*', 'LS'], trailing: SUPPORTED_CAPS.join(' ') });
    } else if (sub === 'REQ') {
      const requested = (params[1] ?? '').trim();
      const names = requested.split(/\s+/).filter(Boolean);
      // IRCv3: a request is granted or refused as a whole, and the reply echoes it verbatim
      // (twurple matches the ACK to its REQ by comparing the strings).
      const ok = names.every(name => SUPPORTED_CAPS.includes(name));
      if (ok) for (const name of names) conn.caps.add(name);
      this.send(conn, { prefix: SERVER_NAME, command: 'CAP', params: ['*', ok ? 'ACK' : 'NAK'], trailing: requested });
    }
    // END and LIST need no answer here.
  }

  private register(conn: Connection): void {
    const nick = conn.nick ?? '';
    const pass = conn.pass;
    if (pass?.startsWith('oauth:')) {
      const user = this.tokens.get(pass.slice('oauth:'.length))?.user;
      if (!user) {
        this.failLogin(conn, 'Login authentication failed');
        return;
      }
      // As on Twitch, the token decides who you are; NICK is only remembered.
      conn.identity = { login: user.login, userId: user.userId, displayName: user.displayName };
      this.lastBotLogin = user.login;
    } else if (!/^justinfan\d+$/.test(nick)) {
      this.failLogin(conn, 'Improperly formatted auth');
      return;
    }
    conn.registered = true;
    const me = conn.identity?.login ?? nick;
    const numeric = (code: string, text: string): Outgoing => ({ prefix: SERVER_NAME, command: code, params: [me], trailing: text });
    const lines: Outgoing[] = [
      numeric('001', 'Welcome, GLHF!'),
      numeric('002', `Your host is ${SERVER_NAME}`),
      numeric('003', 'This server is rather new'),
      numeric('004', '-'),
      numeric('375', '-'),
      numeric('372', 'You are in a maze of twisty passages, all alike.'),
      numeric('376', '>'),
    ];
    if (conn.identity) {
      lines.push({
        tags: {
          'badge-info': '',
          badges: '',
          color: '',
          'display-name': conn.identity.displayName,
          'emote-sets': '0',
          'user-id': conn.identity.userId,
          'user-type': '',
        },
        prefix: SERVER_NAME,
        command: 'GLOBALUSERSTATE',
        cap: CAP_COMMANDS,
      });
    }
    this.send(conn, ...lines);
    this.notify();
  }

  private failLogin(conn: Connection, reason: string): void {
    this.authFailures.push({ connectionId: conn.id, nick: conn.nick ?? '', reason, at: Date.now() });
    this.send(conn, { prefix: SERVER_NAME, command: 'NOTICE', params: ['*'], trailing: reason });
    conn.ws.close();
    this.notify();
  }

  private onJoin(conn: Connection, channel: string): void {
    const me = this.nickOf(conn);
    conn.channels.add(channel);
    const lines: Outgoing[] = [
      { prefix: userPrefix(me), command: 'JOIN', params: [`#${channel}`] },
      { prefix: `${me}.${SERVER_NAME}`, command: '353', params: [me, '=', `#${channel}`], trailing: me },
      { prefix: `${me}.${SERVER_NAME}`, command: '366', params: [me, `#${channel}`], trailing: 'End of /NAMES list' },
    ];
    if (conn.identity) lines.push(this.userState(channel, conn.identity));
    // twurple's join() resolves on a ROOMSTATE carrying both subs-only and slow.
    lines.push({
      tags: { 'emote-only': 0, 'followers-only': -1, r9k: 0, 'room-id': this.roomId(channel), slow: 0, 'subs-only': 0 },
      prefix: SERVER_NAME,
      command: 'ROOMSTATE',
      params: [`#${channel}`],
      cap: CAP_COMMANDS,
    });
    this.send(conn, ...lines);
    this.joins.push({ channel, login: me, anonymous: !conn.identity, connectionId: conn.id, at: Date.now() });
    this.notify();
  }

  private onPart(conn: Connection, channel: string): void {
    conn.channels.delete(channel);
    this.send(conn, { prefix: userPrefix(this.nickOf(conn)), command: 'PART', params: [`#${channel}`] });
  }

  private onBotMessage(conn: Connection, me: Identity, channel: string, rawText: string, clientTags: Tags): void {
    const at = Date.now();
    const action = rawText.startsWith(CTCP_ACTION) && rawText.endsWith(CTCP_END) && rawText.length > CTCP_ACTION.length;
    const text = action ? rawText.slice(CTCP_ACTION.length, -CTCP_END.length) : rawText;
    const record: BotMessage = { id: randomUUID(), channel, login: me.login, text, action, tags: clientTags, at, connectionId: conn.id };
    this.botMessages.push(record);
    for (const l of this.botMessageListeners) l(record);

    const rule = this.brokenRule(me.login, channel, text, at);
    if (rule) {
      record.dropped = true;
      record.violation = rule;
      this.violations.push({ rule, channel, login: me.login, text, at, connectionId: conn.id });
      // Over-long messages vanish without a NOTICE; the other two are announced like on Twitch.
      if (rule === 'rate') this.notice(conn, channel, 'msg_ratelimit', 'Your message was not sent because you are sending messages too quickly.');
      if (rule === 'duplicate') {
        this.notice(conn, channel, 'msg_duplicate', 'Your message was not sent because it is identical to the previous one you sent, less than 30 seconds ago.');
      }
      this.notify();
      return;
    }

    const history = this.sentAt.get(me.login) ?? [];
    history.push(at);
    this.sentAt.set(me.login, history);
    this.lastSent.set(`${me.login}#${channel}`, { text, at });
    this.remember(record.id, me, text);

    const parentId = clientTags['reply-parent-msg-id'];
    const parent = parentId === undefined ? undefined : this.knownMessages.get(parentId);
    const echoTags: TagInput = {
      ...this.botBadgeTags(channel, me),
      'client-nonce': clientTags['client-nonce'],
      emotes: '',
      'first-msg': 0,
      flags: '',
      id: record.id,
      'reply-parent-display-name': parent?.displayName,
      'reply-parent-msg-body': parent?.text,
      'reply-parent-msg-id': parentId,
      'reply-parent-user-id': parent?.userId,
      'reply-parent-user-login': parent?.login,
      'returning-chatter': 0,
      'room-id': this.roomId(channel),
      'tmi-sent-ts': at,
      turbo: 0,
      'user-id': me.userId,
    };
    this.broadcast(channel, { tags: echoTags, prefix: userPrefix(me.login), command: 'PRIVMSG', params: [`#${channel}`], trailing: rawText }, conn);
    // Twitch confirms a sent message to its sender with a USERSTATE carrying the message id.
    const confirm = this.userState(channel, me);
    this.send(conn, { ...confirm, tags: { ...confirm.tags, id: record.id } });
    this.notify();
  }

  /** Checks rate, then length, then duplicate; at most one rule is reported per message. */
  private brokenRule(login: string, channel: string, text: string, now: number): RuleName | undefined {
    const privileged = this.isPrivileged(channel, login);
    const history = (this.sentAt.get(login) ?? []).filter(t => now - t < this.limits.windowMs);
    this.sentAt.set(login, history);
    // Only delivered messages count, so a burst loses exactly its excess instead of locking the bot out.
    if (history.length >= (privileged ? this.limits.perWindowMod : this.limits.perWindow)) return 'rate';
    if (codePointLength(text) > this.limits.maxLength) return 'length';
    // Twitch compares with the previous message in the channel, not with all recent ones.
    const previous = this.lastSent.get(`${login}#${channel}`);
    if (!privileged && previous && previous.text === text && now - previous.at < this.limits.duplicateWindowMs) return 'duplicate';
    return undefined;
  }

  private notice(conn: Connection, channel: string, msgId: string, text: string): void {
    this.send(conn, { tags: { 'msg-id': msgId }, prefix: SERVER_NAME, command: 'NOTICE', params: [`#${channel}`], trailing: text });
  }

  private userState(channel: string, me: Identity): Outgoing & { tags: TagInput } {
    return {
      tags: { ...this.botBadgeTags(channel, me), 'emote-sets': '0' },
      prefix: SERVER_NAME,
      command: 'USERSTATE',
      params: [`#${channel}`],
      cap: CAP_COMMANDS,
    };
  }

  /** How the bot's own identity looks in a channel, given its broadcaster/mod status there. */
  private botBadgeTags(channel: string, me: Identity): TagInput {
    const broadcaster = me.login === channel;
    const mod = this.mods.get(channel)?.has(me.login) ?? false;
    const badges = [broadcaster ? 'broadcaster/1' : undefined, mod ? 'moderator/1' : undefined].filter(Boolean).join(',');
    return {
      'badge-info': '',
      badges,
      color: '',
      'display-name': me.displayName,
      mod,
      subscriber: 0,
      'user-type': mod ? 'mod' : '',
    };
  }

  // ----- helpers -------------------------------------------------------------

  private viewer(who: ViewerIdentity): Identity {
    const login = who.login.toLowerCase();
    const userId = who.userId ?? this.userIdFor(login);
    this.knownUserIds.set(login, userId);
    return { login, userId, displayName: who.displayName ?? who.login };
  }

  private viewerBadgeTags(who: ViewerIdentity): TagInput {
    const roles = new Set(who.roles ?? []);
    const months = who.subMonths ?? 1;
    const badges: string[] = [];
    if (roles.has('broadcaster')) badges.push('broadcaster/1');
    if (roles.has('moderator')) badges.push('moderator/1');
    if (roles.has('vip')) badges.push('vip/1');
    if (roles.has('founder')) badges.push('founder/0');
    else if (roles.has('subscriber')) badges.push(`subscriber/${subscriberBadgeVersion(months)}`);
    const subbed = roles.has('subscriber') || roles.has('founder');
    return {
      'badge-info': roles.has('founder') ? `founder/${months}` : subbed ? `subscriber/${months}` : '',
      badges: badges.join(','),
      mod: roles.has('moderator'),
      subscriber: subbed,
      'user-type': roles.has('moderator') ? 'mod' : '',
      // Twitch only sends vip at all for VIPs (twurple treats any value but "0" as VIP).
      vip: roles.has('vip') ? 1 : undefined,
    };
  }

  private isPrivileged(channel: string, login: string): boolean {
    return login === channel || (this.mods.get(channel)?.has(login) ?? false);
  }

  private userIdFor(login: string): string {
    return this.knownUserIds.get(login) ?? fakeUserId(login);
  }

  private roomId(channel: string): string {
    return this.roomIds.get(channel) ?? this.userIdFor(channel);
  }

  private nickOf(conn: Connection): string {
    return conn.identity?.login ?? conn.nick ?? '*';
  }

  private serialize(conn: Connection, line: Outgoing): string | undefined {
    if (line.cap !== undefined && !conn.caps.has(line.cap)) return undefined;
    // Twitch sends tags in alphabetical order; keeping that makes raw lines match real captures.
    if (line.tags && !conn.caps.has(CAP_TAGS)) return formatIrcLine({ prefix: line.prefix, command: line.command, params: line.params, trailing: line.trailing });
    return formatIrcLine(line, true);
  }

  /** Sends lines as one frame, as Twitch batches what it sends at once. */
  private send(conn: Connection, ...lines: Outgoing[]): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    const text = lines.map(line => this.serialize(conn, line)).filter((l): l is string => l !== undefined);
    if (!text.length) return;
    const corked = this.corked?.get(conn);
    if (corked) corked.push(...text);
    else if (this.corked) this.corked.set(conn, [...text]);
    else conn.ws.send(`${text.join('\r\n')}\r\n`);
  }

  /**
   * Runs `fn` and sends what it produced in frames of up to `linesPerFrame` lines, as Twitch does in a busy
   * channel: benchmarks use it so the server is never the bottleneck. Returns when the sending began (epoch
   * ms, after the lines were formatted).
   */
  batch(fn: () => void, linesPerFrame = 100): number {
    this.corked = new Map();
    let sendingAt: number | undefined;
    try {
      fn();
    } finally {
      const corked = this.corked;
      this.corked = undefined;
      sendingAt = performance.timeOrigin + performance.now();
      for (const [conn, lines] of corked) {
        if (conn.ws.readyState !== WebSocket.OPEN) continue;
        for (let i = 0; i < lines.length; i += linesPerFrame) conn.ws.send(`${lines.slice(i, i + linesPerFrame).join('\r\n')}\r\n`);
      }
    }
    return sendingAt ?? 0;
  }

  /**
   * Bounded: a benchmark sends hundreds of thousands of messages, and a fake that kept them all grew its heap
   * into long collections that took a core from the bot being measured. A reply to a forgotten message is
   * delivered without the parent's details, as for an unknown id.
   */
  private remember(id: string, who: Identity, text: string): void {
    // Built field by field: a spread (`{ ...who, text }`) gave every entry a hidden class of its own in V8,
    // about 190 bytes more, kept as long as the entry.
    this.knownMessages.set(id, { login: who.login, userId: who.userId, displayName: who.displayName, text });
    if (this.knownMessages.size > KNOWN_MESSAGES) this.knownMessages.delete(this.knownMessages.keys().next().value as string);
  }

  private broadcast(channel: string, line: Outgoing, except?: Connection): void {
    for (const conn of this.conns) {
      if (conn !== except && conn.registered && conn.channels.has(channel)) this.send(conn, line);
    }
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.set(timer, fn);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }

  // ----- HTTP (twurple mock API) ----------------------------------------------

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // One request per connection: fetch's pool would otherwise keep the socket open for seconds after a
    // bot stops, and the test kit counts it as the bot's (the bot's process owns the pool, not the bot).
    res.setHeader('Connection', 'close');
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://fake-twitch');
    const body = await readBody(req);
    // twurple puts OAuth parameters in the query string; real clients often use a form body.
    const query: Record<string, string> = Object.fromEntries(url.searchParams);
    if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      Object.assign(query, Object.fromEntries(new URLSearchParams(body)));
    }
    const path = url.pathname;

    const custom = this.routes.get(`${method} ${path}`);
    if (custom) {
      const answer = await custom({ method, path, query, headers: req.headers, body });
      this.json(res, answer.status ?? 200, answer.body);
      return;
    }
    if (method === 'GET' && path === '/auth/validate') return this.validate(req, res);
    if (method === 'POST' && path === '/auth/token') return this.token(query, res);
    if (method === 'POST' && path === '/auth/revoke') {
      if (query.token !== undefined) this.tokens.delete(query.token);
      this.json(res, 200, undefined);
      return;
    }
    this.unhandledHttp.push({ method, path, query, at: Date.now() });
    this.json(res, 404, { error: 'Not Found', status: 404, message: `fake-twitch has no handler for ${method} ${path}` });
  }

  private validate(req: IncomingMessage, res: ServerResponse): void {
    // twurple sends "OAuth <token>" to the auth endpoints; accept Bearer as well.
    const token = (req.headers.authorization ?? '').replace(/^(OAuth|Bearer)\s+/i, '');
    const grant = this.tokens.get(token);
    if (!grant) {
      this.json(res, 401, { status: 401, message: 'invalid access token' });
      return;
    }
    const base = { client_id: grant.clientId, scopes: grant.scopes, expires_in: grant.expiresIn };
    this.json(res, 200, grant.user ? { ...base, login: grant.user.login, user_id: grant.user.userId } : base);
  }

  private token(query: Record<string, string>, res: ServerResponse): void {
    const grantType = query.grant_type;
    if (grantType === 'refresh_token') {
      const refreshToken = query.refresh_token ?? '';
      const old = this.refreshTokens.get(refreshToken);
      if (!old?.user) {
        this.json(res, 400, { status: 400, message: 'Invalid refresh token' });
        return;
      }
      const accessToken = randomToken('access');
      const nextRefresh = randomToken('refresh');
      const grant: TokenGrant = { ...old, clientId: query.client_id ?? old.clientId };
      this.tokens.set(accessToken, grant);
      this.refreshTokens.set(nextRefresh, grant);
      this.refreshes.push({ login: old.user.login, userId: old.user.userId, refreshToken, newAccessToken: accessToken, at: Date.now() });
      this.json(res, 200, { access_token: accessToken, refresh_token: nextRefresh, expires_in: grant.expiresIn, scope: grant.scopes, token_type: 'bearer' });
      this.notify();
      return;
    }
    if (grantType === 'client_credentials') {
      const accessToken = randomToken('app');
      const clientId = query.client_id ?? this.defaultClientId;
      this.tokens.set(accessToken, { clientId, scopes: [], expiresIn: 5_000_000 });
      this.json(res, 200, { access_token: accessToken, expires_in: 5_000_000, token_type: 'bearer' });
      return;
    }
    this.unhandledHttp.push({ method: 'POST', path: '/auth/token', query, at: Date.now() });
    this.json(res, 400, { status: 400, message: `fake-twitch does not support grant_type=${grantType ?? ''}` });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    // twurple only parses error bodies whose Content-Type is exactly "application/json".
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }
}

/** Forwards [::1]:port to the same HTTP server; best effort, as IPv6 may be unavailable. */
async function listenLoopbackV6Mirror(server: Server, port: number): Promise<NetServer | undefined> {
  const mirror = createNetServer(socket => server.emit('connection', socket));
  return await new Promise(resolve => {
    mirror.once('error', () => resolve(undefined));
    mirror.listen(port, '::1', () => resolve(mirror));
  });
}

export async function startFakeTwitch(opts: FakeTwitchOptions = {}): Promise<FakeTwitch> {
  return await FakeTwitch.start(opts);
}
