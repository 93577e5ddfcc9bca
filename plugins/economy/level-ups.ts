// Level-up announcements, a line at most every LEVEL_UP_GAP_MS per channel. In a busy channel chat XP
// commits every 250 ms and dozens of viewers can level up at once: one line each filled Twitch's send window
// (100 lines per 30 s), and a game's question or a command's reply then waited behind them for tens of
// seconds (the benchmark's games section caught it). The first level-up after a quiet spell is said at once;
// those that follow within the gap are gathered and said together when it ends.

/** Least time between two level-up lines in one channel. */
export const LEVEL_UP_GAP_MS = 10_000;
/** Viewers named in one line; the rest are counted. */
const NAMES_PER_LINE = 10;

export interface LevelUpNotice {
  readonly userId: string;
  readonly name: string;
  readonly level: number;
}

export interface LevelUpDeps {
  now(): number;
  /** A timer the plugin owns (cancelled at unload: what is still gathered then is not said). */
  setTimeout(fn: () => void, ms: number): void;
  say(channel: string, text: string): void;
}

interface ChannelState {
  lastSaid: number;
  /** Gathered since the last line, by viewer (a viewer who levels twice is said once, at the newer level). */
  readonly waiting: Map<string, LevelUpNotice>;
  timer: boolean;
}

export class LevelUpAnnouncer {
  private readonly channels = new Map<string, ChannelState>();

  constructor(private readonly deps: LevelUpDeps) {}

  add(channel: string, up: LevelUpNotice): void {
    let c = this.channels.get(channel);
    if (!c) this.channels.set(channel, (c = { lastSaid: Number.NEGATIVE_INFINITY, waiting: new Map(), timer: false }));
    c.waiting.delete(up.userId); // re-inserted: named in the order of their latest level-up
    c.waiting.set(up.userId, up);
    if (c.timer) return;
    const wait = c.lastSaid + LEVEL_UP_GAP_MS - this.deps.now();
    if (wait <= 0) return this.flush(channel, c);
    c.timer = true;
    this.deps.setTimeout(() => {
      c.timer = false;
      this.flush(channel, c);
    }, wait);
  }

  private flush(channel: string, c: ChannelState): void {
    if (!c.waiting.size) return;
    const ups = [...c.waiting.values()];
    c.waiting.clear();
    c.lastSaid = this.deps.now();
    this.deps.say(channel, levelUpLine(ups));
  }
}

/** One line for every level-up given: `alice reached level 2! 🎉`, or the names together. */
export function levelUpLine(ups: readonly LevelUpNotice[]): string {
  const named = ups.slice(0, NAMES_PER_LINE);
  const more = ups.length - named.length;
  const sameLevel = ups.every((u) => u.level === ups[0]?.level);
  const names = sameLevel ? named.map((u) => u.name) : named.map((u) => `${u.name} (level ${u.level})`);
  const list = more > 0 ? `${names.join(', ')} and ${more} more` : names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');
  return sameLevel ? `${list} reached level ${ups[0]?.level ?? ''}! 🎉` : `Level up! 🎉 ${list}`;
}
