// The command router: prefix, names and aliases (case-insensitive), argument parsing, permissions,
// cooldowns, the per-user flood limit, `!help`, and usage replies. Unknown commands are ignored silently:
// a bot that answers every `!typo` is noise.
import type { BotConfig } from './config.ts';
import type { CoreHooks, TapOwner } from './hooks.ts';
import { CooldownTable, SlidingWindow } from './limits.ts';

export type { CommandInfo } from './types.ts';
import { allows, parseArgs, permissionOf } from './define.ts';
import type { ChatMessage, CommandInfo, Clock, CommandCall, CommandSpec, Logger, SqlTx } from './types.ts';

interface Entry {
  readonly spec: CommandSpec;
  readonly owner: TapOwner;
  readonly name: string;
}

export interface RouterDeps {
  readonly hooks: CoreHooks;
  readonly clock: Clock;
  readonly log: Logger;
  readonly bot: () => BotConfig;
  readonly isBanned: (userId: string) => boolean;
  readonly reply: (to: ChatMessage, text: string, from: string) => Promise<void>;
  readonly say: (to: ChatMessage, text: string, from: string) => Promise<void>;
  /** A reply stored in the change's transaction (ChatHub.confirm); without it, sent after the commit. */
  readonly confirm?: (tx: SqlTx, to: ChatMessage, text: string, from: string) => Promise<void>;
}

export class CommandRouter {
  private readonly entries = new Map<string, Entry>();
  /** alias or name (lower case) → canonical name */
  private readonly lookup = new Map<string, string>();
  private readonly cooldowns: CooldownTable;
  private readonly flood: SlidingWindow;

  constructor(private readonly deps: RouterDeps) {
    this.cooldowns = new CooldownTable(deps.clock, 'cmd:');
    // The seed's defaults until configure() brings the bot section of the config.
    this.flood = new SlidingWindow(deps.clock, 8, 10_000);
  }

  /** Called when the bot section of the config changes. */
  configure(bot: BotConfig): void {
    this.flood.limit = bot.rateLimitMessages;
    this.flood.windowMs = bot.rateLimitWindow * 1000;
    this.rebuildLookup();
  }

  register(owner: TapOwner, spec: CommandSpec): () => void {
    const name = spec.name.toLowerCase().replace(/^!/, '');
    if (!/^[\p{L}\p{N}_-]{1,32}$/u.test(name)) throw new Error(`command name "${spec.name}" must be 1-32 letters, digits, _ or -`);
    const taken = this.entries.get(name);
    if (taken) throw new Error(`command !${name} is already registered by plugin ${taken.owner.name}`);
    for (const a of spec.aliases ?? []) {
      const other = this.lookup.get(a.toLowerCase());
      if (other) throw new Error(`alias !${a} of !${name} is already used by !${other}`);
    }
    const entry: Entry = { spec, owner, name };
    this.entries.set(name, entry);
    this.rebuildLookup();
    return () => {
      if (this.entries.get(name) === entry) {
        this.entries.delete(name);
        this.rebuildLookup();
      }
    };
  }

  private rebuildLookup(): void {
    this.lookup.clear();
    const overrides = this.deps.bot().commands;
    for (const [name, e] of this.entries) {
      this.lookup.set(name, name);
      for (const a of [...(e.spec.aliases ?? []), ...(overrides[name]?.aliases ?? [])]) {
        const key = a.toLowerCase().replace(/^!/, '');
        if (!this.lookup.has(key)) this.lookup.set(key, name);
      }
    }
  }

  list(): CommandInfo[] {
    return [...this.entries.values()].map((e) => this.info(e)).sort((a, b) => a.name.localeCompare(b.name));
  }

  private info(e: Entry): CommandInfo {
    const o = this.deps.bot().commands[e.name] ?? {};
    return {
      name: e.name,
      aliases: [...(e.spec.aliases ?? []), ...(o.aliases ?? [])],
      description: e.spec.description,
      usage: e.spec.usage ?? '',
      permission: o.permission ?? e.spec.permission ?? 'everyone',
      cooldown: o.cooldown ?? e.spec.cooldown ?? this.deps.bot().commandCooldown,
      plugin: e.owner.name,
      enabled: o.enabled ?? true,
    };
  }

  usageLine(name: string): string {
    const e = this.entries.get(name);
    const prefix = this.deps.bot().prefix;
    return e ? `${prefix}${name}${e.spec.usage ? ` ${e.spec.usage}` : ''}` : `${prefix}${name}`;
  }

  /**
   * Runs the command in `message` if there is one; resolves to whether a command ran. Plain chat (almost
   * every message) is turned away synchronously, without the cost of an async call.
   */
  handle(message: ChatMessage): Promise<boolean> | false {
    const prefix = this.deps.bot().prefix;
    const text = message.text.trimStart();
    if (!text.startsWith(prefix)) return false;
    return this.dispatch(message, text.slice(prefix.length));
  }

