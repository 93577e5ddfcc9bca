// The Koa application of one generation of the dashboard. Middleware order matters:
//   errors → security headers → Host check → static assets (public: CSS/JS only) → session → body →
//   body depth → Origin check → login (session or bearer token) → CSRF (not for bearer clients) → views →
//   the dashboard's routes → routes and pages of other plugins (looked up per request) → 404.
// Koa composes this chain once; everything that comes and goes (other plugins' routes) is looked up by
// the last dispatcher on each request.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';
import Koa, { type Context, type Next } from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import CSRF from 'koa-csrf';
import createSession from 'koa-session';
import views from 'koa-views';
import type nunjucks from 'nunjucks';
import type { AnyMiddleware } from '../service.ts';
import { httpError, isApiPath, page, session, state, type Deps } from './context.ts';
import { serveAsset } from './assets.ts';
import { hostCheck, loginCsrf, MAX_BODY_DEPTH, originCheck, securityHeaders, tooDeep } from './guards.ts';
import { escapeHtml } from './render.ts';
import { codeForStatus } from '../../../core/errors.ts';
import { compileRoutes } from './api-routes.ts';
import { apiRoutes } from './routes/api.ts';
import { chatRoutes } from './routes/chat.ts';
import { homeRoutes } from './routes/home.ts';
import { loginRoutes } from './routes/login.ts';
import { logsRoutes } from './routes/logs.ts';
import { pluginsRoutes } from './routes/plugins.ts';
import { commandsRoutes } from './routes/commands.ts';
import { securityRoutes } from './routes/security.ts';
import { setupRoutes } from './routes/setup.ts';

export interface AppOptions {
  readonly keys: string[];
  readonly templatesDir: string;
  readonly assetsDir: string;
  readonly env: nunjucks.Environment;
  readonly sessionMs: number;
}

function chartJsDir(): string {
  // Served from the installed package: no CDN, works offline.
  return path.dirname(createRequire(import.meta.url).resolve('chart.js'));
}

interface ThrownError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
  code?: unknown;
  details?: unknown;
}

