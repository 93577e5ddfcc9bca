// The plugin host: discovers plugins, orders them by their dependencies, migrates and sets them up, and
// enables, disables and reloads them while the bot runs. Every lifecycle operation is serialized, and a
// reload is a transaction: the new version is built, validated and migrated first, and if it (or one of
// its dependents) fails to start, the previous version is put back.
// Its helpers, one job each: graph.ts (dependency order, cycles, dependents), context.ts (what a plugin
// gets as ctx), capabilities.ts (ctx.host/runtime/env cut to a plugin's grants), config-sync.ts (the
// config file and the plugins' sections), watcher.ts (hot reload), serial.ts (the operation queue).
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { JSONSchema } from 'json-schema-to-ts';
import { capabilitiesOf, CapabilityError, envFor, hostFor, runtimeFor } from './capabilities.ts';
import { ConfigError, ConfigValidator, formatIssue, readConfig, settingsFromEnv, writeConfigValues, type BotConfig, type LoadedConfig } from './config.ts';
import { sameData, schemaOwner, settingsSave, tryReadConfig, unknownSections, validateSections, wantedOf } from './config-sync.ts';
import { createContext, Scope } from './context.ts';
import type { Storage } from './db.ts';
import { dependencyOrder, dependentsOf, describeProblem, missingDependencies, swapProblems, type GraphNode, type GraphProblem } from './graph.ts';
import { untapAll, type CoreHooks, type TapOwner } from './hooks.ts';
import { CooldownTable } from './limits.ts';
import { errorMessage, isCoded } from './errors.ts';
import { discover, firstFrame, loadModule, PluginLoadError, resolvePackage, sourceName, type LoadedModule, type PluginSource } from './loader.ts';
import type { LogHub } from './log.ts';
import { SerialQueue } from './serial.ts';
import type {
  AnyPluginDefinition, BotRuntime, Capability, ChatApi, Clock, CommandSpec, ConfigIssue, HostControl, Logger, PluginContext, PluginInfo, PluginState, UserDirectory,
} from './types.ts';
import { SourceWatcher } from './watcher.ts';

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
  /** Runs `run` after the bot's ready line (ctx.afterStart). */
  readonly afterStart: (run: () => void) => void;
  /** Holds chat events while plugins are swapped, so none is lost or handled by a half-loaded bot. */
  readonly pauseChat: () => () => void;
  readonly env?: NodeJS.ProcessEnv;
  /** Resolves npm plugin packages from the project, not from core's folder. */
  readonly importPackage?: (name: string) => Promise<unknown>;
  readonly onBotConfig?: (bot: BotConfig) => void;
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
  /** Set while it is part of a dependency cycle (then `error` says so). */
  cycle?: GraphProblem;
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

const PROBLEM_CODES: Record<GraphProblem['kind'], string> = { cycle: 'DEPENDENCY_CYCLE', missing: 'DEPENDENCY_MISSING', 'not-running': 'DEPENDENCY_WAITING' };

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

function node(r: PluginRecord, d: AnyPluginDefinition = def(r)): GraphNode {
  return { name: r.name, dependsOn: d.dependsOn ?? [], optionalDependsOn: d.optionalDependsOn ?? [] };
}

export class Host implements HostControl {
  readonly startedAt: number;
  readonly validator: ConfigValidator;
  readonly log: Logger;
  bot!: BotConfig;
  private readonly records = new Map<string, PluginRecord>();
  private readonly ops = new SerialQueue();
  /** Per plugin name, kept across reloads (a reload must not reset `!daily`-style cooldowns). */
  private readonly cooldownTables = new Map<string, CooldownTable>();
  private issues: ConfigIssue[] = [];
  private generation = 0;
  private readonly watcher: SourceWatcher;
  /** Plugins that could not even be loaded (no name known): shown by folder, retried when their files change. */
  private readonly broken = new Map<string, { source: PluginSource; error: string }>();
  /** When start() read the config and the plugins' files (what changed after it is caught up when watching starts). */
  private readAt = 0;
  /** Each source file's (and the config file's) modification time just after the start read it. */
  private readonly mtimesAtRead = new Map<string, number>();

