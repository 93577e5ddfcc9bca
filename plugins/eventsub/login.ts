// The broadcaster's login from the EventSub page: Twitch's Device Code Grant (no secret, no redirect URL),
// asking for the scopes the events need. The streamer presses "Log in the broadcaster", opens the link as
// the broadcaster and enters the code, then presses "I have approved it"; the token is checked, stored apart
// from the bot's chat token (auth.ts) and the plugin restarts with it.
import { getTokenInfo } from '@twurple/auth';
import type { PluginContext } from '../../core/types.ts';
import { ALL_SCOPES, storeBroadcasterToken } from './auth.ts';
import type { EventSubConfig } from './settings.ts';

export interface PendingLogin {
  readonly clientId: string;
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly expiresAt: number;
}

export type LoginStep = { readonly ok: true; readonly message: string; readonly done?: boolean } | { readonly ok: false; readonly message: string };

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

async function post(url: string, values: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(values).toString() });
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // Twitch answers JSON; anything else is reported by its status.
  }
  return { status: res.status, body };
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

export function createLogin(ctx: PluginContext<EventSubConfig>) {
  const authBase = (ctx.env.TWITCH_AUTH_URL ?? 'https://id.twitch.tv').replace(/\/$/, '');
  let pending: PendingLogin | undefined;

  async function start(): Promise<LoginStep> {
    const clientId = ctx.env.TWITCH_CLIENT_ID || ctx.runtime.twitchToken()?.clientId || '';
    if (!clientId) return { ok: false, message: 'No Twitch application yet: set TWITCH_CLIENT_ID in .env, or connect the bot on the Setup page first.' };
    const { status, body } = await post(`${authBase}/oauth2/device`, { client_id: clientId, scopes: ALL_SCOPES.join(' ') });
    if (status !== 200 || !text(body.device_code) || !text(body.user_code)) {
      return { ok: false, message: `Twitch refused to start the login (${status}): ${text(body.message) || 'unexpected answer'}.` };
    }
    const uri = text(body.verification_uri);
    pending = {
      clientId,
      deviceCode: text(body.device_code),
      userCode: text(body.user_code),
      verificationUri: /^https?:\/\//i.test(uri) ? uri : 'https://www.twitch.tv/activate',
      expiresAt: Date.now() + (Number(body.expires_in) || 1800) * 1000,
    };
    return { ok: true, message: `Open the link logged in as the broadcaster and enter ${pending.userCode}, then press "I have approved it".` };
  }

  async function check(): Promise<LoginStep> {
    const p = pending;
    if (!p) return { ok: false, message: 'Start the login first.' };
    if (Date.now() > p.expiresAt) {
      pending = undefined;
      return { ok: false, message: 'The code expired: start the login again.' };
    }
    const { status, body } = await post(`${authBase}/oauth2/token`, { client_id: p.clientId, scopes: ALL_SCOPES.join(' '), device_code: p.deviceCode, grant_type: DEVICE_GRANT });
    const why = text(body.message) || text(body.error);
    if (status !== 200 || !text(body.access_token)) {
      if (why === 'authorization_pending' || why === 'slow_down') return { ok: false, message: `Not approved yet: enter ${p.userCode} at the link, then press the button again.` };
      pending = undefined;
      return { ok: false, message: `The login did not go through (${why || status}): start again.` };
    }
    const accessToken = text(body.access_token);
    const info = await getTokenInfo(accessToken).catch(() => undefined);
    if (!info?.userName) return { ok: false, message: 'Twitch gave a token it does not accept: start again.' };
    const channel = ctx.bot.channels[0]?.replace(/^#/, '').toLowerCase();
    if (channel && info.userName.toLowerCase() !== channel) {
      return { ok: false, message: `That was ${info.userName}, not the broadcaster of #${channel}: log in as ${channel}.` };
    }
    pending = undefined;
    storeBroadcasterToken(
      ctx.runtime.dataDir,
      { accessToken, refreshToken: text(body.refresh_token) || null, expiresIn: Number(body.expires_in) || null, obtainmentTimestamp: Date.now(), scope: info.scopes, clientId: p.clientId },
      'wizard',
    );
    const missing = ALL_SCOPES.filter((s) => !info.scopes.includes(s));
    const note = ctx.env.TWITCH_BROADCASTER_TOKEN ? ' TWITCH_BROADCASTER_TOKEN in .env still takes precedence: remove it to use this login.' : '';
    return { ok: true, done: true, message: `Logged in as ${info.userName}.${missing.length ? ` Missing scopes: ${missing.join(', ')}.` : ''}${note}` };
  }

  return { start, check, pending: () => pending };
}
