// The chat log on the dashboard, registered through its service with the chat log's ctx as owner (so it comes
// and goes with the chat log): `GET /api/chat_logs`, the chat history of the Logs page, the chat-per-hour
// chart, and a viewer's recent chat on their page and in their data export.
import type { Owner, PluginContext } from '../../core/types.ts';
import type { DashboardService } from '../dashboard/service.ts';
import type { ChatLogService } from './index.ts';

const HOUR = 3_600_000;

function int(v: string | undefined, fallback: number, min: number, max: number): number {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

/** `2026-01-15T12:00` (a datetime-local field, read as UTC), or milliseconds. */
function parseTime(v: string | undefined): number | undefined {
  if (!v?.trim()) return undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  return Number.isFinite(t) ? t : undefined;
}

export function mountDashboard(ctx: Owner & Pick<PluginContext, 'clock'>, dashboard: DashboardService, chatlog: ChatLogService): void {
  dashboard.addApi(ctx, {
    method: 'GET',
    path: '/api/chat_logs',
    handler: async ({ query: q }) => {
      await chatlog.flush();
      return {
        messages: await chatlog.query({
          user: q.user || undefined,
          text: q.text || undefined,
          since: parseTime(q.since),
          until: parseTime(q.until),
          before: q.before === undefined ? undefined : int(q.before, 0, 0, Number.MAX_SAFE_INTEGER),
          limit: int(q.limit, 100, 1, 1000),
        }),
      };
    },
  });

  dashboard.provideChatHistory(ctx, {
    query: async (filter) => {
      await chatlog.flush();
      return chatlog.query(filter);
    },
  });

  dashboard.addChart(ctx, {
    id: 'chat',
    title: 'Chat messages per hour (24 h)',
    kind: 'bar',
    order: 30,
    data: async () => {
      await chatlog.flush();
      const byHour = new Map((await chatlog.perHour(24)).map((r) => [r.hour, r.count]));
      const end = Math.floor(ctx.clock.now() / HOUR) * HOUR;
      const labels: string[] = [];
      const values: number[] = [];
      for (let h = end - 23 * HOUR; h <= end; h += HOUR) {
        labels.push(`${new Date(h).toISOString().slice(11, 13)}:00`);
        values.push(byHour.get(h) ?? 0);
      }
      return { labels, values, label: 'messages' };
    },
  });

  // On a viewer's page (the economy's Users pages) and in their data export.
  dashboard.addUserSection(ctx, {
    id: 'chatMessages',
    title: 'Recent chat',
    order: 50,
    render: async (user) => {
      await chatlog.flush();
      const chat = await chatlog.query({ user: user.userId, limit: 20 });
      if (!chat.length) return undefined;
      const h = dashboard.html;
      const when = (ms: number) => new Date(ms).toISOString();
      return h`<ul class="chatlines">${chat.map((m) => h`<li><time datetime="${when(m.timestamp)}">${when(m.timestamp).replace('T', ' ').slice(0, 19)} UTC</time> <span class="text">${m.message}</span></li>`)}</ul>`;
    },
    export: async (user) => {
      await chatlog.flush();
      const chat = await chatlog.query({ user: user.userId, limit: 1000 });
      return chat.map((m) => ({ time: m.timestamp, channel: m.channel, message: m.message }));
    },
  });
}
