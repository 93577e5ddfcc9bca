// The dashboard's public face: the types other plugins code against to add pages, navigation entries,
// dashboard panels, charts, API routes (given as data, bodies checked against their schema, errors in one
// shape), parts of a viewer's page, the Logs page's chat history, static assets and live events. Types
// only: a plugin that extends the dashboard lists it in `optionalDependsOn` and calls
// `ctx.optionalService('dashboard')`. The dashboard itself names no plugin.
//
// Every registration takes the registering plugin's `ctx` as its Owner and is removed when that plugin
// unloads (or when the returned function is called), so pages come and go with their plugin.
import type { RouterMiddleware } from '@koa/router';
import type { JSONSchema } from 'json-schema-to-ts';
import type { KnownUser, Owner } from '../../core/types.ts';

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
export type DashboardContent = SafeHtml | { readonly template: string; readonly data?: Record<string, unknown>; /** A page's heading for this request (e.g. a viewer's name); default the page's title. */ readonly title?: string } | string;

export interface PageRequest {
  /** The path asked for, e.g. `/shop`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Who is logged in (`admin`, or `api:<token name>` for an API client). */
  readonly user: string;
  /** The CSRF token to put in a form's `_csrf` field (forms must post to an API route of the plugin). */
  readonly csrf: string;
  /** Values of the `:name` segments of a page path like `/users/:login` (empty for a fixed path). */
  readonly params: Readonly<Record<string, string>>;
}

export interface DashboardPage {
  /**
   * Absolute path, e.g. `/shop` or `/shop/items`; must not clash with the dashboard's own pages. A segment
   * `:name` matches any one segment (`/users/:login`), given to render as `request.params.name`.
   */
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

/** A chart on the Dashboard page, drawn with chart.js from what `data` returns. */
export interface DashboardChart {
  /** Unique among charts, e.g. `circulation`; the canvas is `#chart-<id>` and the API key of its data. */
  readonly id: string;
  readonly title: string;
  readonly kind: 'line' | 'bar';
  /** Bars grow to the right (long labels, e.g. names). */
  readonly horizontal?: boolean;
  /** Charts are shown in this order (default 100; the dashboard's command chart is 90). */
  readonly order?: number;
  /** `days`: the range the streamer chose (`chartDays`, or `?days=` of the API). */
  data(range: { readonly days: number }): Promise<ChartSeries> | ChartSeries;
}

export interface ChartSeries {
  readonly labels: readonly string[];
  readonly values: readonly number[];
  /** What one value is, e.g. `tokens` or `messages`. */
  readonly label?: string;
}

/** A viewer as a user section sees them: the directory's entry when there is one. */
export interface ViewerRef {
  readonly userId: string;
  readonly login: string;
  readonly displayName: string;
  readonly known: KnownUser | undefined;
}

/**
 * A part of a viewer's page and of their data export that a plugin adds (the chat log adds their recent
 * chat and their messages). The page that shows a viewer (the economy's) asks the dashboard for them.
 */
export interface UserSection {
  /** Unique among sections; also the key of its data in a viewer's export, e.g. `chatMessages`. */
  readonly id: string;
  readonly title: string;
  readonly order?: number;
  /** Nothing (undefined) hides the section for this viewer. */
  render?(user: ViewerRef): DashboardContent | undefined | Promise<DashboardContent | undefined>;
  /** What the viewer's data export holds from this plugin. */
  export?(user: ViewerRef): unknown;
}

/**
 * A step a plugin adds to the setup wizard (the Setup page), after the bot's own login: e.g. logging in a
 * second Twitch account the plugin needs. Its forms post to the plugin's API routes (with `request.csrf`),
 * which redirect back to `/setup#setup-<id>`; `request.query` carries what they put in the URL.
 */
export interface SetupStep {
  /** Unique among setup steps, e.g. `eventsub-broadcaster`; the step's element id is `setup-<id>`. */
  readonly id: string;
  readonly title: string;
  /** Steps are shown in this order (default 100), after the wizard's own. */
  readonly order?: number;
  /**
   * Scopes the bot's own login asks for too when the streamer ticks "the bot account is the broadcaster"
   * (one token then serves both), e.g. the channel-point scopes.
   */
  readonly broadcasterScopes?: readonly string[];
  render(request: PageRequest): DashboardContent | Promise<DashboardContent>;
}

/** One stored chat line, as the Logs page shows it. */
export interface ChatHistoryLine {
  readonly id: number | string;
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
  readonly message: string;
  readonly timestamp: number;
  readonly channel: string;
}

export interface ChatHistoryFilter {
  readonly user?: string;
  readonly text?: string;
  readonly since?: number;
  readonly until?: number;
  readonly limit: number;
}

/** Where the Logs page reads the chat that was kept (the chat log plugin provides it). */
export interface ChatHistoryProvider {
  query(filter: ChatHistoryFilter): Promise<readonly ChatHistoryLine[]>;
}

/** What an API route of a plugin gets (`addApi(owner, { method, path, handler })`). */
export interface ApiRequest<Body = unknown> {
  readonly method: string;
  /** The path asked for, e.g. `/api/shop/redemptions/7/refund`. */
  readonly path: string;
  /** Values of the route's `:name` segments. */
  readonly params: Readonly<Record<string, string>>;
  /** The query string, first value of each key. */
  readonly query: Readonly<Record<string, string>>;
  /** The JSON or form body, already checked against the route's `bodySchema` (`{}` when there is none). */
  readonly body: Body;
  /** Who is logged in (`admin`, or `api:<token name>` for an API client). */
  readonly user: string;
  /** Who to record as the editor: `dashboard` for the admin in a browser, `api:<token name>` for an API client. */
  readonly actor: string;
  /** A browser with a session (forms, flash messages) or an API client with a bearer token. */
  readonly via: 'session' | 'bearer';
  /** Sets the status of a successful answer (default 200; 204 when the handler returns nothing). */
  status(code: number): void;
  header(name: string, value: string): void;
  /** Answers 303 See Other (after a form post). */
  redirect(url: string): void;
  /** A one-time message on the next page the browser shows (ignored for API clients). */
  flash(kind: 'ok' | 'error' | 'info', text: string): void;
}

/**
 * An API route given as data: the dashboard checks the body against `bodySchema` (ajv, every error at once,
 * answered 400 `{ error, code: 'INVALID_BODY', details: { errors } }`) before `handler` runs, and answers
 * what `handler` returns as JSON. Throw `dashboard.httpError(...)` (or any error with `status` and `code`)
 * for a 4xx answer `{ error, code, details? }`.
 */
export interface ApiRoute<Body = unknown> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** e.g. `/api/shop/items/:id/restock`; forms of a page may post to a path of that page. */
  readonly path: string;
  /** A JSON schema of the body (an object schema); without one any body passes. */
  readonly bodySchema?: JSONSchema;
  handler(request: ApiRequest<Body>): unknown;
}

