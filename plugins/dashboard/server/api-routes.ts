// API routes given as data (`addApi(owner, { method, path, bodySchema, handler })`) turned into a
// @koa/router router: the body is checked against the route's schema before the handler runs, the handler
// gets a small typed request instead of Koa's context, and what it returns is the JSON answer.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { ApiRequest, ApiRoute, RouteInfo } from '../service.ts';
import { flash, state } from './context.ts';
import type { BodyValidator } from './validation.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export function isApiRoute(v: unknown): v is ApiRoute {
  return typeof v === 'object' && v !== null && typeof (v as ApiRoute).handler === 'function' && typeof (v as ApiRoute).path === 'string';
}

/** Who edits: `dashboard` for the admin in the browser, `api:<token name>` for an API client. */
export function actorOf(k: Context): string {
  const user = state(k).user ?? 'dashboard';
  return user === 'admin' ? 'dashboard' : user;
}

function firstValues(q: Context['query']): Record<string, string> {
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, Array.isArray(v) ? v[0] ?? '' : v ?? '']));
}

/** One router for a plugin's routes; `routes` lists what it answers (for `GET /api/routes`). */
export function compileRoutes(specs: readonly ApiRoute[], validator: BodyValidator, owner: string): { router: Router; routes: RouteInfo[] } {
  const router = new Router();
  const routes: RouteInfo[] = [];
  for (const spec of specs) {
    const method = String(spec.method).toUpperCase() as (typeof METHODS)[number];
    if (!METHODS.includes(method)) throw new Error(`an API route's method is one of ${METHODS.join(', ')}, not ${String(spec.method)}`);
    if (!spec.path.startsWith('/') || spec.path.startsWith('//')) throw new Error(`an API route's path starts with one /, not ${JSON.stringify(spec.path)}`);
    routes.push({ method, path: spec.path, owner });
    router.register(spec.path, [method], async (k: Context) => {
      const body = spec.bodySchema && method !== 'GET' ? validator.checkSchema(spec.bodySchema, k.request.body) : ((k.request.body ?? {}) as unknown);
      const st = state(k);
      let redirected = false;
      let statusSet = false;
      const request: ApiRequest = {
        method,
        path: k.path,
        params: { ...(k.params as Record<string, string>) },
        query: firstValues(k.query),
        body,
        user: st.user ?? '',
        actor: actorOf(k),
        via: st.via ?? 'session',
        status: (code) => {
          statusSet = true;
          k.status = code;
        },
        header: (name, value) => k.set(name, value),
        redirect: (url) => {
          redirected = true;
          k.status = 303;
          k.redirect(url);
        },
        flash: (kind, text) => flash(k, kind, text),
      };
      const result = await spec.handler(request);
      if (redirected) return;
      if (result === undefined) {
        k.status = statusSet ? k.status : 204;
        return;
      }
      // Koa keeps a status set explicitly (request.status) and makes it 200 otherwise.
      k.body = result;
    });
  }
  return { router, routes };
}

/** The method/path pairs a @koa/router router answers (HEAD is implied by GET). */
export function routesOf(router: Router, owner: string): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const layer of router.stack) {
    for (const m of layer.methods) if (m !== 'HEAD') out.push({ method: m, path: String(layer.path), owner });
  }
  return out;
}
