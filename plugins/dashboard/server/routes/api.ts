// The JSON API (the seed's endpoints plus plugin control). Every route needs a login or
// `Authorization: Bearer <token>`; bodies are checked against JSON schemas; errors are 4xx `{ error }`.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { EconomyService, LeaderboardBy } from '../../../economy/service.ts';
import type { ChatLogService } from '../../../chatlog/index.ts';
import { httpError, pluginRows, type Deps } from '../context.ts';
import { redactSettings, unredactSettings } from '../masking.ts';
import type { SchemaNode } from '../schema-form.ts';
import type { ConfigIssue } from '../../../../core/types.ts';
import { postLocal, type LocalPost } from './chat.ts';
import { appLogs, levelOf, parseTime } from './logs.ts';
import { savePluginSettings, switchPlugin } from './plugins.ts';
import { actorOf, deleteUser, exportUser, findUser, listQuery, updateUser, type UserChanges, type UserView } from './users.ts';

export { REDACTED } from '../masking.ts';

function needEconomy(d: Deps): EconomyService {
  const e = d.economy();
  if (!e) throw httpError(503, 'the economy plugin is disabled; enable it on the Plugins page');
  return e;
}

function needChatlog(d: Deps): ChatLogService {
  const c = d.chatlog();
  if (!c) throw httpError(503, 'the chatlog plugin is disabled; enable it on the Plugins page');
  return c;
}

function schemaOf(d: Deps, name: string): SchemaNode {
  const s = d.ctx.host.plugin(name)?.configSchema;
  return (typeof s === 'object' ? s : {}) as SchemaNode;
}

/** The answer to a save the host refused: 400 `{error, code: 'CONFIG_INVALID', details: {issues}}`; the file is unchanged. */
function refusedSave(ctx: Context, result: { fields: Record<string, string>; other: string[]; issues: readonly ConfigIssue[] }): void {
  ctx.status = 400;
  ctx.body = {
    error: [...Object.entries(result.fields).map(([k, v]) => `${k} ${v}`), ...result.other].join('; '),
    code: 'CONFIG_INVALID',
    details: { issues: result.issues.map((i) => ({ path: i.path, message: i.message })), fields: result.fields },
  };
}

