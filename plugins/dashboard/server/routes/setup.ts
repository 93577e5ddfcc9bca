// The setup wizard: 1. create a Twitch application, 2. enter its client id, 3. log the bot account in with
// the Device Code Grant (or paste a token), 4. pick channels and connect (`ctx.runtime.connectTwitch`,
// which stores the token with mode 0600). The token is validated at start, hourly and here on demand.
// Plugins add steps of their own after these (dashboard.addSetupStep, e.g. a second account's login).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { flash, httpError, page, seeOther, session, state, type Deps } from '../context.ts';
import { escapeHtml } from '../render.ts';
import { CHAT_SCOPES, type WizardState } from '../twitch-oauth.ts';

const CLIENT_ID = /^[A-Za-z0-9]{8,64}$/;
const CHANNEL = /^#?[A-Za-z0-9_]{1,25}$/;

function wizardId(ctx: Context, d: Deps): string {
  const s = session(ctx);
  if (!s) throw httpError(500, 'no session');
  if (!s.wizard) s.wizard = d.wizard.newId();
  return s.wizard;
}

async function storedClientId(d: Deps): Promise<string> {
  return (await d.auth.setting('twitch_client_id')) ?? d.env.TWITCH_CLIENT_ID ?? '';
}

function step(w: WizardState | undefined): number {
  if (w?.token && w.check?.ok) return 4;
  if (w?.clientId) return 3;
  return 2;
}

/** The scopes the plugins' steps want on the bot's own token when it is the broadcaster's. */
function broadcasterScopes(d: Deps): string[] {
  return [...new Set(d.registry.setupSteps().flatMap((s) => s.item.broadcasterScopes ?? []))];
}

/** The plugins' steps, rendered for this request (a step that fails says so in its place). */
async function pluginSteps(d: Deps, ctx: Context): Promise<{ id: string; title: string; owner: string; html: string }[]> {
  const st = state(ctx);
  const request = { path: ctx.path, query: Object.fromEntries(Object.entries(ctx.query).map(([k, v]) => [k, Array.isArray(v) ? v[0] ?? '' : v ?? ''])), user: st.user ?? '', csrf: st._csrf ?? '', params: {} };
  const out = [];
  for (const s of d.registry.setupSteps()) {
    let html: string;
    try {
      html = await d.content.render(await s.item.render(request), { csrf: request.csrf, user: request.user });
    } catch (err) {
      d.ctx.log.warn(`setup step ${s.item.id} of ${s.owner} failed: ${(err as Error).message}`);
      html = `<p class="note bad">This step of the ${escapeHtml(s.owner)} plugin failed: ${escapeHtml((err as Error).message)}</p>`;
    }
    out.push({ id: s.item.id, title: s.item.title, owner: s.owner, html });
  }
  return out;
}

