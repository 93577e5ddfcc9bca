// Failed logins (and wrong API tokens) per address: after `limit` failures within the window the address
// is refused for the rest of the window, whatever it sends. Successful logins do not count.
import type { PluginContext, RateLimiter } from '../../../core/types.ts';

export class FailureThrottle {
  private readonly limiter: RateLimiter;
  private readonly blocked = new Map<string, number>();

  constructor(
    ctx: Pick<PluginContext, 'rateLimiter' | 'clock'>,
    limit: number,
    private readonly windowMs: number,
  ) {
    // The limit-th failure is the one that blocks.
    this.limiter = ctx.rateLimiter(Math.max(0, limit - 1), windowMs);
    this.now = () => ctx.clock.now();
  }

  private readonly now: () => number;

  isBlocked(key: string): boolean {
    const until = this.blocked.get(key);
    if (until === undefined) return false;
    if (until <= this.now()) {
      this.blocked.delete(key);
      return false;
    }
    return true;
  }

  failed(key: string): void {
    if (!this.limiter.take(key)) this.blocked.set(key, this.now() + this.windowMs);
  }

  get minutes(): number {
    return Math.round(this.windowMs / 60_000);
  }
}