  private readonly buildDir: string;

  constructor(private readonly deps: HostDeps) {
    this.log = deps.logs.logger('host');
    this.startedAt = deps.clock.now();
    this.watcher = new SourceWatcher(this.log);
    // Kept with the bot's code (the same for every bot folder it runs): compiled validators of settings schemas,
    // and the data of the config text read last.
    this.buildDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.build');
    this.validator = new ConfigValidator(path.join(this.buildDir, 'schemas'));
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
  /** `step(what)` marks the end of each stage of the start (the bot lists them on its ready line). */
  async start(step: (what: string) => void = () => undefined): Promise<void> {
    this.readAt = Date.now();
    const loaded = readConfig(this.deps.configFile, this.deps.env, { cacheDir: this.buildDir });
    const { bot, issues } = this.validator.validateBot(loaded);
    this.bot = bot;
    this.deps.logs.level = bot.logLevel;
    const { sources, problems } = discover(this.deps.builtinDir, bot.pluginPaths, bot.pluginPackages, this.deps.root);
    for (const p of problems) issues.push({ file: 'config', path: 'bot.pluginPaths', message: p });
    step('read config');
    await this.loadSources(sources);
    this.noteMtimes([this.deps.configFile, ...this.folderFiles()]);
    step('load plugins');
    issues.push(...this.applySections(loaded, true));
    this.warnUnknownSections(loaded);
    if (issues.length) throw new ConfigError(issues);
    step('check settings');
    this.deps.onBotConfig?.(bot);
    await this.ops.run(() => this.reconcile(step));
  }

  /**
   * Starts watching the config file and the plugins' sources when `bot.watch` is on; resolves once the
   * watchers are ready. Called after the bot is ready: watching a folder tree is not needed to serve chat.
   */
  async watchFiles(): Promise<void> {
    if (this.bot.watch) await this.watch();
  }

  async stop(): Promise<void> {
    await this.watcher.close();
    await this.ops.run(async () => {
      for (const r of [...this.order()].reverse()) if (r.running) await this.teardown(r, 'stop');
    });
  }

  private async loadSources(sources: PluginSource[]): Promise<PluginRecord[]> {
    const importPackage = this.deps.importPackage ?? ((name: string) => import(name));
    // For their definitions only: a plugin's packages are imported when it starts (a switched-off one never).
    const added: PluginRecord[] = [];
    for (const found of sources) {
      const source = (await resolvePackage(found, this.deps.root)) ?? found;
      try {
        const module = await loadModule(source, importPackage, { defer: true });
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
        const { section, issues } = this.validator.validatePlugin(loaded, this.owner(record));
        if (issues.length) {
          record.error = `its settings are invalid: ${issues.map(formatIssue).join('; ')}`;
          record.errorCode = 'INVALID_SETTINGS';
          return;
        }
        record.wanted = wantedOf(section, def(record));
        record.settings = section.settings;
      }
      this.log.info(`plugin ${record.name} loads now`);
      await this.reconcile();
    });
  }

  /** Validates every plugin's section; on success (and `commit`) stores wanted state and settings. */
  private applySections(loaded: LoadedConfig, commit: boolean): ConfigIssue[] {
    const targets = [...this.records.values()].map((r) => ({ name: r.name, definition: def(r) }));
    const { sections, issues, broken } = validateSections(this.validator, loaded, targets);
    for (const [name, error] of broken) {
      const r = this.records.get(name);
      if (!r) continue;
      r.error = error;
      r.errorCode = 'INVALID_SCHEMA';
      r.wanted = false;
    }
    if (commit && !issues.length) {
      for (const [name, section] of sections) {
        const r = this.records.get(name);
        if (!r) continue;
        r.wanted = wantedOf(section, def(r));
        r.settings = section.settings;
      }
    }
    return issues;
  }

