// What other plugins added to the dashboard: pages, navigation entries, panels, API routes and asset
// folders. The Koa app looks them up on every request (Koa composes its middleware once, at listen), so an
// entry appears when its plugin registers it and disappears when the plugin unloads (Owner.onDispose).
// Each generation of the dashboard starts with empty registries (ctx.registry): when the dashboard reloads or
// restarts, the host restarts the plugins that depend on it, and they register again with the new generation.
import path from 'node:path';
import type { HostControl, OwnedRegistry, Owner, Registered, RegistryOptions } from '../../../core/types.ts';
import type { AnyMiddleware, ApiRoutes, DashboardPage, DashboardPanel, NavEntry } from '../service.ts';

const RESERVED = /^\/(?:$|api(?:\/|$)|assets(?:\/|$)|events$|login$|logout$|plugins(?:\/|$)|setup(?:\/|$)|users(?:\/|$)|logs(?:\/|$)|chat(?:\/|$)|security(?:\/|$)|bot(?:\/|$))/;

/** What the registry needs from the dashboard's ctx: owner-scoped registries, and the host to check capabilities. */
export interface ExtensionHost {
  registry<T>(options?: RegistryOptions<T>): OwnedRegistry<T>;
  readonly host: Pick<HostControl, 'requireCapability'>;
}

export class ExtensionRegistry {
  private readonly pages: OwnedRegistry<DashboardPage>;
  private readonly navs: OwnedRegistry<NavEntry>;
  private readonly panelsById: OwnedRegistry<DashboardPanel>;
  private readonly apis: OwnedRegistry<AnyMiddleware>;
  private readonly assetDirs: OwnedRegistry<string>;

  constructor(private readonly ctx: ExtensionHost) {
    this.pages = ctx.registry({ key: (page) => page.path, what: 'dashboard page path' });
    this.navs = ctx.registry();
    this.panelsById = ctx.registry({ key: (panel) => panel.id, what: 'dashboard panel id' });
    this.apis = ctx.registry();
    this.assetDirs = ctx.registry();
  }

  addPage(owner: Owner, page: DashboardPage): () => void {
    const p = normalizePath(page.path);
    if (RESERVED.test(p)) throw new Error(`dashboard page path ${p} is taken by the dashboard itself; use e.g. /${owner.name}`);
    const existing = this.pages.get(p);
    if (existing) throw new Error(`dashboard page path ${p} is already used by plugin ${existing.owner}`);
    if (typeof page.render !== 'function') throw new Error('a dashboard page needs a render(request) function');
    const removePage = this.pages.add(owner, { ...page, path: p });
    const nav = page.nav ?? true;
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

  addApi(owner: Owner, routes: ApiRoutes): () => void {
    const mw: AnyMiddleware = typeof routes === 'function' ? routes : routes.routes();
    if (typeof mw !== 'function') throw new Error('addApi takes a @koa/router instance or a Koa middleware');
    return this.apis.add(owner, mw);
  }

  /** Files served here need no login: only a plugin with the `public-assets` capability may add a folder. */
  addAssets(owner: Owner, dir: string): string {
    this.ctx.host.requireCapability(owner.name, 'public-assets', 'serve a folder through the dashboard without login (addAssets)');
    if (!path.isAbsolute(dir)) throw new Error('addAssets needs an absolute folder, e.g. path.join(ctx.dir, "assets")');
    this.assetDirs.add(owner, dir);
    return `/assets/ext/${owner.name}/`;
  }

  page(p: string): Registered<DashboardPage> | undefined {
    return this.pages.get(normalizePath(p));
  }

  nav(): Registered<NavEntry>[] {
    return this.navs.entries().sort((a, b) => (a.item.order ?? 100) - (b.item.order ?? 100) || a.item.title.localeCompare(b.item.title));
  }

  panels(): Registered<DashboardPanel>[] {
    return this.panelsById.entries().sort((a, b) => (a.item.order ?? 100) - (b.item.order ?? 100) || a.item.id.localeCompare(b.item.id));
  }

  api(): Registered<AnyMiddleware>[] {
    return this.apis.entries();
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
