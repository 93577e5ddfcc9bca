// The Security page: API tokens (created here, shown once, stored hashed; revocable), the admin password,
// and what protects the dashboard (allowed host names, where the secrets come from).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { flash, httpError, page, seeOther, session, state, type Deps } from '../context.ts';

async function showSecurity(d: Deps, ctx: Context, extra: Record<string, unknown> = {}): Promise<void> {
  await page(d, ctx, 'security', {
    title: 'Security',
    tokens: await d.auth.listTokens(),
    passwordFromEnv: d.auth.passwordFromEnv,
    envToken: !!d.env.BAKEBOT_API_TOKEN,
    envSecret: !!d.env.SECRET_KEY,
    allowedHosts: [...d.allowedHosts()],
    sessionHours: d.ctx.config.sessionHours,
    sessionMaxHours: d.ctx.config.sessionMaxHours,
    ...extra,
  });
}

/** Creating and revoking tokens: a logged-in browser, or a bearer token created with that right. */
function mayManageTokens(ctx: Context): void {
  const st = state(ctx);
  if (st.via === 'bearer' && !st.canMint) {
    throw Object.assign(httpError(403, 'this API token may not create or revoke API tokens; create one that may on the Security page ("may create and revoke API tokens")'), { code: 'TOKEN_CANNOT_MINT' });
  }
}

export function securityRoutes(router: Router, d: Deps): void {
  router.get('/security', (ctx) => showSecurity(d, ctx));

  router.post('/security/tokens', async (ctx) => {
    mayManageTokens(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const name = String(body.name ?? '').trim().slice(0, 60);
    if (!name) {
      flash(ctx, 'error', 'Name the token after the program that will use it.');
      return seeOther(ctx, '/security');
    }
    // Only a person logged in hands out the right to make tokens; a token never passes it on.
    const canMint = state(ctx).via === 'session' && (body.canMint === true || body.canMint === 'true' || body.canMint === 'on');
    const { token, info } = await d.auth.createToken(name, canMint);
    d.ctx.log.info(`API token "${name}" created in the dashboard${canMint ? ' (may create tokens)' : ''}`);
    // Shown in this answer only: it is stored as a hash and cannot be shown again.
    ctx.set('Cache-Control', 'no-store');
    await showSecurity(d, ctx, { newToken: token, newTokenInfo: info });
  });

  router.post('/security/tokens/:id/revoke', async (ctx) => {
    mayManageTokens(ctx);
    const ok = await d.auth.revokeToken(Number(ctx.params.id));
    flash(ctx, ok ? 'ok' : 'error', ok ? 'Token revoked.' : 'No such token.');
    seeOther(ctx, '/security');
  });

  router.post('/security/password', async (ctx) => {
    if (d.auth.passwordFromEnv) {
      flash(ctx, 'error', 'The password comes from DASHBOARD_PASSWORD; change it there.');
      return seeOther(ctx, '/security');
    }
    const ip = ctx.ip || 'unknown';
    // Limited like the login (the same attempts per address), taken before the check.
    if (!d.loginThrottle.attempt(ip)) {
      ctx.status = 429;
      flash(ctx, 'error', `Too many wrong passwords from this address. Wait ${d.loginThrottle.minutes} minutes and try again.`);
      return showSecurity(d, ctx);
    }
    const body = ctx.request.body as Record<string, unknown>;
    const current = String(body.current ?? '');
    const next = String(body.password ?? '');
    if (!(await d.auth.checkPassword(current))) {
      d.ctx.log.warn(`wrong current password on the Security page from ${ip}`);
      flash(ctx, 'error', 'The current password is wrong.');
      return seeOther(ctx, '/security');
    }
    d.loginThrottle.succeeded(ip);
    if (next.length < 10 || next !== String(body.confirm ?? '')) {
      flash(ctx, 'error', next.length < 10 ? 'The new password needs at least 10 characters.' : 'The two new passwords differ.');
      return seeOther(ctx, '/security');
    }
    await d.auth.changePassword(next);
    await d.auth.dropAllSessions();
    const revoke = body.revokeTokens === true || body.revokeTokens === 'true' || body.revokeTokens === 'on';
    const revoked = revoke ? await d.auth.revokeAllTokens() : 0;
    d.ctx.log.info(`dashboard password changed; every session was logged out${revoke ? ` and ${revoked} API token(s) revoked` : ''}`);
    const s = session(ctx);
    if (s) delete s.user;
    (ctx as unknown as { session: null }).session = null;
    seeOther(ctx, '/login');
  });
}
