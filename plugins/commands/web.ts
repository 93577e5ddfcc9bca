// Custom commands and timers on the dashboard: a "Custom commands" page (beside the dashboard's own Commands
// page, at /commands/custom) to add, edit, test and delete commands and timers and see their counters, and
// the API under /api/commands/. Database commands are saved through the service; commands and timers of the
// config file are saved into plugins.commands of the config file (the plugin restarts with them).
import path from 'node:path';
import type { PluginContext } from '../../core/types.ts';
import type { ApiRequest, ApiRoute, DashboardService, SafeHtml } from '../dashboard/service.ts';
import { COMMAND_SCHEMA, PERMISSION_NAMES, TIMER_SCHEMA } from './schema.ts';
import { isCommandsError, type CommandsService, type CustomCommand, type TimerView } from './service.ts';
import { VARIABLES } from './variables.ts';

interface TestBody {
  readonly text?: string;
  readonly login?: string;
  readonly args?: string;
}

const TEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { text: { type: 'string', maxLength: 500 }, login: { type: 'string', maxLength: 40 }, args: { type: 'string', maxLength: 400 } },
} as const;

export function mountDashboard(ctx: PluginContext<object>, dashboard: DashboardService, service: CommandsService): void {
  /** The service's own errors as 4xx answers; anything else is the dashboard's 500. */
  const answered = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (!isCommandsError(err)) throw err;
      throw dashboard.httpError(err.code === 'NOT_FOUND' ? 404 : err.code === 'INVALID' ? 400 : 409, err.message, err.code);
    }
  };
  /** Writes `plugins.commands.<section>` of the config file; the plugin restarts with it. */
  const saveSection = async (section: 'commands' | 'timers', change: (current: Record<string, unknown>) => void) => {
    const current = { ...(ctx.host.pluginConfig('commands') ?? {}) } as Record<string, unknown>;
    const part = { ...((current[section] as Record<string, unknown> | undefined) ?? {}) };
    change(part);
    const result = await ctx.host.saveConfig('commands', { ...current, [section]: part });
    if (!result.ok) throw dashboard.httpError(400, result.issues.map((i) => `${i.path}: ${i.message}`).join('; '), 'INVALID_CONFIG', result.issues);
    return { ok: true };
  };
  const previewOptions = (b: TestBody) => ({ ...(b.login ? { login: b.login } : {}), ...(b.args !== undefined ? { args: b.args } : {}) });
  const configCommand = async (name: string) => (await service.list()).find((c) => c.name === name);

  const routes: ApiRoute[] = [
    { method: 'GET', path: '/api/commands/custom', handler: async () => ({ commands: await service.list(), variables: VARIABLES }) },
    {
      method: 'PUT', path: '/api/commands/custom/:name', bodySchema: COMMAND_SCHEMA,
      handler: async (r) => {
        const name = (r.params.name ?? '').toLowerCase();
        const existing = await configCommand(name);
        if (existing?.source === 'config') return saveSection('commands', (part) => (part[name] = r.body));
        const command = await answered(() => service.save(name, r.body as { response: string }, r.actor));
        r.status(existing ? 200 : 201);
        return { command };
      },
    },
    {
      method: 'DELETE', path: '/api/commands/custom/:name',
      handler: async (r) => {
        const name = (r.params.name ?? '').toLowerCase();
        if ((await configCommand(name))?.source === 'config') return saveSection('commands', (part) => delete part[name]);
        await answered(() => service.remove(name));
        return { ok: true };
      },
    },
    {
      method: 'POST', path: '/api/commands/custom/:name/test', bodySchema: TEST_SCHEMA,
      handler: async (r: ApiRequest<TestBody>) => ({ text: await answered(() => service.preview(r.params.name ?? '', previewOptions(r.body))) }),
    },
    {
      method: 'POST', path: '/api/commands/render', bodySchema: { ...TEST_SCHEMA, required: ['text'] },
      handler: (r: ApiRequest<TestBody>) => service.render(r.body.text ?? '', previewOptions(r.body)),
    },
    { method: 'GET', path: '/api/commands/timers', handler: () => ({ timers: service.timers() }) },
    {
      method: 'PUT', path: '/api/commands/timers/:name', bodySchema: TIMER_SCHEMA,
      handler: (r) => {
        const name = (r.params.name ?? '').toLowerCase();
        if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(name)) throw dashboard.httpError(400, 'a timer name is 1-32 lower-case letters, digits, - or _', 'INVALID_BODY');
        return saveSection('timers', (part) => (part[name] = r.body));
      },
    },
    {
      method: 'DELETE', path: '/api/commands/timers/:name',
      handler: (r) => {
        const name = r.params.name ?? '';
        if (!service.timers().some((t) => t.name === name)) throw dashboard.httpError(404, `there is no timer "${name}"`, 'NOT_FOUND');
        return saveSection('timers', (part) => delete part[name]);
      },
    },
    {
      method: 'POST', path: '/api/commands/timers/:name/test',
      handler: async (r) => {
        await answered(() => service.fireTimer(r.params.name ?? ''));
        return { ok: true };
      },
    },
  ];
  dashboard.addApi(ctx, routes);

  const assets = dashboard.addAssets(ctx, path.join(ctx.dir, 'web'));
  dashboard.addPage(ctx, {
    path: '/commands/custom',
    title: 'Custom commands',
    order: 25,
    scripts: [`${assets}commands-page.js`],
    styles: [`${assets}commands-page.css`],
    render: async () => renderPage(dashboard, ctx.bot.prefix, await service.list(), service.timers()),
  });
}

