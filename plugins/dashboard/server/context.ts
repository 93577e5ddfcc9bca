// What every route module of the dashboard receives, and small helpers they share: typed request state,
// the session, one-time flash messages, and rendering a page inside the layout.
import type { Context } from 'koa';
import { CodedError, codeForStatus } from '../../../core/errors.ts';
import type { HttpError } from '../service.ts';
import type { BotStatus, ChatStatus, ConfigOf, LocalChatOutput, PluginContext, PluginInfo, Role } from '../../../core/types.ts';
import type { DASHBOARD_SCHEMA } from '../config.ts';
import type { Auth } from './auth.ts';
import type { TranscriptSnapshot } from './carry.ts';
import type { EventHub } from './events.ts';
import type { ExtensionRegistry } from './extensions.ts';
import type { ContentRenderer } from './render.ts';
import type { Stats } from './stats.ts';
import type { FailureThrottle } from './throttle.ts';
import type { TokenCheck, TwitchOAuth, WizardStore } from './twitch-oauth.ts';
import type { BodyValidator } from './validation.ts';

export type DashboardConfig = ConfigOf<typeof DASHBOARD_SCHEMA>;
export type DashboardContext = PluginContext<DashboardConfig>;

export interface TranscriptEntry {
  /** Increasing number: pages append what they have not shown yet. */
  readonly seq: number;
  readonly kind: 'viewer' | 'bot';
  readonly id?: string;
  readonly replyTo?: string;
  readonly login?: string;
  readonly displayName?: string;
  readonly roles?: readonly Role[];
  readonly text: string;
  readonly at: number;
}

/** The Test chat's conversation: local viewers' messages and the bot's answers, newest last. */
export class Transcript {
  readonly entries: TranscriptEntry[];
  private seq: number;

  constructor(previous?: TranscriptSnapshot) {
    this.entries = [...(previous?.entries ?? [])].slice(-200);
    this.seq = Math.max(previous?.seq ?? 0, ...this.entries.map((e) => e.seq));
  }

  /** What the next generation of the dashboard continues from. */
  snapshot(): TranscriptSnapshot {
    return { entries: [...this.entries], seq: this.seq };
  }

  add(e: Omit<TranscriptEntry, 'seq'>): TranscriptEntry {
    const entry = { ...e, seq: ++this.seq };
    this.entries.push(entry);
    if (this.entries.length > 200) this.entries.splice(0, this.entries.length - 200);
    return entry;
  }

  static bot(out: LocalChatOutput): Omit<TranscriptEntry, 'seq'> {
    return { kind: 'bot', text: out.text, replyTo: out.replyTo, at: out.at };
  }
}

export interface StatusSnapshot extends Omit<BotStatus, 'detail'> {
  /** Why chat is in its state (null when there is nothing to say). */
  readonly detail: string | null;
  readonly label: string;
  readonly tone: 'ok' | 'warn' | 'bad' | 'idle';
  readonly uptimeSec: number;
  readonly messagesPerMinute: number;
  readonly token: TokenCheck | undefined;
  readonly now: number;
}

export interface Deps {
  readonly ctx: DashboardContext;
  /** The bot's environment (`ctx.env`). */
  readonly env: DashboardContext['env'];
  readonly auth: Auth;
  readonly hub: EventHub;
  readonly registry: ExtensionRegistry;
  readonly content: ContentRenderer;
  readonly stats: Stats;
  readonly oauth: TwitchOAuth;
  readonly wizard: WizardStore;
  readonly validator: BodyValidator;
  readonly transcript: Transcript;
  readonly loginThrottle: FailureThrottle;
  readonly bearerThrottle: FailureThrottle;
  status(): StatusSnapshot;
  /** The last check of the bot's Twitch token (at start, hourly, after the wizard). */
  tokenCheck(): TokenCheck | undefined;
  checkToken(): Promise<TokenCheck>;
  /** Host names the dashboard answers to. */
  allowedHosts(): ReadonlySet<string>;
  /** Broadcasts the plugin list to open pages. */
  pluginsChanged(): void;
}

export interface AppState {
  /** `admin` for a browser login, `api:<token name>` for a bearer token. */
  user?: string;
  via?: 'session' | 'bearer';
  /** A bearer token created with the right to create (and revoke) API tokens. */
  canMint?: boolean;
  /** Set by koa-csrf for session requests. */
  _csrf?: string;
}

export function state(ctx: Context): AppState {
  return ctx.state as AppState;
}

export interface SessionData {
  user?: string;
  loginAt?: number;
  wizard?: string;
  flash?: { kind: 'ok' | 'error' | 'info'; text: string }[];
  secret?: string;
  /** Milliseconds the cookie lasts (koa-session); the store ends sessions unused for `sessionHours`. */
  maxAge?: number | 'session';
  regenerate?: () => Promise<void>;
}

export function session(ctx: Context): SessionData | null {
  return (ctx as unknown as { session: SessionData | null }).session;
}

