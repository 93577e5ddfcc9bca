// Logging in and out. One admin account: the password is DASHBOARD_PASSWORD, or the one generated on the
// first start (printed once on the terminal) until it is changed on the Security page. Before login the
// CSRF secret is in a cookie (guards.ts, loginCsrf): a session is stored only once someone logged in.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { httpError, seeOther, session, state, type Deps } from '../context.ts';

/** Only paths of this dashboard: no `//host`, no scheme. */
export function safeNext(v: unknown): string {
  const s = typeof v === 'string' ? v : '';
  return /^\/(?![/\\])[^\s]*$/.test(s) && !s.startsWith('/login') ? s : '/';
}

async function showLogin(d: Deps, ctx: Context, error?: string): Promise<void> {
  await ctx.render('login', { csrf: state(ctx)._csrf ?? '', next: safeNext(ctx.query.next ?? (ctx.request.body as Record<string, unknown> | undefined)?.next), error, passwordFromEnv: d.auth.passwordFromEnv });
}

export function loginRoutes(router: Router, d: Deps): void {
  router.get('/login', async (ctx) => {
    const s = session(ctx);
    if (s?.user) return ctx.redirect(safeNext(ctx.query.next));
    await showLogin(d, ctx);
  });

  router.post('/login', async (ctx) => {
    const ip = ctx.ip || 'unknown';
    // The attempt is taken before the (slow) password check: guesses sent in parallel count as well.
    if (!d.loginThrottle.attempt(ip)) {
      ctx.status = 429;
      return showLogin(d, ctx, `Too many failed logins from this address. Wait ${d.loginThrottle.minutes} minutes and try again.`);
    }
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const password = typeof body.password === 'string' ? body.password : '';
    if (!password || !(await d.auth.checkPassword(password))) {
      d.ctx.log.warn(`failed dashboard login from ${ip}`);
      ctx.status = 401;
      return showLogin(d, ctx, 'Wrong password.');
    }
    d.loginThrottle.succeeded(ip);
    const s = session(ctx);
    if (!s) throw httpError(500, 'no session');
    // A new session id after login: an id planted before login (session fixation) is worth nothing.
    await s.regenerate?.();
    s.user = 'admin';
    s.loginAt = d.ctx.clock.now();
    d.ctx.log.info(`dashboard login from ${ip}`);
    seeOther(ctx, safeNext(body.next));
  });

  router.post('/logout', async (ctx) => {
    (ctx as unknown as { session: null }).session = null;
    seeOther(ctx, '/login');
  });
}