  private warnUnknownSections(loaded: LoadedConfig): void {
    for (const name of unknownSections(loaded, (n) => this.records.has(n))) {
      this.log.warn(`config has settings for plugin "${name}", but no such plugin is installed`);
    }
    for (const name of Object.keys(this.bot.grants)) {
      if (!this.records.has(name)) this.log.warn(`bot.grants names plugin "${name}", but no such plugin is installed`);
    }
  }

  private owner(r: PluginRecord, d: AnyPluginDefinition = def(r)) {
    return schemaOwner({ name: r.name, definition: d });
  }

  // ---------------------------------------------------------------- dependency order and reconcile

  /** All records, dependencies first. Records in a cycle are marked failed. */
  private order(): PluginRecord[] {
    const { order, cycles } = dependencyOrder([...this.records.values()].map((r) => node(r)));
    for (const r of this.records.values()) r.cycle = undefined;
    for (const p of cycles) {
      const r = this.records.get(p.plugin);
      if (!r) continue;
      r.cycle = p;
      r.error = describeProblem(p);
      r.errorCode = PROBLEM_CODES[p.kind];
    }
    return order.map((name) => this.records.get(name)).filter((r): r is PluginRecord => r !== undefined);
  }

  private inCycle(r: PluginRecord): boolean {
    return r.cycle !== undefined;
  }

  /** Which plugins should run now, and why the others cannot. */
  private plan(order: PluginRecord[]): Map<string, boolean> {
    const target = new Map<string, boolean>();
    for (const r of order) {
      let ok = r.wanted && !r.blockedBySetup && !this.inCycle(r);
      if (ok) {
        const missing = missingDependencies(node(r), this.records);
        const last = missing[missing.length - 1];
        if (last) Object.assign(r, { error: describeProblem(last), errorCode: PROBLEM_CODES[last.kind] });
        ok = !missing.length && (def(r).dependsOn ?? []).every((dep) => target.get(dep));
      }
      target.set(r.name, ok);
    }
    return target;
  }

  private async reconcile(step?: (what: string) => void): Promise<void> {
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
        step?.(`start ${r.name}`);
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
    const order = this.order();
    const byName = new Map(order.map((r) => [r.name, r]));
    return dependentsOf(order.map((r) => node(r)), name, (n) => !!byName.get(n.name)?.running)
      .map((n) => byName.get(n.name))
      .filter((r): r is PluginRecord => r !== undefined);
  }

  // ---------------------------------------------------------------- setup and teardown of one plugin

