// What other plugins added to the dashboard: pages, navigation entries, panels, API routes and asset
// folders. The Koa app looks them up on every request (Koa composes its middleware once, at listen), so an
// entry appears when its plugin registers it and disappears when the plugin unloads (Owner.onDispose).
// Each generation of the dashboard starts with an empty registry: when the dashboard reloads or restarts,
// the host restarts the plugins that depend on it, and they register again with the new generation.
import path from 'node:path';
import type { Owner } from '../../../core/types.ts';
import type { AnyMiddleware, ApiRoute, ApiRoutes, ChatHistoryProvider, DashboardChart, DashboardPage, DashboardPanel, NavEntry, RouteInfo, UserSection } from '../service.ts';
import { compileRoutes, isApiRoute, routesOf } from './api-routes.ts';
import type { BodyValidator } from './validation.ts';

export interface Registered<T> {
  readonly owner: string;
  readonly item: T;
}

interface ApiEntry {
  readonly owner: string;
  readonly item: AnyMiddleware;
  readonly routes: readonly RouteInfo[];
}

const RESERVED = /^\/(?:$|api(?:\/|$)|assets(?:\/|$)|events$|login$|logout$|plugins(?:\/|$)|setup(?:\/|$)|logs(?:\/|$)|chat(?:\/|$)|security(?:\/|$)|bot(?:\/|$))/;

export class ExtensionRegistry {
  private readonly pages = new Map<string, Registered<DashboardPage>>();
  private readonly navs = new Set<Registered<NavEntry>>();
  private readonly panelsById = new Map<string, Registered<DashboardPanel>>();
  /** Pages whose path has `:name` segments, tried in order of registration after the fixed paths. */
  private readonly patterns = new Map<string, Registered<DashboardPage> & { readonly match: RegExp; readonly names: string[] }>();
  private readonly apis = new Set<ApiEntry>();
  private readonly assetDirs = new Map<string, string>();
  private readonly chartsById = new Map<string, Registered<DashboardChart>>();
  private readonly sectionsById = new Map<string, Registered<UserSection>>();
  private history: Registered<ChatHistoryProvider> | undefined;

  constructor(private readonly validator: BodyValidator) {}

  /** Registers `item` for `owner` and removes it when the owner unloads; the returned function removes it now. */
  private own(owner: Owner, add: () => void, remove: () => void): () => void {
    add();
    let done = false;
    const dispose = () => {
      if (done) return;
      done = true;
      remove();
    };
    owner.onDispose(dispose);
    return dispose;
  }

