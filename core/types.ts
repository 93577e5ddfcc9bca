// The plugin API: everything a plugin author touches is declared here, as types only.
// Plugins import types from core and receive every runtime object through `ctx`, because a hot-reloaded
// plugin is a new module and must never hold a reference into an old one.
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { PERMISSIONS } from './define.ts';

export type Role = 'broadcaster' | 'moderator' | 'vip' | 'subscriber' | 'founder';
/** Permission levels, lowest first: a level includes every level above it. */
export type Permission = (typeof PERMISSIONS)[number];

export interface ChatUser {
  /** Twitch user id: the stable key (logins change). Local chat users get `local:<login>`. */
  readonly id: string;
  readonly login: string;
  readonly displayName: string;
  readonly roles: readonly Role[];
  readonly badges: Readonly<Record<string, string>>;
}

export interface ChatMessage {
  readonly id: string;
  readonly channel: string;
  readonly user: ChatUser;
  readonly text: string;
  readonly bits: number;
  readonly firstMessage: boolean;
  readonly isAction: boolean;
  /** Milliseconds since the epoch, from the host clock. */
  readonly time: number;
  readonly transport: 'twitch' | 'local';
}

export interface UserRef {
  readonly id?: string;
  readonly login: string;
  readonly displayName?: string;
}

export type ChatEvent =
  | { readonly type: 'join' | 'part'; readonly channel: string; readonly login: string }
  | { readonly type: 'sub' | 'resub'; readonly channel: string; readonly user: UserRef; readonly months: number; readonly plan: string; readonly message?: string }
  | { readonly type: 'subgift'; readonly channel: string; readonly user: UserRef; readonly recipient: UserRef; readonly plan: string; readonly months: number }
  | { readonly type: 'raid'; readonly channel: string; readonly from: UserRef; readonly viewers: number }
  | { readonly type: 'cheer'; readonly channel: string; readonly user: UserRef; readonly bits: number; readonly message: string }
  | { readonly type: 'ban' | 'timeout'; readonly channel: string; readonly user: UserRef; readonly durationSec?: number }
  | { readonly type: 'clear'; readonly channel: string };

export interface OutgoingMessage {
  readonly channel: string;
  readonly text: string;
  /** Message id this one answers; Twitch shows it as a threaded reply. */
  readonly replyTo?: string;
  /** Set by an `outgoingMessage` tap to drop the message; the text says why (logged at debug). */
  readonly vetoed?: string;
  /** Plugin that asked for the message to be sent. */
  readonly from: string;
}

export interface CommandSpec {
  /** Name without prefix; matched case-insensitively. */
  readonly name: string;
  readonly aliases?: readonly string[];
  /** One short line for `!help`. */
  readonly description: string;
  /** Arguments part of the usage line, e.g. `@user <amount|all>`. */
  readonly usage?: string;
  readonly permission?: Permission;
  /** Seconds one user must wait between uses; defaults to the bot's `commandCooldown`. */
  readonly cooldown?: number;
  /** Seconds anyone must wait after any use. */
  readonly globalCooldown?: number;
  run(call: CommandCall): void | Promise<void>;
}

