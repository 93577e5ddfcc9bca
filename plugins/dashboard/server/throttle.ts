// Guesses per address (passwords at login and on the Security page, API tokens). An attempt is taken
// *before* the secret is checked, so guesses sent in parallel count too: of 30 sent at once with a limit of
// 5, five are checked and 25 are refused unchecked. A right guess gives its attempt back (successful logins
// do not count). Once an address has used `limit` attempts, it is refused for `windowMs` after the last one.

interface Entry {
  count: number;
  /** When the count starts again from zero. */
  resetAt: number;
}

/** Entries kept at most; beyond this, finished ones are dropped (a flood of addresses cannot grow memory). */
const MAX_ENTRIES = 10_000;

export class FailureThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number,
    private readonly limit: () => number,
    readonly windowMs: number,
  ) {}

  private entry(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.resetAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Takes an attempt for `key` before a secret is checked; false when the address has none left. */
  attempt(key: string): boolean {
    const now = this.now();
    let e = this.entry(key);
    if (e && e.count >= this.limit()) return false;
    if (!e) {
      if (this.entries.size >= MAX_ENTRIES) this.prune();
      e = { count: 0, resetAt: now + this.windowMs };
      this.entries.set(key, e);
    }
    e.count++;
    if (e.count >= this.limit()) e.resetAt = now + this.windowMs;
    return true;
  }

  /** The attempt was right: it does not count against the address. */
  succeeded(key: string): void {
    const e = this.entry(key);
    if (e && e.count > 0) e.count--;
  }

  get minutes(): number {
    return Math.round(this.windowMs / 60_000);
  }

  private prune(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (e.resetAt <= now) this.entries.delete(k);
    // Still full: forget the oldest (a Map iterates in insertion order).
    for (const k of this.entries.keys()) {
      if (this.entries.size < MAX_ENTRIES) break;
      this.entries.delete(k);
    }
  }
}
