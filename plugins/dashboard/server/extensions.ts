// What other plugins added to the dashboard: pages, navigation entries, panels, API routes and asset
// folders. The Koa app looks them up on every request (Koa composes its middleware once, at listen), so an
// entry appears when its plugin registers it and disappears when the plugin unloads (Owner.onDispose).
// Each generation of the dashboard starts with an empty registry: when the dashboard reloads or restarts,
// the host restarts the plugins that depend on it, and they register again with the new generation.
import path from 'node:path';
import type { Owner } from '../../../core/types.ts';
import type { AnyMiddleware, ApiRoutes, DashboardPage, DashboardPanel, NavEntry } from '../service.ts';

export interface Registered<T> {
  readonly owner: string;
  readonly item: T;
}

const RESERVED = /^\/(?:$|api(?:\/|$)|assets(?:\/|$)|events$|login$|logout$|plugins(?:\/|$)|setup(?:\/|$)|users(?:\/|$)|logs(?:\/|$)|chat(?:\/|$)|security(?:\/|$)|bot(?:\/|$))/;

export class ExtensionRegistry {
  private readonly pages = new Map<string, Registered<DashboardPage>>();
  private readonly navs = new Set<Registered<NavEntry>>();
  private readonly panelsById = new Map<string, Registered<DashboardPanel>>();
  private readonly apis = new Set<Registered<AnyMiddleware>>();
  private readonly assetDirs = new Map<string, string>();

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
    const existing = this.pages.get(p);
    if (existing) throw new Error(`dashboard page path ${p} is already used by plugin ${existing.owner}`);
    if (typeof page.render !== 'function') throw new Error('a dashboard page needs a render(request) function');
    const entry = { owner: owner.name, item: { ...page, path: p } };
    const removePage = this.own(owner, () => this.pages.set(p, entry), () => {
      if (this.pages.get(p) === entry) this.pages.delete(p);
    });
    const nav = page.nav ?? true;
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

  addApi(owner: Owner, routes: ApiRoutes): () => void {
    const mw: AnyMiddleware = typeof routes === 'function' ? routes : routes.routes();
    if (typeof mw !== 'function') throw new Error('addApi takes a @koa/router instance or a Koa middleware');
    const r = { owner: owner.name, item: mw };
    return this.own(owner, () => this.apis.add(r), () => this.apis.delete(r));
  }

  addAssets(owner: Owner, dir: string): string {
    if (!path.isAbsolute(dir)) throw new Error('addAssets needs an absolute folder, e.g. path.join(ctx.dir, "assets")');
    const name = owner.name;
    this.own(owner, () => this.assetDirs.set(name, dir), () => {
      if (this.assetDirs.get(name) === dir) this.assetDirs.delete(name);
    });
    return `/assets/ext/${name}/`;
  }

  page(p: string): Registered<DashboardPage> | undefined {
    return this.pages.get(normalizePath(p));
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

  assets(plugin: string): string | undefined {
    return this.assetDirs.get(plugin);
  }
}

function normalizePath(p: string): string {
  if (typeof p !== 'string' || !p.startsWith('/') || p.startsWith('//') || /[?#\s]/.test(p)) throw new Error(`dashboard page path must look like /name, not ${JSON.stringify(p)}`);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}