  private async setup(r: PluginRecord, loaded: LoadedModule, settings: Readonly<Record<string, unknown>>, inherited: unknown): Promise<Running> {
    const module = await this.whole(r, loaded);
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
    const ctx = this.context(r, d, scope, settings, inherited, optionalSeen);
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

  /** A module loaded for its definition only is loaded whole before it first runs (and kept so). */
  private async whole(r: PluginRecord, module: LoadedModule): Promise<LoadedModule> {
    if (!module.complete) return module;
    const full = await module.complete();
    if (r.module === module) {
      this.validator.forget(module.definition.configSchema, full.definition.configSchema);
      r.module = full;
    }
    return full;
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
    // An unload that never finishes (an onDispose awaiting a dead connection) must not hold chat or the next
    // version forever: after the setup timeout it is abandoned. Its scope is already dead (nothing it still
    // registers is kept), and its taps are removed below.
    const limit = this.bot.pluginSetupTimeout;
    const finished = await within(running.scope.dispose(log), limit * 1000);
    if (!finished) log.error(`unloading did not finish within ${limit} s (bot.pluginSetupTimeout); abandoned`);
    untapAll(this.deps.hooks, running.scope.id);
    r.running = undefined;
    this.log.info(`plugin ${r.name} stopped (${why})`);
    this.deps.hooks.pluginUnloaded.call(this.info(r));
    return handed;
  }

  private context(
    r: PluginRecord, d: AnyPluginDefinition, scope: Scope, settings: Readonly<Record<string, unknown>>, inherited: unknown, optionalSeen: ReadonlySet<string>,
  ): PluginContext<Readonly<Record<string, unknown>>> {
    const deps = this.deps;
    const cooldowns = this.cooldownTables.get(r.name) ?? new CooldownTable(deps.clock);
    this.cooldownTables.set(r.name, cooldowns);
    // Checked at each call: a grant edited in the config file counts at once.
    const has = (capability: Capability) => this.hasCapability(r.name, capability);
    const serviceOf = (name: string, optional: boolean): unknown => {
      const listed = (d.dependsOn ?? []).includes(name) || (d.optionalDependsOn ?? []).includes(name);
      if (!listed && !has(`service:${name}`)) {
        throw new CapabilityError(r.name, `service:${name}`, `use the service of "${name}", which is not in its dependsOn or optionalDependsOn,`);
      }
      const running = this.records.get(name)?.running;
      if (!running || (optional && listed && !optionalSeen.has(name))) {
        if (optional) return undefined;
        throw new HostError(`plugin ${r.name} needs "${name}", which is not running`);
      }
      return running.service;
    };
    return createContext(deps, {
      name: r.name,
      definition: d,
      dir: r.source.dir,
      scope,
      settings,
      inherited,
      log: deps.logs.logger(r.name),
      bot: () => this.bot,
      cooldowns,
      service: serviceOf,
      host: hostFor(r.name, this, has),
      runtime: runtimeFor(r.name, deps.runtime, has),
      env: envFor([...Object.keys(d.env ?? {}), ...(d.envVars ?? [])], deps.env ?? process.env, has),
      capabilities: this.capabilitiesOf(r.name),
    });
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
    // Chat is held for two setup timeouts at most (the new version's, then putting the old one back): whatever
    // the swap still waits for after that (each unload and setup is bounded on its own, but a plugin with
    // dependents has several), held commands are released to what is running.
    const limit = 2 * this.bot.pluginSetupTimeout;
    const holdTimer = setTimeout(() => {
      this.log.warn(`plugin ${r.name}: reload still running after ${limit} s (2 × bot.pluginSetupTimeout); held chat released`);
      resume();
    }, limit * 1000);
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
      clearTimeout(holdTimer);
      resume();
    }
  }

  private unmetDependencies(r: PluginRecord, d: AnyPluginDefinition): string | undefined {
    const dependents = new Set(this.dependentsOf(r.name).map((x) => x.name));
    const problems = swapProblems(node(r, d), dependents, (n) => this.records.has(n), (n) => !!this.records.get(n)?.running);
    return problems.length ? problems.map(describeProblem).join('; ') : undefined;
  }

  private reportReloadFailure(r: PluginRecord, why: string, err: unknown): void {
    r.lastError = `reload (${why}) failed, the previous version keeps running: ${(err as Error).message}`;
    r.lastErrorCode = 'RELOAD_FAILED';
    this.log.error(`plugin ${r.name}: ${r.lastError}${whereOf(err)}`);
  }

  /** The history tables every installed plugin declares (a switched-off plugin's tables stay in the file). */
  historyTables(): string[] {
    return [...this.records.values()].flatMap((r) => [...(def(r).historyTables ?? [])]);
  }

  // ---------------------------------------------------------------- HostControl

  plugins(): PluginInfo[] {
    const broken: PluginInfo[] = [...this.broken.values()].map(({ source, error }) => ({
      name: sourceName(source),
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
      envBindings: {},
      envVars: [],
      capabilities: { declared: [], granted: [] },
    }));
    return [...this.order().map((r) => this.info(r)), ...broken];
  }

  plugin(name: string): PluginInfo | undefined {
    const r = this.records.get(name);
    return r && this.info(r);
  }

  settingsFromEnv(name: string): Readonly<Record<string, string>> {
    const r = this.records.get(name);
    return r ? settingsFromEnv(def(r).env, this.deps.env ?? process.env) : {};
  }

  /** What a plugin may do now: built in, what it declares; otherwise what `bot.grants.<name>` lists. */
  capabilitiesOf(name: string): Capability[] {
    const r = this.records.get(name);
    if (!r) return [];
    return capabilitiesOf(r.source.kind === 'builtin', def(r).capabilities, this.bot?.grants[name]);
  }

