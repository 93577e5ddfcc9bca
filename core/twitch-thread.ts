// The Twitch chat connection, run in a worker thread by TwitchTransport (core/twitch.ts). twurple parses every
// line a busy channel sends (about 15 µs each, more than everything the bot then does with it); here that work
// runs beside the plugins instead of before them, and a plugin that holds the event loop cannot make twurple
// miss its pings. Chat goes to the main thread a frame at a time, as compact rows.
import { parentPort, workerData } from 'node:worker_threads';
import { getTokenInfo, RefreshingAuthProvider, StaticAuthProvider, type AccessToken, type AuthProvider } from '@twurple/auth';
import { ChatClient, parseTwitchMessage, RoomState, UserState, type ChatMessage as TwurpleMessage } from '@twurple/chat';
import { privmsgRow } from './privmsg.ts';
import type { ChatEvent } from './types.ts';
import { cheapTraceLines, normalizeToken, readTokenFile, tokenHash, writeTokenFile, type ChatRow, type FromThread, type ThreadOptions, type ToThread } from './twitch.ts';

const port = parentPort;
if (!port) throw new Error('core/twitch-thread.ts runs in a worker thread started by TwitchTransport');
const o = workerData as ThreadOptions;
cheapTraceLines(parseTwitchMessage('PING :tmi.twitch.tv'));

const post = (m: FromThread) => port.postMessage(m);
const log = (level: 'info' | 'warn' | 'error', text: string) => post({ t: 'log', level, text });

// Rows of the current frame: sent together once twurple has handled the frame (a microtask later).
let rows: ChatRow[] = [];
const flushRows = () => {
  if (!rows.length) return;
  post({ t: 'chat', rows });
  rows = [];
};
const emit = (event: ChatEvent) => {
  flushRows(); // in arrival order with the chat around it
  post({ t: 'event', event });
};

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

let client: ChatClient | undefined;
// Twitch's refusal (a NOTICE such as msg_ratelimit) does not name the message: the last one said there is it.
const lastSaid = new Map<string, string>();
let quitting = false;
/** Failed logins twurple may retry before the token counts as rejected (it refreshes and retries by itself). */
let retriesBeforeGivingUp = 0;
const mod = new Set<string>();
const postState = () => {
  const c = client;
  post({ t: 'state', connected: !!c && c.irc.isConnected, channels: c ? c.currentChannels.map(strip) : [], mod: [...mod] });
};

async function authProvider(): Promise<AuthProvider | undefined> {
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
        log('info', 'Twitch token refreshed and saved');
      });
      refreshing.onRefreshFailure((_userId, err) => log('error', `refreshing the Twitch token failed: ${err.message}`));
      await refreshing.addUserForToken(token, ['chat']);
      // With a refresh token twurple refreshes and retries by itself; give it a couple of tries first.
      retriesBeforeGivingUp = 2;
      return refreshing;
    }
    // A bare access token cannot be refreshed: check it now so a bad one fails once, clearly.
    const info = await getTokenInfo(token.accessToken);
    return new StaticAuthProvider(o.clientId || info.clientId, token.accessToken, info.scopes);
  } catch (err) {
    authFailed((err as Error).message);
    return undefined;
  }
}

function authFailed(reason: string): void {
  quitting = true;
  client?.quit();
  post({ t: 'authFailed', reason });
}

async function start(): Promise<void> {
  const auth = await authProvider();
  if (!auth) return;
  const url = o.chatUrl ? new URL(o.chatUrl) : undefined;
  const c = new ChatClient({
    authProvider: auth,
    channels: [...o.channels],
    // Our outbox paces messages; isAlwaysMod keeps twurple's own limiter from queueing on top of it.
    isAlwaysMod: true,
    requestMembershipEvents: true,
    rejoinChannelsOnReconnect: true,
    // One WebSocket frame per event-loop turn, so chat goes over a frame at a time. By default ws handles
    // every frame already read in one go: a burst went over in a few huge pieces, each handled at once by the
    // main thread while its timers and database callbacks waited (test/chat/twitch.test.ts, "a frame at a time").
    connectionOptions: { wsOptions: { allowSynchronousEvents: false } },
    ...(url ? { hostName: `${url.hostname}:${url.port || (url.protocol === 'wss:' ? 443 : 80)}/`, ssl: url.protocol === 'wss:', webSocket: true } : {}),
    logger: { minLevel: 'warning', custom: (level, message) => log(level <= 1 ? 'error' : 'warn', `twurple: ${message}`) },
  });
  client = c;
  wire(c);
  fastChat(c);
  c.connect();
}

/**
 * Plain chat lines skip twurple's parser (core/privmsg.ts); every other line, and any line the fast path does
 * not recognise, goes to twurple as before. twurple then resets its ping timer only on those other lines: in a
 * busy channel it pings after a minute of nothing else, and the server's PONG keeps the connection counted alive.
 */
function fastChat(c: ChatClient): void {
  const irc = c.irc as unknown as { receiveLine(line: string): void };
  const twurple = irc.receiveLine.bind(irc);
  irc.receiveLine = (line: string) => {
    const row = privmsgRow(line, strip);
    if (!row) return twurple(line);
    if (!rows.length) queueMicrotask(flushRows);
    rows.push(row);
  };
}