export interface CommandCall {
  /** Canonical command name (not the alias typed). */
  readonly command: string;
  readonly message: ChatMessage;
  readonly user: ChatUser;
  /** Arguments split on spaces; quotes group words; `@name` becomes `name` (lower case). */
  readonly args: readonly string[];
  /** Everything after the command name, untouched. */
  readonly rest: string;
  readonly permission: Permission;
  /** Answers in a thread under the message. */
  reply(text: string): Promise<void>;
  /**
   * The reply confirming the change made in `tx`, stored with it: sent after the commit, and after a restart
   * if a crash kept it from being sent (see ChatApi.confirm). Awaited inside the transaction.
   */
  confirm(tx: SqlTx, text: string): Promise<void>;
  /** Says something in the channel, not threaded. */
  say(text: string): Promise<void>;
  /** Replies with this command's usage line, and the reason when given. Ends the command. */
  usage(reason?: string): Promise<void>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface LogEntry {
  readonly time: number;
  readonly level: LogLevel;
  readonly source: string;
  readonly msg: string;
  readonly data?: Readonly<Record<string, unknown>>;
}
export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
  child(source: string): Logger;
  /**
   * A line for the terminal only (stderr, at warn level): never kept for `ctx.host.recentLogs()`, never sent
   * to `onLog` listeners (the dashboard's Logs page, `/api/logs`, the live log stream). For a secret that is
   * shown once, such as a generated password.
   */
  terminalOnly(msg: string): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type SqlValue = string | number | null | Uint8Array;
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;
export type Row = Record<string, SqlValue>;

export interface RunResult {
  readonly changes: number;
  readonly lastID: number;
}

/** Statements run inside one write transaction. */
export interface SqlTx {
  /** The first row. The statement runs to its end (a write's RETURNING rows, every row of a SELECT): add `LIMIT 1` to a query that may match many. */
  get<T = Row>(sql: string, params?: SqlParams): Promise<T | undefined>;
  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  exec(sql: string): Promise<void>;
  /**
   * One multi-row INSERT, in the order given. `verb` may be e.g. `INSERT OR IGNORE`; `suffix` follows the
   * rows, e.g. an `ON CONFLICT (id) DO UPDATE SET ...` upsert clause. Rows of strings, numbers and nulls are
   * sent as one JSON text (cheap for the event loop); rows with blobs are bound value by value.
   */
  insertMany(table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[], options?: { verb?: string; suffix?: string }): Promise<void>;
  /** Runs `fn` once the transaction has committed (not if it rolls back): tell people, fire events. */
  afterCommit(fn: () => void): void;
  /**
   * Runs `fn` inside the transaction once its function has returned, just before COMMIT (in the order
   * added): for rows gathered over the transaction and written in one statement. If it throws, the
   * transaction rolls back.
   */
  beforeCommit(fn: () => Promise<void>): void;
}

export interface BatchOptions<T> {
  /** Flush at least this often (ms); default 250. */
  readonly intervalMs?: number;
  /** Flush early when this many items wait; default 500. */
  readonly maxItems?: number;
  /**
   * Items per call of `flush(items, tx)`; default 100. A flush of more calls it part by part, in one
   * transaction while no interactive write (a command, a payout) waits; one that waits goes after the current part.
   */
  readonly maxPerWrite?: number;
  /** With a key, items with the same key are merged while they wait (aggregated increments). */
  readonly key?: (item: T) => string;
  readonly merge?: (older: T, newer: T) => T;
  /**
   * Items kept in memory while the database refuses writes (a full disk, another program's lock); beyond it
   * the oldest are dropped, and that is logged. Default 100,000.
   */
  readonly maxBuffered?: number;
  /** Writes one batch; runs inside a write transaction. */
  flush(items: readonly T[], tx: SqlTx): Promise<void>;
}

export interface Batch<T> {
  push(item: T): void;
  /** Items waiting (after merging). */
  readonly pending: number;
  flush(): Promise<void>;
}

/** A read statement compiled once (`ctx.db.prepare`). */
export interface PreparedRead<T = Row> {
  readonly sql: string;
  get(params?: SqlParams): Promise<T | undefined>;
  all(params?: SqlParams): Promise<T[]>;
}

/**
 * The database as a plugin sees it. Reads use a separate connection and see only committed data;
 * writes are serialized, so a transaction never interleaves with another plugin's statements.
 */
export interface PluginDb {
  get<T = Row>(sql: string, params?: SqlParams): Promise<T | undefined>;
  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  /**
   * A read compiled once and kept until the plugin unloads, for reads on a hot path (a command every viewer
   * uses): `get`/`all` compile and discard their statement on every call, a prepared read skips that and
   * answers in one trip to SQLite's thread instead of two. Same text, same object. Reads only, committed data.
   */
  prepare<T = Row>(sql: string): PreparedRead<T>;
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  transaction<R>(fn: (tx: SqlTx) => Promise<R>): Promise<R>;
  /** Write-behind batcher for high-rate writes; flushed on an interval, on unload and on shutdown. */
  batch<T>(options: BatchOptions<T>): Batch<T>;
}

export interface Cooldowns {
  /** If `key` is free, starts a cooldown of `seconds` and returns 0; otherwise the milliseconds left. */
  take(key: string, seconds: number): number;
  remaining(key: string): number;
  reset(key: string): void;
}

export interface RateLimiter {
  /** Records one event for `key` if allowed; false when `limit` events already fell in the window. */
  take(key: string): boolean;
}

export interface KnownUser {
  readonly id: string;
  readonly login: string;
  readonly displayName: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly banned: boolean;
  readonly notes: string;
}

/** Everyone the bot has seen in chat, keyed by Twitch user id. */
export interface UserDirectory {
  byId(id: string): Promise<KnownUser | undefined>;
  byLogin(login: string): Promise<KnownUser | undefined>;
  isBanned(id: string): boolean;
  setBanned(id: string, banned: boolean): Promise<void>;
  setNotes(id: string, notes: string): Promise<void>;
  /** Makes sure a user exists (e.g. from an EventSub payload) and returns them. */
  ensure(user: UserRef & { id: string }): Promise<KnownUser>;
  /**
   * `ensure` for many users at once (a storm of EventSub events): one read for all, and one write for those
   * the directory did not know (or knew under another login).
   */
  ensureMany(users: readonly (UserRef & { id: string })[]): Promise<void>;
  /**
   * Deletes a user (personal data: login, display name, notes) and fires `userForgotten`, whose taps (every
   * plugin's own rows) it waits for; returns false if the directory did not know them.
   */
  forget(id: string): Promise<boolean>;
  /** `forget`, answering what was deleted: `userForgotten` and what each plugin reported (e.g. `chatMessagesDeleted`). */
  erase(id: string): Promise<ForgetReport>;
}

/** What a viewer's deletion did: the directory's part and the facts plugins reported (numbers add up). */
export type ForgetReport = Readonly<Record<string, string | number | boolean>> & { readonly userForgotten: boolean };

/** The `userForgotten` hook's event: a viewer's data is being deleted (a privacy request). */
export interface UserForgotten {
  readonly userId: string;
  /** The login the directory knew (already deleted from it), if any. */
  readonly login?: string;
  /** Adds facts to what the deletion reports, e.g. `{ chatMessagesDeleted: 3 }`. */
  report(facts: Readonly<Record<string, string | number | boolean>>): void;
}

export type ChatStatus = 'local' | 'connecting' | 'connected' | 'disconnected' | 'auth-failed' | 'stopped';

export interface ChatApi {
  say(channel: string, text: string): Promise<void>;
  reply(to: ChatMessage, text: string): Promise<void>;
  /**
   * A reply that confirms a change, stored in the change's transaction `tx`: it is sent once `tx` commits
   * (never if it rolls back), and if a crash or stop keeps it from being sent, at the next start while
   * fresh (`bot.unsentReplyMaxAge`). Call it inside the transaction, with the text of the committed result.
   */
  confirm(tx: SqlTx, to: ChatMessage, text: string): Promise<void>;
  readonly channels: readonly string[];
  readonly status: ChatStatus;
}

export type PluginState = 'enabled' | 'disabled' | 'failed' | 'waiting';

/**
 * What a plugin may do beyond its own resources (see docs/plugins.md, "Capabilities"):
 * - `host-control`: enable, disable, reload other plugins; start and stop chat; read the bot's log
 * - `all-settings`: read and save other plugins' settings
 * - `twitch-token`: read the bot's Twitch token, replace its credentials, read TWITCH_TOKEN from the environment
 * - `chat-as-viewer`: post in the local chat as any viewer with any role
 * - `public-assets`: serve a folder through the dashboard without login
 * - `service:<plugin>`: use a plugin's service without listing it in dependsOn/optionalDependsOn
 */
export type Capability = 'host-control' | 'all-settings' | 'twitch-token' | 'chat-as-viewer' | 'public-assets' | `service:${string}`;

export interface PluginCapabilities {
  /** What the plugin's definition asks for. */
  readonly declared: readonly Capability[];
  /** What it has: a built-in plugin has what it declares; any other what `bot.grants.<name>` lists. */
  readonly granted: readonly Capability[];
}

export interface PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly state: PluginState;
  readonly wanted: boolean;
  readonly builtin: boolean;
  readonly dependsOn: readonly string[];
  readonly optionalDependsOn: readonly string[];
  /** Why it is not running (or what its running code last failed at): a message for the streamer. */
  readonly error?: string;
  /**
   * The code of `error` from the catalog in core/errors.ts (`DEPENDENCY_CYCLE`, `DEPENDENCY_MISSING`,
   * `DEPENDENCY_WAITING`, `INVALID_SETTINGS`, `INVALID_SCHEMA`, `LOAD_FAILED`, `SETUP_FAILED`, `RELOAD_FAILED`,
   * `PLUGIN_ERROR`, or a coded error's own code): check this, never parse `error`.
   */
  readonly errorCode?: string;
  readonly reloads: number;
  readonly configSchema: JSONSchema;
  /** Environment variables that set its settings (variable → setting), as the plugin declares them. */
  readonly envBindings: Readonly<Record<string, string>>;
  /** Other environment variables it reads (its `envVars`). */
  readonly envVars: readonly string[];
  readonly capabilities: PluginCapabilities;
}

