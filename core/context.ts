// The plugin context: what one generation of a plugin gets as `ctx`, and the scope that owns everything
// it registers through it (commands, taps, timers, registries, anything given to onDispose), released
// last-in first-out when the plugin unloads.
import type { Storage } from './db.ts';
import { hooksFor, type CoreHooks, type TapOwner } from './hooks.ts';
import type { CooldownTable} from './limits.ts';
import { SlidingWindow } from './limits.ts';
import { createEvents, createRegistry } from './registry.ts';
import type {
  AnyPluginDefinition, BotRuntime, BotSettings, Capability, ChatApi, Clock, CommandSpec, HostControl, Logger, PluginContext, PluginServices, RegistryOptions, UserDirectory,
} from './types.ts';

/** Everything a plugin registered in one generation; disposed last-in first-out. */
export class Scope implements TapOwner {
  private live = true;
  readonly abort = new AbortController();
  handOverFn: (() => unknown) | undefined;
  private readonly disposers = new Set<{ readonly dispose: () => void | Promise<void> }>();

  constructor(readonly id: string, readonly name: string, private readonly onError: (err: unknown, where: string) => void) {}

  alive(): boolean {
    return this.live;
  }

  /** Registers something to release at unload; the returned function forgets it (e.g. a timer that fired). */
  own(dispose: () => void | Promise<void>): () => void {
    if (!this.live) {
      // A setup that timed out may still register things later: release them at once.
      void Promise.resolve().then(dispose).catch(() => undefined);
      return () => undefined;
    }
    const entry = { dispose };
    this.disposers.add(entry);
    return () => {
      this.disposers.delete(entry);
    };
  }

  failed(err: unknown, where: string): void {
    this.onError(err, where);
  }

  async dispose(log: Logger): Promise<void> {
    this.live = false;
    this.abort.abort(new Error(`${this.name} was unloaded`));
    const list = [...this.disposers].reverse();
    this.disposers.clear();
    for (const { dispose } of list) {
      try {
        await dispose();
      } catch (err) {
        log.error(`error while unloading: ${(err as Error).message}`, { err: err as Error });
      }
    }
  }
}

/** What core gives every context (the same for all plugins). */
export interface ContextDeps {
  readonly storage: Storage;
  readonly hooks: CoreHooks;
  readonly users: UserDirectory;
  readonly clock: Clock;
  readonly chatFor: (plugin: string) => ChatApi;
  readonly registerCommand: (owner: TapOwner, spec: CommandSpec) => () => void;
  /** Runs `run` after the bot's ready line, or on the next turn when the bot has already started. */
  readonly afterStart: (run: () => void) => void;
}

/** What is particular to one plugin's generation; host, runtime and env are already cut to its capabilities. */
export interface ContextParts {
  readonly name: string;
  readonly definition: AnyPluginDefinition;
  readonly dir: string;
  readonly scope: Scope;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly inherited: unknown;
  readonly log: Logger;
  readonly bot: () => BotSettings;
  /** Kept by the host across reloads (a reload must not reset `!daily`-style cooldowns). */
  readonly cooldowns: CooldownTable;
  readonly service: (name: string, optional: boolean) => unknown;
  readonly host: HostControl;
  readonly runtime: BotRuntime;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly capabilities: readonly Capability[];
}

export function createContext(deps: ContextDeps, p: ContextParts): PluginContext<Readonly<Record<string, unknown>>> {
  const { scope, cooldowns } = p;
  const own = (fn: () => void | Promise<void>) => scope.own(fn);
  const guard = (fn: () => void | Promise<void>, where: string) => () => {
    if (!scope.alive()) return;
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((err: unknown) => scope.failed(err, where));
    } catch (err) {
      scope.failed(err, where);
    }
  };
  return {
    name: p.name,
    version: p.definition.version,
    dir: p.dir,
    config: p.settings,
    get bot() {
      return p.bot();
    },
    env: p.env,
    log: p.log,
    db: deps.storage.forPlugin(p.name, own),
    hooks: hooksFor(deps.hooks, scope),
    commands: {
      // The router checks the owner before the `command` hook; a plugin unloaded while that hook was in
      // flight must not have its command run afterwards.
      register: (spec: CommandSpec) => own(deps.registerCommand(scope, { ...spec, run: (call) => (scope.alive() ? spec.run(call) : undefined) })),
    },
    chat: deps.chatFor(p.name),
    users: deps.users,
    clock: deps.clock,
    timers: {
      setTimeout(fn, ms) {
        // A timer that fired or was cancelled forgets its disposer: a plugin that sets one per message
        // must not grow its unload list for as long as it runs.
        let pending = true;
        const run = guard(fn, 'timer');
        const h = deps.clock.setTimeout(() => {
          pending = false;
          forget();
          run();
        }, ms);
        const cancel = () => {
          if (pending) deps.clock.clearTimeout(h);
          pending = false;
          forget();
        };
        const forget = scope.own(cancel);
        return cancel;
      },
      setInterval(fn, ms) {
        let h: unknown;
        const tick = guard(fn, 'interval');
        const loop = () => {
          h = deps.clock.setTimeout(() => {
            loop();
            tick();
          }, ms);
        };
        loop();
        const cancel = () => deps.clock.clearTimeout(h);
        own(cancel);
        return cancel;
      },
    },
    cooldowns: {
      take: (key, seconds) => cooldowns.take(key, seconds),
      remaining: (key) => cooldowns.remaining(key),
      reset: (key) => cooldowns.reset(key),
    },
    rateLimiter: (limit, windowMs) => new SlidingWindow(deps.clock, limit, windowMs),
    host: p.host,
    runtime: p.runtime,
    service: <K extends keyof PluginServices>(name: K) => p.service(name as string, false) as PluginServices[K],
    optionalService: <K extends keyof PluginServices>(name: K) => p.service(name as string, true) as PluginServices[K] | undefined,
    registry: <T>(options?: RegistryOptions<T>) => {
      // The registry belongs to this generation: what others registered with it goes when this plugin unloads.
      const registry = createRegistry(options);
      own(() => registry.clear());
      return registry;
    },
    events: <P>(name: string) => {
      const events = createEvents<P>(p.log, name);
      own(() => events.clear());
      return events;
    },
    capabilities: p.capabilities,
    signal: scope.abort.signal,
    afterStart: (fn) => deps.afterStart(guard(fn, 'after start')),
    handOver: (fn) => {
      scope.handOverFn = fn;
    },
    inherited: p.inherited,
    onDispose: own,
  };
}
