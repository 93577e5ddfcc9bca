// The Twitch chat connection: twurple's ChatClient, and what it reads turned into compact rows and events for
// TwitchTransport (core/twitch.ts), which loads this file when chat starts. It runs on the bot's main thread.
// It used to run in a worker thread, but on a two-core virtual machine every hand-over between threads cost
// more than the work it moved: posting one frame's rows took the thread about 90 µs (the wake of the other
// thread), 40 % of its time, and a command's reply crossed two threads more than a bare client's. Plain chat
// lines skip twurple's parser (core/privmsg.ts), so what stays here is small. See docs/benchmarks.md.
import { getTokenInfo, RefreshingAuthProvider, StaticAuthProvider, type AccessToken, type AuthProvider } from '@twurple/auth';
import { ChatClient, parseTwitchMessage, RoomState, UserState, type ChatMessage as TwurpleMessage } from '@twurple/chat';
import { privmsgRow } from './privmsg.ts';
import type { ChatEvent } from './types.ts';
import { cheapTraceLines, normalizeToken, readTokenFile, tokenHash, writeTokenFile, type ChatRow, type ConnectionOptions, type ConnectionReport } from './twitch.ts';

export class TwitchConnection {
  private client: ChatClient | undefined;
  /** Rows of the current WebSocket frame: reported together once twurple has handled the frame (a microtask later). */
  private rows: ChatRow[] = [];
  /** Every message names its channel as `#name`; remembered, as there are only a few. */
  private readonly stripped = new Map<string, string>();
  /** Twitch's refusal (a NOTICE such as msg_ratelimit) does not name the message: the last one said there is it. */
  private readonly lastSaid = new Map<string, string>();
  private quitting = false;
  /** Failed logins twurple may retry before the token counts as rejected (it refreshes and retries by itself). */
  private retriesBeforeGivingUp = 0;
  private readonly mod = new Set<string>();

  constructor(
    private readonly o: ConnectionOptions,
    private readonly report: (m: ConnectionReport) => void,
  ) {
    cheapTraceLines(parseTwitchMessage('PING :tmi.twitch.tv'));
  }

  private readonly flushRows = (): void => {
    if (!this.rows.length) return;
    const rows = this.rows;
    this.rows = [];
    this.report({ t: 'chat', rows });
  };

  private emit(event: ChatEvent): void {
    this.flushRows(); // in arrival order with the chat around it
    this.report({ t: 'event', event });
  }

  private log(level: 'info' | 'warn' | 'error', text: string): void {
    this.report({ t: 'log', level, text });
  }