  private async dispatch(message: ChatMessage, body: string): Promise<boolean> {
    const bot = this.deps.bot();
    const m = /^(\S+)\s*([\s\S]*)$/.exec(body);
    if (!m) return false;
    const name = this.lookup.get((m[1] ?? '').toLowerCase());
    const entry = name ? this.entries.get(name) : undefined;
    if (!entry || !name || !entry.owner.alive()) return false;
    if (this.deps.isBanned(message.user.id)) return false;
    const info = this.info(entry);
    if (!info.enabled) return false;
    const has = permissionOf(message.user.roles);
    if (!allows(has, info.permission)) {
      this.deps.log.debug(`!${name} refused for ${message.user.login}: needs ${info.permission}`);
      return false;
    }
    const clock = this.deps.clock;
    const privileged = has === 'moderator' || has === 'broadcaster';
    // Judged as of the message's arrival: chat held during a reload is released at once, and at release time
    // a viewer's two commands seconds apart would look like one burst.
    const at = Math.min(message.time, clock.now());
    if (!privileged && !this.flood.take(message.user.id, at)) {
      this.deps.log.debug(`${message.user.login} is flooding commands; ignored`);
      return false;
    }
    const globalCd = this.deps.bot().commands[name]?.globalCooldown ?? entry.spec.globalCooldown ?? 0;
    if (globalCd > 0 && this.cooldowns.remaining(`${name}:*`, at) > 0) return false;
    const left = !privileged && info.cooldown > 0 ? this.cooldowns.take(`${name}:${message.user.id}`, info.cooldown, at) : 0;
    if (left > 0) {
      this.deps.log.debug(`!${name} on cooldown for ${message.user.login}`);
      // Silence reads as a broken bot: say it once per cooldown, so repeating the command cannot spam chat.
      if (bot.cooldownReply !== false && this.cooldowns.take(`${name}:${message.user.id}:told`, left / 1000, at) === 0) {
        await this.deps.reply(message, `@${message.user.login} wait ${Math.ceil(left / 1000)} s before ${bot.prefix}${name} again`, 'core');
      }
      return false;
    }
    if (globalCd > 0) this.cooldowns.take(`${name}:*`, globalCd, at);

    const rest = (m[2] ?? '').trim();
    const from = entry.owner.name;
    const call: CommandCall = {
      command: name,
      message,
      user: message.user,
      args: parseArgs(rest),
      rest,
      permission: has,
      reply: (t) => this.deps.reply(message, t, from),
      say: (t) => this.deps.say(message, t, from),
      confirm: async (tx, t) => {
        if (this.deps.confirm) return this.deps.confirm(tx, message, t, from);
        tx.afterCommit(() => void this.deps.reply(message, t, from));
      },
      usage: async (reason) => {
        await this.deps.reply(message, `Usage: ${this.usageLine(name)}${reason ? ` (${reason})` : ''}`, from);
      },
    };
    const started = clock.now();
    try {
      await this.deps.hooks.command.promise(call);
      await entry.spec.run(call);
    } catch (err) {
      entry.owner.failed(err, `command !${name}`);
      await this.deps.reply(message, `Sorry, ${bot.prefix}${name} failed. The streamer can see why in the bot's log.`, 'core');
    }
    this.deps.log.debug(`!${name} by ${message.user.login} took ${clock.now() - started} ms`);
    return true;
  }

  /** Core's own `!help`: the commands this user may run, or one command's usage. */
  helpCommand(): CommandSpec {
    return {
      name: 'help',
      // `!commands` is the commands plugin's list of custom commands when it runs (its reply points at !help).
      aliases: this.entries.has('commands') ? [] : ['commands'],
      description: 'Lists the commands you can use, or explains one.',
      usage: '[command]',
      cooldown: 5,
      run: async (call) => {
        const bot = this.deps.bot();
        const has = permissionOf(call.user.roles);
        const want = call.args[0]?.toLowerCase().replace(bot.prefix, '');
        if (want) {
          const name = this.lookup.get(want);
          const e = name ? this.entries.get(name) : undefined;
          if (!e || !name || !allows(has, this.info(e).permission) || !this.info(e).enabled) {
            await call.reply(`There is no ${bot.prefix}${want} command you can use. Try ${bot.prefix}help`);
            return;
          }
          await call.reply(`${this.usageLine(name)}: ${e.spec.description}`);
          return;
        }
        const names = this.list()
          .filter((c) => c.enabled && allows(has, c.permission) && c.name !== 'help')
          .map((c) => bot.prefix + c.name);
        await call.reply(names.length ? `Commands: ${names.join(' ')} (${bot.prefix}help <command> for details)` : 'No commands are available right now.');
      },
    };
  }
}
