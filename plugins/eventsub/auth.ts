// The broadcaster's token: channel-point, follow, sub, cheer and raid events need it (the bot account's chat
// token cannot read another channel's redemptions). From TWITCH_BROADCASTER_TOKEN (and _REFRESH_TOKEN), else
// a stored one (data/twitch-broadcaster-token.json, kept apart from the bot's chat token), else the bot's own
// token when the bot account is the broadcaster. Refreshed tokens are stored (mode 0600).
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppTokenAuthProvider, getTokenInfo, RefreshingAuthProvider, StaticAuthProvider, type AccessToken, type AuthProvider } from '@twurple/auth';
import type { PluginContext } from '../../core/types.ts';
import type { EventType } from './events.ts';
import type { EventSubConfig } from './settings.ts';

/** Scopes each event needs (any one set of the list is enough: managing redemptions includes reading them). */
export const SCOPES: Record<EventType | 'rewards', readonly string[]> = {
  redemption: ['channel:read:redemptions', 'channel:manage:redemptions'],
  rewards: ['channel:manage:redemptions'],
  follow: ['moderator:read:followers'],
  subscribe: ['channel:read:subscriptions'],
  resub: ['channel:read:subscriptions'],
  gift: ['channel:read:subscriptions'],
  cheer: ['bits:read'],
  raid: [],
};

/** What the setup asks for when this plugin is on. */
export const ALL_SCOPES = ['channel:read:redemptions', 'channel:manage:redemptions', 'moderator:read:followers', 'bits:read', 'channel:read:subscriptions'] as const;

/** The scope an event lacks, or undefined when the token has what it needs. */
export function missingScope(scopes: readonly string[], need: EventType | 'rewards'): string | undefined {
  const options = SCOPES[need];
  if (!options.length || options.some((s) => scopes.includes(s))) return undefined;
  return options[options.length - 1];
}

export interface Broadcaster {
  readonly id: string;
  readonly login: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly source: 'environment' | 'stored' | 'bot';
  readonly provider: AuthProvider;
  /** Has a client secret: webhooks (app token) possible. */
  readonly appToken: boolean;
}

export const TOKEN_FILE = 'twitch-broadcaster-token.json';

