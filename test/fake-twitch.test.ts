import { ApiClient } from '@twurple/api';
import { RefreshingAuthProvider, StaticAuthProvider, type AuthProvider } from '@twurple/auth';
import { ChatClient, type ChatClientOptions, type ChatMessage } from '@twurple/chat';
import { expect } from 'chai';
import { WebSocket } from 'ws';
import {
  fakeUserId,
  formatIrcLine,
  formatTags,
  parseIrcLine,
  startFakeTwitch,
  type FakeTwitch,
  type FakeTwitchOptions,
} from './support/fake-twitch.js';
import { eventually } from './support/eventually.ts';

const CLIENT_ID = 'test-client-id';
const BOT_TOKEN = 'bot-token';
const BOT = { login: 'bakebot', userId: '1001', displayName: 'BakeBot' };
const CHANNEL = 'streamer';

/** A fixed wait: only for the fake's own wall-clock windows (rate, duplicates), never to wait for a client. */
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

describe('fake-twitch', function () {
  this.timeout(15000);

  let fake: FakeTwitch | undefined;
  const clients: ChatClient[] = [];

  async function start(opts: FakeTwitchOptions = {}): Promise<FakeTwitch> {
    fake = await startFakeTwitch(opts);
    fake.acceptToken(BOT_TOKEN, { ...BOT, refreshToken: 'bot-refresh-token' });
    process.env.TWURPLE_MOCK_API_PORT = String(fake.port);
    return fake;
  }

  function chatClient(f: FakeTwitch, authProvider?: AuthProvider, extra: Partial<ChatClientOptions> = {}): ChatClient {
    const client = new ChatClient({
      ...(authProvider ? { authProvider } : {}),
      hostName: `127.0.0.1:${f.port}/`,
      ssl: false,
      webSocket: true,
      channels: [CHANNEL],
      logger: { minLevel: 'critical' },
      ...extra,
    });
    clients.push(client);
    return client;
  }

  /** Connects and waits until twurple itself considers the channel joined (i.e. saw ROOMSTATE). */
  async function connectBot(f: FakeTwitch, extra: Partial<ChatClientOptions> = {}): Promise<ChatClient> {
    const client = chatClient(f, new StaticAuthProvider(CLIENT_ID, BOT_TOKEN), extra);
    client.connect();
    await f.waitForJoin(CHANNEL);
    await eventually(() => client.currentChannels.includes(`#${CHANNEL}`), { what: 'twurple to finish joining' });
    return client;
  }

  function collectMessages(client: ChatClient): ChatMessage[] {
    const received: ChatMessage[] = [];
    client.onMessage((_channel, _user, _text, msg) => received.push(msg));
    return received;
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) client.quit();
    await fake?.close();
    fake = undefined;
    delete process.env.TWURPLE_MOCK_API_PORT;
  });

  describe('IRC helpers', () => {
    it('round-trips tag values through IRCv3 escaping', () => {
      const nasty = 'a b;c\\d\r\ne\\s';
      const line = formatIrcLine({ tags: { 'display-name': nasty, empty: '' }, prefix: 'x!x@x', command: 'PRIVMSG', params: ['#c'], trailing: ':hi  there' });
      expect(formatTags({ v: 'a b;c\\' })).to.equal('v=a\\sb\\:c\\\\');
      const parsed = parseIrcLine(line);
      expect(parsed.tags).to.deep.equal({ 'display-name': nasty, empty: '' });
      expect(parsed.prefix).to.equal('x!x@x');
      expect(parsed.command).to.equal('PRIVMSG');
      expect(parsed.params).to.deep.equal(['#c', ':hi  there']);
      expect(parseIrcLine('@a;b=\\q\\ CAP REQ :x y').tags).to.deep.equal({ a: '', b: 'q' });
    });
  });

  describe('with the real twurple ChatClient', () => {
    it('connects, registers and joins', async () => {
      const f = await start();
      const client = await connectBot(f);
      expect(client.isConnected).to.equal(true);
      expect(f.connections).to.equal(1);
      expect(f.botLogin).to.equal('bakebot');
      expect(f.joins).to.have.length(1);
      expect(f.joins[0]).to.include({ channel: CHANNEL, login: 'bakebot', anonymous: false });
      expect(f.clients[0]?.caps).to.include.members(['twitch.tv/tags', 'twitch.tv/commands']);
      // An explicit join() resolves too (it waits for ROOMSTATE).
      await client.join('otherchannel');
      expect(client.currentChannels).to.include('#otherchannel');
    });

    it('delivers injected viewer messages with Twitch tags and any text', async () => {
      const f = await start();
      const client = await connectBot(f);
      const received = collectMessages(client);
      const texts = [
        'hello 👋🏽 🎂 Kappa',
        'مرحبا بالعالم — שלום עולם',
        '<script>alert("x")</script>',
        "'; DROP TABLE users; --",
        ':leading colon; semicolons\\s and \\ backslashes',
        'bake🎂 '.repeat(1500), // > 10 KB on the wire
      ];
      const modId = f.say(CHANNEL, {
        login: 'ModViewer',
        userId: '4242',
        displayName: 'ModViewer',
        text: texts[0] ?? '',
        roles: ['moderator', 'subscriber'],
        subMonths: 14,
        bits: 100,
        firstMsg: true,
      });
      for (const text of texts.slice(1)) f.say(CHANNEL, { login: 'plainviewer', text });
      f.say(CHANNEL, { login: 'weird', displayName: 'We;rd Na\\me', text: 'multi\r\nline', roles: ['vip', 'founder'] });
      await eventually(() => received.length === texts.length + 1, { what: 'all viewer messages' });

      const [first] = received;
      expect(first?.id).to.equal(modId);
      expect(first?.channelId).to.equal(fakeUserId(CHANNEL));
      expect(first?.userInfo.userName).to.equal('modviewer');
      expect(first?.userInfo.userId).to.equal('4242');
      expect(first?.userInfo.displayName).to.equal('ModViewer');
      expect(first?.userInfo.isMod).to.equal(true);
      expect(first?.userInfo.isSubscriber).to.equal(true);
      expect(first?.userInfo.isVip).to.equal(false);
      expect(first?.userInfo.badges.get('moderator')).to.equal('1');
      expect(first?.userInfo.badgeInfo.get('subscriber')).to.equal('14');
      expect(first?.bits).to.equal(100);
      expect(first?.isCheer).to.equal(true);
      expect(first?.isFirst).to.equal(true);

      expect(received.slice(0, texts.length).map(m => m.text)).to.deep.equal(texts);
      const plain = received[1];
      expect(plain?.userInfo.userId).to.equal(fakeUserId('plainviewer'));
      expect(plain?.userInfo.isMod).to.equal(false);
      expect(plain?.userInfo.isSubscriber).to.equal(false);
      expect(plain?.bits).to.equal(0);
      expect(plain?.isFirst).to.equal(false);

      const weird = received[texts.length];
      expect(weird?.userInfo.displayName).to.equal('We;rd Na\\me');
      expect(weird?.userInfo.isVip).to.equal(true);
      expect(weird?.userInfo.isFounder).to.equal(true);
      expect(weird?.text).to.equal('multiline');
    });

    it('records bot replies and echoes them to other connections only', async () => {
      const f = await start();
      const bot = await connectBot(f);
      const botSees = collectMessages(bot);
      const reader = chatClient(f); // anonymous justinfan connection
      const readerSees = collectMessages(reader);
      reader.connect();
      await f.waitForJoin(CHANNEL, { count: 2 });
      await eventually(() => reader.currentChannels.includes(`#${CHANNEL}`), { what: 'reader join' });
      expect(f.joins[1]?.anonymous).to.equal(true);
      expect(f.joins[1]?.login).to.match(/^justinfan\d+$/);

      const parentId = f.say(CHANNEL, { login: 'viewer1', displayName: 'Viewer1', text: '!bake' });
      await eventually(() => botSees.length === 1, { what: 'viewer message at the bot' });
      await bot.say(CHANNEL, 'baking a cake for you', { replyTo: parentId });

      const [sent] = await f.waitForBotMessages(1);
      expect(sent).to.include({ channel: CHANNEL, login: 'bakebot', text: 'baking a cake for you', action: false });
      expect(sent?.tags['reply-parent-msg-id']).to.equal(parentId);
      expect(sent?.dropped).to.equal(undefined);
      expect(sent?.at).to.be.a('number');
      expect(sent?.connectionId).to.equal(f.clients.find(c => !c.anonymous)?.id);

      await eventually(() => readerSees.length === 2, { what: 'echo at the reader' });
      const echo = readerSees[1];
      expect(echo?.text).to.equal('baking a cake for you');
      expect(echo?.userInfo.userName).to.equal('bakebot');
      expect(echo?.userInfo.userId).to.equal(BOT.userId);
      expect(echo?.parentMessageId).to.equal(parentId);
      expect(echo?.parentMessageUserName).to.equal('viewer1');
      // Absence of an echo to the bot: it would have come with the reader's, give it the same moment.
      await sleep(100);
      expect(botSees.map(m => m.text)).to.deep.equal(['!bake']);

      // /me arrives as CTCP ACTION; the record unwraps it.
      bot.irc.action(`#${CHANNEL}`, 'bakes a cake');
      const [, action] = await f.waitForBotMessages(2);
      expect(action).to.include({ text: 'bakes a cake', action: true });
    });

    it('forgets a message said with forget (the benchmark\'s background chat): a reply to it names no parent', async () => {
      const f = await start();
      const bot = await connectBot(f);
      const botSees = collectMessages(bot);
      const reader = chatClient(f);
      const readerSees = collectMessages(reader);
      reader.connect();
      await f.waitForJoin(CHANNEL, { count: 2 });
      await eventually(() => reader.currentChannels.includes(`#${CHANNEL}`), { what: 'reader join' });
      const kept = f.say(CHANNEL, { login: 'viewer1', text: 'remember me' });
      const gone = f.say(CHANNEL, { login: 'viewer2', text: 'just chatting', forget: true });
      await eventually(() => botSees.length === 2, { what: 'both messages at the bot' });
      await bot.say(CHANNEL, 'to the first', { replyTo: kept });
      await bot.say(CHANNEL, 'to the second', { replyTo: gone });
      await eventually(() => readerSees.length === 4, { what: 'both echoes at the reader' });
      expect(readerSees[2]).to.include({ text: 'to the first', parentMessageId: kept, parentMessageUserName: 'viewer1' });
      expect(readerSees[3]).to.include({ text: 'to the second', parentMessageId: gone, parentMessageUserName: null });
    });

    it('enforces the rate limit for a non-mod with a sliding window', async () => {
      const f = await start({ limits: { windowMs: 1000 } });
      const client = await connectBot(f);
      const rateNotices: string[] = [];
      client.onMessageRatelimit(channel => rateNotices.push(channel));
      // irc.say bypasses twurple's own limiter, which would otherwise queue instead of breach.
      for (let i = 0; i < 25; i++) client.irc.say(`#${CHANNEL}`, `spam ${i}`);
      await f.waitFor(() => (f.botMessages.length === 25 ? true : undefined), 3000, () => '25 bot messages');

      expect(f.botMessages.filter(m => !m.dropped)).to.have.length(20);
      expect(f.botMessages.filter(m => m.dropped).map(m => m.text)).to.deep.equal(['spam 20', 'spam 21', 'spam 22', 'spam 23', 'spam 24']);
      expect(f.violations.map(v => v.rule)).to.deep.equal(['rate', 'rate', 'rate', 'rate', 'rate']);
      expect(f.violations[0]).to.include({ channel: CHANNEL, login: 'bakebot', text: 'spam 20' });
      await eventually(() => rateNotices.length === 5, { what: 'msg_ratelimit notices' });

      await sleep(1100); // the window slides past the burst
      client.irc.say(`#${CHANNEL}`, 'after the window');
      const delivered = await f.waitForBotMessages(21);
      expect(delivered[20]?.text).to.equal('after the window');
      expect(f.violations).to.have.length(5);
    });

    it('lets a moderator send 25 messages fast, and shows the mod badge on join', async () => {
      const f = await start({ limits: { windowMs: 5000 } });
      f.setMod(CHANNEL, 'BakeBot', true);
      const client = chatClient(f, new StaticAuthProvider(CLIENT_ID, BOT_TOKEN));
      const userStateBadges: string[] = [];
      client.irc.onAnyMessage(msg => {
        if (msg.command === 'USERSTATE') userStateBadges.push(msg.tags.get('badges') ?? '');
      });
      client.connect();
      await f.waitForJoin(CHANNEL);
      await eventually(() => client.currentChannels.includes(`#${CHANNEL}`), { what: 'join' });
      expect(userStateBadges[0]).to.equal('moderator/1');

      for (let i = 0; i < 25; i++) client.irc.say(`#${CHANNEL}`, `mod spam ${i}`);
      await f.waitForBotMessages(25);
      expect(f.violations).to.deep.equal([]);

      // Demotion applies to the rate class at once: 25 already in the window >= 20.
      f.setMod(CHANNEL, 'bakebot', false);
      client.irc.say(`#${CHANNEL}`, 'now a pleb');
      await f.waitFor(() => f.violations[0], 2000, () => 'a violation');
      expect(f.violations[0]?.rule).to.equal('rate');
    });

    it('treats the broadcaster like a mod', async () => {
      const f = await start({ limits: { windowMs: 1000 } });
      f.acceptToken('streamer-token', { login: CHANNEL, userId: '777' });
      const client = chatClient(f, new StaticAuthProvider(CLIENT_ID, 'streamer-token'));
      const badges: string[] = [];
      client.irc.onAnyMessage(msg => {
        if (msg.command === 'USERSTATE') badges.push(msg.tags.get('badges') ?? '');
      });
      client.connect();
      await f.waitForJoin(CHANNEL);
      await eventually(() => badges.length > 0, { what: 'USERSTATE' });
      expect(badges[0]).to.equal('broadcaster/1');
      for (let i = 0; i < 25; i++) client.irc.say(`#${CHANNEL}`, 'same thing');
      await f.waitForBotMessages(25);
      expect(f.violations).to.deep.equal([]);
    });

    it('rejects duplicates from a non-mod and over-long messages', async () => {
      const f = await start({ limits: { duplicateWindowMs: 800 } });
      const client = await connectBot(f);
      const failures: string[] = [];
      client.onMessageFailed((_channel, reason) => failures.push(reason));

      client.irc.say(`#${CHANNEL}`, 'same');
      client.irc.say(`#${CHANNEL}`, 'same'); // duplicate
      client.irc.say(`#${CHANNEL}`, 'other');
      client.irc.say(`#${CHANNEL}`, 'same'); // fine: Twitch compares with the previous message only
      client.irc.say(`#${CHANNEL}`, '🎂'.repeat(500)); // 500 code points (1000 UTF-16 units) is allowed
      client.irc.say(`#${CHANNEL}`, '🎂'.repeat(501));
      await f.waitFor(() => (f.botMessages.length === 6 ? true : undefined), 3000, () => '6 bot messages');

      expect(f.violations.map(v => [v.rule, v.text.slice(0, 4)])).to.deep.equal([
        ['duplicate', 'same'],
        ['length', '🎂🎂'],
      ]);
      expect(f.botMessages.map(m => m.dropped ?? false)).to.deep.equal([false, true, false, false, false, true]);
      await eventually(() => failures.length === 1, { what: 'msg_duplicate notice' });
      expect(failures).to.deep.equal(['msg_duplicate']);

      await sleep(900);
      client.irc.say(`#${CHANNEL}`, '🎂'.repeat(500)); // the duplicate window has passed
      await f.waitForBotMessages(5);
      expect(f.violations).to.have.length(2);
    });

    it('sends sub, resub, gift, raid, clear-chat and membership events twurple understands', async () => {
      const f = await start();
      const client = await connectBot(f, { requestMembershipEvents: true });
      const events: string[] = [];
      client.onSub((_c, user, info) => events.push(`sub ${user} ${info.months} ${info.plan} ${info.isPrime}`));
      client.onResub((_c, user, info, notice) => events.push(`resub ${user} ${info.months} ${info.streak ?? '-'} ${info.message ?? ''} ${notice.tags.get('system-msg') ?? ''}`));
      client.onSubGift((_c, user, info) => events.push(`gift ${user} ${info.userId} from ${info.gifter ?? '?'} ${info.gifterGiftCount ?? 0}`));
      client.onRaid((_c, user, info, notice) => events.push(`raid ${user} ${info.displayName} ${info.viewerCount} ${notice.tags.get('system-msg') ?? ''}`));
      client.onBan((_c, user) => events.push(`ban ${user}`));
      client.onTimeout((_c, user, duration) => events.push(`timeout ${user} ${duration}`));
      client.onChatClear(() => events.push('clear'));
      client.onMessageRemove((_c, id) => events.push(`delete ${id}`));
      client.onJoin((_c, user) => events.push(`join ${user}`));
      client.onPart((_c, user) => events.push(`part ${user}`));
      const baseline = events.length; // our own JOIN

      f.userNotice(CHANNEL, 'sub', { login: 'newsub', plan: 'Prime' });
      f.userNotice(CHANNEL, 'resub', { login: 'oldsub', months: 13, streakMonths: 5, plan: '2000', text: 'love the cakes' });
      f.userNotice(CHANNEL, 'subgift', { login: 'gifter', recipient: 'lucky', recipientUserId: '555', senderCount: 3 });
      f.userNotice(CHANNEL, 'raid', { login: 'raider', displayName: 'Raider', viewerCount: 42 });
      const msgId = f.say(CHANNEL, { login: 'rude', text: 'bad words' });
      f.deleteMessage(CHANNEL, msgId);
      f.clearChat(CHANNEL, 'rude', 600);
      f.clearChat(CHANNEL, 'rude');
      f.clearChat(CHANNEL);
      f.membership(CHANNEL, 'lurker', 'JOIN');
      f.membership(CHANNEL, 'lurker', 'PART');
      await eventually(() => events.length === baseline + 10, { what: 'all events' });

      expect(events.slice(baseline)).to.deep.equal([
        'sub newsub 1 Prime true',
        "resub oldsub 13 5 love the cakes oldsub subscribed at Tier 2. They've subscribed for 13 months!",
        'gift lucky 555 from gifter 3',
        'raid raider Raider 42 42 raiders from Raider have joined!',
        `delete ${msgId}`,
        'timeout rude 600',
        'ban rude',
        'clear',
        'join lurker',
        'part lurker',
      ]);
    });

    it('reconnects and rejoins after RECONNECT and after a dropped connection', async () => {
      const f = await start();
      const client = await connectBot(f);
      const received = collectMessages(client);

      await f.sendReconnect();
      const rejoin = await f.waitForJoin(CHANNEL, { count: 2 });
      expect(rejoin.connectionId).to.not.equal(f.joins[0]?.connectionId);
      await eventually(() => client.currentChannels.includes(`#${CHANNEL}`), { what: 'rejoin on the twurple side' });

      f.dropConnections();
      await f.waitForJoin(CHANNEL, { count: 3 });
      await eventually(() => client.currentChannels.includes(`#${CHANNEL}`) && f.connections === 1, { what: 'second rejoin' });

      f.say(CHANNEL, { login: 'viewer', text: 'still there?' });
      await eventually(() => received.length === 1, { what: 'message after reconnects' });
      expect(received[0]?.text).to.equal('still there?');
    });
  });

  describe('auth', () => {
    it('answers a bad token with the Twitch NOTICE and closes (raw socket)', async () => {
      const f = await start();
      const ws = new WebSocket(f.url);
      let received = '';
      ws.on('message', data => (received += data.toString()));
      const closed = new Promise<void>(resolve => ws.on('close', () => resolve()));
      await new Promise<void>(resolve => ws.on('open', () => resolve()));
      // Several lines in one frame, the way some clients batch them.
      ws.send('PING :abc\r\nPASS oauth:not-a-token\r\nNICK bakebot\r\n');
      await closed;
      expect(received).to.equal(':tmi.twitch.tv PONG tmi.twitch.tv :abc\r\n:tmi.twitch.tv NOTICE * :Login authentication failed\r\n');
      expect(f.authFailures).to.have.length(1);
      expect(f.authFailures[0]).to.include({ nick: 'bakebot', reason: 'Login authentication failed' });
    });

    it('makes twurple see the auth failure when a token is revoked mid-session', async () => {
      const f = await start();
      const client = await connectBot(f);
      const authFailures: string[] = [];
      const tokenFailures: string[] = [];
      client.onAuthenticationFailure(text => authFailures.push(text));
      client.onTokenFetchFailure(err => tokenFailures.push(err.message));

      // twurple reuses a verified token on reconnect without re-validating it,
      // so the revocation only shows up at IRC login.
      f.revokeToken(BOT_TOKEN);
      await f.sendReconnect();
      await eventually(() => authFailures.length > 0 && tokenFailures.length > 0, { what: 'twurple auth failure events' });
      expect(authFailures[0]).to.equal('Login authentication failed');
      expect(f.authFailures[0]?.reason).to.equal('Login authentication failed');
      expect(f.joins).to.have.length(1);
    });

    it('serves /auth/validate and /auth/token to RefreshingAuthProvider', async () => {
      const f = await start();
      const provider = new RefreshingAuthProvider({ clientId: CLIENT_ID, clientSecret: 'secret' });
      // An unknown access token forces a refresh with the known refresh token.
      const userId = await provider.addUserForToken(
        { accessToken: 'stale', refreshToken: 'bot-refresh-token', scope: [], expiresIn: 3600, obtainmentTimestamp: Date.now() },
        ['chat'],
      );
      expect(userId).to.equal(BOT.userId);
      expect(f.refreshes).to.have.length(1);
      expect(f.refreshes[0]).to.include({ login: 'bakebot', refreshToken: 'bot-refresh-token' });

      const client = chatClient(f, provider);
      client.connect();
      await f.waitForJoin(CHANNEL);
      await eventually(() => client.currentChannels.includes(`#${CHANNEL}`), { what: 'join' });

      // Revoke the refreshed token: IRC login fails, twurple refreshes and logs in again.
      f.revokeToken(f.refreshes[0]?.newAccessToken ?? '');
      await f.sendReconnect();
      await f.waitForJoin(CHANNEL, { count: 2, timeoutMs: 8000 });
      // At least one refresh after the failure, not exactly one: the server closes the socket after the
      // failure NOTICE, and twurple both auto-reconnects on the close and reconnects from its NOTICE
      // handler. When the close wins that race, two connections each refresh (twurple does not share an
      // in-flight refresh), as they would against Twitch. Both refreshed tokens are valid, so one failure.
      expect(f.refreshes.length).to.be.at.least(2);
      expect(f.authFailures).to.have.length(1);
    });

    it('logs unknown API paths and serves routes registered by tests', async () => {
      const f = await start();
      const api = new ApiClient({ authProvider: new StaticAuthProvider(CLIENT_ID, BOT_TOKEN), logger: { minLevel: 'critical' } });
      let error: unknown;
      try {
        await api.users.getUserByName('someone');
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(Error);
      expect(f.unhandledHttp.map(r => `${r.method} ${r.path} ${r.query.login ?? ''}`)).to.deep.equal(['GET /mock/users someone']);

      f.route('GET', '/mock/users', req => ({
        body: {
          data: [
            {
              id: fakeUserId(req.query.login ?? ''),
              login: req.query.login,
              display_name: 'Someone',
              type: '',
              broadcaster_type: '',
              description: '',
              profile_image_url: '',
              offline_image_url: '',
              view_count: 0,
              created_at: '2020-01-01T00:00:00Z',
            },
          ],
        },
      }));
      const user = await api.users.getUserByName('someone');
      expect(user?.id).to.equal(fakeUserId('someone'));
      expect(user?.displayName).to.equal('Someone');
    });
  });
});