/** An error the dashboard answers as `{ error: message, code, details? }` with `status`. */
export interface HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  readonly expose: true;
}

/** A Koa middleware, whatever context type it declares (`(ctx, next) => ...`). */
export type AnyMiddleware = (ctx: never, next: () => Promise<unknown>) => unknown;

/**
 * Routes as @koa/router takes them (`router.get(path, async (k) => { k.body = … })`, `k.params` holding the
 * `:name` values), recorded by `dashboard.router()` and built when the dashboard's web server loads, so a
 * plugin using them adds nothing to the bot's start. Add its routes, then give it to `addApi` (a route added
 * after that throws: it would never be served).
 */
export interface ApiRouter {
  get(path: string, ...middleware: RouterMiddleware[]): ApiRouter;
  post(path: string, ...middleware: RouterMiddleware[]): ApiRouter;
  put(path: string, ...middleware: RouterMiddleware[]): ApiRouter;
  patch(path: string, ...middleware: RouterMiddleware[]): ApiRouter;
  delete(path: string, ...middleware: RouterMiddleware[]): ApiRouter;
}

/** A router from `dashboard.router()`, a `@koa/router` instance (its `routes()` is used) or a Koa middleware. */
export type ApiRoutes = ApiRouter | { routes(): AnyMiddleware } | AnyMiddleware;

/** A method and path the API answers, and the plugin that serves it (`GET /api/routes`). */
export interface RouteInfo {
  readonly method: string;
  readonly path: string;
  readonly owner: string;
}

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
   * Mounts routes behind the dashboard's login, CSRF and Host checks (and body parsing). Prefer routes given
   * as data (`ApiRoute`: method, path, bodySchema, handler): the dashboard validates the body and answers
   * errors in the one shape. Routes on `router()` (Koa's context: `k.request.body`, `k.params`) suit what needs
   * more (redirects, streams); a `@koa/router` instance or a Koa middleware also works.
   * Use paths under `/api/<your plugin>/` (or the JSON routes an issue names); the dashboard's own routes
   * win on a clash. Errors: throw `httpError(status, message, code?, details?)`; the body is
   * `{ error, code, details? }`.
   */
  addApi(owner: Owner, routes: ApiRoutes | ApiRoute | readonly ApiRoute[]): () => void;
  /** A router for `addApi` with @koa/router's methods, built when the web server loads (see ApiRouter). */
  router(): ApiRouter;
  /** An error to throw from a route or page: answered with `status` and `{ error: message, code, details? }`. */
  httpError(status: number, message: string, code?: string, details?: unknown): HttpError;
  /** Adds a chart to the Dashboard page (and its data to `GET /api/stats/charts`). */
  addChart(owner: Owner, chart: DashboardChart): () => void;
  /** Adds a part to every viewer's page and data export (see UserSection). */
  addUserSection(owner: Owner, section: UserSection): () => void;
  /** The user sections other plugins added, rendered for `user` (for the plugin whose page shows viewers). */
  renderUserSections(user: ViewerRef): Promise<{ readonly id: string; readonly title: string; readonly owner: string; readonly html: SafeHtml }[]>;
  /** What the user sections hold about `user`, by section id (for a viewer's data export). */
  exportUserSections(user: ViewerRef): Promise<Record<string, unknown>>;
  /** Adds a step to the setup wizard (see SetupStep); it goes away when `owner` unloads. */
  addSetupStep(owner: Owner, step: SetupStep): () => void;
  /** Gives the Logs page the chat that was kept; one provider at a time. */
  provideChatHistory(owner: Owner, provider: ChatHistoryProvider): () => void;
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
