// Response variables: `{user}`, `{count}`, `{random:a|b|c}` … filled in when a custom command or a timer
// speaks. Pure functions: the plugin gathers the values a text needs, this file only parses and fills.
// An unknown `{name}` stays in the text as written (a streamer may want literal braces) and is reported
// by `analyze` so the editor and !addcom can point at a typo.

/** Every variable, with the one line the editor shows. */
export const VARIABLES: Readonly<Record<string, string>> = {
  user: 'display name of the viewer who used the command',
  touser: 'the first name after the command (without @), or the viewer when there is none',
  args: 'everything typed after the command',
  arg1: 'the first word after the command (arg1 … arg9)',
  count: 'how many times the command has been used, this use included',
  random: '{random:a|b|c} one of the choices; {random:1-100} a whole number in that range',
  tokens: "the viewer's token balance (needs the economy plugin)",
  uptime: 'how long the bot has been running',
  channel: 'the channel name',
  cost: 'what the command costs, e.g. "10 tokens"',
};

/** What a variable may be filled with; a missing value leaves the variable as text. */
export interface VariableValues {
  readonly user?: string;
  readonly touser?: string;
  readonly args?: readonly string[];
  readonly rest?: string;
  readonly count?: number;
  readonly tokens?: number;
  readonly uptimeMs?: number;
  readonly channel?: string;
  readonly cost?: string;
}

const TOKEN = /\{([a-z]+[0-9]?)(?::([^{}]*))?\}/gi;

function known(name: string): boolean {
  return name in VARIABLES || /^arg[1-9]$/.test(name);
}

/** Names of the variables a text uses, and the `{…}` parts that are not variables (as written). */
export function analyze(text: string): { used: string[]; unknown: string[] } {
  const used = new Set<string>();
  const unknown = new Set<string>();
  for (const m of text.matchAll(TOKEN)) {
    const name = (m[1] ?? '').toLowerCase();
    if (!known(name) || (name === 'random' && !m[2])) unknown.add(m[0]);
    else used.add(name);
  }
  return { used: [...used], unknown: [...unknown] };
}

/** "2 h 5 min", "3 min", "40 s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min`;
  return `${s} s`;
}

function randomOf(spec: string, random: () => number): string | undefined {
  const range = /^\s*(-?\d+)\s*-\s*(-?\d+)\s*$/.exec(spec);
  if (range) {
    const lo = Math.min(Number(range[1]), Number(range[2]));
    const hi = Math.max(Number(range[1]), Number(range[2]));
    return String(lo + Math.floor(random() * (hi - lo + 1)));
  }
  const choices = spec.split('|').map((c) => c.trim());
  if (!spec.includes('|') && choices.length === 1 && !choices[0]) return undefined;
  return choices[Math.floor(random() * choices.length)] ?? '';
}

function valueOf(name: string, param: string | undefined, v: VariableValues, random: () => number): string | undefined {
  switch (name) {
    case 'user':
      return v.user;
    case 'touser':
      return v.touser ?? v.user;
    case 'args':
      return v.rest;
    case 'count':
      return v.count === undefined ? undefined : String(v.count);
    case 'random':
      return param === undefined ? undefined : randomOf(param, random);
    case 'tokens':
      return v.tokens === undefined ? undefined : String(v.tokens);
    case 'uptime':
      return v.uptimeMs === undefined ? undefined : formatDuration(v.uptimeMs);
    case 'channel':
      return v.channel;
    case 'cost':
      return v.cost;
    default: {
      const n = /^arg([1-9])$/.exec(name);
      return n && v.args ? (v.args[Number(n[1]) - 1] ?? '') : undefined;
    }
  }
}

/** Fills the variables of `text`; unknown ones, and known ones without a value, stay as written. */
export function render(text: string, values: VariableValues, random: () => number = Math.random): string {
  return text.replace(TOKEN, (whole, rawName: string, param: string | undefined) => {
    const name = rawName.toLowerCase();
    if (!known(name)) return whole;
    return valueOf(name, param, values, random) ?? whole;
  });
}