/** A problem a plugin's own check (`checkConfig`) finds; `path` is inside its settings: `timezone`, `items.2.price`. */
export interface SettingsIssue {
  readonly path: string;
  readonly message: string;
}

export interface ConfigIssue {
  readonly file: string;
  readonly line?: number;
  readonly path: string;
  readonly message: string;
}

/**
 * Control over plugins, for the dashboard and chat admin commands. A plugin's `ctx.host` is this interface
 * built for that plugin (never the host itself): information about every plugin for all; other plugins'
 * settings with `all-settings`, switching or reloading them and the bot's log with `host-control`.
 */
export interface HostControl {
  plugins(): PluginInfo[];
  plugin(name: string): PluginInfo | undefined;
  /** Enables or disables a plugin; `persist` also writes it to the config file. */
  setEnabled(name: string, enabled: boolean, options?: { persist?: boolean }): Promise<PluginInfo>;
  reload(name: string): Promise<PluginInfo>;
  /** Validates, saves (keeping the file's comments) and applies a plugin's settings. */
  /** Refused (`issues`) before the file is written; `code: 'RELOAD_FAILED'` when the new settings did not start (the file is put back). */
  saveConfig(name: string, settings: Record<string, unknown>): Promise<{ ok: true } | { ok: false; issues: ConfigIssue[]; code?: 'RELOAD_FAILED' }>;
  /** Edits the bot section (paths start with `bot`); refused edits leave the file as it was. Needs the all-settings capability. */
  saveBotConfig?(edits: readonly { path: string[]; value: unknown }[], remove?: readonly string[][]): Promise<{ ok: true } | { ok: false; issues: ConfigIssue[] }>;
  pluginConfig(name: string): Readonly<Record<string, unknown>> | undefined;
  /** Settings of a plugin that an environment variable sets (setting → variable), which a saved file value would not change. */
  settingsFromEnv(name: string): Readonly<Record<string, string>>;
  readonly configFile: string;
  /** The last rejected edit of the config file, kept until a valid one replaces it. */
  readonly configIssues: readonly ConfigIssue[];
  readonly startedAt: number;
  recentLogs(): readonly LogEntry[];
  onLog(listener: (entry: LogEntry) => void): () => void;
  /** Whether a plugin has a capability now (e.g. the dashboard checks the owner of an `addAssets`). */
  hasCapability(plugin: string, capability: Capability): boolean;
  /**
   * Throws an error with `code: 'CAPABILITY_REQUIRED'` naming the capability and the config line that grants
   * it, unless the plugin has it. `doing` says what was refused ("serve a folder without login").
   */
  requireCapability(plugin: string, capability: Capability, doing: string): void;
}

