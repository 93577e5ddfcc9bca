// The Users page: search, sort and page through the economy's accounts; one user's details with edits of
// tokens and XP (through the economy's ledger, with the editor and a reason), notes, ban, the ledger
// history, and export or deletion of the user's data. Without the economy plugin only the user directory
// (notes, ban, export, delete) is available.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Account, ListAccountsQuery } from '../../../economy/service.ts';
import type { KnownUser } from '../../../../core/types.ts';
import { flash, httpError, page, seeOther, state, type Deps } from '../context.ts';
import { BadRequest } from '../validation.ts';

export interface UserView {
  readonly userId: string;
  readonly login: string;
  readonly displayName: string;
  readonly known: KnownUser | undefined;
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

const SORTS = ['xp', 'tokens', 'wins', 'login', 'lastSeen', 'createdAt'] as const;

/** Who edits: `dashboard` for the admin in the browser, `api:<token name>` for an API client. */
export function actorOf(ctx: Context): string {
  const user = state(ctx).user ?? 'dashboard';
  return user === 'admin' ? 'dashboard' : user;
}

export async function findUser(d: Deps, loginOrId: string): Promise<UserView | undefined> {
  const key = loginOrId.replace(/^@/, '');
  const account = await d.economy()?.findAccount(key);
  const known = account ? await d.ctx.users.byId(account.userId) : (await d.ctx.users.byLogin(key)) ?? (await d.ctx.users.byId(key));
  if (!account && !known) return undefined;
  return {
    userId: account?.userId ?? known?.id ?? key,
    login: account?.login ?? known?.login ?? key,
    displayName: account?.displayName ?? known?.displayName ?? key,
    known,
    account,
  };
}

function economyError(err: unknown): never {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) throw new BadRequest(`${(err as Error).message} (${code})`);
  throw err;
}

/** Applies edits; token and XP edits go through the economy's ledger with the editor and the reason. */
export async function updateUser(d: Deps, user: UserView, changes: UserChanges, actor: string): Promise<string[]> {
  const done: string[] = [];
  const economy = d.economy();
  const reason = changes.reason?.trim() || `edited in the dashboard by ${actor}`;
  if ((changes.tokens !== undefined || changes.xp !== undefined || changes.excluded !== undefined) && !economy) {
    throw Object.assign(new Error('the economy plugin is disabled: tokens, XP and exclusion cannot be edited'), { status: 409, expose: true });
  }
  try {
    if (economy && changes.tokens !== undefined) {
      await economy.setTokens(user.userId, changes.tokens, { reason, source: 'dashboard', actor, allowExcluded: true });
      done.push(`tokens set to ${changes.tokens}`);
    }
    if (economy && changes.xp !== undefined) {
      await economy.setXp(user.userId, changes.xp, { reason, source: 'dashboard', actor, allowExcluded: true });
      done.push(`XP set to ${changes.xp}`);
    }
    if (economy && changes.excluded !== undefined) {
      await economy.setExcluded(user.userId, changes.excluded, actor);
      done.push(changes.excluded ? 'excluded from the economy' : 'included in the economy');
    }
  } catch (err) {
    economyError(err);
  }
  if (changes.notes !== undefined || changes.banned !== undefined) {
    if (!user.known) await d.ctx.users.ensure({ id: user.userId, login: user.login, displayName: user.displayName });
    if (changes.notes !== undefined) {
      await d.ctx.users.setNotes(user.userId, changes.notes);
      done.push('notes saved');
    }
    if (changes.banned !== undefined) {
      await d.ctx.users.setBanned(user.userId, changes.banned);
      done.push(changes.banned ? 'banned from the bot' : 'unbanned');
    }
  }
  if (done.length) d.ctx.log.info(`user ${user.login} (${user.userId}) edited by ${actor}: ${done.join(', ')}${changes.reason ? ` (${changes.reason})` : ''}`);
  return done;
}

export async function exportUser(d: Deps, user: UserView): Promise<Record<string, unknown>> {
  const economy = d.economy();
  const chatlog = d.chatlog();
  const eco = economy ? await economy.exportUser(user.userId) : null;
  const chat = chatlog ? await chatlog.query({ user: user.userId, limit: 1000 }) : [];
  return {
    userId: user.userId,
    exportedAt: Date.now(),
    user: user.known ? { login: user.known.login, displayName: user.known.displayName, firstSeen: user.known.firstSeen, lastSeen: user.known.lastSeen, notes: user.known.notes, banned: user.known.banned } : null,
    economy: eco,
    chatMessages: chat.map((m) => ({ time: m.timestamp, channel: m.channel, message: m.message })),
  };
}

/** A user's deletion request: the economy anonymizes its ledger, chat lines go, the directory forgets. */
export async function deleteUser(d: Deps, user: UserView, actor: string): Promise<Record<string, unknown>> {
  const economy = d.economy();
  const chatlog = d.chatlog();
  const result: Record<string, unknown> = {};
  if (economy) Object.assign(result, await economy.deleteUser(user.userId));
  if (chatlog) result.chatMessagesDeleted = Number(result.chatMessagesDeleted ?? 0) + (await chatlog.deleteUser(user.userId));
  if (!result.userForgotten) result.userForgotten = await d.ctx.users.forget(user.userId);
  d.ctx.log.info(`data of user ${user.userId} deleted by ${actor}`);
  return result;
}