  addPage(owner: Owner, page: DashboardPage): () => void {
    const p = normalizePath(page.path);
    if (RESERVED.test(p)) throw new Error(`dashboard page path ${p} is taken by the dashboard itself; use e.g. /${owner.name}`);
    // `/users/:login` and `/users/:name` are the same page: patterns are keyed by their shape.
    const shape = p.replace(/\/:[^/]+/g, '/:');
    const existing = this.pages.get(p) ?? this.patterns.get(shape);
    if (existing) throw new Error(`dashboard page path ${p} is already used by plugin ${existing.owner}`);
    if (typeof page.render !== 'function') throw new Error('a dashboard page needs a render(request) function');
    const entry = { owner: owner.name, item: { ...page, path: p } };
    const names: string[] = [];
    const source = p.split('/').map((seg) => (seg.startsWith(':') ? (names.push(seg.slice(1)), '([^/]+)') : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
    const map: Map<string, Registered<DashboardPage>> = names.length ? this.patterns : this.pages;
    const stored = names.length ? { ...entry, match: new RegExp(`^${source}$`), names } : entry;
    const key = names.length ? shape : p;
    const removePage = this.own(owner, () => map.set(key, stored), () => {
      if (map.get(key) === stored) map.delete(key);
    });
    const nav = names.length ? false : page.nav ?? true;
    const removeNav = nav ? this.addNav(owner, { title: typeof nav === 'string' ? nav : page.title, href: p, order: page.order }) : () => undefined;
    return () => {
      removeNav();
      removePage();
    };
  }

  addNav(owner: Owner, entry: NavEntry): () => void {
    if (!entry.href.startsWith('/') || entry.href.startsWith('//')) throw new Error('a dashboard navigation entry links to a path of the dashboard, e.g. /shop');
    const r = { owner: owner.name, item: entry };
    return this.own(owner, () => this.navs.add(r), () => this.navs.delete(r));
  }

  addPanel(owner: Owner, panel: DashboardPanel): () => void {
    const existing = this.panelsById.get(panel.id);
    if (existing) throw new Error(`dashboard panel id ${panel.id} is already used by plugin ${existing.owner}`);
    const r = { owner: owner.name, item: panel };
    return this.own(owner, () => this.panelsById.set(panel.id, r), () => {
      if (this.panelsById.get(panel.id) === r) this.panelsById.delete(panel.id);
    });
  }

  addApi(owner: Owner, routes: ApiRoutes | ApiRoute | readonly ApiRoute[]): () => void {
    let mw: AnyMiddleware;
    let listed: RouteInfo[] = [];
    if (Array.isArray(routes) || isApiRoute(routes)) {
      const compiled = compileRoutes(Array.isArray(routes) ? routes : [routes as ApiRoute], this.validator, owner.name);
      mw = compiled.router.routes() as unknown as AnyMiddleware;
      listed = compiled.routes;
    } else if (typeof routes === 'function') {
      mw = routes as AnyMiddleware;
    } else {
      const router = routes as { routes(): AnyMiddleware; stack?: unknown };
      mw = router.routes();
      if (Array.isArray(router.stack)) listed = routesOf(router as never, owner.name);
    }
    if (typeof mw !== 'function') throw new Error('addApi takes routes ({ method, path, handler }), a @koa/router instance or a Koa middleware');
    const r: ApiEntry = { owner: owner.name, item: mw, routes: listed };
    return this.own(owner, () => this.apis.add(r), () => this.apis.delete(r));
  }

  addChart(owner: Owner, chart: DashboardChart): () => void {
    if (!/^[a-z][a-z0-9_-]*$/i.test(chart.id)) throw new Error(`a dashboard chart id is a word like "circulation", not ${JSON.stringify(chart.id)}`);
    if (chart.id === 'commands') throw new Error('the chart id "commands" is the dashboard\'s own');
    return this.unique(owner, this.chartsById, chart.id, chart, 'chart');
  }

  addUserSection(owner: Owner, section: UserSection): () => void {
    return this.unique(owner, this.sectionsById, section.id, section, 'user section');
  }

  provideChatHistory(owner: Owner, provider: ChatHistoryProvider): () => void {
    if (this.history) throw new Error(`the chat history is already provided by plugin ${this.history.owner}`);
    const r = { owner: owner.name, item: provider };
    return this.own(owner, () => (this.history = r), () => {
      if (this.history === r) this.history = undefined;
    });
  }

  private unique<T>(owner: Owner, map: Map<string, Registered<T>>, id: string, item: T, what: string): () => void {
    const existing = map.get(id);
    if (existing) throw new Error(`dashboard ${what} id ${id} is already used by plugin ${existing.owner}`);
    const r = { owner: owner.name, item };
    return this.own(owner, () => map.set(id, r), () => {
      if (map.get(id) === r) map.delete(id);
    });
  }

  addAssets(owner: Owner, dir: string): string {
    if (!path.isAbsolute(dir)) throw new Error('addAssets needs an absolute folder, e.g. path.join(ctx.dir, "assets")');
    const name = owner.name;
    this.own(owner, () => this.assetDirs.set(name, dir), () => {
      if (this.assetDirs.get(name) === dir) this.assetDirs.delete(name);
    });
    return `/assets/ext/${name}/`;
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
    for (const entry of this.patterns.values()) {
      const m = entry.match.exec(at);
      if (!m) continue;
      const params: Record<string, string> = {};
      entry.names.forEach((name, i) => {
        try {
          params[name] = decodeURIComponent(m[i + 1] ?? '');
        } catch {
          params[name] = m[i + 1] ?? '';
        }
      });
      return { owner: entry.owner, item: entry.item, params };
    }
    return undefined;
  }

  nav(): Registered<NavEntry>[] {
    return [...this.navs].sort((a, b) => (a.item.order ?? 100) - (b.item.order ?? 100) || a.item.title.localeCompare(b.item.title));
  }

  panels(): Registered<DashboardPanel>[] {
    return [...this.panelsById.values()].sort((a, b) => (a.item.order ?? 100) - (b.item.order ?? 100) || a.item.id.localeCompare(b.item.id));
  }

  api(): Registered<AnyMiddleware>[] {
    return [...this.apis];
  }

  /** The method/path pairs other plugins' routes answer (routes given as data or as a router). */
  apiRoutes(): RouteInfo[] {
    return [...this.apis].flatMap((a) => a.routes);
  }

  charts(): Registered<DashboardChart>[] {
    return sorted(this.chartsById);
  }

  userSections(): Registered<UserSection>[] {
    return sorted(this.sectionsById);
  }

  chatHistory(): ChatHistoryProvider | undefined {
    return this.history?.item;
  }

  assets(plugin: string): string | undefined {
    return this.assetDirs.get(plugin);
  }
}

function sorted<T extends { readonly id: string; readonly order?: number }>(map: Map<string, Registered<T>>): Registered<T>[] {
  return [...map.values()].sort((a, b) => (a.item.order ?? 100) - (b.item.order ?? 100) || a.item.id.localeCompare(b.item.id));
}

function normalizePath(p: string): string {
  if (typeof p !== 'string' || !p.startsWith('/') || p.startsWith('//') || /[?#\s]/.test(p)) throw new Error(`dashboard page path must look like /name, not ${JSON.stringify(p)}`);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}
