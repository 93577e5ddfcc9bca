// Timed messages: each timer posts every `minutes`, but only in a channel where at least `minLines` chat
// lines have passed since its last post there (no talking to an empty chat). A timer that is due waits for
// those lines and posts on the line that completes them. Timers start offset from one another (spread over
// the shortest interval) and a timer never posts within `GAP_MS` of another one in the same channel, so
// several never land together. Posts go through ctx.chat: the outbox and its send limits.
import type { PluginContext } from '../../core/types.ts';
import type { TimerView } from './service.ts';
import { analyze, render } from './variables.ts';

export interface TimerSettings {
  readonly message: string;
  readonly minutes: number;
  readonly minLines: number;
  readonly enabled: boolean;
}

/** Shortest time between two timer posts in one channel. */
export const GAP_MS = 60_000;

interface TimerState {
  readonly name: string;
  readonly settings: TimerSettings;
  nextAt: number | null;
  lastPostedAt: number | null;
  /** Chat lines per channel since the last post there. */
  readonly lines: Map<string, number>;
  /** Channels where it is due and waits for lines. */
  readonly waiting: Set<string>;
}

export function createTimers(ctx: PluginContext<{ timers: Readonly<Record<string, TimerSettings>> }>) {
  const start = ctx.clock.now();
  const states: TimerState[] = Object.entries(ctx.config.timers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, settings]) => ({ name, settings, nextAt: null, lastPostedAt: null, lines: new Map(), waiting: new Set() }));
  const enabled = states.filter((s) => s.settings.enabled);
  /** Last timer post per channel (for GAP_MS). */
  const lastPostIn = new Map<string, number>();
  const shortest = Math.min(...enabled.map((s) => s.settings.minutes * 60_000));
  const spread = enabled.length ? Math.floor(shortest / enabled.length) : 0;

  const text = (s: TimerState, channel: string) =>
    render(s.settings.message, { uptimeMs: ctx.clock.now() - ctx.host.startedAt, channel: channel.replace(/^#/, '') }).slice(0, 500);

  async function post(s: TimerState, channel: string): Promise<void> {
    const now = ctx.clock.now();
    s.lines.set(channel, 0);
    s.waiting.delete(channel);
    s.lastPostedAt = now;
    lastPostIn.set(channel, now);
    await ctx.chat.say(channel, text(s, channel));
  }

  const canPost = (s: TimerState, channel: string) =>
    (s.lines.get(channel) ?? 0) >= s.settings.minLines && ctx.clock.now() - (lastPostIn.get(channel) ?? -Infinity) >= GAP_MS;

  function schedule(s: TimerState, at: number): void {
    s.nextAt = at;
    ctx.timers.setTimeout(() => due(s), Math.max(0, at - ctx.clock.now()));
  }

  async function due(s: TimerState): Promise<void> {
    for (const channel of ctx.chat.channels) {
      if (canPost(s, channel)) await post(s, channel);
      else s.waiting.add(channel);
    }
    schedule(s, ctx.clock.now() + s.settings.minutes * 60_000);
  }

  // After a reload (a timer edited on the dashboard) the others keep their line counts and schedule.
  const before = new Map<string, { lines?: unknown; nextAt?: unknown; lastPostedAt?: unknown }>();
  const handed = (ctx.inherited as { timers?: unknown } | undefined)?.timers;
  if (Array.isArray(handed)) for (const h of handed as { name?: unknown; lines?: unknown; nextAt?: unknown; lastPostedAt?: unknown }[]) if (typeof h?.name === 'string') before.set(h.name, h);
  enabled.forEach((s, i) => {
    const old = before.get(s.name);
    if (old?.lines && typeof old.lines === 'object') {
      for (const [channel, n] of Object.entries(old.lines)) if (typeof n === 'number') s.lines.set(channel, n);
    }
    if (typeof old?.lastPostedAt === 'number') s.lastPostedAt = old.lastPostedAt;
    const keep = typeof old?.nextAt === 'number' && old.nextAt > start && old.nextAt - start <= s.settings.minutes * 60_000 ? old.nextAt : undefined;
    schedule(s, keep ?? start + s.settings.minutes * 60_000 + i * spread);
  });
  ctx.handOver(() => ({ timers: states.map((s) => ({ name: s.name, lines: Object.fromEntries(s.lines), nextAt: s.nextAt, lastPostedAt: s.lastPostedAt })) }));

  /**
   * Counts a chat line; a waiting timer whose lines are now complete posts (one timer per line at most), and
   * only then is there a promise to wait for: this runs for every chat line.
   */
  function onLine(channel: string): Promise<void> | undefined {
    let posting: Promise<void> | undefined;
    for (const s of enabled) {
      s.lines.set(channel, (s.lines.get(channel) ?? 0) + 1);
      if (!posting && s.waiting.has(channel) && canPost(s, channel)) posting = post(s, channel);
    }
    return posting;
  }

  function views(): TimerView[] {
    return states.map((s) => ({
      name: s.name,
      message: s.settings.message,
      minutes: s.settings.minutes,
      minLines: s.settings.minLines,
      enabled: s.settings.enabled,
      lines: Object.fromEntries(s.lines),
      nextAt: s.nextAt,
      lastPostedAt: s.lastPostedAt,
      unknownVariables: analyze(s.settings.message).unknown,
    }));
  }

  /** Posts a timer's message now in every channel (a test from the dashboard); it does not change the schedule. */
  async function fire(name: string): Promise<boolean> {
    const s = states.find((x) => x.name === name);
    if (!s) return false;
    for (const channel of ctx.chat.channels) await ctx.chat.say(channel, text(s, channel));
    return true;
  }

  return { onLine, views, fire };
}
