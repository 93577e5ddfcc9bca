// The work behind the Users pages and the `/api/users…` routes (web.ts): finding a viewer by login or id,
// edits (tokens and XP through the ledger, with the editor and a reason; notes and the bot ban in core's
// user directory), the list query, and a viewer's data export.
import type { KnownUser, PluginContext } from '../../core/types.ts';
import type { DashboardService, ViewerRef } from '../dashboard/service.ts';
import type { Account, EconomyService, ListAccountsQuery } from './service.ts';

export interface UserView extends ViewerRef {
  readonly account: Account | undefined;
}

export interface UserChanges {
  readonly tokens?: number;
  readonly xp?: number;
  readonly notes?: string;
  readonly banned?: boolean;
  readonly excluded?: boolean;
  readonly reason?: string;
}

export const SORTS = ['xp', 'tokens', 'wins', 'login', 'lastSeen', 'createdAt'] as const;

/** The body of `PUT /api/users/:username`. */
export const USER_UPDATE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    tokens: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
    xp: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
    notes: { type: 'string', maxLength: 2000 },
    banned: { type: 'boolean' },
    excluded: { type: 'boolean' },
    reason: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

type Ctx = PluginContext;

export async function findUser(ctx: Pick<Ctx, 'users'>, economy: EconomyService, loginOrId: string): Promise<UserView | undefined> {
  const key = loginOrId.replace(/^@/, '');
  const account = await economy.findAccount(key);
  const known: KnownUser | undefined = account ? await ctx.users.byId(account.userId) : (await ctx.users.byLogin(key.toLowerCase())) ?? (await ctx.users.byId(key));
  if (!account && !known) return undefined;
  return {
    userId: account?.userId ?? known?.id ?? key,
    login: account?.login ?? known?.login ?? key,
    displayName: account?.displayName ?? known?.displayName ?? key,
    known,
    account,
  };
}

/** Applies edits; token and XP edits go through the economy's ledger with the editor and the reason. */
export async function updateUser(ctx: Pick<Ctx, 'users' | 'log'>, economy: EconomyService, dashboard: DashboardService, user: UserView, changes: UserChanges, actor: string): Promise<string[]> {
  const done: string[] = [];
  const reason = changes.reason?.trim() || `edited in the dashboard by ${actor}`;
  try {
    if (changes.tokens !== undefined) {
      await economy.setTokens(user.userId, changes.tokens, { reason, source: 'dashboard', actor, allowExcluded: true });
      done.push(`tokens set to ${changes.tokens}`);
    }
    if (changes.xp !== undefined) {
      await economy.setXp(user.userId, changes.xp, { reason, source: 'dashboard', actor, allowExcluded: true });
      done.push(`XP set to ${changes.xp}`);
    }
    if (changes.excluded !== undefined) {
      await economy.setExcluded(user.userId, changes.excluded, actor);
      done.push(changes.excluded ? 'excluded from the economy' : 'included in the economy');
    }
  } catch (err) {
    // The economy's own errors (coded) are the editor's to fix: 400 with their code.
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code) throw dashboard.httpError(400, (err as Error).message, code);
    throw err;
  }
  if (changes.notes !== undefined || changes.banned !== undefined) {
    if (!user.known) await ctx.users.ensure({ id: user.userId, login: user.login, displayName: user.displayName });
    if (changes.notes !== undefined) {
      await ctx.users.setNotes(user.userId, changes.notes);
      done.push('notes saved');
    }
    if (changes.banned !== undefined) {
      await ctx.users.setBanned(user.userId, changes.banned);
      done.push(changes.banned ? 'banned from the bot' : 'unbanned');
    }
  }
  if (done.length) ctx.log.info(`user ${user.login} (${user.userId}) edited by ${actor}: ${done.join(', ')}${changes.reason ? ` (${changes.reason})` : ''}`);
  return done;
}

/** Everything about a viewer: the directory's entry, the economy's data, and what other plugins add (their chat). */
export async function exportUser(economy: EconomyService, dashboard: DashboardService, user: UserView, now: number): Promise<Record<string, unknown>> {
  const eco = await economy.exportUser(user.userId);
  const k = user.known;
  return {
    userId: user.userId,
    exportedAt: now,
    user: k ? { login: k.login, displayName: k.displayName, firstSeen: k.firstSeen, lastSeen: k.lastSeen, notes: k.notes, banned: k.banned } : null,
    economy: eco,
    ...(await dashboard.exportUserSections(user)),
  };
}

export function userJson(u: UserView) {
  return {
    userId: u.userId,
    login: u.login,
    displayName: u.displayName,
    banned: u.known?.banned ?? false,
    notes: u.known?.notes ?? '',
    firstSeen: u.known?.firstSeen ?? null,
    lastSeen: u.known?.lastSeen ?? u.account?.lastSeen ?? null,
    account: u.account ?? null,
  };
}

export function intParam(v: unknown, fallback: number, min: number, max: number): number {
  const n = Number(Array.isArray(v) ? v[0] : v);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

export function listQuery(q: Readonly<Record<string, unknown>>): Required<Pick<ListAccountsQuery, 'page' | 'limit' | 'sort' | 'order'>> & { search: string } {
  const sort = SORTS.find((s) => s === q.sort) ?? 'xp';
  const order = q.order === 'asc' ? 'asc' : q.order === 'desc' ? 'desc' : sort === 'login' ? 'asc' : 'desc';
  return { search: typeof q.q === 'string' ? q.q.trim() : typeof q.search === 'string' ? q.search.trim() : '', sort, order, page: intParam(q.page, 1, 1, 1_000_000), limit: intParam(q.limit, 25, 1, 500) };
}
