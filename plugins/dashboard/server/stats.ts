// Numbers for the Dashboard page: chat messages per minute, command uses (counted by tapping the command
// hook, written behind in per-hour aggregates), and the data of the charts (its own command chart, and
// the charts other plugins added with dashboard.addChart).
import type { Batch, PluginDb, Registered } from '../../../core/types.ts';
import type { DashboardChart } from '../service.ts';

const HOUR = 3_600_000;

interface CommandUse {
  readonly command: string;
  readonly hour: number;
  readonly count: number;
}

export interface ChartView {
  readonly id: string;
  readonly title: string;
  readonly owner: string;
  readonly kind: 'line' | 'bar';
  readonly horizontal: boolean;
  readonly label: string;
  readonly labels: string[];
  readonly values: number[];
}

export interface ChartData {
  readonly commands: { readonly labels: string[]; readonly counts: number[]; readonly hours: number };
  readonly charts: readonly ChartView[];
  readonly notes: readonly string[];
  readonly [id: string]: unknown;
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

  /** The command chart (the dashboard's own) and every chart other plugins added, for `GET /api/stats/charts`. */
  async charts(registered: readonly Registered<DashboardChart>[], days: number, failed: (id: string, err: unknown) => void): Promise<ChartData> {
    const hours = 24 * 7;
    const uses = await this.commandUses(hours);
    const notes: string[] = [];
    const charts: ChartView[] = [];
    for (const { owner, item } of registered) {
      try {
        const series = await item.data({ days });
        charts.push({ id: item.id, title: item.title, owner, kind: item.kind, horizontal: item.horizontal ?? false, label: series.label ?? '', labels: [...series.labels], values: [...series.values] });
      } catch (err) {
        failed(item.id, err);
        notes.push(`The chart "${item.title}" of ${owner} failed: ${(err as Error).message}`);
      }
    }
    return {
      commands: { labels: uses.map((u) => `!${u.command}`), counts: uses.map((u) => u.count), hours },
      charts,
      // Each chart under its id too, as the API gave them before charts were registered.
      ...Object.fromEntries(charts.map((c) => [c.id, { labels: c.labels, values: c.values }])),
      notes,
    };
  }
}
