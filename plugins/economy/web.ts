// The economy on the dashboard, registered through its service with the economy's ctx as owner (so it comes
// and goes with the economy, and a reload of the economy never restarts the dashboard): the Users pages
// (accounts, a viewer's page with edits, ledger, export and deletion), the JSON routes `/api/users…`,
// `/api/leaderboard` and `/api/economy/stats`, the token charts, and a panel on the Dashboard page.
import path from 'node:path';
import type { PluginContext } from '../../core/types.ts';
import type { ApiRequest, ApiRoute, DashboardService } from '../dashboard/service.ts';
import type { EconomyService, LeaderboardBy } from './service.ts';
import { exportUser, findUser, intParam, listQuery, SORTS, updateUser, USER_UPDATE_SCHEMA, userJson, type UserChanges, type UserView } from './web-users.ts';

type Ctx = Pick<PluginContext, 'name' | 'onDispose' | 'users' | 'log' | 'clock' | 'dir'>;

function userPath(u: UserView): string {
  return `/users/${encodeURIComponent(u.login)}`;
}

export function mountDashboard(ctx: Ctx, dashboard: DashboardService, economy: EconomyService): void {
  const template = (name: string) => path.join(ctx.dir, 'templates', name);
  const load = async (loginOrId: string | undefined): Promise<UserView> => {
    const key = loginOrId ?? '';
    const user = key ? await findUser(ctx, economy, key) : undefined;
    if (!user) throw dashboard.httpError(404, `no user "${key}" is known`, 'UNKNOWN_USER');
    return user;
  };
  const remove = async (user: UserView, actor: string) => {
    // One entry for a deletion: core forgets the viewer, every plugin deletes its rows in its own tap.
    const result = await economy.deleteUser(user.userId);
    ctx.log.info(`data of user ${user.userId} deleted by ${actor}`);
    return result;
  };

  // ---- the pages
  dashboard.addPage(ctx, {
    path: '/users',
    title: 'Users',
    order: 30,
    render: async ({ query }) => {
      const q = listQuery(query);
      const { rows, total } = await economy.listAccounts({ search: q.search || undefined, sort: q.sort, order: q.order, page: q.page, limit: q.limit });
      return { template: template('users.njk'), data: { rows, total, q, pages: Math.max(1, Math.ceil(total / q.limit)), sorts: SORTS, currency: economy.currency.name } };
    },
  });

  dashboard.addPage(ctx, {
    path: '/users/:login',
    title: 'Viewer',
    render: async ({ params }) => {
      const user = await load(params.login);
      const [history, sections] = await Promise.all([economy.history(user.userId, 50), dashboard.renderUserSections(user)]);
      return { template: template('user.njk'), title: user.displayName, data: { u: user, history, sections, currency: economy.currency.name, base: userPath(user) } };
    },
  });

  // ---- the pages' forms and the export download (browser routes, answered with a redirect and a message)
  const formRoutes: ApiRoute[] = [
    {
      method: 'POST',
      path: '/users/:login/edit',
      handler: async (req: ApiRequest) => {
        const user = await load(req.params.login);
        const body = (req.body ?? {}) as Record<string, unknown>;
        const back = () => req.redirect(userPath(user));
        const changes: { -readonly [K in keyof UserChanges]: UserChanges[K] } = {};
        const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
        for (const key of ['tokens', 'xp'] as const) {
          const raw = typeof body[key] === 'string' ? (body[key] as string).trim() : '';
          if (raw === '') continue;
          const n = Number(raw);
          if (!Number.isInteger(n) || n < 0) {
            req.flash('error', `${key === 'xp' ? 'XP' : 'Tokens'} must be a whole number, 0 or more.`);
            return back();
          }
          const current = key === 'tokens' ? user.account?.tokens : user.account?.xp;
          if (n !== current) changes[key] = n;
        }
        if ((changes.tokens !== undefined || changes.xp !== undefined) && !reason) {
          req.flash('error', 'Give a reason for the change: it goes into the ledger.');
          return back();
        }
        if (typeof body.notes === 'string' && body.notes !== (user.known?.notes ?? '')) changes.notes = body.notes.slice(0, 2000);
        if (body.banned !== undefined) changes.banned = body.banned === 'true';
        if (body.excluded !== undefined) changes.excluded = body.excluded === 'true';
        if (reason) changes.reason = reason;
        try {
          const done = await updateUser(ctx, economy, dashboard, user, changes, req.actor);
          req.flash(done.length ? 'ok' : 'info', done.length ? `${user.login}: ${done.join(', ')}.` : 'Nothing changed.');
        } catch (err) {
          req.flash('error', (err as Error).message);
        }
        return back();
      },
    },
    {
      method: 'GET',
      path: '/users/:login/export',
      handler: async (req: ApiRequest) => {
        const user = await load(req.params.login);
        req.header('Content-Disposition', `attachment; filename="bakebot-user-${user.login.replace(/[^a-z0-9_-]/gi, '_')}.json"`);
        req.header('Content-Type', 'application/json; charset=utf-8');
        return JSON.stringify(await exportUser(economy, dashboard, user, ctx.clock.now()), null, 2);
      },
    },
    {
      method: 'POST',
      path: '/users/:login/delete',
      handler: async (req: ApiRequest) => {
        const user = await load(req.params.login);
        const confirm = String((req.body as Record<string, unknown>).confirm ?? '').trim().toLowerCase();
        if (confirm !== user.login.toLowerCase()) {
          req.flash('error', `Type the login (${user.login}) to confirm the deletion.`);
          return req.redirect(userPath(user));
        }
        await remove(user, req.actor);
        req.flash('ok', `Deleted the data of ${user.login}.`);
        return req.redirect('/users');
      },
    },
  ];
  dashboard.addApi(ctx, formRoutes);

  // ---- the JSON API (the seed's routes, same paths and bodies as before they moved here)
  const apiRoutes: ApiRoute[] = [
    {
      method: 'GET',
      path: '/api/users',
      handler: async ({ query }: ApiRequest) => {
        const q = listQuery(query);
        const { rows, total } = await economy.listAccounts({ search: q.search || undefined, sort: q.sort, order: q.order, page: q.page, limit: q.limit });
        return { users: rows, total, page: q.page, limit: q.limit, pages: Math.max(1, Math.ceil(total / q.limit)) };
      },
    },
    {
      method: 'GET',
      path: '/api/users/:username',
      handler: async ({ params, query }: ApiRequest) => {
        const u = await load(params.username);
        return { user: userJson(u), history: await economy.history(u.userId, intParam(query.history, 20, 0, 500)) };
      },
    },
    {
      method: 'PUT',
      path: '/api/users/:username',
      bodySchema: USER_UPDATE_SCHEMA,
      handler: async (req: ApiRequest<UserChanges>) => {
        const u = await load(req.params.username);
        const done = await updateUser(ctx, economy, dashboard, u, req.body, req.actor);
        const fresh = (await findUser(ctx, economy, u.userId)) ?? u;
        return { ok: true, changes: done, user: userJson(fresh) };
      },
    },
    {
      method: 'GET',
      path: '/api/users/:username/export',
      handler: async ({ params }: ApiRequest) => exportUser(economy, dashboard, await load(params.username), ctx.clock.now()),
    },
    {
      method: 'DELETE',
      path: '/api/users/:username',
      handler: async (req: ApiRequest) => ({ ok: true, ...(await remove(await load(req.params.username), req.actor)) }),
    },
    {
      method: 'GET',
      path: '/api/leaderboard',
      handler: async ({ query }: ApiRequest) => {
        const by = (['xp', 'tokens', 'wins'] as const).find((b) => b === query.by) ?? ('xp' as LeaderboardBy);
        return { by, leaderboard: await economy.leaderboard(by, intParam(query.limit, 10, 1, 100)) };
      },
    },
    {
      method: 'GET',
      path: '/api/economy/stats',
      handler: async () => ({ stats: await economy.stats(), currency: economy.currency }),
    },
  ];
  dashboard.addApi(ctx, apiRoutes);

  // ---- the Dashboard page: token charts and the economy's numbers
  dashboard.addChart(ctx, {
    id: 'circulation',
    title: `${cap(economy.currency.name)} in circulation`,
    kind: 'line',
    order: 10,
    data: async ({ days }) => {
      const over = await economy.circulationOverTime(days);
      return { labels: over.map((d) => d.day), values: over.map((d) => d.circulation), label: economy.currency.name };
    },
  });
  dashboard.addChart(ctx, {
    id: 'earners',
    title: 'Top earners',
    kind: 'bar',
    horizontal: true,
    order: 20,
    data: async ({ days }) => {
      const top = await economy.topEarners(days, 10);
      return { labels: top.map((t) => t.displayName || t.login), values: top.map((t) => t.earned), label: `${economy.currency.name} earned` };
    },
  });
  dashboard.addPanel(ctx, {
    id: 'economy-summary',
    title: 'Economy',
    order: 50,
    render: async () => {
      const s = await economy.stats();
      return dashboard.html`<p><strong>${s.users.toLocaleString('en-US')}</strong> accounts · <strong>${economy.format(s.tokensInCirculation)}</strong> in circulation</p>
        <p><a href="/users">Open the Users page</a></p>`;
    },
  });
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