export function flash(ctx: Context, kind: 'ok' | 'error' | 'info', text: string): void {
  const s = session(ctx);
  if (!s || state(ctx).via !== 'session') return;
  s.flash = [...(s.flash ?? []), { kind, text }].slice(-5);
}

function takeFlash(ctx: Context): { kind: string; text: string }[] {
  const s = session(ctx);
  if (!s?.flash?.length) return [];
  const out = s.flash;
  delete s.flash;
  return out;
}

export function isApiPath(p: string): boolean {
  return p === '/api' || p.startsWith('/api/') || p === '/events';
}

export const BUILTIN_NAV = [
  { title: 'Dashboard', href: '/', order: 10 },
  { title: 'Plugins', href: '/plugins', order: 20 },
  { title: 'Commands', href: '/commands', order: 25 },
  { title: 'Logs', href: '/logs', order: 40 },
  { title: 'Test chat', href: '/chat', order: 50 },
  { title: 'Setup', href: '/setup', order: 60 },
  { title: 'Security', href: '/security', order: 70 },
] as const;

const LABELS: Record<ChatStatus, [string, StatusSnapshot['tone']]> = {
  connected: ['Connected to Twitch', 'ok'],
  connecting: ['Connecting to Twitch…', 'warn'],
  disconnected: ['Disconnected from Twitch (reconnecting)', 'warn'],
  'auth-failed': ['Twitch rejected the token', 'bad'],
  local: ['Local mode (not connected to Twitch)', 'idle'],
  stopped: ['Stopped', 'idle'],
};

export function describeStatus(s: BotStatus): { label: string; tone: StatusSnapshot['tone'] } {
  const [label, tone] = LABELS[s.chat] ?? [s.chat, 'idle'];
  return { label, tone };
}

/** Renders a dashboard page: the layout's navigation, flash messages and CSRF token come with it. */
export async function page(d: Deps, ctx: Context, template: string, locals: Record<string, unknown> = {}): Promise<void> {
  const entries = [...BUILTIN_NAV.map((n) => ({ ...n, owner: 'dashboard' })), ...d.registry.nav().map((r) => ({ ...r.item, order: r.item.order ?? 100, owner: r.owner }))];
  // /commands/custom is its own entry: the Commands entry is not current there too.
  const navHrefs = new Set(entries.map((n) => n.href));
  const nav = entries
    .sort((a, b) => a.order - b.order)
    .map((n) => ({ title: n.title, href: n.href, current: n.href === '/' ? ctx.path === '/' : ctx.path === n.href || (ctx.path.startsWith(`${n.href}/`) && !navHrefs.has(ctx.path)) }));
  const st = state(ctx);
  await ctx.render(template, {
    nav,
    user: st.user,
    csrf: st._csrf ?? '',
    flashes: takeFlash(ctx),
    status: d.status(),
    path: ctx.path,
    topics: 'status',
    ...locals,
  });
}

/** Redirect after a form post (303: the browser follows with GET). */
export function seeOther(ctx: Context, url: string): void {
  ctx.status = 303;
  ctx.redirect(url);
}

function missingGrants(p: PluginInfo): string | null {
  const missing = p.capabilities.declared.filter((c) => !p.capabilities.granted.includes(c));
  return missing.length ? `bot.grants: { ${p.name}: [${[...p.capabilities.granted, ...missing].join(', ')}] }` : null;
}

/** The plugins as the pages and the API show them. */
export function pluginRows(d: Pick<Deps, 'ctx'>) {
  return d.ctx.host.plugins().map((p) => ({
    name: p.name,
    version: p.version,
    description: p.description,
    state: p.state,
    wanted: p.wanted,
    builtin: p.builtin,
    error: p.error ?? null,
    errorCode: p.errorCode ?? null,
    dependsOn: [...p.dependsOn],
    optionalDependsOn: [...p.optionalDependsOn],
    reloads: p.reloads,
    self: p.name === d.ctx.name,
    // What it asks for beyond its own resources, and whether it has it (a grant without a declaration counts too).
    capabilities: [...new Set([...p.capabilities.declared, ...p.capabilities.granted])].map((name) => ({ name, granted: p.capabilities.granted.includes(name) })),
    // The config line that grants what a third-party plugin asks for and lacks (built-in ones have theirs).
    grantLine: p.builtin ? null : missingGrants(p),
    envBindings: Object.entries(p.envBindings).map(([variable, setting]) => ({ variable, setting })),
    envVars: [...p.envVars],
  }));
}

/**
 * An error the error handler answers with `status` and this message: JSON `{ error, code, details? }` for
 * the API (the code defaults to the status's, e.g. NOT_FOUND), a page for people.
 */
export function httpError(status: number, message: string, code?: string, details?: unknown): HttpError {
  const err = new CodedError(code ?? codeForStatus(status), message, { status, details }) as CodedError & { expose: true; status: number };
  return Object.assign(err, { expose: true as const });
}
