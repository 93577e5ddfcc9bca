// Logging in and out. One admin account: the password is DASHBOARD_PASSWORD, or the one generated on the
// first start (shown once in the log) until it is changed on the Security page.
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
    // The session that only carries the login form's CSRF secret need not outlive the visit.
    if (s) s.maxAge = 3_600_000;
    await showLogin(d, ctx);
  });

  router.post('/login', async (ctx) => {
    const ip = ctx.ip || 'unknown';
    if (d.loginThrottle.isBlocked(ip)) {
      ctx.status = 429;
      return showLogin(d, ctx, `Too many failed logins from this address. Wait ${d.loginThrottle.minutes} minutes and try again.`);
    }
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const password = typeof body.password === 'string' ? body.password : '';
    if (!password || !(await d.auth.checkPassword(password))) {
      d.loginThrottle.failed(ip);
      d.ctx.log.warn(`failed dashboard login from ${ip}`);
      ctx.status = 401;
      return showLogin(d, ctx, 'Wrong password.');
    }
    const s = session(ctx);
    if (!s) throw httpError(500, 'no session');
    // A new session id after login: an id planted before login (session fixation) is worth nothing.
    await s.regenerate?.();
    s.user = 'admin';
    s.loginAt = d.ctx.clock.now();
    s.maxAge = d.ctx.config.sessionHours * 3_600_000;
    d.ctx.log.info(`dashboard login from ${ip}`);
    seeOther(ctx, safeNext(body.next));
  });

  router.post('/logout', async (ctx) => {
    (ctx as unknown as { session: null }).session = null;
    seeOther(ctx, '/login');
  });
}