function renderPage(dashboard: DashboardService, prefix: string, commands: readonly CustomCommand[], timers: readonly TimerView[]): SafeHtml {
  const h = dashboard.html;
  const when = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—');
  const commandRow = (c: CustomCommand) => h`<tr data-name="${c.name}" data-command="${JSON.stringify(c)}">
    <td><code>${prefix}${c.name}</code>${c.aliases.length ? h`<br><small>${c.aliases.map((a) => prefix + a).join(' ')}</small>` : ''}</td>
    <td class="cc-response">${c.response}${c.unknownVariables.length ? h`<br><small class="bad">Not variables (shown as written): ${c.unknownVariables.join(' ')}</small>` : ''}</td>
    <td>${c.permission}</td><td>${c.cooldown ?? 'default'} / ${c.globalCooldown}</td><td>${c.cost || '—'}</td>
    <td class="cc-count">${c.count}</td>
    <td>${c.source === 'config' ? 'config file' : 'chat / dashboard'}${!c.enabled ? h`<br><small>off</small>` : ''}${c.problem ? h`<br><small class="bad">${c.problem}</small>` : ''}</td>
    <td class="cc-actions"><button type="button" class="small cc-edit">Edit</button> <button type="button" class="small cc-test">Test</button> <button type="button" class="small danger cc-delete">Delete</button></td>
  </tr>`;
  const timerRow = (t: TimerView) => h`<tr data-name="${t.name}" data-timer="${JSON.stringify(t)}">
    <td><code>${t.name}</code></td><td>${t.message}${t.unknownVariables.length ? h`<br><small class="bad">Not variables: ${t.unknownVariables.join(' ')}</small>` : ''}</td>
    <td>${t.minutes} min</td><td>${t.minLines}</td><td>${t.enabled ? 'on' : 'off'}</td>
    <td>${Object.entries(t.lines).map(([c, n]) => `#${c}: ${n}`).join(', ') || '0'}</td><td>${when(t.nextAt)}</td><td>${when(t.lastPostedAt)}</td>
    <td class="cc-actions"><button type="button" class="small tm-edit">Edit</button> <button type="button" class="small tm-test">Post now</button> <button type="button" class="small danger tm-delete">Delete</button></td>
  </tr>`;
  return h`<div id="commands-page" data-prefix="${prefix}">
<p>Custom commands answer in chat with the text you give them. Moderators can also manage them from chat:
<code>${prefix}addcom</code>, <code>${prefix}editcom</code>, <code>${prefix}delcom</code>, and everyone can list them with <code>${prefix}commands</code>.
Commands of the config file are saved back into it; the others live in the bot's database. A custom command never replaces a plugin's command.</p>
<p id="cc-message" class="cc-message" role="status" aria-live="polite"></p>
<section class="card" aria-labelledby="cc-h">
  <h2 id="cc-h">Custom commands</h2>
  ${commands.length
    ? h`<div class="table-wrap"><table id="cc-table"><thead><tr><th>Command</th><th>Response</th><th>Who</th><th>Cooldown (s) viewer / all</th><th>Cost</th><th>Uses</th><th>Defined in</th><th></th></tr></thead><tbody>${commands.map(commandRow)}</tbody></table></div>`
    : h`<p id="cc-table">No custom commands yet.</p>`}
  <form id="cc-form" class="cc-form">
    <h3>Add or change a command</h3>
    <label>Name <input name="name" required pattern="[^\\s!]{1,32}" placeholder="discord" autocomplete="off"></label>
    <label class="cc-wide">Response <textarea name="response" required maxlength="500" rows="2" placeholder="Join us, {user}: https://discord.gg/…"></textarea></label>
    <p class="cc-unknown bad" id="cc-unknown" aria-live="polite"></p>
    <label>Who may use it <select name="permission">${PERMISSION_NAMES.map((p) => h`<option value="${p}">${p}</option>`)}</select></label>
    <label>Cooldown per viewer (s) <input name="cooldown" type="number" min="0" max="86400" step="any" placeholder="bot default"></label>
    <label>Cooldown for all (s) <input name="globalCooldown" type="number" min="0" max="86400" step="any" value="0"></label>
    <label>Cost (tokens) <input name="cost" type="number" min="0" max="1000000" value="0"></label>
    <label>Aliases <input name="aliases" placeholder="dc, disc"></label>
    <label class="cc-check"><input name="enabled" type="checkbox" checked> On</label>
    <p class="actions"><button type="submit" class="primary">Save command</button> <button type="button" id="cc-try">Test</button></p>
    <p class="cc-preview" id="cc-preview" aria-live="polite"></p>
  </form>
  <details><summary>Variables</summary><ul class="cc-vars">${Object.entries(VARIABLES).map(([name, text]) => h`<li><code>{${name}}</code> ${text}</li>`)}</ul></details>
</section>
<section class="card" aria-labelledby="tm-h">
  <h2 id="tm-h">Timers</h2>
  <p>A timer posts its message every N minutes, but only after at least M chat lines since its last post. Saved into the config file.</p>
  ${timers.length
    ? h`<div class="table-wrap"><table id="tm-table"><thead><tr><th>Timer</th><th>Message</th><th>Every</th><th>Min. lines</th><th>On</th><th>Lines since</th><th>Next</th><th>Last post</th><th></th></tr></thead><tbody>${timers.map(timerRow)}</tbody></table></div>`
    : h`<p id="tm-table">No timers yet.</p>`}
  <form id="tm-form" class="cc-form">
    <h3>Add or change a timer</h3>
    <label>Name <input name="name" required pattern="[a-z0-9][a-z0-9_\\-]{0,31}" placeholder="follow" autocomplete="off"></label>
    <label class="cc-wide">Message <textarea name="message" required maxlength="500" rows="2" placeholder="Enjoying the stream? Follow the bakery!"></textarea></label>
    <label>Every (minutes) <input name="minutes" type="number" min="1" max="1440" step="any" value="15" required></label>
    <label>Min. chat lines <input name="minLines" type="number" min="0" max="10000" value="5" required></label>
    <label class="cc-check"><input name="enabled" type="checkbox" checked> On</label>
    <p class="actions"><button type="submit" class="primary">Save timer</button></p>
  </form>
</section>
</div>`;
}