export interface CommandInfo {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly description: string;
  readonly usage: string;
  readonly permission: Permission;
  readonly cooldown: number;
  readonly plugin: string;
  readonly enabled: boolean;
}

export interface BotStatus {
  readonly chat: ChatStatus;
  /** Why chat is in that state (e.g. the reason Twitch refused the token). */
  readonly detail?: string;
  readonly channels: readonly string[];
  readonly startedAt: number;
  /** Chat messages handled since start. */
  readonly messagesHandled: number;
  /** Replies waiting in the outbox. */
  readonly pendingOutgoing: number;
  /** A Twitch token is available (environment or setup wizard). */
  readonly twitchConfigured: boolean;
}

export interface TwitchCredentials {
  readonly accessToken: string;
  readonly refreshToken?: string | null;
  readonly clientId: string;
  readonly scope?: readonly string[];
  readonly expiresIn?: number | null;
  readonly obtainmentTimestamp?: number;
}

export interface LocalChatInput {
  readonly login: string;
  readonly text: string;
  readonly displayName?: string;
  readonly roles?: readonly Role[];
  readonly channel?: string;
  readonly bits?: number;
}

export interface LocalChatOutput {
  readonly channel: string;
  readonly text: string;
  readonly replyTo?: string;
  readonly at: number;
}