  private readonly strip = (c: string): string => {
    let name = this.stripped.get(c);
    if (name === undefined) {
      name = c.replace(/^#/, '').toLowerCase();
      if (this.stripped.size < 1000) this.stripped.set(c, name);
    }
    return name;
  };

  async start(): Promise<void> {
    try {
      const auth = await this.authProvider();
      if (!auth || this.quitting) return;
      const url = this.o.chatUrl ? new URL(this.o.chatUrl) : undefined;
      const c = new ChatClient({
        authProvider: auth,
        channels: [...this.o.channels],
        // Our outbox paces messages; isAlwaysMod keeps twurple's own limiter from queueing on top of it.
        isAlwaysMod: true,
        requestMembershipEvents: true,
        rejoinChannelsOnReconnect: true,
        // One WebSocket frame per event-loop turn: by default ws handles every frame already read in one go,
        // and a burst was handled in a few huge pieces while timers and database callbacks waited
        // (test/chat/twitch.test.ts, "a frame at a time").
        connectionOptions: { wsOptions: { allowSynchronousEvents: false } },
        ...(url ? { hostName: `${url.hostname}:${url.port || (url.protocol === 'wss:' ? 443 : 80)}/`, ssl: url.protocol === 'wss:', webSocket: true } : {}),
        logger: { minLevel: 'warning', custom: (level, message) => this.log(level <= 1 ? 'error' : 'warn', `twurple: ${message}`) },
      });
      this.client = c;
      this.wire(c);
      this.fastChat(c);
      c.connect();
    } catch (err) {
      this.log('error', `Twitch chat could not start: ${(err as Error).message}`);
      this.report({ t: 'status', status: 'disconnected', detail: (err as Error).message });
    }
  }

  private async authProvider(): Promise<AuthProvider | undefined> {
    const o = this.o;
    const envToken = normalizeToken(o.token);
    const stored = readTokenFile(o.dataDir);
    // The stored token wins if it was refreshed from this same TWITCH_TOKEN, or came from the setup wizard.
    const useStored = stored && (stored.source === tokenHash(envToken) || stored.source === 'wizard');
    // The token's real scopes, when it is valid: twurple refreshes a token it believes has none.
    const scope = useStored ? stored.scope : await getTokenInfo(envToken).then((i) => i.scopes, () => []);
    const token: AccessToken = useStored
      ? stored
      : { accessToken: envToken, refreshToken: o.refreshToken ?? null, expiresIn: null, obtainmentTimestamp: Date.now(), scope };
    try {
      if (token.refreshToken) {
        const refreshing = new RefreshingAuthProvider({ clientId: o.clientId, clientSecret: o.clientSecret ?? '' });
        refreshing.onRefresh((_userId, fresh) => {
          writeTokenFile(o.dataDir, { ...fresh, clientId: o.clientId }, useStored && stored.source === 'wizard' ? 'wizard' : envToken);
          this.log('info', 'Twitch token refreshed and saved');
        });
        refreshing.onRefreshFailure((_userId, err) => this.log('error', `refreshing the Twitch token failed: ${err.message}`));
        await refreshing.addUserForToken(token, ['chat']);
        // With a refresh token twurple refreshes and retries by itself; give it a couple of tries first.
        this.retriesBeforeGivingUp = 2;
        return refreshing;
      }
      // A bare access token cannot be refreshed: check it now so a bad one fails once, clearly.
      const info = await getTokenInfo(token.accessToken);
      return new StaticAuthProvider(o.clientId || info.clientId, token.accessToken, info.scopes);
    } catch (err) {
      this.authFailed((err as Error).message);
      return undefined;
    }
  }

  private authFailed(reason: string): void {
    this.quitting = true;
    this.client?.quit();
    this.report({ t: 'authFailed', reason });
  }

  /**
   * Plain chat lines skip twurple's parser (core/privmsg.ts); every other line, and any line the fast path does
   * not recognise, goes to twurple as before. twurple then resets its ping timer only on those other lines: in a
   * busy channel it pings after a minute of nothing else, and the server's PONG keeps the connection counted alive.
   * A line whose handling throws is logged and skipped: the bot's process must not end over one line.
   */
  private fastChat(c: ChatClient): void {
    const irc = c.irc as unknown as { receiveLine(line: string): void };
    const twurple = irc.receiveLine.bind(irc);
    irc.receiveLine = (line: string) => {
      try {
        const row = privmsgRow(line, this.strip);
        if (!row) return twurple(line);
        if (!this.rows.length) queueMicrotask(this.flushRows);
        this.rows.push(row);
      } catch (err) {
        this.log('error', `a line from Twitch chat could not be handled and was skipped (${(err as Error).message}): ${JSON.stringify(line.slice(0, 200))}`);
      }
    };
  }

  private wire(c: ChatClient): void {
    const strip = this.strip;
    c.onAuthenticationSuccess(() => this.report({ t: 'status', status: 'connected' }));
    c.onAuthenticationFailure((text, retries) => {
      if (retries > this.retriesBeforeGivingUp) this.authFailed(text);
    });
    c.onTokenFetchFailure((err) => this.authFailed(err.message));
    c.onDisconnect((manually, reason) => {
      if (this.quitting) return;
      this.report({ t: 'status', status: 'disconnected', detail: reason?.message });
      if (!manually) this.log('warn', `disconnected from Twitch chat${reason ? `: ${reason.message}` : ''}; reconnecting`);
    });
    const me = () => c.irc.currentNick.toLowerCase();
    c.irc.onTypedMessage(UserState, (msg) => {
      const channel = strip(msg.channel);
      const badges = msg.tags.get('badges') ?? '';
      if (/(^|,)(moderator|broadcaster)\//.test(badges) || msg.tags.get('mod') === '1' || channel === me()) this.mod.add(channel);
      else this.mod.delete(channel);
    });
    // twurple counts a channel as joined on its ROOMSTATE (its own handler, registered first, runs before this one).
    c.irc.onTypedMessage(RoomState, () => this.report({ t: 'writable' }));
    c.onJoin((channel, user) => {
      if (user.toLowerCase() === me()) {
        this.report({ t: 'status', status: 'connected' });
        this.report({ t: 'writable' });
      }
      this.emit({ type: 'join', channel: strip(channel), login: user });
    });
    c.onPart((channel, user) => this.emit({ type: 'part', channel: strip(channel), login: user }));
    // The row's order is the one TwitchTransport reads (see ChatRow there).
    const onText = (isAction: boolean) => (channel: string, user: string, text: string, msg: TwurpleMessage) => {
      const tags = msg.tags;
      if (!this.rows.length) queueMicrotask(this.flushRows);
      this.rows.push([strip(channel), user, text, isAction ? 1 : 0, tags.get('id') ?? '', tags.get('user-id') ?? '', tags.get('display-name') ?? '', tags.get('badges') ?? '', tags.get('vip') ?? null, tags.get('bits') ?? '', tags.get('first-msg') === '1' ? 1 : 0]);
    };
    c.onMessage(onText(false));
    c.onAction(onText(true));
    this.wireEvents(c);
    const refused = (channel: string, reason: string) => {
      const text = this.lastSaid.get(strip(channel));
      this.log('warn', `gave up a reply: Twitch refused it in #${strip(channel)} (${reason})${text === undefined ? '' : `: ${JSON.stringify(text)}`}`);
    };
    c.onMessageFailed(refused);
    c.onMessageRatelimit((channel) => refused(channel, 'msg_ratelimit'));
  }

  /** Subs, gifts, raids and moderation, as chat events. */
  private wireEvents(c: ChatClient): void {
    const strip = this.strip;
    c.onSub((channel, user, info) =>
      this.emit({ type: 'sub', channel: strip(channel), user: { id: info.userId, login: user, displayName: info.displayName }, months: info.months, plan: info.plan, message: info.message }),
    );
    c.onResub((channel, user, info) =>
      this.emit({ type: 'resub', channel: strip(channel), user: { id: info.userId, login: user, displayName: info.displayName }, months: info.months, plan: info.plan, message: info.message }),
    );
    c.onSubGift((channel, user, info) =>
      this.emit({
        type: 'subgift',
        channel: strip(channel),
        user: { id: info.gifterUserId, login: info.gifter ?? 'anonymous', displayName: info.gifterDisplayName },
        recipient: { id: info.userId, login: user, displayName: info.displayName },
        plan: info.plan,
        months: info.months,
      }),
    );
    c.onRaid((channel, user, info, msg) =>
      this.emit({ type: 'raid', channel: strip(channel), from: { id: msg.userInfo.userId, login: user, displayName: info.displayName }, viewers: info.viewerCount }),
    );
    c.onBan((channel, user, msg) => this.emit({ type: 'ban', channel: strip(channel), user: { id: msg.targetUserId ?? undefined, login: user } }));
    c.onTimeout((channel, user, duration, msg) =>
      this.emit({ type: 'timeout', channel: strip(channel), user: { id: msg.targetUserId ?? undefined, login: user }, durationSec: duration }),
    );
    c.onChatClear((channel) => this.emit({ type: 'clear', channel: strip(channel) }));
  }

  /** Connected, and in the channel (twurple counts it joined at its ROOMSTATE). */
  canSay(channel: string): boolean {
    const c = this.client;
    return !!c && c.irc.isConnected && c.currentChannels.includes(`#${channel}`);
  }

  /** Where the bot is a moderator (or the broadcaster), from its USERSTATE there. */
  isMod(channel: string): boolean {
    return this.mod.has(channel);
  }

  /** Writes a message to the connection now; false when it cannot (the message stays queued). */
  say(channel: string, text: string, replyTo?: string): boolean {
    const c = this.client;
    if (!c || !this.canSay(channel)) return false;
    c.irc.say(`#${channel}`, text, replyTo ? { 'reply-parent-msg-id': replyTo } : {});
    this.lastSaid.set(channel, text);
    return true;
  }

  /** Sends QUIT and resolves once the socket has closed, or after a second. */
  quit(): Promise<void> {
    this.quitting = true;
    const c = this.client;
    this.client = undefined;
    if (!c) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      c.onDisconnect(() => {
        clearTimeout(timer);
        resolve();
      });
      c.quit();
    });
  }
}