  hasCapability(plugin: string, capability: Capability): boolean {
    return this.capabilitiesOf(plugin).includes(capability);
  }

  requireCapability(plugin: string, capability: Capability, doing: string): void {
    if (!this.hasCapability(plugin, capability)) throw new CapabilityError(plugin, capability, doing);
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
        const { section, issues } = this.validator.validatePlugin(loaded, this.owner(r, module.definition));
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

  async saveConfig(name: string, input: Record<string, unknown>): Promise<{ ok: true } | { ok: false; issues: ConfigIssue[]; code?: 'RELOAD_FAILED' }> {
    return this.ops.run(async () => {
      const r = this.record(name);
      const save = settingsSave(this.validator, this.tryReadConfig(), { name, definition: def(r) }, r.settings, input);
      if (!save.ok) return { ok: false as const, issues: save.issues };
      const { settings, edits } = save;
      const file = this.deps.configFile;
      const before = existsSync(file) ? readFileSync(file) : undefined;
      writeConfigValues(file, edits);
      if (!sameData(settings, r.settings)) {
        await this.swap(r, r.module, settings, 'settings saved');
        // The new settings did not start: the file goes back to what runs, so it never holds a lie.
        if (!sameData(settings, r.settings)) {
          restoreFile(file, before);
          const why = (r.lastError ?? 'reload failed').replace(/^reload \([^)]*\) failed, the previous version keeps running: /, '');
          const message = `the new settings did not start (${why}); the previous settings keep running and the file is unchanged`;
          return { ok: false as const, issues: [{ file: path.basename(file), path: `plugins.${name}`, message }], code: 'RELOAD_FAILED' };
        }
      } else if (r.lastErrorCode === 'RELOAD_FAILED') {
        // Saving what already runs settles an earlier failed save.
        r.lastError = r.lastErrorCode = undefined;
      }
      this.deps.hooks.configChanged.call({ plugin: name });
      return { ok: true as const };
    });
  }

  /**
   * Edits the `bot` section (prefix, cooldowns, flood limit, `bot.commands` overrides): written, applied like
   * an edit of the file, and put back when the bot refuses it, so the file never holds settings that do not run.
   */
  async saveBotConfig(edits: readonly { path: string[]; value: unknown }[], remove: readonly string[][] = []): Promise<{ ok: true } | { ok: false; issues: ConfigIssue[] }> {
    const outside = [...edits.map((e) => e.path), ...remove].find((p) => p[0] !== 'bot' || p.length < 2);
    if (outside) throw new HostError(`saveBotConfig edits the bot section only, not ${outside.join('.')}`);
    const file = this.deps.configFile;
    const before = existsSync(file) ? readFileSync(file) : undefined;
    writeConfigValues(file, [...edits], [...remove]);
    const result = await this.applyConfigFile();
    if (result.ok) return { ok: true };
    restoreFile(file, before);
    await this.applyConfigFile();
    return { ok: false, issues: [...result.issues] };
  }

  private tryReadConfig(): LoadedConfig | undefined {
    return tryReadConfig(this.deps.configFile, this.deps.env, { cacheDir: this.buildDir });
  }