/** The running bot, for the dashboard and admin commands: chat status and control, the local test chat. */
export interface BotRuntime {
  status(): BotStatus;
  onStatus(listener: (status: BotStatus) => void): () => void;
  /** Connects to Twitch chat with the stored credentials. */
  startChat(): Promise<void>;
  /** Disconnects from Twitch chat; plugins keep running. */
  stopChat(): Promise<void>;
  /** Stores credentials (file mode 0600 in the data folder) and reconnects with them. */
  connectTwitch(credentials: TwitchCredentials, channels?: readonly string[]): Promise<void>;
  commands(): CommandInfo[];
  /** The Twitch token the bot uses (from TWITCH_TOKEN or the setup wizard), e.g. to validate it; undefined in local mode. */
  twitchToken(): { readonly accessToken: string; readonly clientId: string; readonly source: 'environment' | 'wizard' } | undefined;
  /** The in-process chat: post as any viewer, hear the bot's replies. */
  readonly local: {
    post(input: LocalChatInput): ChatMessage;
    onBotMessage(listener: (out: LocalChatOutput) => void): () => void;
  };
  readonly dataDir: string;
}

export interface HookTap<Args extends unknown[], R = void> {
  tap(fn: (...args: Args) => R | Promise<R>): void;
}

/** Core hook points, as a plugin sees them: it can tap, never call. Taps go away when the plugin unloads. */
export interface PluginHooks {
  readonly ready: HookTap<[]>;
  readonly shutdown: HookTap<[]>;
  readonly chatMessage: HookTap<[ChatMessage]>;
  readonly chatEvent: HookTap<[ChatEvent]>;
  /** Before a command runs (after permission and cooldown checks). */
  readonly command: HookTap<[CommandCall]>;
  /** Waterfall: return the message (changed or not), or it with `vetoed` set to drop it. */
  readonly outgoingMessage: HookTap<[OutgoingMessage], OutgoingMessage>;
  /** The first message of a user since the bot started, and renames. */
  readonly userSeen: HookTap<[ChatUser]>;
  /**
   * A viewer's data is deleted (`ctx.users.forget`: the dashboard's delete, `!deleteme`): delete or anonymize
   * your plugin's rows about `userId` here. The deletion waits for every tap.
   */
  readonly userForgotten: HookTap<[UserForgotten]>;
  readonly pluginLoaded: HookTap<[PluginInfo]>;
  readonly pluginUnloaded: HookTap<[PluginInfo]>;
  readonly configChanged: HookTap<[{ readonly plugin: string | null }]>;
}