function userJson(u: UserView) {
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

async function loadUser(d: Deps, ctx: Context): Promise<UserView> {
  const name = String(ctx.params.username ?? '');
  const u = await findUser(d, name);
  if (!u) throw httpError(404, `no user "${name}" is known`);
  return u;
}

function pluginName(d: Deps, ctx: Context): string {
  const name = String(ctx.params.name ?? '');
  if (!d.ctx.host.plugin(name)) throw httpError(404, `there is no plugin named "${name}"`);
  return name;
}

function int(v: unknown, fallback: number, min: number, max: number): number {
  const n = Number(Array.isArray(v) ? v[0] : v);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

export function apiRoutes(router: Router, d: Deps): void {
  // ---- status and bot control
  router.get('/api/status', (ctx) => {
    ctx.body = { bot: d.status(), plugins: pluginRows(d) };
  });

  router.post('/api/start-bot', async (ctx) => {
    try {
      await d.ctx.runtime.startChat();
    } catch (err) {
      throw httpError(409, (err as Error).message);
    }
    ctx.body = { ok: true, status: d.status() };
  });

  router.post('/api/stop-bot', async (ctx) => {
    await d.ctx.runtime.stopChat();
    ctx.body = { ok: true, status: d.status() };
  });

  // ---- configuration
  router.get('/api/config', (ctx) => {
    const plugins: Record<string, unknown> = {};
    for (const p of d.ctx.host.plugins()) {
      plugins[p.name] = { enabled: p.wanted, state: p.state, settings: redactSettings(schemaOf(d, p.name), d.ctx.host.pluginConfig(p.name) ?? {}) };
    }
    ctx.body = { configFile: d.ctx.host.configFile, bot: d.ctx.bot, plugins, issues: d.ctx.host.configIssues };
  });

  router.post('/api/save-config', async (ctx) => {
    const body = d.validator.check<{ plugin: string; settings: Record<string, unknown> }>('saveConfig', ctx.request.body);
    if (!d.ctx.host.plugin(body.plugin)) throw httpError(404, `there is no plugin named "${body.plugin}"`);
    const settings = unredactSettings(schemaOf(d, body.plugin), body.settings, d.ctx.host.pluginConfig(body.plugin) ?? {});
    const result = await savePluginSettings(d, body.plugin, settings);
    if (!result.ok) return refusedSave(ctx, result);
    ctx.body = { ok: true, settings: redactSettings(schemaOf(d, body.plugin), d.ctx.host.pluginConfig(body.plugin) ?? {}) };
  });

  // ---- plugins
  router.get('/api/plugins', (ctx) => {
    ctx.body = { plugins: pluginRows(d) };
  });

  for (const action of ['enable', 'disable'] as const) {
    router.post(`/api/plugins/:name/${action}`, async (ctx) => {
      const name = pluginName(d, ctx);
      const info = await switchPlugin(d, name, action === 'enable');
      ctx.body = { plugin: pluginRows(d).find((p) => p.name === info.name) ?? null };
    });
  }

  router.get('/api/plugins/:name/config', (ctx) => {
    const name = pluginName(d, ctx);
    const schema = schemaOf(d, name);
    ctx.body = { plugin: name, settings: redactSettings(schema, d.ctx.host.pluginConfig(name) ?? {}), schema };
  });

  router.put('/api/plugins/:name/config', async (ctx) => {
    const name = pluginName(d, ctx);
    const input = d.validator.check<Record<string, unknown>>('pluginConfig', ctx.request.body);
    const settings = unredactSettings(schemaOf(d, name), input, d.ctx.host.pluginConfig(name) ?? {});
    const result = await savePluginSettings(d, name, settings);
    if (!result.ok) return refusedSave(ctx, result);
    ctx.body = { ok: true, plugin: name, settings: redactSettings(schemaOf(d, name), d.ctx.host.pluginConfig(name) ?? {}) };
  });

  // ---- users and the economy
  router.get('/api/users', async (ctx) => {
    const economy = needEconomy(d);
    const q = listQuery(ctx.query);
    const { rows, total } = await economy.listAccounts({ search: q.search || undefined, sort: q.sort, order: q.order, page: q.page, limit: q.limit });
    ctx.body = { users: rows, total, page: q.page, limit: q.limit, pages: Math.max(1, Math.ceil(total / q.limit)) };
  });

  router.get('/api/users/:username', async (ctx) => {
    const u = await loadUser(d, ctx);
    const economy = d.economy();
    ctx.body = { user: userJson(u), history: economy ? await economy.history(u.userId, int(ctx.query.history, 20, 0, 500)) : [] };
  });

  router.put('/api/users/:username', async (ctx) => {
    const u = await loadUser(d, ctx);
    const changes = d.validator.check<UserChanges>('userUpdate', ctx.request.body);
    const done = await updateUser(d, u, changes, actorOf(ctx));
    const fresh = (await findUser(d, u.userId)) ?? u;
    ctx.body = { ok: true, changes: done, user: userJson(fresh) };
  });

  router.get('/api/users/:username/export', async (ctx) => {
    ctx.body = await exportUser(d, await loadUser(d, ctx));
  });

  router.delete('/api/users/:username', async (ctx) => {
    ctx.body = { ok: true, ...(await deleteUser(d, await loadUser(d, ctx), actorOf(ctx))) };
  });

  router.get('/api/leaderboard', async (ctx) => {
    const economy = needEconomy(d);
    const by = (['xp', 'tokens', 'wins'] as const).find((b) => b === ctx.query.by) ?? ('xp' as LeaderboardBy);
    ctx.body = { by, leaderboard: await economy.leaderboard(by, int(ctx.query.limit, 10, 1, 100)) };
  });

  router.get('/api/economy/stats', async (ctx) => {
    const economy = needEconomy(d);
    ctx.body = { stats: await economy.stats(), currency: economy.currency };
  });

  // ---- logs
  router.get('/api/chat_logs', async (ctx) => {
    const chatlog = needChatlog(d);
    const q = ctx.query;
    await chatlog.flush();
    const before = q.before === undefined ? undefined : int(q.before, 0, 0, Number.MAX_SAFE_INTEGER);
    ctx.body = {
      messages: await chatlog.query({
        user: typeof q.user === 'string' && q.user ? q.user : undefined,
        text: typeof q.text === 'string' && q.text ? q.text : undefined,
        since: parseTime(q.since),
        until: parseTime(q.until),
        before,
        limit: int(q.limit, 100, 1, 1000),
      }),
    };
  });

  router.get('/api/logs', (ctx) => {
    ctx.body = { logs: appLogs(d, levelOf(ctx.query.level), int(ctx.query.limit, 200, 1, 1000)) };
  });

  // ---- test chat
  router.post('/api/chat', (ctx) => {
    const body = d.validator.check<LocalPost>('chat', ctx.request.body);
    const m = postLocal(d, body);
    ctx.status = 201;
    ctx.body = { message: { id: m.id, channel: m.channel, login: m.user.login, displayName: m.user.displayName, roles: m.user.roles, text: m.text, time: m.time } };
  });

  router.get('/api/chat/transcript', (ctx) => {
    ctx.body = { transcript: d.transcript.entries };
  });

  // ---- charts and the Twitch token
  router.get('/api/stats/charts', async (ctx) => {
    ctx.body = await d.stats.charts(d.economy(), d.chatlog(), int(ctx.query.days, d.ctx.config.chartDays, 1, 365));
  });

  router.get('/api/stats/commands', async (ctx) => {
    ctx.body = { commands: await d.stats.commandUses(int(ctx.query.hours, 168, 1, 24 * 365)) };
  });

  router.get('/api/twitch/token', (ctx) => {
    ctx.body = { check: d.tokenCheck() ?? null };
  });

  router.post('/api/twitch/token/check', async (ctx) => {
    ctx.body = { check: await d.checkToken() };
  });
}
