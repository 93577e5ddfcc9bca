// Chat log: every chat message, written behind in batches (one write per message would cap the bot at
// SQLite's per-call cost), kept for `retentionDays` and deleted per user on request.
import { definePlugin } from '../../core/define.ts';
import { mountDashboard } from './web.ts';

export interface LoggedMessage {
  readonly id: number;
  readonly messageId: string;
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
  readonly message: string;
  readonly timestamp: number;
  readonly channel: string;
}

export interface ChatLogQuery {
  readonly user?: string;
  readonly text?: string;
  readonly since?: number;
  readonly until?: number;
  /** Messages with a smaller id (for paging back). */
  readonly before?: number;
  readonly limit?: number;
}

export interface ChatLogService {
  query(q: ChatLogQuery): Promise<LoggedMessage[]>;
  /** Deletes one user's messages (a privacy request); returns how many. */
  deleteUser(userId: string): Promise<number>;
  /** Deletes messages older than the retention; returns how many. */
  cleanup(): Promise<number>;
  /** Messages per hour over the last `hours`, oldest first. */
  perHour(hours: number): Promise<{ hour: number; count: number }[]>;
  flush(): Promise<void>;
}

declare module '../../core/types.ts' {
  interface PluginServices {
    chatlog: ChatLogService;
  }
}

interface Row {
  id: number;
  message_id: string;
  user_id: string;
  username: string;
  display_name: string;
  message: string;
  timestamp: number;
  channel: string;
}

const DAY = 86_400_000;

export default definePlugin({
  name: 'chatlog',
  version: '1.0.0',
  description: 'Keeps chat messages for moderation and the dashboard, for a limited time.',
  optionalDependsOn: ['dashboard'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      retentionDays: { type: 'integer', minimum: 0, maximum: 3650, default: 30, description: 'Days to keep messages; 0 turns chat logging off.' },
      cleanupIntervalMinutes: { type: 'integer', minimum: 1, default: 60, description: 'How often old messages are deleted.' },
    },
  },
  migrations: 'migrations',
  // Most of the file after a few weeks; the check before `ready` leaves it out (checked a minute later).
  historyTables: ['chatlog_messages'],

  setup(ctx) {
    const { retentionDays } = ctx.config;
    // Large batches: in a busy channel the per-statement cost, not the rows, is what the writer pays.
    const batch = ctx.db.batch<readonly [string, string, string, string, string, number, string]>({
      maxItems: 2000,
      flush: (rows, tx) => tx.insertMany('chatlog_messages', ['message_id', 'user_id', 'username', 'display_name', 'message', 'timestamp', 'channel'], rows),
    });

    if (retentionDays > 0) {
      ctx.hooks.chatMessage.tap((m) => {
        batch.push([m.id, m.user.id, m.user.login, m.user.displayName, m.text, m.time, m.channel]);
      });
    }

    const service: ChatLogService = {
      async query(q) {
        const where: string[] = [];
        const params: (string | number)[] = [];
        if (q.user) {
          // A user id, or a login: that viewer's messages under any name. A login nobody has now (a viewer
          // renamed since) is searched in the stored names, without an index: slower, and rare.
          const known = (await ctx.users.byId(q.user)) ?? (await ctx.users.byLogin(q.user));
          if (known) {
            where.push('user_id = ?');
            params.push(known.id);
          } else {
            where.push('(user_id = ? OR username = ?)');
            params.push(q.user, q.user.replace(/^@/, '').toLowerCase());
          }
        }
        if (q.text) {
          where.push("message LIKE ? ESCAPE '\\'");
          params.push(`%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
        }
        if (q.since !== undefined) {
          where.push('timestamp >= ?');
          params.push(q.since);
        }
        if (q.until !== undefined) {
          where.push('timestamp <= ?');
          params.push(q.until);
        }
        if (q.before !== undefined) {
          where.push('id < ?');
          params.push(q.before);
        }
        const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
        const rows = await ctx.db.all<Row>(
          `SELECT * FROM chatlog_messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`,
          params,
        );
        return rows.map((r) => ({ id: r.id, messageId: r.message_id, userId: r.user_id, username: r.username, displayName: r.display_name, message: r.message, timestamp: r.timestamp, channel: r.channel }));
      },
      async deleteUser(userId) {
        await batch.flush();
        return (await ctx.db.run('DELETE FROM chatlog_messages WHERE user_id = ?', [userId])).changes;
      },
      async cleanup() {
        if (retentionDays <= 0) return (await ctx.db.run('DELETE FROM chatlog_messages')).changes;
        const cutoff = ctx.clock.now() - retentionDays * DAY;
        const removed = (await ctx.db.run('DELETE FROM chatlog_messages WHERE timestamp < ?', [cutoff])).changes;
        if (removed) ctx.log.info(`deleted ${removed} chat messages older than ${retentionDays} days`);
        return removed;
      },
      async perHour(hours) {
        const since = ctx.clock.now() - hours * 3_600_000;
        const rows = await ctx.db.all<{ hour: number; count: number }>(
          'SELECT (timestamp / 3600000) * 3600000 AS hour, count(*) AS count FROM chatlog_messages WHERE timestamp >= ? GROUP BY hour ORDER BY hour',
          [since],
        );
        return rows;
      },
      flush: () => batch.flush(),
    };

    // A viewer's deletion request (core's userForgotten): their messages go.
    ctx.hooks.userForgotten.tap(async (event) => {
      event.report({ chatMessagesDeleted: await service.deleteUser(event.userId) });
    });

    const dashboard = ctx.optionalService('dashboard');
    if (dashboard) mountDashboard(ctx, dashboard, service);

    ctx.timers.setInterval(() => service.cleanup().then(() => undefined), ctx.config.cleanupIntervalMinutes * 60_000);
    ctx.timers.setTimeout(() => service.cleanup().then(() => undefined), 0);
    return service;
  },
});