/** Services plugins give their dependents. Plugins add theirs by declaration merging. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PluginServices {}

/** What a service needs to own a registration made on behalf of another plugin (see docs/plugins.md). */
export interface Owner {
  readonly name: string;
  onDispose(fn: () => void | Promise<void>): void;
}

export interface Registered<T> {
  /** Name of the plugin that registered it. */
  readonly owner: string;
  readonly item: T;
  /** Its key, when the registry has one. */
  readonly key?: string;
}

export interface RegistryOptions<T> {
  /** A unique key per entry (a page's path, an effect's name): adding a taken key throws (`code: 'REGISTRY_TAKEN'`). */
  readonly key?: (item: T) => string;
  /** Runs after an entry comes or goes. */
  readonly onChange?: () => void;
  /** What an entry is, for error messages ("page path", "effect"). */
  readonly what?: string;
}

/** Entries other plugins register with your service; each goes when its owner unloads (ctx.registry()). */
export interface OwnedRegistry<T> {
  /** Adds `item` for `owner` (the caller's ctx); it is removed when the owner unloads, or when the returned function is called. */
  add(owner: Owner, item: T): () => void;
  get(key: string): Registered<T> | undefined;
  values(): T[];
  entries(): Registered<T>[];
  readonly size: number;
}

/** An event your service offers other plugins (ctx.events()): listeners go when their owner unloads. */
export interface OwnedEvents<P> {
  on(owner: Owner, fn: (payload: P) => void | Promise<void>): () => void;
  /** Calls every listener; one that throws or rejects is logged against its owner, the others still run. */
  emit(payload: P): void;
  /** Calls the listeners one after another and waits for each (at most `timeoutMs`, default 10 s); failures are logged, never thrown. */
  emitAndWait(payload: P, options?: { timeoutMs?: number }): Promise<void>;
  readonly size: number;
}

export interface BotSettings {
  readonly prefix: string;
  readonly channels: readonly string[];
  readonly commandCooldown: number;
  readonly rateLimitMessages: number;
  readonly rateLimitWindow: number;
}

