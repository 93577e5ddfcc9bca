// The commands plugin's public face: custom commands and timers as the dashboard (and any plugin) sees them.
// Types only, plus the pure error check.
import type { Permission } from '../../core/types.ts';

/** Where a custom command is defined: the config file (`plugins.commands.commands`) or the database (chat, dashboard). */
export type CommandSource = 'config' | 'database';

/** A custom command's settings, the keys of `plugins.commands.commands.<name>`. */
export interface CustomCommandSettings {
  readonly response: string;
  readonly permission: Permission;
  /** Seconds per viewer; undefined: the bot's commandCooldown. */
  readonly cooldown?: number;
  readonly globalCooldown: number;
  readonly aliases: readonly string[];
  readonly cost: number;
  readonly enabled: boolean;
}

export interface CustomCommand extends CustomCommandSettings {
  readonly name: string;
  readonly source: CommandSource;
  /** Uses so far (`{count}`). */
  readonly count: number;
  /** `{…}` parts of the response that are not variables (they are shown as written). */
  readonly unknownVariables: readonly string[];
  /** Why it does not answer although enabled: a plugin's command has its name, or the config file's command does. */
  readonly problem?: string;
}

export interface TimerView {
  readonly name: string;
  readonly message: string;
  readonly minutes: number;
  readonly minLines: number;
  readonly enabled: boolean;
  /** Chat lines since its last post, per channel. */
  readonly lines: Readonly<Record<string, number>>;
  /** When it may post next (ms since the epoch); it then waits for `minLines` chat lines. */
  readonly nextAt: number | null;
  readonly lastPostedAt: number | null;
  readonly unknownVariables: readonly string[];
}

export type CommandsErrorCode = 'INVALID' | 'NOT_FOUND' | 'SHADOWS_PLUGIN' | 'NAME_TAKEN' | 'IN_CONFIG';

export interface CommandsError extends Error {
  readonly code: CommandsErrorCode;
}

export function isCommandsError(err: unknown, code?: CommandsErrorCode): err is CommandsError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown };
  return e.name === 'CommandsError' && typeof e.code === 'string' && (code === undefined || e.code === code);
}

export interface CommandsService {
  /** Every custom command (config and database), by name. */
  list(): Promise<CustomCommand[]>;
  /** Adds or replaces a database command. Throws INVALID, SHADOWS_PLUGIN, NAME_TAKEN or IN_CONFIG (a config command). */
  save(name: string, settings: Partial<CustomCommandSettings> & { readonly response: string }, actor: string): Promise<CustomCommand>;
  /** Deletes a database command (and its counter). Throws NOT_FOUND or IN_CONFIG. */
  remove(name: string): Promise<void>;
  /** What the command would answer to `login` typing `args`, without counting, charging or cooldowns. */
  preview(name: string, options?: { login?: string; args?: string }): Promise<string>;
  /** Fills a response text as a test (for the editor), with the unknown variables. */
  render(text: string, options?: { login?: string; args?: string }): Promise<{ text: string; unknownVariables: string[] }>;
  timers(): TimerView[];
  /** Posts a timer's message now in every channel (the dashboard's "test"), through the outbox. */
  fireTimer(name: string): Promise<void>;
}

declare module '../../core/types.ts' {
  interface PluginServices {
    commands: CommandsService;
  }
}
