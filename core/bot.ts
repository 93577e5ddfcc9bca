// The composition root: builds storage, hooks, the user directory, the command router, chat and the
// plugin host, and starts and stops them in the right order. `npm start`, `npm run chat` and the test
// kit all create the bot through here.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChatHub, LocalTransport, sendTimesFile, type ChatLimits } from './chat.ts';
import { StoredReplies } from './confirmations.ts';
import { CommandRouter } from './commands.ts';
import { displayPath, ensureConfigFile, type BotConfig } from './config.ts';
import { dailyBackup } from './backup.ts';
import { Storage } from './db.ts';
import { createHooks, type CoreHooks, type TapOwner } from './hooks.ts';
import { Host } from './host.ts';
import { systemClock } from './limits.ts';
import { LogHub, parseLogLevel } from './log.ts';
import { normalizeToken, readTokenFile, tokenHash, TwitchTransport, writeTokenFile } from './twitch.ts';
import type { BotRuntime, BotStatus, Clock, Logger, TwitchCredentials } from './types.ts';
import { Users } from './users.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** How often the bot looks whether today's backup is due. */
const HOUR = 3_600_000;
/** How long after the start the whole database is checked, when the check before `ready` left history tables out. */
const LATE_CHECK_MS = 60_000;

/**
 * Node flags of the bot process, as `npm start` passes them (package.json; a test keeps the two equal).
 * `--no-memory-reducer`: about 8 s after start, and again whenever chat goes quiet after a burst, V8's memory
 * reducer shrinks every heap with three full collections each, in all four of the process's isolates at
 * once. Traced in the benchmark, that storm held a command's reply for 20-27 ms. Without it the heap keeps
 * its start-up size: about 30 MB more resident memory. V8 reads the flag when an isolate is created, so it
 * cannot be set from inside the process.
 */
export const BOT_NODE_FLAGS: readonly string[] = ['--no-memory-reducer'];

export interface BotOptions {
  readonly root?: string;
  readonly configFile?: string;
  readonly exampleConfig?: string;
  /** The bot is the process (`npm start`): its ready line counts Node's start and core's loading as `boot`. */
  readonly ownProcess?: boolean;
  readonly dataDir?: string;
  readonly builtinDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  /** Where log lines go (tests silence them). */
  readonly logWrite?: (line: string) => void;
  readonly chatLimits?: Partial<ChatLimits>;
  /** Connect to Twitch when a token is set (default true). */
  readonly twitch?: boolean;
}

export class Bot {
  readonly root: string;
  readonly configFile: string;
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly clock: Clock;
  readonly logs: LogHub;
  readonly log: Logger;
  readonly hooks: CoreHooks;
  readonly local: LocalTransport;
  storage!: Storage;
  users!: Users;
  router!: CommandRouter;
  chat!: ChatHub;
  host!: Host;
  private bot: BotConfig | undefined;
  private running = false;
  /** What plugins asked to run after the ready line (ctx.afterStart); undefined once it was written. */
  private afterStartRuns: (() => void)[] | undefined = [];
  /** Settles once the ready line is written: Twitch chat opens then (TwitchOptions.openAfter). */
  private readonly readyLine: Promise<void>;
  private wroteReadyLine: () => void = () => undefined;