export interface PluginContext<Config = Record<string, never>> extends Owner {
  readonly version: string;
  /** Absolute path of the plugin's folder (for templates, assets). */
  readonly dir: string;
  /** Validated, with defaults applied, frozen. */
  readonly config: Config;
  readonly bot: BotSettings;
  /**
   * The variables of the bot's environment (.env and the process environment) that the plugin declares: the
   * keys of its `env` bindings and its `envVars`. TWITCH_TOKEN also needs the `twitch-token` capability.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  readonly db: PluginDb;
  readonly hooks: PluginHooks;
  readonly commands: { register(spec: CommandSpec): void };
  readonly chat: ChatApi;
  readonly users: UserDirectory;
  readonly clock: Clock;
  readonly timers: {
    setTimeout(fn: () => void | Promise<void>, ms: number): () => void;
    setInterval(fn: () => void | Promise<void>, ms: number): () => void;
  };
  /** Cooldowns whose keys are private to this plugin. */
  readonly cooldowns: Cooldowns;
  rateLimiter(limit: number, windowMs: number): RateLimiter;
  readonly host: HostControl;
  readonly runtime: BotRuntime;
  /** A dependency's service (listed in dependsOn, or a running optional one). */
  service<K extends keyof PluginServices>(name: K): PluginServices[K];
  optionalService<K extends keyof PluginServices>(name: K): PluginServices[K] | undefined;
  /** Aborted when the plugin unloads (or its setup timed out). */
  readonly signal: AbortSignal;
  /** A registry for what other plugins register with your service (emptied when your plugin unloads). */
  registry<T>(options?: RegistryOptions<T>): OwnedRegistry<T>;
  /** A typed event your service offers other plugins; `name` is used in the log when a listener fails. */
  events<P>(name: string): OwnedEvents<P>;
  /** What this plugin may do beyond its own resources (see Capability). */
  readonly capabilities: readonly Capability[];
  /**
   * Runs `fn` once the bot has started (after its ready line), or at once when it already has: for work that
   * chat need not wait for, such as loading a web server's pages or a first check against an outside API.
   * Skipped when the plugin unloads first; a throw is logged as the plugin's error.
   */
  afterStart(fn: () => void | Promise<void>): void;
  /** Called at reload time; what it returns reaches the next version as `inherited`. */
  handOver(fn: () => unknown): void;
  /** State the previous version handed over, or undefined. Validate it: it may come from an older version. */
  readonly inherited: unknown;
}

export type ConfigOf<S> = S extends JSONSchema ? FromSchema<S> : Record<string, never>;

/** The names of a schema's settings (any string for a schema without `properties`). */
export type SettingKey<S> = S extends { readonly properties: infer P } ? keyof P & string : string;

/** Environment variable → the setting it sets (`enabled` switches the plugin on or off). */
export type EnvBindings<S = JSONSchema> = Readonly<Record<string, SettingKey<S> | 'enabled'>>;

export interface PluginDefinition<S extends JSONSchema = JSONSchema, Service = unknown> {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  /** Host API version this plugin was written for; a different major is refused. Default 1. */
  readonly apiVersion?: number;
  readonly dependsOn?: readonly string[];
  readonly optionalDependsOn?: readonly string[];
  /** Default true; `plugins.<name>.enabled` in the config overrides it. */
  readonly enabledByDefault?: boolean;
  readonly configSchema?: S;
  /** Migrations folder, relative to the plugin's folder (files `NNN-name.sql` with `-- Up` / `-- Down`). */
  readonly migrations?: string;
  /**
   * Its tables that only keep a record, grow large and are not needed to answer right (a chat log), e.g.
   * `['chatlog_messages']`: the database check before `ready` leaves them out, and the whole file is checked
   * a minute after the start (damage found then is logged as an error). Only its own tables (`<name>_…`).
   */
  readonly historyTables?: readonly string[];
  /**
   * Checks what the schema cannot (a real time zone, a minimum below its maximum) on settings that passed
   * the schema. The host runs it wherever the schema runs: at start and on an edit of the file (an issue there is a
   * config error with its line), and before a save from the dashboard is written (`ctx.host.saveConfig`): a
   * save with issues is refused and the file stays as it was. Returns [] when the settings are fine.
   */
  checkConfig?(config: ConfigOf<S>): readonly SettingsIssue[];
  /**
   * Environment variables that set settings, e.g. `{ GUI_HOST: 'host', GUI_PORT: 'port' }`: a variable that is
   * set wins over the file (converted by the setting's schema type), and the dashboard marks the setting.
   */
  readonly env?: EnvBindings<S>;
  /** Other environment variables the plugin reads through `ctx.env` (secrets, URLs). */
  readonly envVars?: readonly string[];
  /** What it needs beyond its own resources; a plugin that is not built in gets them when `bot.grants` grants them. */
  readonly capabilities?: readonly Capability[];
  setup(ctx: PluginContext<ConfigOf<S>>): Service | Promise<Service>;
}

export type AnyPluginDefinition = PluginDefinition<JSONSchema, unknown>;
