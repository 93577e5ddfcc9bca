// The Commands page: every command of every plugin (from the router: permission, cooldown, aliases, on/off),
// each row a small form that edits its `bot.commands` override, and a form for the bot section's chat
// settings (prefix, cooldowns, the cooldown reply, the flood limit). Saves go through the host
// (`saveBotConfig`), which validates them with the bot schema and puts the file back when it refuses.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ConfigIssue, Permission } from '../../../../core/types.ts';
import { flash, httpError, page, seeOther, type Deps } from '../context.ts';

const PERMISSIONS: readonly Permission[] = ['everyone', 'subscriber', 'vip', 'moderator', 'broadcaster'];

/** The bot settings this page edits, with their form labels. */
const BOT_FIELDS = [
  { key: 'prefix', label: 'Command prefix', kind: 'text', help: 'Character(s) that start a command, e.g. !' },
  { key: 'commandCooldown', label: 'Cooldown per viewer (seconds)', kind: 'number', help: 'Default wait between two uses of one command by one viewer.' },
  { key: 'cooldownReply', label: 'Tell a viewer on cooldown how long to wait (once per cooldown)', kind: 'boolean', help: '' },
  { key: 'rateLimitMessages', label: 'Flood limit: commands per window', kind: 'number', help: 'Commands a viewer may send per window before being ignored.' },
  { key: 'rateLimitWindow', label: 'Flood window (seconds)', kind: 'number', help: '' },
] as const;

type Form = Record<string, unknown>;

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : Array.isArray(v) ? String(v[v.length - 1] ?? '').trim() : '';
}

function numberOr(v: string): number | string {
  return /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

async function showCommands(d: Deps, ctx: Context, refused?: { target: string; issues: readonly ConfigIssue[]; form: Form }): Promise<void> {
  const bot = d.ctx.bot as unknown as Record<string, unknown>;
  const overrides = (bot.commands ?? {}) as Record<string, Record<string, unknown>>;
  const commands = d.ctx.runtime
    .commands()
    .slice()
    .sort((a, b) => a.plugin.localeCompare(b.plugin) || a.name.localeCompare(b.name))
    .map((c) => ({ ...c, overridden: Object.keys(overrides[c.name] ?? {}).length > 0, error: refused?.target === c.name ? refused.issues.map((i) => `${i.path.replace(/^bot\.commands\.[^.]+\.?/, '') || 'override'}: ${i.message}`) : [] }));
  const botErrors: Record<string, string> = {};
  if (refused?.target === 'bot') for (const i of refused.issues) botErrors[i.path.replace(/^bot\./, '')] = i.message;
  const botFields = BOT_FIELDS.map((f) => ({
    ...f,
    id: `bot-${f.key}`,
    value: refused?.target === 'bot' ? text(refused.form[f.key]) : String(bot[f.key] ?? ''),
    checked: refused?.target === 'bot' ? text(refused.form[f.key]) === 'true' : bot[f.key] !== false,
    error: botErrors[f.key],
  }));
  const custom = d.registry.nav().find((n) => n.item.href === '/commands/custom');
  await page(d, ctx, 'commands', {
    title: 'Commands',
    prefix: d.ctx.bot.prefix,
    commands,
    permissions: PERMISSIONS,
    botFields,
    botRefused: refused?.target === 'bot',
    canSave: typeof d.ctx.host.saveBotConfig === 'function',
    customHref: custom ? '/commands/custom' : '',
    topics: 'status',
  });
}

export function commandsRoutes(router: Router, d: Deps): void {
  router.get('/commands', (ctx) => showCommands(d, ctx));

  router.post('/commands/bot', async (ctx) => {
    const form = (ctx.request.body ?? {}) as Form;
    const edits = BOT_FIELDS.map((f) => ({ path: ['bot', f.key], value: f.kind === 'boolean' ? text(form[f.key]) === 'true' : f.kind === 'number' ? numberOr(text(form[f.key])) : text(form[f.key]) }));
    const result = await save(d, edits, []);
    if (!result.ok) {
      ctx.status = 400;
      return showCommands(d, ctx, { target: 'bot', issues: result.issues, form });
    }
    flash(ctx, 'ok', 'Saved the chat settings; they apply now.');
    seeOther(ctx, '/commands');
  });

  router.post('/commands/:name', async (ctx) => {
    const name = ctx.params.name ?? '';
    if (!d.ctx.runtime.commands().some((c) => c.name === name)) throw httpError(404, `there is no command named "${name}"`);
    const form = (ctx.request.body ?? {}) as Form;
    const base = ['bot', 'commands', name];
    if (text(form.reset) === 'true') {
      const result = await save(d, [], [base]);
      if (result.ok) flash(ctx, 'ok', `${d.ctx.bot.prefix}${name} is back to its plugin's defaults.`);
      return seeOther(ctx, `/commands#cmd-${name}`);
    }
    const override: Record<string, unknown> = { enabled: text(form.enabled) === 'true' };
    const permission = text(form.permission);
    if (permission) override.permission = permission;
    const cooldown = text(form.cooldown);
    if (cooldown) override.cooldown = numberOr(cooldown);
    const aliases = text(form.aliases).split(/[\s,]+/).map((a) => a.replace(/^!/, '')).filter(Boolean);
    override.aliases = aliases;
    const result = await save(d, [{ path: base, value: override }], []);
    if (!result.ok) {
      ctx.status = 400;
      return showCommands(d, ctx, { target: name, issues: result.issues, form });
    }
    flash(ctx, 'ok', `Saved ${d.ctx.bot.prefix}${name}; it applies now.`);
    seeOther(ctx, `/commands#cmd-${name}`);
  });
}

async function save(d: Deps, edits: { path: string[]; value: unknown }[], remove: string[][]): Promise<{ ok: true } | { ok: false; issues: readonly ConfigIssue[] }> {
  if (!d.ctx.host.saveBotConfig) throw httpError(501, 'this bot cannot save its chat settings from the dashboard; edit the config file');
  const result = await d.ctx.host.saveBotConfig(edits, remove);
  if (result.ok) d.ctx.log.info(`bot settings saved from the dashboard (${[...edits.map((e) => e.path.join('.')), ...remove.map((r) => r.join('.'))].join(', ')})`);
  return result;
}
