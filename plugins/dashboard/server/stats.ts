// Numbers for the Dashboard page: chat messages per minute, command uses (counted by tapping the command
// hook, written behind in per-hour aggregates), and the data of the charts.
import type { ChatLogService } from '../../chatlog/index.ts';
import type { EconomyService } from '../../economy/service.ts';
import type { Batch, PluginDb } from '../../../core/types.ts';

const HOUR = 3_600_000;

interface CommandUse {
  readonly command: string;
  readonly hour: number;
  readonly count: number;
}

export interface ChartData {
  readonly commands: { readonly labels: string[]; readonly counts: number[]; readonly hours: number };
  readonly chat: { readonly labels: string[]; readonly counts: number[] } | null;
  readonly circulation: { readonly labels: string[]; readonly values: number[] } | null;
  readonly earners: { readonly labels: string[]; readonly values: number[] } | null;
  readonly currency: string;
  readonly notes: readonly string[];
}

export class Stats {
  /** Chat messages per second of the last minute, in a ring indexed by the second: O(1) per message. */
  private readonly perSecond = new Uint32Array(60);
  private readonly secondOf = new Float64Array(60).fill(-1);
  private readonly uses: Batch<CommandUse>;

  constructor(
    private readonly db: PluginDb,
    private readonly now: () => number,
  ) {
    this.uses = db.batch<CommandUse>({
      key: (u) => `${u.command}|${u.hour}`,
      merge: (a, b) => ({ ...a, count: a.count + b.count }),
      flush: (items, tx) =>
        tx.insertMany('dashboard_command_uses', ['command', 'hour', 'count'], items.map((u) => [u.command, u.hour, u.count]), {
          suffix: 'ON CONFLICT(command, hour) DO UPDATE SET count = count + excluded.count',
        }),
    });
  }

  chatMessage(time: number): void {
    const second = Math.floor(time / 1000);
    const i = second % 60;
    if (this.secondOf[i] !== second) {
      this.secondOf[i] = second;
      this.perSecond[i] = 0;
    }
    this.perSecond[i] = (this.perSecond[i] ?? 0) + 1;
  }

  /** Chat messages in the last 60 seconds (to the second). */
  messagesPerMinute(): number {
    const now = Math.floor(this.now() / 1000);
    let n = 0;
    for (let i = 0; i < 60; i++) if (now - (this.secondOf[i] ?? -1) < 60) n += this.perSecond[i] ?? 0;
    return n;
  }

  commandUsed(command: string): void {
    this.uses.push({ command, hour: Math.floor(this.now() / HOUR) * HOUR, count: 1 });
  }

  async commandUses(hours: number): Promise<{ command: string; count: number }[]> {
    await this.uses.flush();
    const since = Math.floor((this.now() - hours * HOUR) / HOUR) * HOUR;
    return this.db.all<{ command: string; count: number }>(
      'SELECT command, SUM(count) AS count FROM dashboard_command_uses WHERE hour >= ? GROUP BY command ORDER BY count DESC, command LIMIT 20',
      [since],
    );
  }

  async charts(economy: EconomyService | undefined, chatlog: ChatLogService | undefined, days: number): Promise<ChartData> {
    const notes: string[] = [];
    const hours = 24 * 7;
    const uses = await this.commandUses(hours);
    let chat: ChartData['chat'] = null;
    if (chatlog) {
      await chatlog.flush();
      const rows = await chatlog.perHour(24);
      const byHour = new Map(rows.map((r) => [r.hour, r.count]));
      const end = Math.floor(this.now() / HOUR) * HOUR;
      const labels: string[] = [];
      const counts: number[] = [];
      for (let h = end - 23 * HOUR; h <= end; h += HOUR) {
        labels.push(`${new Date(h).toISOString().slice(11, 13)}:00`);
        counts.push(byHour.get(h) ?? 0);
      }
      chat = { labels, counts };
    } else {
      notes.push('The chatlog plugin is disabled: no chat-per-hour chart.');
    }
    let circulation: ChartData['circulation'] = null;
    let earners: ChartData['earners'] = null;
    if (economy) {
      const over = await economy.circulationOverTime(days);
      circulation = { labels: over.map((d) => d.day), values: over.map((d) => d.circulation) };
      const top = await economy.topEarners(days, 10);
      earners = { labels: top.map((t) => t.displayName || t.login), values: top.map((t) => t.earned) };
    } else {
      notes.push('The economy plugin is disabled: no token charts.');
    }
    return {
      commands: { labels: uses.map((u) => `!${u.command}`), counts: uses.map((u) => u.count), hours },
      chat,
      circulation,
      earners,
      currency: economy?.currency.name ?? 'tokens',
      notes,
    };
  }
}