function intParam(v: unknown, fallback: number, min: number, max: number): number {
  const n = Number(Array.isArray(v) ? v[0] : v);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

export function listQuery(q: Record<string, unknown>): Required<Pick<ListAccountsQuery, 'page' | 'limit' | 'sort' | 'order'>> & { search: string } {
  const sort = SORTS.find((s) => s === q.sort) ?? 'xp';
  const order = q.order === 'asc' ? 'asc' : q.order === 'desc' ? 'desc' : sort === 'login' ? 'asc' : 'desc';
  return { search: typeof q.q === 'string' ? q.q.trim() : typeof q.search === 'string' ? q.search.trim() : '', sort, order, page: intParam(q.page, 1, 1, 1_000_000), limit: intParam(q.limit, 25, 1, 500) };
}

async function loadUser(d: Deps, ctx: Context): Promise<UserView> {
  const user = await findUser(d, String(ctx.params.login ?? ''));
  if (!user) throw httpError(404, `no user "${String(ctx.params.login ?? '')}" is known`);
  return user;
}

function userPath(u: UserView): string {
  return `/users/${encodeURIComponent(u.login)}`;
}

export function usersRoutes(router: Router, d: Deps): void {
  router.get('/users', async (ctx) => {
    const economy = d.economy();
    const q = listQuery(ctx.query);
    let rows: Account[] = [];
    let total = 0;
    let lookup: UserView | undefined;
    if (economy) {
      ({ rows, total } = await economy.listAccounts({ search: q.search || undefined, sort: q.sort, order: q.order, page: q.page, limit: q.limit }));
    } else if (q.search) {
      lookup = await findUser(d, q.search);
    }
    const pages = Math.max(1, Math.ceil(total / q.limit));
    await page(d, ctx, 'users', { title: 'Users', economy: !!economy, rows, total, q, pages, lookup: lookup ?? null, sorts: SORTS, currency: economy?.currency.name ?? 'tokens' });
  });

  router.get('/users/:login', async (ctx) => {
    const user = await loadUser(d, ctx);
    const economy = d.economy();
    const chatlog = d.chatlog();
    const history = economy ? await economy.history(user.userId, 50) : [];
    const chat = chatlog ? await chatlog.query({ user: user.userId, limit: 20 }) : [];
    await page(d, ctx, 'user', { title: user.displayName, u: user, economy: !!economy, history, chat, currency: economy?.currency.name ?? 'tokens', base: userPath(user) });
  });

  router.post('/users/:login/edit', async (ctx) => {
    const user = await loadUser(d, ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const changes: { tokens?: number; xp?: number; notes?: string; banned?: boolean; excluded?: boolean; reason?: string } = {};
    const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
    for (const key of ['tokens', 'xp'] as const) {
      const raw = typeof body[key] === 'string' ? (body[key] as string).trim() : '';
      if (raw === '') continue;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) {
        flash(ctx, 'error', `${key === 'xp' ? 'XP' : 'Tokens'} must be a whole number, 0 or more.`);
        return seeOther(ctx, userPath(user));
      }
      const current = key === 'tokens' ? user.account?.tokens : user.account?.xp;
      if (n !== current) changes[key] = n;
    }
    if ((changes.tokens !== undefined || changes.xp !== undefined) && !reason) {
      flash(ctx, 'error', 'Give a reason for the change: it goes into the ledger.');
      return seeOther(ctx, userPath(user));
    }
    if (typeof body.notes === 'string' && body.notes !== (user.known?.notes ?? '')) changes.notes = body.notes.slice(0, 2000);
    if (body.banned !== undefined) changes.banned = body.banned === 'true';
    if (body.excluded !== undefined) changes.excluded = body.excluded === 'true';
    if (reason) changes.reason = reason;
    try {
      const done = await updateUser(d, user, changes, actorOf(ctx));
      flash(ctx, done.length ? 'ok' : 'info', done.length ? `${user.login}: ${done.join(', ')}.` : 'Nothing changed.');
    } catch (err) {
      flash(ctx, 'error', (err as Error).message);
    }
    seeOther(ctx, userPath(user));
  });

  router.get('/users/:login/export', async (ctx) => {
    const user = await loadUser(d, ctx);
    ctx.set('Content-Disposition', `attachment; filename="bakebot-user-${user.login.replace(/[^a-z0-9_-]/gi, '_')}.json"`);
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(await exportUser(d, user), null, 2);
  });

  router.post('/users/:login/delete', async (ctx) => {
    const user = await loadUser(d, ctx);
    const confirm = String((ctx.request.body as Record<string, unknown>).confirm ?? '').trim().toLowerCase();
    if (confirm !== user.login.toLowerCase()) {
      flash(ctx, 'error', `Type the login (${user.login}) to confirm the deletion.`);
      return seeOther(ctx, userPath(user));
    }
    await deleteUser(d, user, actorOf(ctx));
    flash(ctx, 'ok', `Deleted the data of ${user.login}.`);
    seeOther(ctx, '/users');
  });
}
