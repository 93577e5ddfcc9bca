// What other plugins added to the dashboard: pages, navigation entries, panels, API routes, charts, sections
// of a viewer's page, the chat history and asset folders. The Koa app looks them up on every request (Koa
// composes its middleware once, at listen), so an entry appears when its plugin registers it and disappears
// when the plugin unloads. Each generation of the dashboard starts with empty registries (ctx.registry): when
// the dashboard reloads or restarts, the host restarts the plugins that depend on it, and they register again.
import path from 'node:path';
import type { HostControl, OwnedRegistry, Owner, Registered, RegistryOptions } from '../../../core/types.ts';
import type { AnyMiddleware, ApiRoute, ApiRoutes, ChatHistoryProvider, DashboardChart, DashboardPage, DashboardPanel, NavEntry, RouteInfo, SetupStep, UserSection } from '../service.ts';
import { checkedRoutes, isApiRoute, isRecordedRouter, routesOf, type Buildable, type RouteCompiler } from './route-specs.ts';

const RESERVED = /^\/(?:$|api(?:\/|$)|assets(?:\/|$)|events$|login$|logout$|plugins(?:\/|$)|setup(?:\/|$)|logs(?:\/|$)|chat(?:\/|$)|security(?:\/|$)|bot(?:\/|$))/;

/** What the registry needs from the dashboard's ctx: owner-scoped registries, and the host to check capabilities. */
export interface ExtensionHost {
  registry<T>(options?: RegistryOptions<T>): OwnedRegistry<T>;
  readonly host: Pick<HostControl, 'requireCapability'>;
}

/** A page whose path has `:name` segments, tried in order of registration after the fixed paths. */
interface PatternPage {
  readonly page: DashboardPage;
  readonly shape: string;
  readonly match: RegExp;
  readonly names: readonly string[];
}

/** Routes given as data or recorded are built on first use (`compile`); a router or middleware is used as given. */
interface ApiEntry {
  middleware?: AnyMiddleware;
  readonly build?: Buildable;
  readonly routes: readonly RouteInfo[];
}

const byOrder = <T extends { readonly order?: number }>(label: (item: T) => string) => (a: Registered<T>, b: Registered<T>) =>
  (a.item.order ?? 100) - (b.item.order ?? 100) || label(a.item).localeCompare(label(b.item));

export class ExtensionRegistry {
  private readonly pages: OwnedRegistry<DashboardPage>;
  private readonly patterns: OwnedRegistry<PatternPage>;
  private readonly navs: OwnedRegistry<NavEntry>;
  private readonly panelsById: OwnedRegistry<DashboardPanel>;
  private readonly apis: OwnedRegistry<ApiEntry>;
  private readonly assetDirs: OwnedRegistry<string>;
  private readonly chartsById: OwnedRegistry<DashboardChart>;
  private readonly sectionsById: OwnedRegistry<UserSection>;
  private readonly history: OwnedRegistry<ChatHistoryProvider>;
  private readonly stepsById: OwnedRegistry<SetupStep>;

  constructor(private readonly ctx: ExtensionHost) {
    this.pages = ctx.registry({ key: (page) => page.path, what: 'dashboard page path' });
    // `/users/:login` and `/users/:name` are the same page: patterns are keyed by their shape.
    this.patterns = ctx.registry({ key: (p) => p.shape, what: 'dashboard page path' });
    this.navs = ctx.registry();
    this.panelsById = ctx.registry({ key: (panel) => panel.id, what: 'dashboard panel id' });
    this.apis = ctx.registry();
    this.assetDirs = ctx.registry();
    this.chartsById = ctx.registry({ key: (chart) => chart.id, what: 'dashboard chart id' });
    this.sectionsById = ctx.registry({ key: (section) => section.id, what: 'dashboard user section id' });
    this.history = ctx.registry({ key: () => 'chat history', what: 'provider of' });
    this.stepsById = ctx.registry({ key: (step) => step.id, what: 'setup step id' });
  }

