// The plugin host: discovers plugins, orders them by their dependencies, migrates and sets them up, and
// enables, disables and reloads them while the bot runs. Every lifecycle operation is serialized, and a
// reload is a transaction: the new version is built, validated and migrated first, and if it (or one of
// its dependents) fails to start, the previous version is put back.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { watch, type FSWatcher } from 'chokidar';
import type { JSONSchema } from 'json-schema-to-ts';
import { ConfigError, ConfigValidator, formatIssue, readConfig, writeConfigValues, type BotConfig, type LoadedConfig } from './config.ts';
import type { Storage } from './db.ts';
import { errorMessage, isCoded } from './errors.ts';
import { hooksFor, untapAll, type CoreHooks, type TapOwner } from './hooks.ts';
import { CooldownTable, SlidingWindow } from './limits.ts';
import { discover, firstFrame, loadModule, PluginLoadError, type LoadedModule, type PluginSource } from './loader.ts';
import type { LogHub } from './log.ts';
import type {
  AnyPluginDefinition, BotRuntime, ChatApi, Clock, CommandSpec, ConfigIssue, HostControl, Logger, PluginContext, PluginInfo, PluginServices, PluginState, UserDirectory,
  SettingsIssue,
} from './types.ts';

export interface HostDeps {
  readonly root: string;
  readonly builtinDir: string;
  readonly configFile: string;
  readonly storage: Storage;
  readonly logs: LogHub;
  readonly clock: Clock;
  readonly hooks: CoreHooks;
  readonly users: UserDirectory;
  readonly chatFor: (plugin: string) => ChatApi;
  readonly runtime: BotRuntime;
  readonly registerCommand: (owner: TapOwner, spec: CommandSpec) => () => void;
  /** Holds chat events while plugins are swapped, so none is lost or handled by a half-loaded bot. */
  readonly pauseChat: () => () => void;
  readonly env?: NodeJS.ProcessEnv;
  /** Resolves npm plugin packages from the project, not from core's folder. */
  readonly importPackage?: (name: string) => Promise<unknown>;
  readonly onBotConfig?: (bot: BotConfig) => void;
}

/** Everything a plugin registered in one generation; disposed last-in first-out. */
class Scope implements TapOwner {
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

interface Running {
  readonly scope: Scope;
  readonly service: unknown;
  readonly module: LoadedModule;
  readonly settings: Readonly<Record<string, unknown>>;
  /** Optional dependencies that were running when it started: if that changes, it restarts. */
  readonly optionalSeen: ReadonlySet<string>;
}

interface PluginRecord {
  readonly name: string;
  readonly source: PluginSource;
  module: LoadedModule;
  settings: Readonly<Record<string, unknown>>;
  wanted: boolean;
  /** Why it cannot run (load, config, migration, setup, dependency problems), until something changes. */
  error?: string;
  /** The catalog code of `error` (core/errors.ts): what code checks, instead of parsing the message. */
  errorCode?: string;
  /** The last error its running code reported (a throwing command or hook); it keeps running. */
  lastError?: string;
  lastErrorCode?: string;
  blockedBySetup: boolean;
  reloads: number;
  running?: Running;
}

export class HostError extends Error {
  override name = 'HostError';
}

/** Marks an error thrown by a plugin's code with the place in its own source (file:line:column) it came from. */
function located(err: unknown, module: LoadedModule, dir: string): unknown {
  if (!(err instanceof Error) || !module.mapStack || !err.stack) return err;
  const at = firstFrame(module.mapStack(err.stack), dir);
  if (at) Object.defineProperty(err, 'pluginLocation', { value: at, configurable: true });
  return err;
}

function whereOf(err: unknown): string {
  const at = (err as { pluginLocation?: string } | undefined)?.pluginLocation;
  return at ? ` (at ${at})` : '';
}

function def(r: PluginRecord): AnyPluginDefinition {
  return r.module.definition;
}

function sameData(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => a.localeCompare(b))) : val,
  );
}

