// The dashboard's own JSON API (bot status and control, settings, plugins, logs, test chat, charts). Every
// route needs a login or `Authorization: Bearer <token>`; bodies are checked against JSON schemas; errors are
// 4xx `{ error, code, details? }`. The economy's and the chat log's routes are theirs (their web.ts).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { httpError, pluginRows, type Deps } from '../context.ts';
import { routesOf } from '../route-specs.ts';
import { redactSettings, unredactSettings } from '../masking.ts';
import type { SchemaNode } from '../schema-form.ts';
import type { ConfigIssue } from '../../../../core/types.ts';
import { postLocal, type LocalPost } from './chat.ts';
import { appLogs, levelOf } from './logs.ts';
import { savePluginSettings, switchPlugin } from './plugins.ts';

export { REDACTED } from '../masking.ts';

function schemaOf(d: Deps, name: string): SchemaNode {
  const s = d.ctx.host.plugin(name)?.configSchema;
  return (typeof s === 'object' ? s : {}) as SchemaNode;
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

/** A settings save the host refused: 400 with the issues by field in `details.issues`. */
/** A save the host refused: 400 CONFIG_INVALID with each issue (path, message) and the form's fields; the file is unchanged. */
function settingsRejected(result: { fields: Record<string, string>; other: string[]; issues: readonly ConfigIssue[]; code?: string }) {
  const message = [...Object.entries(result.fields).map(([k, v]) => `${k} ${v}`), ...result.other].join('; ');
  // RELOAD_FAILED: valid settings that did not start (the file was put back); CONFIG_INVALID otherwise.
  return httpError(400, message || 'the settings are invalid', result.code ?? 'CONFIG_INVALID', {
    issues: result.issues.map((i) => ({ path: i.path, message: i.message })),
    fields: result.fields,
    other: result.other,
  });
}

export function apiRoutes(router: Router, d: Deps): void {
  // ---- what the API answers: the dashboard's routes and every plugin's, as registered right now
  router.get('/api/routes', (ctx) => {
    const own = routesOf(router, d.ctx.name).filter((r) => r.path.startsWith('/api/') || r.path === '/events');
    ctx.body = { routes: [...own, ...d.registry.apiRoutes()] };
  });

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
    if (!result.ok) throw settingsRejected(result);
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
    if (!result.ok) throw settingsRejected(result);
    ctx.body = { ok: true, plugin: name, settings: redactSettings(schemaOf(d, name), d.ctx.host.pluginConfig(name) ?? {}) };
  });

  // ---- logs
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
    ctx.body = await d.stats.charts(d.registry.charts(), int(ctx.query.days, d.ctx.config.chartDays, 1, 365), (id, err) => d.ctx.log.warn(`chart ${id} failed: ${(err as Error).message}`));
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
