// Checks every request passes before anything else: security headers (a CSP without inline scripts),
// the Host header (against DNS rebinding: a page on evil.example whose name now points at 127.0.0.1), and
// for state-changing browser requests, the Origin / Sec-Fetch-Site headers.
import type { Context, Next } from 'koa';
import { isApiPath } from './context.ts';

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

/** State-changing requests from a browser must come from the dashboard's own pages. */
export function originCheck(allowed: () => ReadonlySet<string>) {
  return async (ctx: Context, next: Next) => {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) {
      const site = ctx.get('sec-fetch-site');
      const origin = ctx.get('origin');
      if (site === 'cross-site') return refuse(ctx, 403, 'cross-site requests are refused');
      if (origin && origin !== 'null') {
        const name = hostNameOf(origin, true);
        if (!name || !allowed().has(name)) return refuse(ctx, 403, `requests from ${origin} are refused`);
      } else if (origin === 'null') {
        return refuse(ctx, 403, 'requests from an opaque origin are refused');
      }
    }
    await next();
  };
}
