// API routes as other plugins give them, checked and listed without building anything: the registry takes
// them at the plugin's setup (a bad route fails that setup), and the web server turns them into a router the
// first time a request needs them (server/api-routes.ts), so a start does not wait for @koa/router.
import type { RouterMiddleware } from '@koa/router';
import type { AnyMiddleware, ApiRoute, ApiRouter, RouteInfo } from '../service.ts';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

export function isApiRoute(v: unknown): v is ApiRoute {
  return typeof v === 'object' && v !== null && typeof (v as ApiRoute).handler === 'function' && typeof (v as ApiRoute).path === 'string';
}

/** The method/path pairs of `specs`; throws, naming what to fix, for a route the dashboard cannot serve. */
export function checkedRoutes(specs: readonly ApiRoute[], owner: string): RouteInfo[] {
  return specs.map((spec) => {
    const method = String(spec.method).toUpperCase() as Method;
    if (!METHODS.includes(method)) throw new Error(`an API route's method is one of ${METHODS.join(', ')}, not ${String(spec.method)}`);
    if (!spec.path.startsWith('/') || spec.path.startsWith('//')) throw new Error(`an API route's path starts with one /, not ${JSON.stringify(spec.path)}`);
    return { method, path: spec.path, owner };
  });
}

/** One route of `dashboard.router()`. */
export interface RecordedRoute {
  readonly method: Method;
  readonly path: string;
  readonly middleware: readonly RouterMiddleware[];
}

/** `dashboard.router()`: @koa/router's methods, recorded for the web server to build a router from. */
export class RecordedRouter implements ApiRouter {
  readonly recorded: RecordedRoute[] = [];
  get = (path: string, ...middleware: RouterMiddleware[]) => this.add('GET', path, middleware);
  post = (path: string, ...middleware: RouterMiddleware[]) => this.add('POST', path, middleware);
  put = (path: string, ...middleware: RouterMiddleware[]) => this.add('PUT', path, middleware);
  patch = (path: string, ...middleware: RouterMiddleware[]) => this.add('PATCH', path, middleware);
  delete = (path: string, ...middleware: RouterMiddleware[]) => this.add('DELETE', path, middleware);

  private sealed = false;

  /** Its routes, as `addApi` takes them; a route added after that would never be served, so it is refused. */
  seal(): readonly RecordedRoute[] {
    this.sealed = true;
    return [...this.recorded];
  }

  private add(method: Method, path: string, middleware: RouterMiddleware[]): this {
    if (this.sealed) throw new Error(`the route ${method} ${path} was added after the router was given to addApi: add every route first`);
    if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) throw new Error(`an API route's path starts with one /, not ${JSON.stringify(path)}`);
    if (!middleware.length || middleware.some((m) => typeof m !== 'function')) throw new Error(`the route ${method} ${path} needs a handler function`);
    this.recorded.push({ method, path, middleware });
    return this;
  }
}

/** A router of `dashboard.router()` (of this generation of the dashboard or an earlier one). */
export function isRecordedRouter(v: unknown): v is RecordedRouter {
  return typeof v === 'object' && v !== null && Array.isArray((v as RecordedRouter).recorded) && typeof (v as RecordedRouter).seal === 'function';
}

/** What the web server builds into middleware on first use: routes given as data, or recorded on a router. */
export type Buildable = { readonly specs: readonly ApiRoute[] } | { readonly recorded: readonly RecordedRoute[] };

/** Builds the middleware for `what` (the web server's router and body checks). */
export type RouteCompiler = (what: Buildable, owner: string) => AnyMiddleware;

/** The method/path pairs a @koa/router router answers (HEAD is implied by GET). */
export function routesOf(router: { readonly stack: readonly { readonly methods: readonly string[]; readonly path: unknown }[] }, owner: string): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const layer of router.stack) {
    for (const m of layer.methods) if (m !== 'HEAD') out.push({ method: m, path: String(layer.path), owner });
  }
  return out;
}
