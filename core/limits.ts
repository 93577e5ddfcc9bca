// Time-based limits shared by every plugin: cooldowns, sliding-window rate limits, and the clock they read,
// which tests replace with a fake one.
import type { Clock, Cooldowns, RateLimiter } from './types.ts';

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class CooldownTable implements Cooldowns {
  private readonly until = new Map<string, number>();
  private sweepAt = 0;

  constructor(private readonly clock: Clock, private readonly prefix = '') {}

  /** `at`: when the event happened, if earlier than now (chat held during a reload is judged as it arrived). */
  take(key: string, seconds: number, at?: number): number {
    const now = at ?? this.clock.now();
    const k = this.prefix + key;
    const left = (this.until.get(k) ?? 0) - now;
    if (left > 0) return left;
    if (seconds > 0) this.until.set(k, now + seconds * 1000);
    this.sweep(now);
    return 0;
  }

  remaining(key: string, at?: number): number {
    return Math.max(0, (this.until.get(this.prefix + key) ?? 0) - (at ?? this.clock.now()));
  }

  reset(key: string): void {
    this.until.delete(this.prefix + key);
  }

  // Expired keys are dropped now and then so a long stream with many chatters does not grow the map forever.
  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + 60_000;
    for (const [k, t] of this.until) if (t <= now) this.until.delete(k);
  }
}

/** At most `limit` events per key in any window of `windowMs`. */
export class SlidingWindow implements RateLimiter {
  private readonly events = new Map<string, number[]>();
  private sweepAt = 0;

  constructor(private readonly clock: Clock, public limit: number, public windowMs: number) {}

  take(key: string, at?: number): boolean {
    const now = at ?? this.clock.now();
    const times = this.recent(key, now);
    if (times.length >= this.limit) return false;
    times.push(now);
    this.events.set(key, times);
    this.sweep(now);
    return true;
  }

  /** Events still inside the window. */
  count(key: string): number {
    return this.recent(key, this.clock.now()).length;
  }

  /** The times of the events still inside the window, oldest first. */
  times(key: string): readonly number[] {
    return [...this.recent(key, this.clock.now())];
  }

  /** Counts events that happened before this window existed (e.g. in a previous run), in time order. */
  restore(key: string, times: readonly number[]): void {
    const now = this.clock.now();
    const kept = [...times, ...(this.events.get(key) ?? [])].filter((t) => Number.isFinite(t) && t > now - this.windowMs && t <= now).sort((a, b) => a - b);
    if (kept.length) this.events.set(key, kept);
  }

  /** Milliseconds until one more event would be allowed under `limit`. */
  waitFor(key: string, limit = this.limit): number {
    const now = this.clock.now();
    const times = this.recent(key, now);
    if (times.length < limit) return 0;
    return (times[times.length - limit] ?? now) + this.windowMs - now;
  }

  private recent(key: string, now: number): number[] {
    const times = this.events.get(key);
    if (!times) return [];
    let drop = 0;
    while (drop < times.length && (times[drop] ?? 0) <= now - this.windowMs) drop++;
    if (drop) times.splice(0, drop);
    return times;
  }

  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + this.windowMs;
    for (const [k, times] of this.events) {
      if (!times.length || (times[times.length - 1] ?? 0) <= now - this.windowMs) this.events.delete(k);
    }
  }
}
