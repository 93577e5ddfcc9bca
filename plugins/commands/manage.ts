// Managing custom commands from chat: !addcom, !editcom, !delcom (moderators by default) and !commands
// (everyone: the custom commands they may use). Options come before the response, Nightbot-style:
//   !addcom -ul=subscriber -cd=30 -gcd=5 -cost=10 -a=dc,disc !discord Join us: https://discord.gg/…
import type { CommandCall, Permission, PluginContext } from '../../core/types.ts';
import { allows, permissionOf } from '../../core/define.ts';
import { PERMISSION_NAMES } from './schema.ts';
import type { CustomCommandSettings } from './service.ts';
import { CommandsError, normalName, type CommandTable } from './table.ts';
import { analyze } from './variables.ts';

const OPTION_USAGE = '[-ul=everyone|subscriber|vip|moderator] [-cd=seconds] [-gcd=seconds] [-cost=tokens] [-a=alias,alias]';

type Options = { -readonly [K in keyof CustomCommandSettings]?: CustomCommandSettings[K] };

/** Reads leading `-key=value` options and the command name from what follows !addcom / !editcom. */
export function parseManage(rest: string, prefix: string): { name?: string; options: Options; response: string } | { error: string } {
  const options: Options = {};
  let name: string | undefined;
  let text = rest.trim();
  for (;;) {
    const m = /^(\S+)(?:\s+|$)/.exec(text);
    if (!m?.[1]) break;
    const token = m[1];
    const opt = /^-(ul|level|cd|cooldown|gcd|cost|a|aliases)=(\S*)$/i.exec(token);
    if (opt) {
      const key = (opt[1] ?? '').toLowerCase();
      const value = opt[2] ?? '';
      if (key === 'ul' || key === 'level') {
        const p = value.toLowerCase().replace(/^mod$/, 'moderator').replace(/^sub$/, 'subscriber');
        if (!(PERMISSION_NAMES as readonly string[]).includes(p)) return { error: `-ul must be one of ${PERMISSION_NAMES.join(', ')}` };
        options.permission = p as Permission;
      } else if (key === 'a' || key === 'aliases') {
        options.aliases = value.split(',').map((a) => normalName(a, prefix)).filter(Boolean);
      } else {
        const n = Number(value);
        if (value === '' || !Number.isFinite(n) || n < 0) return { error: `-${key} must be a number of ${key === 'cost' ? 'tokens' : 'seconds'}` };
        if (key === 'cost') options.cost = n;
        else if (key === 'gcd') options.globalCooldown = n;
        else options.cooldown = n;
      }
    } else if (name === undefined) {
      name = normalName(token, prefix);
    } else break;
    text = text.slice(m[0].length);
  }
  return { ...(name ? { name } : {}), options, response: text.trim() };
}

export function registerManagement(ctx: PluginContext<{ managePermission: Permission }>, table: CommandTable): void {
  const prefix = () => ctx.bot.prefix;
  const permission = ctx.config.managePermission;
  const note = (response: string): string => {
    const unknown = analyze(response).unknown;
    return unknown.length ? ` Note: ${unknown.join(' ')} ${unknown.length === 1 ? 'is not a variable' : 'are not variables'} and will show as written.` : '';
  };
  const failed = async (call: CommandCall, err: unknown): Promise<void> => {
    if (err instanceof CommandsError) return call.reply(`Not saved: ${err.message}.`);
    throw err;
  };

  ctx.commands.register({
    name: 'addcom',
    description: 'Adds a custom command.',
    usage: `${OPTION_USAGE} <!name> <response>`,
    permission,
    cooldown: 0,
    async run(call) {
      const parsed = parseManage(call.rest, prefix());
      if ('error' in parsed) return call.usage(parsed.error);
      if (!parsed.name || !parsed.response) return call.usage();
      if (table.get(parsed.name)) return call.reply(`${prefix()}${parsed.name} exists already; change it with ${prefix()}editcom.`);
      try {
        await table.save(parsed.name, { ...parsed.options, response: parsed.response }, call.user.id);
      } catch (err) {
        return failed(call, err);
      }
      await call.reply(`Added ${prefix()}${parsed.name}.${note(parsed.response)}`);
    },
  });

  ctx.commands.register({
    name: 'editcom',
    description: "Changes a custom command's response or options.",
    usage: `${OPTION_USAGE} <!name> [new response]`,
    permission,
    cooldown: 0,
    async run(call) {
      const parsed = parseManage(call.rest, prefix());
      if ('error' in parsed) return call.usage(parsed.error);
      if (!parsed.name || (!parsed.response && !Object.keys(parsed.options).length)) return call.usage();
      const old = table.get(parsed.name);
      if (!old) return call.reply(`There is no custom command ${prefix()}${parsed.name}; add it with ${prefix()}addcom.`);
      const response = parsed.response || old.response;
      try {
        await table.save(parsed.name, { ...old, ...parsed.options, response }, call.user.id);
      } catch (err) {
        return failed(call, err);
      }
      await call.reply(`Changed ${prefix()}${parsed.name}.${note(response)}`);
    },
  });

  ctx.commands.register({
    name: 'delcom',
    description: 'Deletes a custom command.',
    usage: '<!name>',
    permission,
    cooldown: 0,
    async run(call) {
      const raw = call.args[0];
      if (!raw) return call.usage();
      const name = normalName(raw, prefix());
      try {
        await table.remove(name);
      } catch (err) {
        if (err instanceof CommandsError) return call.reply(`Not deleted: ${err.message}.`);
        throw err;
      }
      await call.reply(`Deleted ${prefix()}${name}.`);
    },
  });

  ctx.commands.register({
    name: 'commands',
    description: 'Lists the custom commands you can use.',
    cooldown: 5,
    async run(call) {
      const has = permissionOf(call.user.roles);
      const names = table
        .all()
        .filter((e) => e.enabled && allows(has, e.permission) && !table.problemOf(e))
        .map((e) => prefix() + e.name);
      const tail = ` (${prefix()}help for the bot's own commands)`;
      if (!names.length) return call.reply(`No custom commands yet${allows(has, permission) ? `; add one with ${prefix()}addcom !name <response>` : ''}.${tail}`);
      let list = '';
      for (const n of names) {
        if (list.length + n.length + tail.length > 440) {
          list += ' …';
          break;
        }
        list += (list ? ' ' : '') + n;
      }
      await call.reply(`Custom commands: ${list}${tail}`);
    },
  });
}
