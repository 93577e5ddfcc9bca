// The Plugins page: every plugin's settings as a form generated from its JSON schema, validated by the
// host with that same schema (`saveConfig`), saved into config/bakebot.yaml with its comments kept and
// applied at once; and switching plugins on and off.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ConfigIssue, PluginInfo } from '../../../../core/types.ts';
import { flash, httpError, page, pluginRows, seeOther, type Deps } from '../context.ts';
import { flatFields, flatGroups, formFor, issuesByField, readForm, type RawForm, type SchemaNode } from '../schema-form.ts';
import { safeNext } from './login.ts';

interface Rejected {
  readonly plugin: string;
  readonly errors: Record<string, string>;
  readonly other: string[];
  readonly submitted: RawForm;
}

function pluginView(d: Deps, info: PluginInfo, rejected?: Rejected) {
  const schema = info.configSchema as SchemaNode;
  const mine = rejected?.plugin === info.name ? rejected : undefined;
  const items = formFor(info.name, typeof schema === 'object' ? schema : {}, d.ctx.host.pluginConfig(info.name) ?? {}, {
    errors: mine?.errors,
    submitted: mine?.submitted,
    // Set by an environment variable (GUI_PORT, ...): the form says so instead of pretending a saved value applies.
    fromEnv: d.ctx.host.settingsFromEnv(info.name),
  });
  // `fields` and `badGroups` (flat) feed the error summary; `items` is the form, groups and all.
  return { items, fields: flatFields(items), badGroups: flatGroups(items).filter((g) => g.error), formErrors: mine?.other ?? [], rejected: !!mine };
}

async function showPlugins(d: Deps, ctx: Context, rejected?: Rejected): Promise<void> {
  const infos = new Map(d.ctx.host.plugins().map((p) => [p.name, p]));
  const plugins = pluginRows(d).map((row) => {
    const info = infos.get(row.name);
    return { ...row, ...(info ? pluginView(d, info, rejected) : { items: [], fields: [], badGroups: [], formErrors: [], rejected: false }) };
  });
  await page(d, ctx, 'plugins', {
    title: 'Plugins',
    plugins,
    configFile: d.ctx.host.configFile,
    configIssues: d.ctx.host.configIssues,
    saved: typeof ctx.query.saved === 'string' ? ctx.query.saved : '',
    topics: 'status plugins',
  });
}

/** Saves one plugin's settings; returns the per-field problems when the host refuses them. */
export async function savePluginSettings(d: Deps, name: string, values: Record<string, unknown>): Promise<{ ok: true } | { ok: false; fields: Record<string, string>; other: string[]; issues: readonly ConfigIssue[]; code?: string }> {
  const result = await d.ctx.host.saveConfig(name, values);
  d.pluginsChanged();
  if (result.ok) {
    d.ctx.log.info(`settings of plugin ${name} saved from the dashboard`);
    return { ok: true };
  }
  if (result.code) d.ctx.log.warn(`settings of plugin ${name} not saved: ${result.issues.map((i) => i.message).join('; ')}`);
  const schema = d.ctx.host.plugin(name)?.configSchema;
  return { ok: false, ...issuesByField(name, result.issues, typeof schema === 'object' ? (schema as SchemaNode) : undefined), issues: result.issues, code: result.code };
}

/** Turns a plugin on or off (and writes that to the config file). The dashboard cannot switch itself off. */
export async function switchPlugin(d: Deps, name: string, enabled: boolean): Promise<PluginInfo> {
  if (!enabled && name === d.ctx.name) {
    throw Object.assign(new Error('the dashboard cannot switch itself off (you would lose this page); set plugins.dashboard.enabled: false in the config file instead'), { status: 409, expose: true });
  }
  const info = await d.ctx.host.setEnabled(name, enabled, { persist: true });
  d.pluginsChanged();
  return info;
}

export function pluginsRoutes(router: Router, d: Deps): void {
  router.get('/plugins', (ctx) => showPlugins(d, ctx));

  router.post('/plugins/:name/settings', async (ctx) => {
    const name = ctx.params.name ?? '';
    const info = d.ctx.host.plugin(name);
    if (!info) throw httpError(404, `there is no plugin named "${name}"`);
    const form = (ctx.request.body ?? {}) as RawForm;
    const schema = (typeof info.configSchema === 'object' ? info.configSchema : {}) as SchemaNode;
    const { values, errors } = readForm(schema, form, d.ctx.host.pluginConfig(name) ?? {});
    if (Object.keys(errors).length) {
      ctx.status = 400;
      return showPlugins(d, ctx, { plugin: name, errors, other: [], submitted: form });
    }
    const result = await savePluginSettings(d, name, values);
    if (!result.ok) {
      ctx.status = 400;
      return showPlugins(d, ctx, { plugin: name, errors: result.fields, other: result.other, submitted: form });
    }
    flash(ctx, 'ok', `Saved the settings of ${name}; they apply now.`);
    seeOther(ctx, `/plugins?saved=${encodeURIComponent(name)}#plugin-${name}`);
  });

  for (const action of ['enable', 'disable'] as const) {
    router.post(`/plugins/:name/${action}`, async (ctx) => {
      const name = ctx.params.name ?? '';
      if (!d.ctx.host.plugin(name)) throw httpError(404, `there is no plugin named "${name}"`);
      const back = safeNext((ctx.request.body as Record<string, unknown> | undefined)?.back ?? '/plugins');
      try {
        const info = await switchPlugin(d, name, action === 'enable');
        if (action === 'enable' && info.state !== 'enabled') flash(ctx, 'error', `${name} is ${info.state}${info.error ? `: ${info.error}` : ''}`);
        else flash(ctx, 'ok', `${name} is ${action === 'enable' ? 'on' : 'off'}.`);
      } catch (err) {
        flash(ctx, 'error', (err as Error).message);
      }
      seeOther(ctx, back);
    });
  }
}
