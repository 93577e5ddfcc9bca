// The Logs page: the chat that was kept (from the plugin that provides the chat history: the chat log)
// filtered by user, text and time, and the bot's own log filtered by level; both grow live through server-sent events. Chat text is hostile: it is escaped
// by the template and inserted with textContent by logs.js.
import type Router from '@koa/router';
import type { LogEntry, LogLevel } from '../../../../core/types.ts';
import { page, type Deps } from '../context.ts';

export const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** `2026-01-15T12:00` (a datetime-local field, read as UTC), or milliseconds. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || !v.trim()) return undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  return Number.isFinite(t) ? t : undefined;
}

export function appLogs(d: Deps, level: LogLevel, limit = 300): LogEntry[] {
  const min = LEVELS.indexOf(level);
  return d.ctx.host
    .recentLogs()
    .filter((e) => LEVELS.indexOf(e.level) >= min)
    .slice(-limit)
    .reverse();
}

export function levelOf(v: unknown): LogLevel {
  return LEVELS.find((l) => l === v) ?? 'info';
}

export function logsRoutes(router: Router, d: Deps): void {
  router.get('/logs', async (ctx) => {
    const q = ctx.query;
    const filter = {
      user: typeof q.user === 'string' ? q.user.trim() : '',
      text: typeof q.text === 'string' ? q.text.trim() : '',
      since: typeof q.since === 'string' ? q.since : '',
      until: typeof q.until === 'string' ? q.until : '',
    };
    const history = d.registry.chatHistory();
    const chat = history
      ? await history.query({ user: filter.user || undefined, text: filter.text || undefined, since: parseTime(filter.since), until: parseTime(filter.until), limit: 200 })
      : [];
    const level = levelOf(q.level);
    await page(d, ctx, 'logs', {
      title: 'Logs',
      history: !!history,
      chat,
      filter,
      level,
      levels: LEVELS,
      logs: appLogs(d, level),
      topics: 'status chat log',
      scripts: ['/assets/logs.js'],
    });
  });
}