function wire(c: ChatClient): void {
  c.onAuthenticationSuccess(() => post({ t: 'status', status: 'connected' }));
  c.onAuthenticationFailure((text, retries) => {
    if (retries > retriesBeforeGivingUp) authFailed(text);
  });
  c.onTokenFetchFailure((err) => authFailed(err.message));
  c.onDisconnect((manually, reason) => {
    postState();
    if (quitting) return;
    post({ t: 'status', status: 'disconnected', detail: reason?.message });
    if (!manually) log('warn', `disconnected from Twitch chat${reason ? `: ${reason.message}` : ''}; reconnecting`);
  });
  const me = () => c.irc.currentNick.toLowerCase();
  c.irc.onTypedMessage(UserState, (msg) => {
    const channel = strip(msg.channel);
    const badges = msg.tags.get('badges') ?? '';
    if (/(^|,)(moderator|broadcaster)\//.test(badges) || msg.tags.get('mod') === '1' || channel === me()) mod.add(channel);
    else mod.delete(channel);
    postState();
  });
  // twurple counts a channel as joined on its ROOMSTATE (its own handler, registered first, runs before this one).
  c.irc.onTypedMessage(RoomState, () => {
    postState();
    post({ t: 'writable' });
  });
  c.onJoin((channel, user) => {
    if (user.toLowerCase() === me()) {
      postState();
      post({ t: 'status', status: 'connected' });
      post({ t: 'writable' });
    }
    emit({ type: 'join', channel: strip(channel), login: user });
  });
  c.onPart((channel, user) => {
    if (user.toLowerCase() === me()) postState();
    emit({ type: 'part', channel: strip(channel), login: user });
  });
  // The row's order is the one TwitchTransport reads (see ChatRow there).
  const onText = (isAction: boolean) => (channel: string, user: string, text: string, msg: TwurpleMessage) => {
    const tags = msg.tags;
    if (!rows.length) queueMicrotask(flushRows);
    rows.push([strip(channel), user, text, isAction ? 1 : 0, tags.get('id') ?? '', tags.get('user-id') ?? '', tags.get('display-name') ?? '', tags.get('badges') ?? '', tags.get('vip') ?? null, tags.get('bits') ?? '', tags.get('first-msg') === '1' ? 1 : 0]);
  };
  c.onMessage(onText(false));
  c.onAction(onText(true));
  c.onSub((channel, user, info) =>
    emit({ type: 'sub', channel: strip(channel), user: { id: info.userId, login: user, displayName: info.displayName }, months: info.months, plan: info.plan, message: info.message }),
  );
  c.onResub((channel, user, info) =>
    emit({ type: 'resub', channel: strip(channel), user: { id: info.userId, login: user, displayName: info.displayName }, months: info.months, plan: info.plan, message: info.message }),
  );
  c.onSubGift((channel, user, info) =>
    emit({
      type: 'subgift',
      channel: strip(channel),
      user: { id: info.gifterUserId, login: info.gifter ?? 'anonymous', displayName: info.gifterDisplayName },
      recipient: { id: info.userId, login: user, displayName: info.displayName },
      plan: info.plan,
      months: info.months,
    }),
  );
  c.onRaid((channel, user, info, msg) =>
    emit({ type: 'raid', channel: strip(channel), from: { id: msg.userInfo.userId, login: user, displayName: info.displayName }, viewers: info.viewerCount }),
  );
  c.onBan((channel, user, msg) => emit({ type: 'ban', channel: strip(channel), user: { id: msg.targetUserId ?? undefined, login: user } }));
  c.onTimeout((channel, user, duration, msg) =>
    emit({ type: 'timeout', channel: strip(channel), user: { id: msg.targetUserId ?? undefined, login: user }, durationSec: duration }),
  );
  c.onChatClear((channel) => emit({ type: 'clear', channel: strip(channel) }));
  const refused = (channel: string, reason: string) => {
    const text = lastSaid.get(strip(channel));
    log('warn', `gave up a reply: Twitch refused it in #${strip(channel)} (${reason})${text === undefined ? '' : `: ${JSON.stringify(text)}`}`);
  };
  c.onMessageFailed(refused);
  c.onMessageRatelimit((channel) => refused(channel, 'msg_ratelimit'));
}

port.on('message', (m: ToThread) => {
  if (m.t === 'say') {
    const c = client;
    // The main thread saw the channel joined; if the connection dropped since, the message goes back to its outbox.
    const ok = !!c && c.irc.isConnected && c.currentChannels.includes(`#${m.channel}`);
    if (ok) {
      c.irc.say(`#${m.channel}`, m.text, m.replyTo ? { 'reply-parent-msg-id': m.replyTo } : {});
      lastSaid.set(m.channel, m.text);
    }
    post({ t: 'said', seq: m.seq, ok });
  } else if (m.t === 'quit') {
    quitting = true;
    const c = client;
    client = undefined;
    if (!c) {
      port.close();
      return;
    }
    // Closed after the connection is (twurple's quit sends QUIT and waits for the socket), or after a second.
    const done = () => port.close();
    c.onDisconnect(done);
    setTimeout(done, 1000).unref();
    c.quit();
  }
});

start().catch((err: unknown) => {
  log('error', `Twitch chat could not start: ${(err as Error).message}`);
  post({ t: 'status', status: 'disconnected', detail: (err as Error).message });
});