interface StoredToken extends AccessToken {
  readonly clientId?: string;
  /** Hash of the TWITCH_BROADCASTER_TOKEN it was refreshed from, or `wizard`. */
  readonly source: string;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
const bare = (t: string) => t.trim().replace(/^oauth:/i, '');

function readStored(dir: string): StoredToken | undefined {
  const file = path.join(dir, TOKEN_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredToken;
  } catch {
    return undefined;
  }
}

/** Stores the broadcaster's token (a password: readable by the bot's user only). */
export function storeBroadcasterToken(dir: string, token: AccessToken & { clientId?: string }, source: string): void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, TOKEN_FILE);
  writeFileSync(file, JSON.stringify({ ...token, source: source === 'wizard' ? source : hash(source) }, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
}

export class TokenProblem extends Error {
  override name = 'TokenProblem';
  readonly code = 'BROADCASTER_TOKEN';
}

/**
 * Resolves the broadcaster's token and validates it. `onRefresh` runs after a refresh was stored (the
 * connection makes failed subscriptions again then).
 */
export async function broadcasterAuth(ctx: PluginContext<EventSubConfig>, onRefresh: () => void): Promise<Broadcaster> {
  const env = ctx.env;
  const dir = ctx.runtime.dataDir;
  const stored = readStored(dir);
  const envToken = env.TWITCH_BROADCASTER_TOKEN ? bare(env.TWITCH_BROADCASTER_TOKEN) : undefined;
  let token: AccessToken | undefined;
  let source: Broadcaster['source'] = 'environment';
  let storeAs = 'wizard';
  if (envToken) {
    storeAs = envToken;
    token = stored && stored.source === hash(envToken) ? stored : { accessToken: envToken, refreshToken: env.TWITCH_BROADCASTER_REFRESH_TOKEN ?? null, expiresIn: null, obtainmentTimestamp: Date.now(), scope: [] };
  } else if (stored?.source === 'wizard') {
    token = stored;
    source = 'stored';
  } else {
    const bot = ctx.runtime.twitchToken();
    if (bot) {
      token = { accessToken: bot.accessToken, refreshToken: null, expiresIn: null, obtainmentTimestamp: Date.now(), scope: [] };
      source = 'bot';
    }
  }
  if (!token) throw new TokenProblem('no broadcaster token: log the broadcaster in on the Setup page (or set TWITCH_BROADCASTER_TOKEN, and TWITCH_BROADCASTER_REFRESH_TOKEN, in .env); when the bot account is the broadcaster, its own token serves both');
  let info;
  try {
    info = await getTokenInfo(token.accessToken);
  } catch (err) {
    if (!token.refreshToken) throw new TokenProblem(`Twitch refused the broadcaster token (${(err as Error).message}); get a new one with the scopes ${ALL_SCOPES.join(' ')}`);
    info = undefined; // expired: the refreshing provider renews it below
  }
  const clientId = env.TWITCH_CLIENT_ID || info?.clientId || stored?.clientId || '';
  const clientSecret = env.TWITCH_CLIENT_SECRET ?? '';
  let provider: AuthProvider;
  let id: string;
  let scopes: readonly string[];
  if (token.refreshToken) {
    const refreshing = new RefreshingAuthProvider({ clientId, clientSecret });
    refreshing.onRefresh((_user, fresh) => {
      storeBroadcasterToken(dir, { ...fresh, clientId }, storeAs);
      ctx.log.info('the broadcaster token was refreshed and saved; making failed subscriptions again');
      onRefresh();
    });
    refreshing.onRefreshFailure((_user, err) => ctx.log.error(`refreshing the broadcaster token failed: ${err.message}`));
    id = await refreshing.addUserForToken({ ...token, scope: info?.scopes ?? token.scope }, []);
    scopes = refreshing.getCurrentScopesForUser(id);
    provider = refreshing;
  } else {
    if (!info?.userId) throw new TokenProblem('the broadcaster token belongs to no user (an app token?)');
    id = info.userId;
    scopes = info.scopes;
    provider = withAppToken(new StaticAuthProvider(clientId, token.accessToken, info.scopes), clientId, clientSecret);
  }
  const login = info?.userName ?? (await getTokenInfo((await provider.getAccessTokenForUser(id))?.accessToken ?? '').then((i) => i.userName, () => null)) ?? '';
  if (source === 'bot') {
    const channel = ctx.bot.channels[0]?.replace(/^#/, '').toLowerCase();
    if (channel && login && channel !== login.toLowerCase()) {
      throw new TokenProblem(`the bot account ${login} is not the broadcaster of #${channel}: channel points, follows, subs, cheers and raids need ${channel}'s own token: log ${channel} in on the Setup page (or set TWITCH_BROADCASTER_TOKEN in .env)`);
    }
  }
  return { id, login, clientId, scopes, source, provider, appToken: !!clientSecret };
}

/**
 * A token without a refresh token, plus app tokens when there is a client secret: webhook subscriptions are
 * made with an app token, everything else with the broadcaster's.
 */
function withAppToken(user: StaticAuthProvider, clientId: string, clientSecret: string): AuthProvider {
  if (!clientSecret) return user;
  const app = new AppTokenAuthProvider(clientId, clientSecret);
  return {
    clientId,
    getCurrentScopesForUser: () => user.getCurrentScopesForUser(),
    getAccessTokenForUser: (u, ...scopes) => user.getAccessTokenForUser(u, ...scopes),
    getAnyAccessToken: () => user.getAnyAccessToken(),
    getAppAccessToken: () => app.getAppAccessToken(),
  };
}
