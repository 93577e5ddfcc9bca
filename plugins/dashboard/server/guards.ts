// Checks every request passes before anything else: security headers (a CSP without inline scripts),
// the Host header (against DNS rebinding: a page on evil.example whose name now points at 127.0.0.1), and
// for state-changing browser requests, the Origin / Sec-Fetch-Site headers; body depth; CSRF before login.
import { createHmac, randomBytes } from 'node:crypto';
import type { Context, Next } from 'koa';
import { sameSecret } from './auth.ts';
import { httpError, isApiPath } from './context.ts';

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders() {
  return async (ctx: Context, next: Next) => {
    ctx.set({
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'same-origin',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
    });
    await next();
  };
}

/** Host names the dashboard answers to: its bind address, the loopback names and `allowedHosts`. */
export function allowedHostNames(host: string, extra: readonly string[]): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  const h = host.trim().toLowerCase();
  if (h && h !== '0.0.0.0' && h !== '::') names.add(h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);
  for (const e of extra) {
    const x = e.trim().toLowerCase();
    if (x) names.add(x.includes(':') && !x.startsWith('[') ? `[${x}]` : x);
  }
  return names;
}

/** The host name of a Host header or an Origin, without the port; undefined when it does not parse. */
export function hostNameOf(value: string, withScheme = false): string | undefined {
  try {
    const u = new URL(withScheme ? value : `http://${value}`);
    if (!withScheme && (u.pathname !== '/' || u.search || u.username)) return undefined;
    return u.hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function refuse(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  if (isApiPath(ctx.path) || ctx.accepts('html', 'json') === 'json') ctx.body = { error: message };
  else {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = message;
  }
}

export function hostCheck(allowed: () => ReadonlySet<string>) {
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('host');
    const name = header ? hostNameOf(header) : undefined;
    if (!name || !allowed().has(name)) {
      refuse(ctx, 403, `This dashboard does not answer to the host name "${header || '(none)'}". If you reach it under that name, add it to plugins.dashboard.allowedHosts.`);
      return;
    }
    await next();
  };
}

/** The origin (scheme, host and port) a page of this dashboard has when reached under `host` (a Host header). */
export function ownOrigin(host: string): string | undefined {
  try {
    // The dashboard speaks plain HTTP itself (proxy: false): its pages' origin is http://<Host>.
    return new URL(`http://${host}`).origin;
  } catch {
    return undefined;
  }
}

/**
 * State-changing requests from a browser must come from the dashboard's own pages: an Origin, when sent,
 * must be exactly the dashboard's (scheme, host and port), and Sec-Fetch-Site must not say cross-site.
 */
export function originCheck() {
  return async (ctx: Context, next: Next) => {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
      const site = ctx.get('sec-fetch-site');
      const origin = ctx.get('origin');
      if (site === 'cross-site') return refuse(ctx, 403, 'cross-site requests are refused');
      if (origin === 'null') return refuse(ctx, 403, 'requests from an opaque origin are refused');
      if (origin) {
        let theirs: string | undefined;
        try {
          theirs = new URL(origin).origin;
        } catch {
          theirs = undefined;
        }
        if (!theirs || theirs !== ownOrigin(ctx.get('host'))) return refuse(ctx, 403, `requests from ${origin} are refused: only this dashboard's own pages (${ownOrigin(ctx.get('host')) ?? '?'}) may change things`);
      }
    }
    await next();
  };
}

/** Request bodies deeper than this are refused with a 400 before anything walks them. */
export const MAX_BODY_DEPTH = 32;

/** Whether `value` nests objects or arrays deeper than `max` levels (checked without recursion). */
export function tooDeep(value: unknown, max: number): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop() as { v: unknown; depth: number };
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push({ v: child, depth: depth + 1 });
  }
  return false;
}

const LOGIN_COOKIE = 'bakebot.login';

function loginToken(secret: string): string {
  return createHmac('sha256', secret).update('bakebot login form').digest('base64url');
}

/**
 * CSRF before login, without a session: a random secret in a signed, HttpOnly cookie for /login, and the
 * form carries a token derived from it. So viewing the login page stores nothing on the server.
 */
export async function loginCsrf(ctx: Context, next: Next): Promise<void> {
  let secret = ctx.cookies.get(LOGIN_COOKIE, { signed: true });
  if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) {
    secret = randomBytes(32).toString('base64url');
    ctx.cookies.set(LOGIN_COOKIE, secret, { signed: true, httpOnly: true, sameSite: 'strict', path: '/login', maxAge: 3_600_000, overwrite: true });
  }
  const expected = loginToken(secret);
  (ctx.state as { _csrf?: string })._csrf = expected;
  if (['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) return next();
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const sent = typeof body._csrf === 'string' && body._csrf ? body._csrf : ctx.get('x-csrf-token');
  if (!sent || !sameSecret(sent, expected)) throw httpError(403, 'invalid or missing CSRF token; reload the page and try again');
  await next();
}