/** Serializes lifecycle operations. */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class Host implements HostControl {
  readonly startedAt: number;
  readonly validator = new ConfigValidator();
  readonly log: Logger;
  bot!: BotConfig;
  private readonly records = new Map<string, PluginRecord>();
  private readonly ops = new Queue();
  /** Per plugin name, kept across reloads (a reload must not reset `!daily`-style cooldowns). */
  private readonly cooldownTables = new Map<string, CooldownTable>();
  private issues: ConfigIssue[] = [];
  private generation = 0;
  private watchers: FSWatcher[] = [];
  /** Plugins that could not even be loaded (no name known): shown by folder, retried when their files change. */
  private readonly broken = new Map<string, { source: PluginSource; error: string }>();
  private readonly debounce = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly deps: HostDeps) {
    this.log = deps.logs.logger('host');
    this.startedAt = deps.clock.now();
  }

  get configFile(): string {
    return this.deps.configFile;
  }

  get configIssues(): readonly ConfigIssue[] {
    return this.issues;
  }

  recentLogs() {
    return this.deps.logs.recent();
  }

  onLog(listener: Parameters<LogHub['onEntry']>[0]) {
    return this.deps.logs.onEntry(listener);
  }

  // ---------------------------------------------------------------- start and stop

  /**
   * Reads the config, loads every plugin and starts the enabled ones. A config with errors throws a
   * ConfigError listing all of them; a plugin that fails to load or start is reported and skipped.
   */
  async start(): Promise<void> {
    const loaded = readConfig(this.deps.configFile, this.deps.env);
    const { bot, issues } = this.validator.validateBot(loaded);
    this.bot = bot;
    this.deps.logs.level = bot.logLevel;
    const { sources, problems } = discover(this.deps.builtinDir, bot.pluginPaths, bot.pluginPackages, this.deps.root);
    for (const p of problems) issues.push({ file: 'config', path: 'bot.pluginPaths', message: p });
    await this.loadSources(sources);
    issues.push(...this.applySections(loaded, true));
    this.warnUnknownSections(loaded);
    if (issues.length) throw new ConfigError(issues);
    this.deps.onBotConfig?.(bot);
    await this.ops.run(() => this.reconcile());
    if (bot.watch) await this.watch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.debounce.values()) clearTimeout(t);
    await Promise.all(this.watchers.map((w) => w.close()));
    this.watchers = [];
    await this.ops.run(async () => {
      for (const r of [...this.order()].reverse()) if (r.running) await this.teardown(r, 'stop');
    });
  }

  private async loadSources(sources: PluginSource[]): Promise<PluginRecord[]> {
    const importPackage = this.deps.importPackage ?? ((name: string) => import(name));
    const added: PluginRecord[] = [];
    for (const source of sources) {
      try {
        const module = await loadModule(source, importPackage);
        const name = module.definition.name;
        const existing = this.records.get(name);
        if (existing) {
          this.log.error(`two plugins are named "${name}": ${existing.source.entry} and ${source.entry}; the second is skipped`);
          continue;
        }
        const record: PluginRecord = { name, source, module, settings: {}, wanted: false, blockedBySetup: false, reloads: 0 };
        this.records.set(name, record);
        this.broken.delete(source.entry);
        added.push(record);
      } catch (err) {
        this.broken.set(source.entry, { source, error: (err as Error).message });
        this.log.error(`plugin skipped: ${(err as Error).message}`);
      }
    }
    return added;
  }

  /** A plugin that failed to load had its files changed: try again, and start it if the config wants it. */
  private retryBroken(entry: string): Promise<void> {
    return this.ops.run(async () => {
      const b = this.broken.get(entry);
      if (!b) return;
      const [record] = await this.loadSources([b.source]);
      if (!record) return;
      const loaded = this.tryReadConfig();
      if (loaded) {
        const { section, issues } = this.validator.validatePlugin(loaded, { name: record.name, schema: def(record).configSchema });
        if (issues.length) {
          record.error = `its settings are invalid: ${issues.map(formatIssue).join('; ')}`;
          record.errorCode = 'INVALID_SETTINGS';
          return;
        }
        record.wanted = section.enabled ?? def(record).enabledByDefault ?? true;
        record.settings = section.settings;
      }
      this.log.info(`plugin ${record.name} loads now`);
      await this.reconcile();
    });
  }

  /** Validates every plugin's section; on success (and `commit`) stores wanted state and settings. */
  private applySections(loaded: LoadedConfig, commit: boolean): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const results = new Map<string, { enabled: boolean | undefined; settings: Readonly<Record<string, unknown>> }>();
    for (const r of this.records.values()) {
      try {
        const { section, issues: found } = this.validator.validatePlugin(loaded, { name: r.name, schema: def(r).configSchema });
        issues.push(...found);
        results.set(r.name, section);
      } catch (err) {
        // A schema ajv cannot compile is the plugin author's bug: that plugin cannot run, the rest can.
        r.error = `its config schema is invalid: ${(err as Error).message}`;
        r.errorCode = 'INVALID_SCHEMA';
        r.wanted = false;
      }
    }
    if (commit && !issues.length) {
      for (const [name, section] of results) {
        const r = this.records.get(name);
        if (!r) continue;
        r.wanted = section.enabled ?? def(r).enabledByDefault ?? true;
        r.settings = section.settings;
      }
    }
    return issues;
  }

  private warnUnknownSections(loaded: LoadedConfig): void {
    for (const name of Object.keys(loaded.data.plugins)) {
      if (!this.records.has(name)) this.log.warn(`config has settings for plugin "${name}", but no such plugin is installed`);
    }
  }

  // ---------------------------------------------------------------- dependency order and reconcile

  /** All records, dependencies first. Records in a cycle are marked failed and come last. */
  private order(): PluginRecord[] {
    const out: PluginRecord[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (r: PluginRecord, trail: string[]) => {
      const s = state.get(r.name);
      if (s === 'done') return;
      if (s === 'visiting') {
        const cycle = [...trail.slice(trail.indexOf(r.name)), r.name];
        for (const n of cycle) {
          const c = this.records.get(n);
          if (c) Object.assign(c, { error: `dependency cycle: ${cycle.join(' → ')}`, errorCode: 'DEPENDENCY_CYCLE' });
        }
        return;
      }
      state.set(r.name, 'visiting');
      for (const dep of [...(def(r).dependsOn ?? []), ...(def(r).optionalDependsOn ?? [])]) {
        const d = this.records.get(dep);
        if (d) visit(d, [...trail, r.name]);
      }
      state.set(r.name, 'done');
      out.push(r);
    };
    for (const r of [...this.records.values()].sort((a, b) => a.name.localeCompare(b.name))) visit(r, []);
    return out;
  }

  private inCycle(r: PluginRecord): boolean {
    return r.errorCode === 'DEPENDENCY_CYCLE';
  }

  /** Which plugins should run now, and why the others cannot. */
  private plan(order: PluginRecord[]): Map<string, boolean> {
    const target = new Map<string, boolean>();
    for (const r of order) {
      let ok = r.wanted && !r.blockedBySetup && !this.inCycle(r);
      if (ok) {
        for (const dep of def(r).dependsOn ?? []) {
          if (!this.records.has(dep)) {
            r.error = `needs plugin "${dep}", which is not installed`;
            r.errorCode = 'DEPENDENCY_MISSING';
            ok = false;
          } else if (!target.get(dep)) {
            ok = false;
          }
        }
      }
      target.set(r.name, ok);
    }
    return target;
  }

  private async reconcile(): Promise<void> {
    const order = this.order();
    const target = this.plan(order);
    // What must stop: plugins no longer wanted, plugins whose optional dependencies came or went, and every
    // running plugin that depends on one of those (it holds the old service, and its registrations with it).
    const restart = new Set<string>();
    for (const r of order) {
      if (!r.running || !target.get(r.name)) continue;
      const deps = [...(def(r).dependsOn ?? []), ...(def(r).optionalDependsOn ?? [])];
      const depStops = deps.some((d) => restart.has(d) || (this.records.get(d)?.running && !target.get(d)));
      if (depStops || !sameSet(r.running.optionalSeen, this.optionalUp(r, target))) restart.add(r.name);
    }
    // Stop first, dependents before what they depend on. A restart hands its state to the next start.
    const handed = new Map<string, unknown>();
    for (const r of [...order].reverse()) {
      if (!r.running) continue;
      if (restart.has(r.name)) handed.set(r.name, await this.teardown(r, 'restart'));
      else if (!target.get(r.name)) await this.teardown(r, 'disable');
    }
    for (const r of order) {
      if (!target.get(r.name) || r.running) continue;
      try {
        r.running = await this.setup(r, r.module, r.settings, handed.get(r.name));
        r.error = r.errorCode = undefined;
      } catch (err) {
        r.error = errorMessage(err);
        r.errorCode = isCoded(err) ? err.code : 'SETUP_FAILED';
        r.blockedBySetup = true;
        this.log.error(`plugin ${r.name} could not start: ${r.error}${whereOf(err)}`);
        // Its dependents cannot start either; recompute what can.
        const again = this.plan(order);
        for (const [k, v] of again) target.set(k, v);
      }
    }
  }

  private optionalUp(r: PluginRecord, target: Map<string, boolean>): Set<string> {
    return new Set((def(r).optionalDependsOn ?? []).filter((d) => target.get(d)));
  }

  /** Running plugins that depend on `name`, directly or not (optional dependencies count), dependencies first. */
  private dependentsOf(name: string): PluginRecord[] {
    const hit = new Set([name]);
    const out: PluginRecord[] = [];
    for (const r of this.order()) {
      if (r.name === name || !r.running) continue;
      const deps = [...(def(r).dependsOn ?? []), ...(def(r).optionalDependsOn ?? [])];
      if (deps.some((d) => hit.has(d))) {
        hit.add(r.name);
        out.push(r);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- setup and teardown of one plugin

  private async setup(r: PluginRecord, module: LoadedModule, settings: Readonly<Record<string, unknown>>, inherited: unknown): Promise<Running> {
    const d = module.definition;
    if (d.migrations) await this.deps.storage.migrate(r.name, path.resolve(r.source.dir, d.migrations));
    const gen = ++this.generation;
    const log = this.deps.logs.logger(r.name);
    const scope = new Scope(`${r.name}#${gen}`, r.name, (err, where) => {
      const msg = err instanceof Error ? err.message : String(err);
      r.lastError = `${where}: ${msg}`;
      r.lastErrorCode = isCoded(err) ? err.code : 'PLUGIN_ERROR';
      log.error(`${where} failed: ${msg}`, { err: err instanceof Error ? err : new Error(msg) });
    });
    const optionalSeen = new Set((d.optionalDependsOn ?? []).filter((o) => this.records.get(o)?.running));
    const ctx = this.context(r, d, scope, settings, inherited, log, optionalSeen);
    const timeoutMs = this.bot.pluginSetupTimeout * 1000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const service = await Promise.race([
        Promise.resolve().then(() => d.setup(ctx as PluginContext<never>)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new HostError(`setup did not finish within ${this.bot.pluginSetupTimeout} s`)), timeoutMs);
        }),
      ]);
      const running: Running = { scope, service, module, settings, optionalSeen };
      r.lastError = r.lastErrorCode = undefined;
      this.log.info(`plugin ${r.name} ${d.version} started`);
      this.deps.hooks.pluginLoaded.call(this.info(r, running));
      return running;
    } catch (err) {
      await scope.dispose(log);
      throw located(err, module, r.source.dir);
    } finally {
      clearTimeout(timer);
    }
  }

  private async teardown(r: PluginRecord, why: 'disable' | 'reload' | 'restart' | 'stop'): Promise<unknown> {
    const running = r.running;
    if (!running) return undefined;
    const log = this.deps.logs.logger(r.name);
    let handed: unknown;
    if (why === 'reload' || why === 'restart') {
      try {
        handed = running.scope.handOverFn?.();
      } catch (err) {
        log.error(`handOver failed; the next version starts fresh: ${(err as Error).message}`);
      }
    }
    await running.scope.dispose(log);
    untapAll(this.deps.hooks, running.scope.id);
    r.running = undefined;
    this.log.info(`plugin ${r.name} stopped (${why})`);
    this.deps.hooks.pluginUnloaded.call(this.info(r));
    return handed;
  }

  private context(
    r: PluginRecord, d: AnyPluginDefinition, scope: Scope, settings: Readonly<Record<string, unknown>>, inherited: unknown, log: Logger, optionalSeen: ReadonlySet<string>,
  ): PluginContext<Readonly<Record<string, unknown>>> {
    const deps = this.deps;
    const own = (fn: () => void | Promise<void>) => scope.own(fn);
    const guard = (fn: () => void | Promise<void>, where: string) => () => {
      if (!scope.alive()) return;
      try {
        const p = fn();
        if (p instanceof Promise) p.catch((err: unknown) => scope.failed(err, where));
      } catch (err) {
        scope.failed(err, where);
      }
    };
    const currentBot = () => this.bot;
    const cooldowns = this.cooldownTables.get(r.name) ?? new CooldownTable(deps.clock);
    this.cooldownTables.set(r.name, cooldowns);
    const serviceOf = (name: string, optional: boolean): unknown => {
      const listed = (d.dependsOn ?? []).includes(name) || (d.optionalDependsOn ?? []).includes(name);
      if (!listed) throw new HostError(`plugin ${r.name} asked for the service of "${name}", which is not in its dependsOn or optionalDependsOn`);
      const running = this.records.get(name)?.running;
      if (!running || (optional && !optionalSeen.has(name))) {
        if (optional) return undefined;
        throw new HostError(`plugin ${r.name} needs "${name}", which is not running`);
      }
      return running.service;
    };
    return {
      name: r.name,
      version: d.version,
      dir: r.source.dir,
      config: settings,
      get bot() {
        return currentBot();
      },
      env: deps.env ?? process.env,
      log,
      db: deps.storage.forPlugin(r.name, own),
      hooks: hooksFor(deps.hooks, scope),
      commands: {
        // The router checks the owner before the `command` hook; a plugin unloaded while that hook was in
        // flight must not have its command run afterwards.
        register: (spec: CommandSpec) => own(deps.registerCommand(scope, { ...spec, run: (call) => (scope.alive() ? spec.run(call) : undefined) })),
      },
      chat: deps.chatFor(r.name),
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
      host: this,
      runtime: deps.runtime,
      service: <K extends keyof PluginServices>(name: K) => serviceOf(name as string, false) as PluginServices[K],
      optionalService: <K extends keyof PluginServices>(name: K) => serviceOf(name as string, true) as PluginServices[K] | undefined,
      signal: scope.abort.signal,
      handOver: (fn) => {
        scope.handOverFn = fn;
      },
      inherited,
      onDispose: own,
    };
  }

  // ---------------------------------------------------------------- reload as a transaction

  /**
   * Replaces a running plugin's code and/or settings. Dependents are torn down and set up again around it.
   * If anything fails to start, everything is put back as it was and the error is reported.
   */
  private async swap(r: PluginRecord, module: LoadedModule, settings: Readonly<Record<string, unknown>>, why: string, t0 = performance.now(), steps: string[] = []): Promise<void> {
    if (!r.running) {
      r.module = module;
      r.settings = settings;
      r.blockedBySetup = false;
      r.error = r.errorCode = undefined;
      await this.reconcile();
      return;
    }
    // A version whose dependencies are not running (or that would close a cycle) is refused up front.
    const unmet = this.unmetDependencies(r, module.definition);
    if (unmet) {
      this.reportReloadFailure(r, why, new HostError(unmet));
      return;
    }
    let lap = performance.now();
    const step = (what: string) => {
      const now = performance.now();
      steps.push(`${what} ${(now - lap).toFixed(0)}`);
      lap = now;
    };
    // Migrate before anything is torn down: a failing migration leaves the old version running.
    if (module.definition.migrations) {
      try {
        await this.deps.storage.migrate(r.name, path.resolve(r.source.dir, module.definition.migrations));
      } catch (err) {
        this.reportReloadFailure(r, why, err);
        return;
      }
    }
    step('migrations');
    const resume = this.deps.pauseChat();
    try {
      const dependents = this.dependentsOf(r.name);
      const handed = new Map<string, unknown>();
      for (const dep of [...dependents].reverse()) {
        handed.set(dep.name, await this.teardown(dep, 'reload'));
        step(`stop ${dep.name}`);
      }
      const old = { module: r.module, settings: r.settings };
      handed.set(r.name, await this.teardown(r, 'reload'));
      step(`stop ${r.name}`);
      const started: PluginRecord[] = [];
      try {
        r.running = await this.setup(r, module, settings, handed.get(r.name));
        step(`start ${r.name}`);
        started.push(r);
        for (const dep of dependents) {
          dep.running = await this.setup(dep, dep.module, dep.settings, handed.get(dep.name));
          step(`start ${dep.name}`);
          started.push(dep);
        }
      } catch (err) {
        for (const s of started.reverse()) await this.teardown(s, 'reload');
        try {
          r.running = await this.setup(r, old.module, old.settings, handed.get(r.name));
          for (const dep of dependents) dep.running = await this.setup(dep, dep.module, dep.settings, handed.get(dep.name));
        } catch (restoreErr) {
          r.error = `reload failed and the previous version could not be restored: ${(restoreErr as Error).message}`;
          r.errorCode = 'RELOAD_FAILED';
          this.log.error(`plugin ${r.name}: ${r.error}`);
        }
        // Reported after the restore: a successful setup clears lastError.
        this.reportReloadFailure(r, why, err);
        await this.reconcile();
        return;
      }
      if (module !== r.module) this.validator.forget(def(r).configSchema, module.definition.configSchema);
      r.module = module;
      r.settings = settings;
      r.reloads++;
      r.error = r.errorCode = undefined;
      // The steps say where a slow reload spends its time (ms each).
      this.log.info(`plugin ${r.name} reloaded (${why}) in ${(performance.now() - t0).toFixed(1)} ms`, { steps: steps.join(', '), heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20) });
      await this.reconcile();
    } finally {
      resume();
    }
  }

  private unmetDependencies(r: PluginRecord, d: AnyPluginDefinition): string | undefined {
    const dependents = new Set(this.dependentsOf(r.name).map((x) => x.name));
    const problems = (d.dependsOn ?? []).flatMap((dep) => {
      if (dep === r.name || dependents.has(dep)) return [`"${dep}" depends on ${r.name} (a dependency cycle)`];
      if (!this.records.has(dep)) return [`needs plugin "${dep}", which is not installed`];
      if (!this.records.get(dep)?.running) return [`needs plugin "${dep}", which is not running`];
      return [];
    });
    return problems.length ? problems.join('; ') : undefined;
  }

  private reportReloadFailure(r: PluginRecord, why: string, err: unknown): void {
    r.lastError = `reload (${why}) failed, the previous version keeps running: ${(err as Error).message}`;
    r.lastErrorCode = 'RELOAD_FAILED';
    this.log.error(`plugin ${r.name}: ${r.lastError}${whereOf(err)}`);
  }

  // ---------------------------------------------------------------- HostControl

  plugins(): PluginInfo[] {
    const broken: PluginInfo[] = [...this.broken.values()].map(({ source, error }) => ({
      name: source.kind === 'package' ? source.entry : path.basename(source.dir),
      version: '',
      description: '',
      state: 'failed',
      wanted: true,
      builtin: source.kind === 'builtin',
      dependsOn: [],
      optionalDependsOn: [],
      error: `could not be loaded: ${error}`,
      errorCode: 'LOAD_FAILED',
      reloads: 0,
      configSchema: { type: 'object', additionalProperties: false },
    }));
    return [...this.order().map((r) => this.info(r)), ...broken];
  }

  plugin(name: string): PluginInfo | undefined {
    const r = this.records.get(name);
    return r && this.info(r);
  }

  settingsFromEnv(name: string): Readonly<Record<string, string>> {
    const out: Record<string, string> = {};
    const prefix = `plugins.${name}.`;
    for (const [p, variable] of this.tryReadConfig()?.fromEnv ?? []) if (p.startsWith(prefix)) out[p.slice(prefix.length)] = variable;
    return out;
  }

  pluginConfig(name: string): Readonly<Record<string, unknown>> | undefined {
    return this.records.get(name)?.settings;
  }

  /** The running service of a plugin (for core and tests; plugins use ctx.service). */
  serviceOf(name: string): unknown {
    return this.records.get(name)?.running?.service;
  }

  private record(name: string): PluginRecord {
    const r = this.records.get(name);
    if (!r) throw new HostError(`there is no plugin named "${name}"`);
    return r;
  }

  async setEnabled(name: string, enabled: boolean, options: { persist?: boolean } = {}): Promise<PluginInfo> {
    return this.ops.run(async () => {
      const r = this.record(name);
      if (options.persist) writeConfigValues(this.deps.configFile, [{ path: ['plugins', name, 'enabled'], value: enabled }]);
      r.wanted = enabled;
      if (enabled) {
        r.blockedBySetup = false;
        if (!this.inCycle(r)) r.error = r.errorCode = undefined;
      }
      await this.reconcile();
      return this.info(r);
    });
  }

  async reload(name: string): Promise<PluginInfo> {
    return this.ops.run(async () => {
      const t0 = performance.now();
      const r = this.record(name);
      if (r.source.kind === 'package') {
        this.log.warn(`plugin ${name} comes from an npm package and cannot be reloaded from source; restarting it`);
        await this.swap(r, r.module, r.settings, 'restart');
        return this.info(r);
      }
      let module: LoadedModule;
      try {
        module = await loadModule(r.source, () => Promise.reject(new Error('unreachable')));
        if (module.definition.name !== name) throw new PluginLoadError(`its name changed to "${module.definition.name}"; restart the bot to rename a plugin`);
      } catch (err) {
        this.reportReloadFailure(r, 'source changed', err);
        return this.info(r);
      }
      const loaded = this.tryReadConfig();
      let settings = r.settings;
      if (loaded) {
        const { section, issues } = this.validator.validatePlugin(loaded, { name, schema: module.definition.configSchema });
        if (issues.length) {
          this.reportReloadFailure(r, 'source changed', new Error(`its settings do not fit the new version: ${issues.map(formatIssue).join('; ')}`));
          return this.info(r);
        }
        settings = section.settings;
      }
      await this.swap(r, module, settings, 'source changed', t0, [`load ${(performance.now() - t0).toFixed(0)}`]);
      return this.info(r);
    });
  }

  async saveConfig(name: string, input: Record<string, unknown>): Promise<{ ok: true } | { ok: false; issues: ConfigIssue[] }> {
    return this.ops.run(async () => {
      const r = this.record(name);
      const { enabled: _ignored, ...rest } = input;
      // Settings left out keep their current values (as they do in the file, where only these are written).
      // The plugin's own check too (checkConfig): settings its setup would refuse are never written.
      const check = def(r).checkConfig?.bind(def(r)) as ((settings: Record<string, unknown>) => readonly SettingsIssue[]) | undefined;
      const { settings, issues } = this.validator.validateSettings(undefined, { name, schema: def(r).configSchema, check }, { ...r.settings, ...rest });
      if (issues.length) return { ok: false as const, issues };
      const defaults = this.validator.defaults(def(r).configSchema);
      const loaded = this.tryReadConfig();
      const inFile = (loaded?.doc.getIn(['plugins', name]) ?? {}) as unknown;
      const fileSection = inFile && typeof inFile === 'object' ? (loaded?.doc.toJS().plugins?.[name] ?? {}) as Record<string, unknown> : {};
      const edits: { path: string[]; value: unknown }[] = [];
      for (const [k, v] of Object.entries(rest)) {
        const present = Object.prototype.hasOwnProperty.call(fileSection, k);
        if (present ? !sameData(fileSection[k], v) : !sameData(defaults[k], v)) edits.push({ path: ['plugins', name, k], value: v });
      }
      writeConfigValues(this.deps.configFile, edits);
      if (!sameData(settings, r.settings)) await this.swap(r, r.module, settings, 'settings saved');
      this.deps.hooks.configChanged.call({ plugin: name });
      return { ok: true as const };
    });
  }

  private tryReadConfig(): LoadedConfig | undefined {
    try {
      return readConfig(this.deps.configFile, this.deps.env);
    } catch (err) {
      if (err instanceof ConfigError) return undefined;
      throw err;
    }
  }

  /** Re-reads the config file; an invalid edit is rejected and the running config stays. */
  applyConfigFile(): Promise<{ ok: boolean; issues: readonly ConfigIssue[] }> {
    return this.ops.run(async () => {
      let loaded: LoadedConfig;
      try {
        loaded = readConfig(this.deps.configFile, this.deps.env);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return this.rejectConfig(err.issues);
      }
      const { bot, issues } = this.validator.validateBot(loaded);
      issues.push(...this.applySections(loaded, false));
      if (issues.length) return this.rejectConfig(issues);
      this.issues = [];
      if (!sameData(bot, this.bot)) {
        this.bot = bot;
        this.deps.logs.level = bot.logLevel;
        this.deps.onBotConfig?.(bot);
        this.deps.hooks.configChanged.call({ plugin: null });
        this.log.info('bot settings changed');
      }
      for (const r of this.order()) {
        const { section } = this.validator.validatePlugin(loaded, { name: r.name, schema: def(r).configSchema });
        const wanted = section.enabled ?? def(r).enabledByDefault ?? true;
        if (wanted !== r.wanted) {
          r.wanted = wanted;
          r.blockedBySetup = false;
          this.log.info(`plugin ${r.name} ${wanted ? 'enabled' : 'disabled'} in the config file`);
        }
        if (!sameData(section.settings, r.settings)) {
          if (r.running && wanted) {
            await this.swap(r, r.module, section.settings, 'settings changed');
          } else {
            r.settings = section.settings;
            r.blockedBySetup = false;
          }
          this.deps.hooks.configChanged.call({ plugin: r.name });
        }
      }
      await this.reconcile();
      return { ok: true, issues: [] };
    });
  }

  private rejectConfig(issues: ConfigIssue[]): { ok: boolean; issues: readonly ConfigIssue[] } {
    this.issues = issues;
    this.log.error(`the config file has errors; the running config stays:\n${issues.map(formatIssue).join('\n')}`);
    return { ok: false, issues };
  }

  info(r: PluginRecord, running = r.running): PluginInfo {
    const d = def(r);
    let state: PluginState;
    let error = r.error;
    let errorCode = r.errorCode;
    if (running) state = 'enabled';
    else if (!r.wanted) state = 'disabled';
    else if (r.error) state = 'failed';
    else {
      state = 'waiting';
      const missing = (d.dependsOn ?? []).filter((n) => !this.records.get(n)?.running);
      errorCode = missing.length ? 'DEPENDENCY_WAITING' : undefined;
      error = missing.length ? `waiting for ${missing.map((m) => `${m} (${this.records.get(m)?.wanted ? 'not running' : 'disabled'})`).join(', ')}` : undefined;
    }
    return {
      name: r.name,
      version: d.version,
      description: d.description ?? '',
      state,
      wanted: r.wanted,
      builtin: r.source.kind === 'builtin',
      dependsOn: d.dependsOn ?? [],
      optionalDependsOn: d.optionalDependsOn ?? [],
      error: error ?? (running ? r.lastError : undefined),
      errorCode: error ? errorCode : running && r.lastError ? r.lastErrorCode : undefined,
      reloads: r.reloads,
      configSchema: (d.configSchema ?? { type: 'object', additionalProperties: false }) as JSONSchema,
    };
  }

  // ---------------------------------------------------------------- watching files

  /** Resolves once the watchers are ready: an edit made after start() returned is never missed. */
  private async watch(): Promise<void> {
    const ready = (w: FSWatcher) => new Promise<void>((resolve) => w.once('ready', () => resolve()));
    const configWatcher = watch(this.deps.configFile, { ignoreInitial: true });
    configWatcher.on('all', () => this.later('config', () => void this.applyConfigFile()));
    configWatcher.on('error', (err) => this.log.warn(`watching the config file failed: ${(err as Error).message}`));
    this.watchers.push(configWatcher);
    const waiting = [ready(configWatcher)];
    const sources = [...[...this.records.values()].map((r) => r.source), ...[...this.broken.values()].map((b) => b.source)];
    const dirs = [...new Set(sources.filter((src) => src.kind !== 'package').map((src) => src.dir))];
    if (dirs.length) {
      const codeWatcher = watch(dirs, {
        ignoreInitial: true,
        // Only the part inside a plugin's folder counts: a project that lives under a folder named `test`
        // must still reload its plugins.
        ignored: (p: string) => {
          const dir = dirs.find((d) => p === d || p.startsWith(d + path.sep));
          if (!dir) return false;
          const inside = p.slice(dir.length);
          return /[\\/](\.build|node_modules|\.git|test)([\\/]|$)/.test(inside) || /\.(md|log)$/.test(inside);
        },
      });
      codeWatcher.on('all', (_event, file) => {
        for (const [entry, b] of this.broken) {
          if (b.source.kind !== 'package' && file.startsWith(b.source.dir + path.sep)) this.later(`broken:${entry}`, () => void this.retryBroken(entry));
        }
        for (const r of this.records.values()) {
          if (r.source.kind === 'package') continue;
          if (r.module.files.includes(file) || file.startsWith(r.source.dir + path.sep)) {
            this.later(`plugin:${r.name}`, () => {
              this.log.info(`source of ${r.name} changed; reloading`);
              void this.reload(r.name);
            });
          }
        }
      });
      codeWatcher.on('error', (err) => this.log.warn(`watching plugin sources failed: ${(err as Error).message}`));
      this.watchers.push(codeWatcher);
      waiting.push(ready(codeWatcher));
    }
    await Promise.all(waiting);
  }

  // Editors save as several events (write, rename); one reload per burst.
  private later(key: string, fn: () => void): void {
    if (this.stopped) return;
    clearTimeout(this.debounce.get(key));
    this.debounce.set(
      key,
      setTimeout(() => {
        this.debounce.delete(key);
        if (!this.stopped) fn();
      }, 200),
    );
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
