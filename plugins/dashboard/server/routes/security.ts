// The Security page: API tokens (created here, shown once, stored hashed; revocable), the admin password,
// and what protects the dashboard (allowed host names, where the secrets come from).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { flash, page, seeOther, session, type Deps } from '../context.ts';

async function showSecurity(d: Deps, ctx: Context, extra: Record<string, unknown> = {}): Promise<void> {
  await page(d, ctx, 'security', {
    title: 'Security',
    tokens: await d.auth.listTokens(),
    passwordFromEnv: d.auth.passwordFromEnv,
    envToken: !!d.env.BAKEBOT_API_TOKEN,
    envSecret: !!d.env.SECRET_KEY,
    allowedHosts: [...d.allowedHosts()],
    ...extra,
  });
}

export function securityRoutes(router: Router, d: Deps): void {
  router.get('/security', (ctx) => showSecurity(d, ctx));

  router.post('/security/tokens', async (ctx) => {
    const name = String((ctx.request.body as Record<string, unknown>).name ?? '').trim().slice(0, 60);
    if (!name) {
      flash(ctx, 'error', 'Name the token after the program that will use it.');
      return seeOther(ctx, '/security');
    }
    const { token, info } = await d.auth.createToken(name);
    d.ctx.log.info(`API token "${name}" created in the dashboard`);
    // Shown in this answer only: it is stored as a hash and cannot be shown again.
    ctx.set('Cache-Control', 'no-store');
    await showSecurity(d, ctx, { newToken: token, newTokenInfo: info });
  });

  router.post('/security/tokens/:id/revoke', async (ctx) => {
    const ok = await d.auth.revokeToken(Number(ctx.params.id));
    flash(ctx, ok ? 'ok' : 'error', ok ? 'Token revoked.' : 'No such token.');
    seeOther(ctx, '/security');
  });

  router.post('/security/password', async (ctx) => {
    if (d.auth.passwordFromEnv) {
      flash(ctx, 'error', 'The password comes from DASHBOARD_PASSWORD; change it there.');
      return seeOther(ctx, '/security');
    }
    const body = ctx.request.body as Record<string, unknown>;
    const current = String(body.current ?? '');
    const next = String(body.password ?? '');
    if (!(await d.auth.checkPassword(current))) {
      flash(ctx, 'error', 'The current password is wrong.');
      return seeOther(ctx, '/security');
    }
    if (next.length < 10 || next !== String(body.confirm ?? '')) {
      flash(ctx, 'error', next.length < 10 ? 'The new password needs at least 10 characters.' : 'The two new passwords differ.');
      return seeOther(ctx, '/security');
    }
    await d.auth.changePassword(next);
    await d.auth.dropAllSessions();
    d.ctx.log.info('dashboard password changed; every session was logged out');
    const s = session(ctx);
    if (s) delete s.user;
    (ctx as unknown as { session: null }).session = null;
    seeOther(ctx, '/login');
  });
}
