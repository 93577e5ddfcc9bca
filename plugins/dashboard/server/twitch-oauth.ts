// Twitch OAuth for the setup wizard: the Device Code Grant (a public client: no secret, no redirect URL),
// token validation (Twitch asks apps to validate at start and hourly), and the wizard's state per login.
// The auth base is https://id.twitch.tv, or TWITCH_AUTH_URL (tests point it at a local fake).
import { randomBytes } from 'node:crypto';

export const CHAT_SCOPES = ['chat:read', 'chat:edit'] as const;
const TIMEOUT_MS = 10_000;

export interface DeviceStart {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly expiresAt: number;
  /** Seconds to wait between polls. */
  readonly interval: number;
  /** The scopes asked for (the chat scopes, plus a setup step's when the bot account is the broadcaster). */
  readonly scopes?: readonly string[];
}

export interface GrantedToken {
  readonly accessToken: string;
  readonly refreshToken: string | null;
  readonly expiresIn: number | null;
  readonly scope: readonly string[];
  readonly obtainedAt: number;
}

export type PollResult =
  | { readonly state: 'pending' }
  | { readonly state: 'slow_down' }
  | { readonly state: 'approved'; readonly token: GrantedToken }
  | { readonly state: 'failed'; readonly error: string };

export interface TokenCheck {
  readonly ok: boolean;
  readonly checkedAt: number;
  /** Where the checked token came from. */
  readonly source: 'wizard' | 'environment' | 'entered' | 'none';
  readonly login?: string;
  readonly userId?: string;
  readonly clientId?: string;
  readonly scopes?: readonly string[];
  /** Seconds until the token expires (0 or absent: no expiry reported). */
  readonly expiresIn?: number;
  readonly missingScopes?: readonly string[];
  readonly error?: string;
  /** Twitch could not be reached (network, DNS, timeout): the token was not judged. */
  readonly unreachable?: boolean;
}

export class TwitchAuthError extends Error {
  override name = 'TwitchAuthError';
}

async function call(url: string, init: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new TwitchAuthError(`cannot reach ${new URL(url).origin}: ${(err as Error).message}`);
  }
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await res.json();
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // Twitch answers JSON; anything else is reported by status below.
  }
  return { status: res.status, body };
}

function form(values: Record<string, string>): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(values).toString() };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function scopesOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string');
  if (typeof v === 'string') return v.split(/\s+/).filter(Boolean);
  return [];
}

export class TwitchOAuth {
  constructor(
    readonly authBase: string,
    private readonly now: () => number,
  ) {}

  /** POST /oauth2/device: a code for the streamer to enter at the verification page. */
  async startDevice(clientId: string, scopes: readonly string[] = CHAT_SCOPES): Promise<DeviceStart> {
    const { status, body } = await call(`${this.authBase}/oauth2/device`, form({ client_id: clientId, scopes: scopes.join(' ') }));
    if (status !== 200 || !str(body.device_code) || !str(body.user_code)) {
      throw new TwitchAuthError(`Twitch refused to start the login (${status}): ${str(body.message) || 'unexpected answer'}. Check the client id, and that the application is a Public client.`);
    }
    const verificationUri = str(body.verification_uri) || 'https://www.twitch.tv/activate';
    return {
      deviceCode: str(body.device_code),
      userCode: str(body.user_code),
      verificationUri: /^https?:\/\//i.test(verificationUri) ? verificationUri : 'https://www.twitch.tv/activate',
      expiresAt: this.now() + (Number(body.expires_in) || 1800) * 1000,
      interval: Math.max(1, Number(body.interval) || 5),
      scopes,
    };
  }

  /** POST /oauth2/token with the device code: pending until the streamer approves. */
  async poll(clientId: string, deviceCode: string, scopes: readonly string[] = CHAT_SCOPES): Promise<PollResult> {
    const { status, body } = await call(
      `${this.authBase}/oauth2/token`,
      form({ client_id: clientId, scopes: scopes.join(' '), device_code: deviceCode, grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }),
    );
    if (status === 200 && str(body.access_token)) {
      return {
        state: 'approved',
        token: {
          accessToken: str(body.access_token),
          refreshToken: str(body.refresh_token) || null,
          expiresIn: Number(body.expires_in) || null,
          scope: scopesOf(body.scope),
          obtainedAt: this.now(),
        },
      };
    }
    const message = str(body.message) || str(body.error);
    if (message === 'authorization_pending') return { state: 'pending' };
    if (message === 'slow_down') return { state: 'slow_down' };
    if (/invalid device code|expired/i.test(message)) return { state: 'failed', error: 'the code expired; start again' };
    if (/denied/i.test(message)) return { state: 'failed', error: 'the login was declined on Twitch' };
    return { state: 'failed', error: `Twitch answered ${status}: ${message || 'unexpected answer'}` };
  }

  /** GET /oauth2/validate: who the token belongs to, its scopes and how long it lasts. */
  async validate(accessToken: string, source: TokenCheck['source']): Promise<TokenCheck> {
    const checkedAt = this.now();
    let status: number;
    let body: Record<string, unknown>;
    try {
      ({ status, body } = await call(`${this.authBase}/oauth2/validate`, { headers: { authorization: `OAuth ${accessToken.replace(/^oauth:/i, '')}` } }));
    } catch (err) {
      return { ok: false, checkedAt, source, error: (err as Error).message, unreachable: true };
    }
    if (status !== 200) {
      return { ok: false, checkedAt, source, error: status === 401 ? 'Twitch says the token is invalid or expired' : `Twitch answered ${status}: ${str(body.message) || 'unexpected answer'}` };
    }
    const scopes = scopesOf(body.scopes);
    const missing = CHAT_SCOPES.filter((s) => !scopes.includes(s));
    return {
      ok: missing.length === 0,
      checkedAt,
      source,
      login: str(body.login),
      userId: str(body.user_id),
      clientId: str(body.client_id),
      scopes,
      expiresIn: Number(body.expires_in) || 0,
      missingScopes: missing,
      error: missing.length ? `the token lacks the scopes ${missing.join(', ')}` : undefined,
    };
  }
}

export interface WizardState {
  clientId?: string;
  device?: DeviceStart;
  token?: GrantedToken;
  check?: TokenCheck;
  error?: string;
  updatedAt: number;
}

/** Wizard progress per logged-in browser, in memory (it holds a fresh token; it never goes to a cookie). */
export class WizardStore {
  readonly states: Map<string, WizardState>;

  constructor(
    private readonly now: () => number,
    previous?: ReadonlyMap<string, WizardState>,
  ) {
    this.states = new Map(previous);
  }

  newId(): string {
    return randomBytes(16).toString('base64url');
  }

  get(id: string | undefined): WizardState | undefined {
    if (!id) return undefined;
    const s = this.states.get(id);
    if (s && this.now() - s.updatedAt > 3_600_000) {
      this.states.delete(id);
      return undefined;
    }
    return s;
  }

  set(id: string, state: Omit<WizardState, 'updatedAt'>): WizardState {
    const s = { ...state, updatedAt: this.now() };
    this.states.set(id, s);
    return s;
  }

  delete(id: string): void {
    this.states.delete(id);
  }
}
