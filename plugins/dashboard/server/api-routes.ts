// API routes given as data (`addApi(owner, { method, path, bodySchema, handler })`) turned into a
// @koa/router router: the body is checked against the route's schema before the handler runs, the handler
// gets a small typed request instead of Koa's context, and what it returns is the JSON answer.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { ApiRequest } from '../service.ts';
import { flash, state } from './context.ts';
import { checkedRoutes, type Buildable, type Method } from './route-specs.ts';
import type { BodyValidator } from './validation.ts';

/** Who edits: `dashboard` for the admin in the browser, `api:<token name>` for an API client. */
export function actorOf(k: Context): string {
  const user = state(k).user ?? 'dashboard';
  return user === 'admin' ? 'dashboard' : user;
}

function firstValues(q: Context['query']): Record<string, string> {
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, Array.isArray(v) ? v[0] ?? '' : v ?? '']));
}

/** One router for a plugin's routes, given as data or recorded (checked by the registry when they were added). */
export function compileRoutes(what: Buildable, validator: BodyValidator, owner: string): Router {
  const router = new Router();
  if ('recorded' in what) {
    for (const r of what.recorded) router.register(r.path, [r.method], [...r.middleware]);
    return router;
  }
  const specs = what.specs;
  const routes = checkedRoutes(specs, owner);
  for (const [n, spec] of specs.entries()) {
    const method = routes[n]!.method as Method;
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
  return router;
}
