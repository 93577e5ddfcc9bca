// The custom commands as they run: config-defined ones merged with the database's, with the name and alias
// lookup, and the checks a new name must pass (no shadowing a plugin's command, no clash with another).
//
// How the two sources combine: the config file's commands are the streamer's; chat (!addcom) and the
// dashboard write to the database. A name in the config file cannot be added, edited or deleted from chat;
// a database command whose name the config file later takes is kept but inactive, and reported.
import type { PluginContext, SqlTx } from '../../core/types.ts';
import { COMMAND_NAME, PERMISSION_NAMES } from './schema.ts';
import type { CommandsErrorCode, CustomCommand, CustomCommandSettings, CommandSource } from './service.ts';
import { analyze } from './variables.ts';

export class CommandsError extends Error {
  override readonly name = 'CommandsError';
  constructor(
    readonly code: CommandsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Row {
  name: string;
  response: string;
  permission: string;
  cooldown: number | null;
  global_cooldown: number;
  aliases: string;
  cost: number;
  enabled: number;
}

export interface Entry extends CustomCommandSettings {
  readonly name: string;
  readonly source: CommandSource;
}

type ConfigCommands = Readonly<Record<string, Partial<CustomCommandSettings> & { readonly response: string }>>;

const NAME_RE = new RegExp(COMMAND_NAME, 'u');

export function normalName(raw: string, prefix: string): string {
  const t = raw.trim().toLowerCase();
  return t.startsWith(prefix) ? t.slice(prefix.length) : t.replace(/^!/, '');
}

function settingsOf(s: Partial<CustomCommandSettings> & { readonly response: string }): CustomCommandSettings {
  return {
    response: s.response,
    permission: s.permission ?? 'everyone',
    ...(s.cooldown !== undefined ? { cooldown: s.cooldown } : {}),
    globalCooldown: s.globalCooldown ?? 0,
    aliases: (s.aliases ?? []).map((a) => a.toLowerCase().replace(/^!/, '')),
    cost: s.cost ?? 0,
    enabled: s.enabled ?? true,
  };
}

function fromRow(r: Row): Entry {
  let aliases: string[] = [];
  try {
    const parsed: unknown = JSON.parse(r.aliases);
    if (Array.isArray(parsed)) aliases = parsed.filter((a): a is string => typeof a === 'string');
  } catch {
    // a hand-edited row: no aliases rather than no command
  }
  const permission = (PERMISSION_NAMES as readonly string[]).includes(r.permission) ? (r.permission as CustomCommandSettings['permission']) : 'moderator';
  return {
    name: r.name,
    source: 'database',
    ...settingsOf({ response: r.response, permission, ...(r.cooldown !== null ? { cooldown: r.cooldown } : {}), globalCooldown: r.global_cooldown, aliases, cost: r.cost, enabled: r.enabled === 1 }),
  };
}

export class CommandTable {
  private config = new Map<string, Entry>();
  private database = new Map<string, Entry>();
  /** name or alias → the active entry */
  private lookup = new Map<string, Entry>();

  constructor(private readonly ctx: PluginContext<{ commands: ConfigCommands }>) {
    for (const [name, s] of Object.entries(ctx.config.commands)) {
      const n = name.toLowerCase();
      this.config.set(n, { name: n, source: 'config', ...settingsOf(s) });
    }
  }

  async load(): Promise<void> {
    const rows = await this.ctx.db.all<Row>('SELECT * FROM commands_custom ORDER BY name');
    this.database = new Map(rows.map((r) => [r.name, fromRow(r)]));
    this.rebuild();
  }

  private rebuild(): void {
    this.lookup.clear();
    // Config first: on a clash, the streamer's file wins.
    for (const e of [...this.config.values(), ...this.database.values()]) {
      if (e.source === 'database' && this.config.has(e.name)) continue;
      if (!this.lookup.has(e.name)) this.lookup.set(e.name, e);
    }
    for (const e of new Set(this.lookup.values())) {
      for (const a of e.aliases) if (!this.lookup.has(a)) this.lookup.set(a, e);
    }
  }

  /** The custom command a typed name (or alias) means, if any. */
  resolve(word: string): Entry | undefined {
    return this.lookup.get(word);
  }

  get(name: string): Entry | undefined {
    return this.config.get(name) ?? this.database.get(name);
  }

  all(): Entry[] {
    return [...this.config.values(), ...[...this.database.values()].filter((e) => !this.config.has(e.name))].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Hidden database commands (the config file took their name): still listed, with the reason. */
  hidden(): Entry[] {
    return [...this.database.values()].filter((e) => this.config.has(e.name));
  }

  /** Plugin commands (names and aliases, lower case) → the plugin that has each. */
  pluginNames(): Map<string, string> {
    const out = new Map<string, string>();
    for (const c of this.ctx.runtime.commands()) {
      out.set(c.name, c.plugin);
      for (const a of c.aliases) out.set(a.toLowerCase(), c.plugin);
    }
    return out;
  }

  /** Why an active entry does not answer, if it does not. */
  problemOf(e: Entry): string | undefined {
    const prefix = this.ctx.bot.prefix;
    if (e.source === 'database' && this.config.has(e.name)) return `the config file defines ${prefix}${e.name}, so this one is not used`;
    const plugin = this.pluginNames().get(e.name);
    if (plugin) return `${prefix}${e.name} is a command of the ${plugin} plugin, which wins`;
    return undefined;
  }

  /** Checks a name and aliases for a database command (`replacing`: the command being edited). */
  checkNames(name: string, aliases: readonly string[], replacing?: string): void {
    const prefix = this.ctx.bot.prefix;
    const plugins = this.pluginNames();
    for (const n of [name, ...aliases]) {
      if (!NAME_RE.test(n)) throw new CommandsError('INVALID', `"${n}" is not a command name: use 1-32 letters, digits, _ or -`);
      const plugin = plugins.get(n);
      if (plugin) throw new CommandsError('SHADOWS_PLUGIN', `${prefix}${n} is a command of the ${plugin} plugin; a custom command cannot replace it`);
      if (this.config.has(n) && n !== replacing) throw new CommandsError('IN_CONFIG', `${prefix}${n} is defined in the config file`);
      const other = this.lookup.get(n);
      if (other && other.name !== replacing) throw new CommandsError('NAME_TAKEN', `${prefix}${n} is already ${other.name === n ? 'a custom command' : `an alias of ${prefix}${other.name}`}`);
    }
    if (new Set([name, ...aliases]).size !== aliases.length + 1) throw new CommandsError('INVALID', 'an alias repeats the name or another alias');
  }

  async save(name: string, input: Partial<CustomCommandSettings> & { readonly response: string }, actor: string): Promise<Entry> {
    if (this.config.has(name)) throw new CommandsError('IN_CONFIG', `${this.ctx.bot.prefix}${name} is defined in the config file; change it there (or in the commands plugin's settings)`);
    const s = settingsOf(input);
    if (!s.response.trim()) throw new CommandsError('INVALID', 'the response is empty');
    if (s.response.length > 500) throw new CommandsError('INVALID', 'the response is longer than 500 characters (Twitch cuts a message there)');
    if (!PERMISSION_NAMES.includes(s.permission)) throw new CommandsError('INVALID', `permission must be one of ${PERMISSION_NAMES.join(', ')}`);
    for (const [k, v] of [['cooldown', s.cooldown ?? 0], ['globalCooldown', s.globalCooldown], ['cost', s.cost]] as const) {
      if (!Number.isFinite(v) || v < 0 || v > (k === 'cost' ? 1_000_000 : 86_400)) throw new CommandsError('INVALID', `${k} must be a number from 0 to ${k === 'cost' ? '1000000' : '86400'}`);
    }
    if (!Number.isInteger(s.cost)) throw new CommandsError('INVALID', 'cost must be a whole number of tokens');
    this.checkNames(name, s.aliases, this.database.has(name) ? name : undefined);
    const now = this.ctx.clock.now();
    await this.ctx.db.run(
      `INSERT INTO commands_custom (name, response, permission, cooldown, global_cooldown, aliases, cost, enabled, created_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET response = excluded.response, permission = excluded.permission, cooldown = excluded.cooldown,
         global_cooldown = excluded.global_cooldown, aliases = excluded.aliases, cost = excluded.cost, enabled = excluded.enabled, updated_at = excluded.updated_at`,
      [name, s.response, s.permission, s.cooldown ?? null, s.globalCooldown, JSON.stringify(s.aliases), s.cost, s.enabled ? 1 : 0, actor, now, now],
    );
    await this.load();
    return this.get(name) as Entry;
  }

  async remove(name: string): Promise<void> {
    if (this.config.has(name)) throw new CommandsError('IN_CONFIG', `${this.ctx.bot.prefix}${name} is defined in the config file; remove it there (or in the commands plugin's settings)`);
    if (!this.database.has(name)) throw new CommandsError('NOT_FOUND', `there is no custom command ${this.ctx.bot.prefix}${name}`);
    await this.ctx.db.transaction(async (tx) => {
      await tx.run('DELETE FROM commands_custom WHERE name = ?', [name]);
      await tx.run('DELETE FROM commands_uses WHERE name = ?', [name]);
    });
    await this.load();
  }

  async counts(): Promise<Map<string, number>> {
    const rows = await this.ctx.db.all<{ name: string; count: number }>('SELECT name, count FROM commands_uses');
    return new Map(rows.map((r) => [r.name, r.count]));
  }

  async view(e: Entry, counts?: Map<string, number>): Promise<CustomCommand> {
    const count = (counts ?? (await this.counts())).get(e.name) ?? 0;
    const problem = this.problemOf(e);
    return { ...e, count, unknownVariables: analyze(e.response).unknown, ...(problem ? { problem } : {}) };
  }
}

/** Counts one use inside `tx` and returns the new count. */
export async function countUse(tx: SqlTx, name: string, now: number): Promise<number> {
  const row = await tx.get<{ count: number }>(
    `INSERT INTO commands_uses (name, count, last_used_at) VALUES (?, 1, ?)
     ON CONFLICT (name) DO UPDATE SET count = count + 1, last_used_at = excluded.last_used_at RETURNING count`,
    [name, now],
  );
  return row?.count ?? 1;
}