export function createApp(d: Deps, o: AppOptions): Koa {
  const app = new Koa({ keys: o.keys, proxy: false });
  app.silent = true;
  const log = d.ctx.log;

  // ---- errors: JSON `{ error, code, details? }` for the API (the one shape of every error), a page for people
  app.use(async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (raw) {
      const err = (raw ?? {}) as ThrownError;
      const status = err.status ?? err.statusCode ?? 500;
      const shown = status < 500 || err.expose === true;
      const message = shown ? err.message ?? 'error' : 'internal error; the bot log has the details';
      // A code is shown only with its message: a hidden 500 says INTERNAL, not the errno that caused it.
      const code = shown && typeof err.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(err.code) ? err.code : codeForStatus(status);
      if (status >= 500) log.error(`${ctx.method} ${ctx.path} failed: ${err.message ?? String(raw)}`, { err: raw instanceof Error ? raw : new Error(String(raw)) });
      ctx.status = status;
      if (isApiPath(ctx.path) || state(ctx).via === 'bearer' || ctx.accepts('html', 'json') === 'json') {
        ctx.body = shown && err.details !== undefined ? { error: message, code, details: err.details } : { error: message, code };
      } else {
        ctx.type = 'text/html; charset=utf-8';
        try {
          ctx.body = o.env.render('error.njk', { status, message, user: state(ctx).user });
        } catch {
          ctx.body = `<!doctype html><title>${status}</title><p>${escapeHtml(message)}</p>`;
        }
      }
    }
  });
  app.use(securityHeaders());
  app.use(hostCheck(() => d.allowedHosts()));

  // ---- static assets (any failure is a plain 404: no 500, no file-system path in the answer)
  const vendor = chartJsDir();
  app.use(async (ctx: Context, next: Next) => {
    if (!ctx.path.startsWith('/assets/') || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    ctx.set('Cache-Control', 'no-cache');
    const found = await serveAsset(ctx, ctx.path.slice('/assets/'.length), o.assetsDir, vendor, (name) => d.registry.assets(name));
    if (!found) throw httpError(404, 'not found');
  });

  // ---- session (signed cookie with a random id; the data is in the dashboard's secrets file, and only
  // once someone logged in: viewing the login page stores nothing)
  app.use(
    createSession(
      {
        key: 'bakebot.sid',
        // The cookie may live as long as a login can; the store ends sessions unused for sessionHours.
        maxAge: o.sessionMs,
        httpOnly: true,
        sameSite: 'strict',
        signed: true,
        renew: false,
        store: d.auth.sessionStore(),
        genid: () => randomBytes(32).toString('base64url'),
      },
      app,
    ),
  );
  app.use(
    bodyParser({
      enableTypes: ['json', 'form'],
      jsonLimit: '100kb',
      formLimit: '100kb',
      parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
      onError: (err) => {
        const status = (err as ThrownError).status === 413 ? 413 : 400;
        throw httpError(status, status === 413 ? 'the body is too large' : `the body could not be read: ${err.message}`, status === 413 ? 'TOO_LARGE' : 'INVALID_BODY');
      },
    }),
  );
  app.use(async (ctx: Context, next: Next) => {
    // Everything after this walks bodies recursively (schemas, settings, YAML): a fixed depth keeps them safe.
    if (tooDeep(ctx.request.body, MAX_BODY_DEPTH)) throw Object.assign(httpError(400, `the body is nested deeper than ${MAX_BODY_DEPTH} levels`), { code: 'BODY_TOO_DEEP' });
    await next();
  });
  app.use(originCheck());

  // ---- who is asking
  app.use(async (ctx: Context, next: Next) => {
    const st = state(ctx);
    const authz = ctx.get('authorization');
    if (authz) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
      if (!m) throw httpError(401, 'the Authorization header must be "Bearer <token>"');
      const ip = ctx.ip || 'unknown';
      const token = m[1] ?? '';
      // Wrong tokens are limited per address; a token that is valid keeps working meanwhile.
      const counted = d.bearerThrottle.attempt(ip);
      if (!counted && !d.auth.checkableWhileRefused(token)) throw httpError(429, `too many invalid API tokens from this address; wait ${d.bearerThrottle.minutes} minutes`);
      const holder = await d.auth.checkToken(token);
      if (!holder) {
        if (!counted) throw httpError(429, `too many invalid API tokens from this address; wait ${d.bearerThrottle.minutes} minutes`);
        throw httpError(401, 'invalid API token');
      }
      if (counted) d.bearerThrottle.succeeded(ip);
      const name = holder.name;
      st.canMint = holder.canMint;
      st.user = `api:${name}`;
      st.via = 'bearer';
      return next();
    }
    st.via = 'session';
    const s = session(ctx);
    if (s?.user) {
      st.user = s.user;
      return next();
    }
    if (ctx.path === '/login') return next();
    if (isApiPath(ctx.path)) throw httpError(401, 'login required: log in to the dashboard, or send "Authorization: Bearer <token>"');
    const back = ctx.method === 'GET' && ctx.path !== '/' ? `?next=${encodeURIComponent(ctx.originalUrl)}` : '';
    ctx.status = 303;
    ctx.redirect(`/login${back}`);
  });

  // ---- CSRF for browsers (API clients with a bearer token cannot be tricked into sending it)
  const csrf = CSRF({
    errorHandler: () => {
      throw httpError(403, 'invalid or missing CSRF token; reload the page and try again');
    },
  });
  app.use(async (ctx: Context, next: Next) => {
    const st = state(ctx);
    if (st.via === 'bearer') return next();
    if (ctx.request.body === undefined) ctx.request.body = {};
    // Before login (the login page, its form) the CSRF secret is in a cookie, not a session.
    if (!st.user) return loginCsrf(ctx, next);
    return csrf(ctx, next);
  });

  app.use(views(o.templatesDir, { extension: 'njk', map: { njk: 'nunjucks' }, options: { nunjucksEnv: o.env } }));

  // ---- the dashboard's own pages and API
  const router = new Router();
  loginRoutes(router, d);
  homeRoutes(router, d);
  pluginsRoutes(router, d);
  commandsRoutes(router, d);
  setupRoutes(router, d);
  logsRoutes(router, d);
  chatRoutes(router, d);
  securityRoutes(router, d);
  apiRoutes(router, d);
  app.use(router.routes());

  // ---- what other plugins added, as registered right now
  app.use(async (ctx: Context, next: Next) => {
    const p = ctx.method === 'GET' || ctx.method === 'HEAD' ? d.registry.page(ctx.path) : undefined;
    if (p) {
      const st = state(ctx);
      const request = { path: ctx.path, query: Object.fromEntries(Object.entries(ctx.query).map(([k, v]) => [k, Array.isArray(v) ? v[0] ?? '' : v ?? ''])), user: st.user ?? '', csrf: st._csrf ?? '', params: p.params };
      let body: string;
      let title = p.item.title;
      try {
        const content = await p.item.render(request);
        if (typeof content === 'object' && 'template' in content && typeof content.title === 'string' && content.title) title = content.title;
        body = await d.content.render(content, { csrf: request.csrf, user: request.user });
      } catch (err) {
        // A page may answer "no such thing" (dashboard.httpError(404, …)): that is an answer, not a failure.
        const status = (err as ThrownError).status;
        if (typeof status === 'number' && status < 500) throw err;
        log.warn(`page ${ctx.path} of plugin ${p.owner} failed: ${(err as Error).message}`);
        body = `<p class="note bad">This page of the ${escapeHtml(p.owner)} plugin failed: ${escapeHtml((err as Error).message)}</p>`;
      }
      const local = (urls: readonly string[] | undefined) => (urls ?? []).filter((s) => s.startsWith('/') && !s.startsWith('//'));
      await page(d, ctx, 'extension', { title, owner: p.owner, body, scripts: local(p.item.scripts), styles: local(p.item.styles), topics: 'status ext' });
      return;
    }
    const chain = d.registry.api((what, owner) => compileRoutes(what, d.validator, owner).routes() as unknown as AnyMiddleware);
    let i = 0;
    const dispatch = async (): Promise<void> => {
      const entry = chain[i++];
      if (!entry) return next();
      await entry.item(ctx as never, dispatch);
    };
    await dispatch();
  });

  // ---- nothing matched
  app.use(async (ctx: Context) => {
    if (ctx.body !== undefined && ctx.body !== null) return;
    throw httpError(404, isApiPath(ctx.path) ? `no API route ${ctx.method} ${ctx.path}` : 'page not found');
  });
  return app;
}