  addPage(owner: Owner, page: DashboardPage): () => void {
    const p = normalizePath(page.path);
    if (RESERVED.test(p)) throw new Error(`dashboard page path ${p} is taken by the dashboard itself; use e.g. /${owner.name}`);
    const shape = p.replace(/\/:[^/]+/g, '/:');
    const existing = this.pages.get(p) ?? this.patterns.get(shape);
    if (existing) throw new Error(`dashboard page path ${p} is already used by plugin ${existing.owner}`);
    if (typeof page.render !== 'function') throw new Error('a dashboard page needs a render(request) function');
    const names: string[] = [];
    const source = p.split('/').map((seg) => (seg.startsWith(':') ? (names.push(seg.slice(1)), '([^/]+)') : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
    const removePage = names.length
      ? this.patterns.add(owner, { page: { ...page, path: p }, shape, match: new RegExp(`^${source}$`), names })
      : this.pages.add(owner, { ...page, path: p });
    const nav = names.length ? false : page.nav ?? true;
    const removeNav = nav ? this.addNav(owner, { title: typeof nav === 'string' ? nav : page.title, href: p, order: page.order }) : () => undefined;
    return () => {
      removeNav();
      removePage();
    };
  }

  addNav(owner: Owner, entry: NavEntry): () => void {
    if (!entry.href.startsWith('/') || entry.href.startsWith('//')) throw new Error('a dashboard navigation entry links to a path of the dashboard, e.g. /shop');
    return this.navs.add(owner, entry);
  }

  addPanel(owner: Owner, panel: DashboardPanel): () => void {
    const existing = this.panelsById.get(panel.id);
    if (existing) throw new Error(`dashboard panel id ${panel.id} is already used by plugin ${existing.owner}`);
    return this.panelsById.add(owner, panel);
  }

  addApi(owner: Owner, routes: ApiRoutes | ApiRoute | readonly ApiRoute[]): () => void {
    if (Array.isArray(routes) || isApiRoute(routes)) {
      const specs: readonly ApiRoute[] = Array.isArray(routes) ? routes : [routes as ApiRoute];
      return this.apis.add(owner, { build: { specs }, routes: checkedRoutes(specs, owner.name) });
    }
    if (isRecordedRouter(routes)) {
      const recorded = routes.seal();
      return this.apis.add(owner, { build: { recorded }, routes: recorded.map((r) => ({ method: r.method, path: r.path, owner: owner.name })) });
    }
    let middleware: AnyMiddleware;
    let listed: RouteInfo[] = [];
    if (typeof routes === 'function') {
      middleware = routes as AnyMiddleware;
    } else {
      const router = routes as { routes(): AnyMiddleware; stack?: unknown };
      middleware = router.routes();
      if (Array.isArray(router.stack)) listed = routesOf(router as never, owner.name);
    }
    if (typeof middleware !== 'function') throw new Error('addApi takes routes ({ method, path, handler }), a @koa/router instance or a Koa middleware');
    return this.apis.add(owner, { middleware, routes: listed });
  }

  addChart(owner: Owner, chart: DashboardChart): () => void {
    if (!/^[a-z][a-z0-9_-]*$/i.test(chart.id)) throw new Error(`a dashboard chart id is a word like "circulation", not ${JSON.stringify(chart.id)}`);
    if (chart.id === 'commands') throw new Error('the chart id "commands" is the dashboard\'s own');
    return this.unique(owner, this.chartsById, chart.id, chart, 'chart');
  }

  addUserSection(owner: Owner, section: UserSection): () => void {
    return this.unique(owner, this.sectionsById, section.id, section, 'user section');
  }

  addSetupStep(owner: Owner, step: SetupStep): () => void {
    if (!/^[a-z][a-z0-9_-]*$/i.test(step.id)) throw new Error(`a setup step id is a word like "eventsub-broadcaster", not ${JSON.stringify(step.id)}`);
    if (typeof step.render !== 'function') throw new Error('a setup step needs a render(request) function');
    return this.unique(owner, this.stepsById, step.id, step, 'setup step');
  }

  provideChatHistory(owner: Owner, provider: ChatHistoryProvider): () => void {
    const existing = this.history.get('chat history');
    if (existing) throw new Error(`the chat history is already provided by plugin ${existing.owner}`);
    return this.history.add(owner, provider);
  }

  private unique<T>(owner: Owner, registry: OwnedRegistry<T>, id: string, item: T, what: string): () => void {
    const existing = registry.get(id);
    if (existing) throw new Error(`dashboard ${what} id ${id} is already used by plugin ${existing.owner}`);
    return registry.add(owner, item);
  }

  /** Files served here need no login: only a plugin with the `public-assets` capability may add a folder. */
  addAssets(owner: Owner, dir: string): string {
    this.ctx.host.requireCapability(owner.name, 'public-assets', 'serve a folder through the dashboard without login (addAssets)');
    if (!path.isAbsolute(dir)) throw new Error('addAssets needs an absolute folder, e.g. path.join(ctx.dir, "assets")');
    this.assetDirs.add(owner, dir);
    return `/assets/ext/${owner.name}/`;
  }

  /** The page at `p` (a fixed path first, then the `:name` patterns) and the values of its segments. */
  page(p: string): (Registered<DashboardPage> & { readonly params: Record<string, string> }) | undefined {
    let at: string;
    try {
      at = normalizePath(p);
    } catch {
      return undefined;
    }
    const fixed = this.pages.get(at);
    if (fixed) return { ...fixed, params: {} };
    for (const entry of this.patterns.entries()) {
      const m = entry.item.match.exec(at);
      if (!m) continue;
      const params: Record<string, string> = {};
      entry.item.names.forEach((name, i) => {
        try {
          params[name] = decodeURIComponent(m[i + 1] ?? '');
        } catch {
          params[name] = m[i + 1] ?? '';
        }
      });
      return { owner: entry.owner, item: entry.item.page, params };
    }
    return undefined;
  }

  nav(): Registered<NavEntry>[] {
    return this.navs.entries().sort(byOrder((n) => n.title));
  }

  panels(): Registered<DashboardPanel>[] {
    return this.panelsById.entries().sort(byOrder((p) => p.id));
  }

  /** The API middleware of every plugin, in order of registration; routes given as data are built by `compile` once. */
  api(compile: RouteCompiler): Registered<AnyMiddleware>[] {
    return this.apis.entries().map((e) => ({ ...e, item: (e.item.middleware ??= compile(e.item.build ?? { specs: [] }, e.owner)) }));
  }

  /** The method/path pairs other plugins' routes answer (routes given as data or as a router). */
  apiRoutes(): RouteInfo[] {
    return this.apis.values().flatMap((a) => a.routes);
  }

  charts(): Registered<DashboardChart>[] {
    return this.chartsById.entries().sort(byOrder((c) => c.id));
  }

  userSections(): Registered<UserSection>[] {
    return this.sectionsById.entries().sort(byOrder((s) => s.id));
  }

  setupSteps(): Registered<SetupStep>[] {
    return this.stepsById.entries().sort(byOrder((s) => s.id));
  }

  chatHistory(): ChatHistoryProvider | undefined {
    return this.history.values()[0];
  }

  /** The folder a plugin added last (a second addAssets of the same plugin wins). */
  assets(plugin: string): string | undefined {
    return this.assetDirs.entries().filter((e) => e.owner === plugin).pop()?.item;
  }
}

function normalizePath(p: string): string {
  if (typeof p !== 'string' || !p.startsWith('/') || p.startsWith('//') || /[?#\s]/.test(p)) throw new Error(`dashboard page path must look like /name, not ${JSON.stringify(p)}`);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}