  /** Re-reads the config file; an invalid edit is rejected and the running config stays. */
  applyConfigFile(): Promise<{ ok: boolean; issues: readonly ConfigIssue[] }> {
    return this.ops.run(async () => {
      let loaded: LoadedConfig;
      try {
        loaded = readConfig(this.deps.configFile, this.deps.env, { cacheDir: this.buildDir });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return this.rejectConfig(err.issues);
      }
      const { bot, issues } = this.validator.validateBot(loaded);
      issues.push(...this.applySections(loaded, false));
      if (issues.length) return this.rejectConfig(issues);
      // After a refused edit, say that the file applies again: silence reads as still broken.
      if (this.issues.length) this.log.info(`config OK again: ${path.basename(this.deps.configFile)} applies`);
      this.issues = [];
      const regranted: PluginRecord[] = [];
      if (!sameData(bot, this.bot)) {
        const before = new Map([...this.records.values()].map((r) => [r.name, this.capabilitiesOf(r.name)]));
        this.bot = bot;
        // A plugin whose grants changed starts again, so that ctx.env and ctx.capabilities follow them.
        for (const r of this.records.values()) if (r.running && !sameData(before.get(r.name), this.capabilitiesOf(r.name))) regranted.push(r);
        this.deps.logs.level = bot.logLevel;
        this.deps.onBotConfig?.(bot);
        this.deps.hooks.configChanged.call({ plugin: null });
        this.log.info('bot settings changed');
      }
      for (const r of this.order()) {
        const { section } = this.validator.validatePlugin(loaded, this.owner(r));
        const wanted = wantedOf(section, def(r));
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
        } else if (regranted.includes(r) && r.running && wanted) {
          this.log.info(`plugin ${r.name}: its capabilities changed (bot.grants)`);
          await this.swap(r, r.module, r.settings, 'capabilities changed');
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
      envBindings: { ...(d.env ?? {}) },
      envVars: d.envVars ?? [],
      capabilities: { declared: d.capabilities ?? [], granted: this.bot ? this.capabilitiesOf(r.name) : [] },
    };
  }

  // ---------------------------------------------------------------- watching files

  /** Resolves once the watchers are ready: an edit made after start() returned is never missed. */
  private async watch(): Promise<void> {
    const sources = [...[...this.records.values()].map((r) => r.source), ...[...this.broken.values()].map((b) => b.source)];
    const onConfig = () => void this.applyConfigFile();
    const onSource = (file: string) => this.sourceChanged(file);
    await this.watcher.start({
      configFile: this.deps.configFile,
      dirs: sources.filter((src) => src.kind !== 'package').map((src) => src.dir),
      onConfig,
      onSource,
    });
    // Watching starts after `ready`: an edit saved while the bot started (after its files were read) is
    // caught up here instead of waiting for the next one. A file's time comes from the kernel's coarse clock,
    // a tick (up to 10 ms) behind Date.now(): an edit just after `readAt` can carry an earlier time, so a
    // time that differs from the one seen right after the read counts too.
    const changed = (file: string) => {
      const mtime = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
      return mtime > this.readAt || mtime !== (this.mtimesAtRead.get(file) ?? mtime);
    };
    if (changed(this.deps.configFile)) this.watcher.later('config', onConfig);
    for (const f of this.folderFiles()) if (changed(f)) onSource(f);
  }

  /** The source files of the plugins loaded from folders (a package's files are not watched). */
  private folderFiles(): string[] {
    return [...this.records.values()].flatMap((r) => (r.source.kind === 'package' ? [] : r.module.files));
  }

  private noteMtimes(files: readonly string[]): void {
    for (const f of files) {
      const mtime = statSync(f, { throwIfNoEntry: false })?.mtimeMs;
      if (mtime !== undefined) this.mtimesAtRead.set(f, mtime);
    }
  }

  /** A file under a plugin folder changed: reload the plugin it belongs to, or retry one that failed to load. */
  private sourceChanged(file: string): void {
    for (const [entry, b] of this.broken) {
      if (b.source.kind !== 'package' && file.startsWith(b.source.dir + path.sep)) this.watcher.later(`broken:${entry}`, () => void this.retryBroken(entry));
    }
    for (const r of this.records.values()) {
      if (r.source.kind === 'package') continue;
      if (r.module.files.includes(file) || file.startsWith(r.source.dir + path.sep)) {
        this.watcher.later(`plugin:${r.name}`, () => {
          this.log.info(`source of ${r.name} changed; reloading`);
          void this.reload(r.name);
        });
      }
    }
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** Whether `work` settled within `ms` (its failure counts as settled: the caller logs its own errors). */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Puts a file back as it was (absent stays absent). */
function restoreFile(file: string, before: Buffer | undefined): void {
  if (before === undefined) rmSync(file, { force: true });
  else writeFileSync(file, before);
}
