// Waiting for a condition that has no event to await (rows a batch wrote, a socket that closed, a page
// that changed): one polling helper for every test, so none writes its own loop of sleeps.

export interface EventuallyOptions {
  /** Give up after this many milliseconds of wall-clock time (default 5000). */
  readonly timeout?: number;
  /** Milliseconds between tries (default 10). */
  readonly interval?: number;
  /** What is awaited, for the error message. */
  readonly what?: string;
}

/** Thrown when the condition did not come true in time; `cause` is the last error the check threw. */
export class EventuallyTimeout extends Error {
  readonly code = 'eventually-timeout';
}

/**
 * Calls `check` until it returns a value other than `false`, `undefined` or `null` without throwing, and
 * resolves with that value. A check may be an assertion (`() => expect(x).to.equal(3)` returns chai's
 * Assertion): it is retried while it throws, and the last failure is reported when time runs out.
 */
export async function eventually<T>(check: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<Exclude<T, false | undefined | null>> {
  const timeout = options.timeout ?? 5000;
  const interval = options.interval ?? 10;
  const end = Date.now() + timeout;
  let lastError: unknown;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== false && v !== undefined && v !== null) return v as Exclude<T, false | undefined | null>;
      last = v;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= end) {
      const why = lastError ? `: ${(lastError as Error).message ?? String(lastError)}` : ` (the check returned ${String(last)})`;
      throw new EventuallyTimeout(`timed out after ${timeout} ms waiting for ${options.what ?? 'a condition'}${why}`, { cause: lastError });
    }
    // The next try runs after the timers phase, where Node no longer counts the finished timer as active
    // (a check of open handles would see it).
    await new Promise((r) => setTimeout(() => setImmediate(r), interval));
  }
}
