// The Test chat: talk to the bot as any viewer, with any roles, through the local chat transport
// (`ctx.runtime.local`), and see its answers. chat.js sends through the API and shows answers live; the
// plain form works without JavaScript.
import type Router from '@koa/router';
import type { ChatMessage, Role } from '../../../../core/types.ts';
import { flash, page, seeOther, session, type Deps } from '../context.ts';

export const ROLES: readonly Role[] = ['broadcaster', 'moderator', 'vip', 'subscriber', 'founder'];

export interface LocalPost {
  readonly login: string;
  readonly text: string;
  readonly displayName?: string;
  readonly roles?: readonly Role[];
  readonly bits?: number;
}

export function postLocal(d: Deps, input: LocalPost): ChatMessage {
  const login = input.login.replace(/^@/, '').toLowerCase();
  return d.ctx.runtime.local.post({
    login,
    text: input.text,
    displayName: input.displayName?.trim() || login,
    roles: [...new Set(input.roles ?? [])],
    bits: input.bits,
  });
}

function rolesOf(v: unknown): Role[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return ROLES.filter((r) => list.includes(r));
}

interface ChatPrefs {
  login: string;
  roles: Role[];
}

export function chatRoutes(router: Router, d: Deps): void {
  router.get('/chat', async (ctx) => {
    const prefs = (session(ctx) as { chat?: ChatPrefs } | null)?.chat ?? { login: 'viewer', roles: [] };
    await page(d, ctx, 'chat', {
      title: 'Test chat',
      transcript: d.transcript.entries,
      roles: ROLES.map((r) => ({ name: r, checked: prefs.roles.includes(r) })),
      login: prefs.login,
      prefix: d.ctx.bot.prefix,
      commands: d.ctx.runtime.commands().filter((c) => c.enabled),
      topics: 'status transcript',
      scripts: ['/assets/chat.js'],
    });
  });

  router.post('/chat', async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const login = String(body.login ?? '').trim();
    const text = String(body.text ?? '').trim();
    if (!/^@?[A-Za-z0-9_]{1,25}$/.test(login) || !text || text.length > 500) {
      flash(ctx, 'error', 'Give a viewer name (letters, digits, _) and a message of at most 500 characters.');
      return seeOther(ctx, '/chat');
    }
    const roles = rolesOf(body.roles);
    const s = session(ctx) as { chat?: ChatPrefs } | null;
    if (s) s.chat = { login, roles };
    const m = postLocal(d, { login, text, roles });
    // Without JavaScript the answer must be in the page we redirect to: give the bot a moment.
    await waitForReply(d, m.id, 800);
    seeOther(ctx, '/chat#end');
  });
}

function waitForReply(d: Deps, id: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const stop = d.ctx.runtime.local.onBotMessage((out) => {
      if (out.replyTo === id) done();
    });
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stop();
      resolve();
    }
  });
}