export function setupRoutes(router: Router, d: Deps): void {
  router.get('/setup', async (ctx) => {
    const w = d.wizard.get(session(ctx)?.wizard);
    const clientId = w?.clientId ?? (await storedClientId(d));
    const status = d.status();
    const extraScopes = broadcasterScopes(d);
    const check = d.tokenCheck();
    const channel = (status.channels[0] ?? d.ctx.bot.channels[0] ?? '').replace(/^#/, '').toLowerCase();
    await page(d, ctx, 'setup', {
      title: 'Setup',
      wizard: w ?? null,
      step: step(w),
      clientId,
      check: d.tokenCheck() ?? null,
      authBase: d.oauth.authBase,
      devicePending: !!w?.device && !w.token,
      // After a pasted token was refused, its section stays open for the next try.
      pasteOpen: ctx.query.paste === '1',
      channels: (w?.check?.login ? [w.check.login] : status.channels.length ? status.channels : d.ctx.bot.channels).join(', '),
      envToken: !!d.env.TWITCH_TOKEN,
      chatScopes: CHAT_SCOPES,
      extraScopes,
      // Ticked when the bot is logged in as the channel's owner already (logging in again keeps it that way).
      botIsBroadcaster: !!channel && check?.login?.toLowerCase() === channel,
      pluginSteps: await pluginSteps(d, ctx),
      scripts: ['/assets/setup.js'],
    });
  });

  router.post('/setup/client', async (ctx) => {
    const clientId = String((ctx.request.body as Record<string, unknown>).clientId ?? '').trim();
    if (!CLIENT_ID.test(clientId)) {
      flash(ctx, 'error', 'That does not look like a client id (letters and digits, as shown on the application\'s page).');
      return seeOther(ctx, '/setup#step-2');
    }
    await d.auth.setSetting('twitch_client_id', clientId);
    const id = wizardId(ctx, d);
    d.wizard.set(id, { clientId });
    seeOther(ctx, '/setup#step-3');
  });

  router.post('/setup/device', async (ctx) => {
    const id = wizardId(ctx, d);
    const w = d.wizard.get(id);
    if (!w?.clientId) {
      flash(ctx, 'error', 'Enter the client id first.');
      return seeOther(ctx, '/setup#step-2');
    }
    // The bot account is the broadcaster: one token serves both, so it asks for the plugins' scopes too.
    const both = (ctx.request.body as Record<string, unknown>).broadcaster === 'yes';
    const scopes = both ? [...CHAT_SCOPES, ...broadcasterScopes(d)] : [...CHAT_SCOPES];
    try {
      const device = await d.oauth.startDevice(w.clientId, scopes);
      d.wizard.set(id, { clientId: w.clientId, device });
    } catch (err) {
      d.wizard.set(id, { clientId: w.clientId, error: (err as Error).message });
      flash(ctx, 'error', (err as Error).message);
    }
    seeOther(ctx, '/setup#step-3');
  });

  // Polled by setup.js every `interval` seconds (and by the "I approved it" button without JavaScript).
  router.post('/setup/poll', async (ctx) => {
    const id = wizardId(ctx, d);
    const w = d.wizard.get(id);
    const json = ctx.accepts('html', 'json') === 'json';
    let result: { state: string; error?: string; interval?: number };
    if (!w?.device || !w.clientId) result = { state: 'failed', error: 'start the login first' };
    else if (w.token) result = { state: 'approved' };
    else if (Date.now() > w.device.expiresAt) {
      d.wizard.set(id, { clientId: w.clientId, error: 'the code expired; start again' });
      result = { state: 'failed', error: 'the code expired; start again' };
    } else {
      try {
        const r = await d.oauth.poll(w.clientId, w.device.deviceCode, w.device.scopes);
        if (r.state === 'approved') {
          const check = await d.oauth.validate(r.token.accessToken, 'entered');
          d.wizard.set(id, { clientId: check.clientId || w.clientId, device: w.device, token: r.token, check, error: check.ok ? undefined : check.error });
          result = check.ok ? { state: 'approved' } : { state: 'failed', error: check.error };
        } else if (r.state === 'failed') {
          d.wizard.set(id, { clientId: w.clientId, error: r.error });
          result = { state: 'failed', error: r.error };
        } else {
          if (r.state === 'slow_down') d.wizard.set(id, { ...w, device: { ...w.device, interval: w.device.interval + 5 } });
          result = { state: 'pending', interval: d.wizard.get(id)?.device?.interval ?? w.device.interval };
        }
      } catch (err) {
        result = { state: 'pending', error: (err as Error).message, interval: w.device.interval };
      }
    }
    if (json) {
      ctx.body = result;
      return;
    }
    if (result.state === 'failed') flash(ctx, 'error', result.error ?? 'the login failed');
    else if (result.state === 'pending') flash(ctx, 'info', 'Not approved yet: enter the code on Twitch, then check again.');
    seeOther(ctx, result.state === 'approved' ? '/setup#step-4' : '/setup#step-3');
  });

  router.post('/setup/token', async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const accessToken = String(body.accessToken ?? '').trim().replace(/^oauth:/i, '');
    const refreshToken = String(body.refreshToken ?? '').trim() || null;
    if (!/^[A-Za-z0-9]{10,100}$/.test(accessToken)) {
      flash(ctx, 'error', 'Paste the access token (letters and digits, with or without "oauth:").');
      return seeOther(ctx, '/setup?paste=1#manual');
    }
    const id = wizardId(ctx, d);
    const w = d.wizard.get(id);
    const check = await d.oauth.validate(accessToken, 'entered');
    if (!check.ok) {
      // A network failure says nothing about the token: say so, instead of blaming it.
      flash(ctx, 'error', check.unreachable ? `Could not reach Twitch to check the token (${check.error ?? 'no answer'}). Check the internet connection and try again; the token may be fine.` : `That token does not work: ${check.error ?? 'unknown problem'}.`);
      return seeOther(ctx, '/setup?paste=1#manual');
    }
    const clientId = check.clientId || w?.clientId || (await storedClientId(d));
    d.wizard.set(id, {
      clientId,
      token: { accessToken, refreshToken, expiresIn: check.expiresIn || null, scope: check.scopes ?? [], obtainedAt: Date.now() },
      check,
    });
    seeOther(ctx, '/setup#step-4');
  });

  router.post('/setup/connect', async (ctx) => {
    const id = wizardId(ctx, d);
    const w = d.wizard.get(id);
    if (!w?.token || !w.check?.ok || !w.clientId) {
      flash(ctx, 'error', 'Log the bot account in first.');
      return seeOther(ctx, '/setup#step-3');
    }
    const raw = String((ctx.request.body as Record<string, unknown>).channels ?? '');
    const channels = raw.split(/[\s,]+/).filter(Boolean);
    const bad = channels.filter((c) => !CHANNEL.test(c));
    if (!channels.length || bad.length) {
      flash(ctx, 'error', bad.length ? `Not a channel name: ${bad.join(', ')}` : 'Name at least one channel to join.');
      return seeOther(ctx, '/setup#step-4');
    }
    const t = w.token;
    try {
      await d.ctx.runtime.connectTwitch(
        { accessToken: t.accessToken, refreshToken: t.refreshToken, clientId: w.clientId, scope: t.scope, expiresIn: t.expiresIn, obtainmentTimestamp: t.obtainedAt },
        channels.map((c) => c.replace(/^#/, '').toLowerCase()),
      );
    } catch (err) {
      flash(ctx, 'error', `Connecting failed: ${(err as Error).message}`);
      return seeOther(ctx, '/setup#step-4');
    }
    d.wizard.delete(id);
    await d.checkToken();
    d.ctx.log.info(`Twitch account ${w.check.login ?? '?'} connected from the setup wizard; channels: ${channels.join(', ')}`);
    flash(ctx, 'ok', `Connected as ${w.check.login ?? 'the bot account'}; joining ${channels.join(', ')}.`);
    seeOther(ctx, '/');
  });

  router.post('/setup/reset', (ctx) => {
    const s = session(ctx);
    if (s?.wizard) d.wizard.delete(s.wizard);
    seeOther(ctx, '/setup');
  });

  router.post('/setup/check', async (ctx) => {
    const check = await d.checkToken();
    flash(ctx, check.ok ? 'ok' : 'error', check.ok ? `The token works: ${check.login ?? ''}` : `Token check: ${check.error ?? 'failed'}`);
    seeOther(ctx, '/setup');
  });
}