  constructor(private readonly options: BotOptions = {}) {
    this.env = options.env ?? process.env;
    this.root = options.root ?? PROJECT_ROOT;
    this.configFile = path.resolve(options.configFile ?? this.env.BAKEBOT_CONFIG ?? path.join(this.root, 'config', 'bakebot.yaml'));
    this.dataDir = path.resolve(options.dataDir ?? this.env.BAKEBOT_DATA_DIR ?? path.join(this.root, 'data'));
    this.clock = options.clock ?? systemClock;
    this.readyLine = new Promise((resolve) => (this.wroteReadyLine = resolve));
    this.logs = new LogHub({ level: parseLogLevel(this.env.LOG_LEVEL), write: options.logWrite });
    this.log = this.logs.logger('bot');
    this.hooks = createHooks();
    this.local = new LocalTransport(() => this.bot?.channels[0]?.replace(/^#/, '').toLowerCase() ?? 'local', this.clock);
  }

  get databaseFile(): string {
    return path.join(this.dataDir, 'bakebot.sqlite3');
  }

  get settings(): BotConfig {
    if (!this.bot) throw new Error('the bot has not started');
    return this.bot;
  }

  /** Starts everything; throws ConfigError (with every problem listed) when the config is invalid. */
  async start(): Promise<void> {
    const example = this.options.exampleConfig ?? path.join(this.root, 'config', 'bakebot.example.yaml');
    if (existsSync(example) && ensureConfigFile(this.configFile, example)) {
      this.log.info(`created ${displayPath(this.configFile)} from the example; edit it to change settings`);
    }
    // Where a start spends its time, for the ready line (ms each; `boot` is Node and core loading).
    const steps: string[] = [];
    const began = this.options.ownProcess ? 0 : performance.now();
    let lap = began;
    const step = (what: string) => {
      const now = performance.now();
      steps.push(`${what} ${(now - lap).toFixed(0)}`);
      lap = now;
    };
    if (this.options.ownProcess) step('boot');
    this.storage = await Storage.open(this.databaseFile, this.logs.logger('db'));
    step('open database');
    try {
      // Core's own tables come with core's code, wherever the bot's folder is.
      await this.storage.migrate('core', path.join(PROJECT_ROOT, 'core', 'migrations'));
      const { uncleanStop } = await this.storage.markRunning(this.clock.now());
      // Forgetting a viewer is an event every plugin reacts to (its own rows), awaited before forget returns.
      this.users = new Users(this.storage, (event) => this.hooks.userForgotten.promise(event), this.clock);
      await this.users.load();
      step('core tables');
      this.router = new CommandRouter({
        hooks: this.hooks,
        clock: this.clock,
        log: this.logs.logger('commands'),
        bot: () => this.settings,
        isBanned: (id) => this.users.isBanned(id),
        reply: (to, text, from) => this.chat.send({ channel: to.channel, text, replyTo: to.id, from }, to.transport),
        say: (to, text, from) => this.chat.send({ channel: to.channel, text, from }, to.transport),
        confirm: (tx, to, text, from) => this.chat.confirm(tx, { channel: to.channel, text, replyTo: to.id, from }, to.transport),
      });
      const chatLog = this.logs.logger('chat');
      this.chat = new ChatHub({
        hooks: this.hooks,
        log: chatLog,
        clock: this.clock,
        users: this.users,
        router: this.router,
        limits: this.options.chatLimits,
        sendTimes: sendTimesFile(path.join(this.dataDir, 'chat-sends.json'), chatLog, { uncleanStop, now: () => this.clock.now() }),
        stored: (this.storedReplies = new StoredReplies(this.storage, chatLog, this.clock)),
      });
      this.host = new Host({
        root: this.root,
        builtinDir: this.options.builtinDir ?? path.join(this.root, 'plugins'),
        configFile: this.configFile,
        storage: this.storage,
        logs: this.logs,
        clock: this.clock,
        hooks: this.hooks,
        users: this.users,
        env: this.env,
        chatFor: (plugin) => this.chat.chatFor(plugin),
        runtime: this.runtime(),
        registerCommand: (owner, spec) => this.router.register(owner, spec),
        afterStart: (run) => {
          if (this.afterStartRuns) this.afterStartRuns.push(run);
          else setImmediate(run);
        },
        pauseChat: () => this.chat.pause(),
        onBotConfig: (bot) => {
          this.bot = bot;
          this.router.configure(bot);
        },
      });
      // Plugins are set up before chat flows, so the first message already meets every command.
      const resume = this.chat.pause();
      await this.host.start(step);
      const coreOwner: TapOwner = { id: 'core', name: 'core', alive: () => this.running, failed: (err, where) => this.log.error(`${where}: ${(err as Error).message}`), own: () => undefined };
      this.router.register(coreOwner, this.router.helpCommand());
      this.running = true;
      await this.chat.add(this.local);
      this.chat.onStatus(() => this.emitStatus());
      if (this.options.twitch !== false && this.twitchToken()) await this.startTwitch();
      else this.log.info(this.localModeNotice());
      step('chat');
      const { deferred } = await this.storage.healthy();
      step('database check');
      // Confirmations a crash or stop kept from being sent go out first (the transports queue them until they can send).
      await this.chat.sendStored(await this.chat.storedUnsent(this.settings.unsentReplyMaxAge * 1000));
      resume();
      await this.hooks.ready.promise();
      this.scheduleBackups();
      this.checkLater(deferred);
      step('ready hooks');
      this.log.info(`ready: ${this.host.plugins().filter((p) => p.state === 'enabled').map((p) => p.name).join(', ') || 'no plugins enabled'}`, { ms: Math.round(lap - began), steps: steps.join(', ') });
      this.wroteReadyLine();
      for (const run of this.afterStartRuns ?? []) setImmediate(run);
      this.afterStartRuns = undefined;
      await this.host.watchFiles();
    } catch (err) {
      // A damaged file explains whatever else failed on it (a migration, a plugin's setup): say that first.
      const damaged = await this.storage.healthy().then(() => undefined, (e: unknown) => e);
      await this.host?.stop().catch(() => undefined);
      await this.storage.close().catch(() => undefined);
      throw damaged ?? err;
    }
  }

  get backupFolder(): string {
    return path.join(this.dataDir, 'backups');
  }

  private storedReplies: StoredReplies | undefined;
  private lateCheckTimer: unknown;
  private historyRecorded: Promise<unknown> = Promise.resolve();

  /**
   * The history tables are recorded for the next start's check, and when this start's check left some out, the
   * whole file is checked a minute later, once the start's own work (and its first burst of chat) is done.
   */
  private checkLater(deferred: readonly string[]): void {
    this.historyRecorded = this.storage.recordHistory(this.host.historyTables()).catch((err: unknown) => this.log.warn(`could not record the history tables: ${(err as Error).message}`));
    if (!deferred.length) return;
    this.lateCheckTimer = this.clock.setTimeout(() => {
      this.lateCheckTimer = undefined;
      void this.storage.checkWholeFile().then((damage) => {
        if (damage) this.log.error(`the check of the whole database after the start (history tables ${deferred.join(', ')} included) found damage: ${damage.message}`, { code: damage.code });
        else this.log.info('the whole database checked: sound');
      });
    }, LATE_CHECK_MS);
  }

  private backupTimer: unknown;
  private backupRunning: Promise<unknown> = Promise.resolve();
  private scheduleBackups(): void {
    const run = (): void => {
      this.backupRunning = dailyBackup({
        folder: this.backupFolder,
        keep: () => this.settings.backupKeep,
        now: () => this.clock.now(),
        backup: (target) => this.storage.backup(target),
        log: this.log,
      }).finally(() => {
        if (this.running) this.backupTimer = this.clock.setTimeout(run, HOUR);
      });
    };
    run();
  }

  localModeNotice(): string {
    return 'No TWITCH_TOKEN is set, so BakeBot runs in local mode: chat with it through `npm run chat` or the dashboard\'s Test chat. '
      + 'To connect to Twitch, set TWITCH_TOKEN, TWITCH_CLIENT_ID and TWITCH_CHANNEL in .env (or use the dashboard\'s setup wizard) and restart.';
  }

  /** TWITCH_TOKEN, or the token the dashboard's setup wizard stored. */
  private twitchToken(): { token: string; clientId: string; source: 'environment' | 'wizard' } | undefined {
    const stored = readTokenFile(this.dataDir);
    if (this.env.TWITCH_TOKEN) {
      // A refreshed token (stored) stands in for the one in the environment it came from.
      const current = stored && stored.source !== 'wizard' && stored.source === tokenHash(normalizeToken(this.env.TWITCH_TOKEN)) ? stored.accessToken : this.env.TWITCH_TOKEN;
      return { token: current, clientId: this.env.TWITCH_CLIENT_ID ?? stored?.clientId ?? '', source: 'environment' };
    }
    if (stored?.source === 'wizard') return { token: stored.accessToken, clientId: stored.clientId ?? this.env.TWITCH_CLIENT_ID ?? '', source: 'wizard' };
    return undefined;
  }

  private channelOverride: readonly string[] | undefined;
  private readonly statusListeners = new Set<(s: BotStatus) => void>();

  status(): BotStatus {
    return {
      chat: this.chat?.status ?? 'stopped',
      detail: this.chat?.statusDetail,
      channels: this.chat?.channels ?? [],
      startedAt: this.host?.startedAt ?? 0,
      messagesHandled: this.chat?.handled ?? 0,
      pendingOutgoing: this.chat?.pendingOutgoing ?? 0,
      twitchConfigured: !!this.twitchToken(),
    };
  }

  private emitStatus(): void {
    const s = this.status();
    for (const l of this.statusListeners) l(s);
  }

  /** What plugins see of the running bot (ctx.runtime). */
  private runtime(): BotRuntime {
    return {
      status: () => this.status(),
      onStatus: (listener) => {
        this.statusListeners.add(listener);
        return () => this.statusListeners.delete(listener);
      },
      startChat: () => this.startTwitch(),
      stopChat: () => this.stopTwitch(),
      connectTwitch: (credentials, channels) => this.connectTwitch(credentials, channels),
      commands: () => this.router.list(),
      twitchToken: () => {
        const t = this.twitchToken();
        return t && { accessToken: normalizeToken(t.token), clientId: t.clientId, source: t.source };
      },
      local: { post: (input) => this.local.post(input), onBotMessage: (l) => this.local.onBotMessage(l) },
      dataDir: this.dataDir,
    };
  }

  async connectTwitch(c: TwitchCredentials, channels?: readonly string[]): Promise<void> {
    writeTokenFile(
      this.dataDir,
      { accessToken: c.accessToken, refreshToken: c.refreshToken ?? null, scope: [...(c.scope ?? [])], expiresIn: c.expiresIn ?? null, obtainmentTimestamp: c.obtainmentTimestamp ?? Date.now(), clientId: c.clientId },
      'wizard',
    );
    if (channels?.length) this.channelOverride = channels.map((ch) => ch.replace(/^#/, '').toLowerCase());
    await this.stopTwitch();
    if (this.env.TWITCH_TOKEN) this.log.warn('TWITCH_TOKEN in the environment takes precedence over the token from the setup wizard; remove it from .env to use the new one');
    await this.startTwitch();
  }

  /** Connects to Twitch chat (the dashboard's "start bot"). */
  async startTwitch(): Promise<void> {
    if (this.chat.transport('twitch')) return;
    const env = this.env;
    const creds = this.twitchToken();
    if (!creds) throw new Error('no Twitch token: set TWITCH_TOKEN in .env or run the dashboard\'s setup wizard');
    const channels = this.channelOverride ?? this.settings.channels;
    if (!channels.length) this.log.warn('no channel to join: set TWITCH_CHANNEL in .env or bot.channels in the config');
    await this.chat.add(
      new TwitchTransport({
        token: creds.token,
        refreshToken: env.TWITCH_REFRESH_TOKEN,
        clientId: creds.clientId,
        clientSecret: env.TWITCH_CLIENT_SECRET,
        channels,
        dataDir: this.dataDir,
        chatUrl: env.TWITCH_CHAT_URL,
        log: this.logs.logger('twitch'),
        clock: this.clock,
        openAfter: this.readyLine,
        fixHint: () => {
          const dash = this.host.plugin('dashboard');
          return dash?.state === 'enabled'
            ? 'open the dashboard\'s Setup page and connect the bot account again (or put a new token in TWITCH_TOKEN in .env and restart).'
            : 'get a new token with the scopes chat:read and chat:edit, put it in TWITCH_TOKEN in .env, and restart the bot.';
        },
      }),
    );
  }

  /** Disconnects from Twitch chat; plugins and the dashboard keep running. */
  async stopTwitch(): Promise<void> {
    await this.chat.remove('twitch');
    this.emitStatus();
  }

  /** Graceful shutdown: stop intake, send what is queued, tear plugins down, flush, close the database. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.log.info('shutting down');
    this.clock.clearTimeout(this.backupTimer);
    this.clock.clearTimeout(this.lateCheckTimer);
    await this.historyRecorded;
    await this.storedReplies?.settled();
    await this.backupRunning;
    await this.chat.stop();
    await this.hooks.shutdown.promise().catch((err: unknown) => this.log.error(`shutdown hook failed: ${(err as Error).message}`));
    await this.host.stop();
    await this.users.flush();
    await this.storage.markStopped().catch((err: unknown) => this.log.warn(`could not record the clean stop: ${(err as Error).message}`));
    await this.storage.close();
    this.log.info('stopped');
  }
}
