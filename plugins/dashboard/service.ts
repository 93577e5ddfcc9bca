// The dashboard's public face: the types other plugins code against to add pages, navigation entries,
// dashboard panels, API routes, static assets and live events. Types only: a plugin that extends the
// dashboard lists it in `optionalDependsOn` and calls `ctx.optionalService('dashboard')`.
//
// Every registration takes the registering plugin's `ctx` as its Owner and is removed when that plugin
// unloads (or when the returned function is called), so pages come and go with their plugin.
import type { Owner } from '../../core/types.ts';

/** HTML that is already safe to insert: made by `dashboard.html` (which escapes every interpolated value). */
export interface SafeHtml {
  readonly __safeHtml: string;
}

/**
 * What a page or panel renders (the dashboard puts it inside its layout):
 * - `SafeHtml` from `dashboard.html\`...\``,
 * - a nunjucks template of the plugin's own (absolute path) with its data, rendering a fragment; autoescape
 *   is on, and it may `{% from "macros.njk" import field %}` the dashboard's macros,
 * - or a plain string, shown as text (escaped).
 */
export type DashboardContent = SafeHtml | { readonly template: string; readonly data?: Record<string, unknown> } | string;

export interface PageRequest {
  /** The path asked for, e.g. `/shop`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Who is logged in (`admin`, or `api:<token name>` for an API client). */
  readonly user: string;
  /** The CSRF token to put in a form's `_csrf` field (forms must post to an API route of the plugin). */
  readonly csrf: string;
}

export interface DashboardPage {
  /** Absolute path, e.g. `/shop` or `/shop/items`; must not clash with the dashboard's own pages. */
  readonly path: string;
  readonly title: string;
  /** Show it in the navigation (true uses the title; a string is the label). Default true. */
  readonly nav?: boolean | string;
  /** Position in the navigation (built-in pages use 10..80). Default 100. */
  readonly order?: number;
  /** Extra scripts for the page: URLs from `addAssets` (inline scripts are blocked by the CSP). */
  readonly scripts?: readonly string[];
  /** Extra stylesheets for the page: URLs from `addAssets` (inline styles are blocked too). */
  readonly styles?: readonly string[];
  render(request: PageRequest): DashboardContent | Promise<DashboardContent>;
}

export interface DashboardPanel {
  /** Unique among panels, e.g. `shop-sales`. */
  readonly id: string;
  readonly title: string;
  /** Panels are shown on the Dashboard page in this order (default 100). */
  readonly order?: number;
  render(): DashboardContent | Promise<DashboardContent>;
}

export interface NavEntry {
  readonly title: string;
  /** A path of the dashboard (or of a page the plugin added). */
  readonly href: string;
  readonly order?: number;
}

/** A Koa middleware, whatever context type it declares (`(ctx, next) => ...`). */
export type AnyMiddleware = (ctx: never, next: () => Promise<unknown>) => unknown;

/** A `@koa/router` instance (its `routes()` is used) or a Koa middleware. */
export type ApiRoutes = { routes(): AnyMiddleware } | AnyMiddleware;

export interface DashboardService {
  /** Where the dashboard listens, e.g. `http://127.0.0.1:5000`; undefined when it does not (BAKEBOT_NO_WEB=1). */
  readonly url: string | undefined;
  /** Adds a page (server-rendered inside the dashboard's layout, login required). */
  addPage(owner: Owner, page: DashboardPage): () => void;
  /** Adds a navigation entry (addPage adds one by itself). */
  addNav(owner: Owner, entry: NavEntry): () => void;
  /** Adds a panel to the Dashboard page. */
  addPanel(owner: Owner, panel: DashboardPanel): () => void;
  /**
   * Mounts routes behind the dashboard's login, CSRF and Host checks (and body parsing: `ctx.request.body`).
   * Use paths under `/api/<your plugin>/`; the dashboard's own routes win on a clash.
   * Answer errors as `{ error: "message" }` with a 4xx status.
   */
  addApi(owner: Owner, routes: ApiRoutes): () => void;
  /** Serves a folder of the plugin (CSS, JS, images) at the returned URL prefix, e.g. `/assets/ext/shop/`. */
  addAssets(owner: Owner, dir: string): string;
  /** Sends a live event to open dashboard pages (server-sent event `ext`, data `{ plugin, event, data }`). */
  publish(owner: Owner, event: string, data: unknown): void;
  /** Tagged template that escapes every interpolated value (SafeHtml values and arrays of them pass as they are). */
  html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml;
  escape(text: string): string;
}

declare module '../../core/types.ts' {
  interface PluginServices {
    dashboard: DashboardService;
  }
}
