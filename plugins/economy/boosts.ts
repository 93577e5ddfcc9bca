// XP boosts: a viewer buys minutes of multiplied chat XP in the shop (the `xp_boost` effect the economy
// offers on its service as `shopEffects`, see the shop's README). Each purchase is a segment of time with
// its multiplier; a second purchase starts when the first ends, so every minute bought is a minute boosted.
// Segments live in memory, expire by the plugin clock, and cross a hot reload through ctx.handOver.
import { formatDuration } from './calendar.ts';
import type { OfferedShopEffect } from './service.ts';

export interface BoostSegment {
  readonly start: number;
  readonly end: number;
  readonly multiplier: number;
}

/** Largest multiplier and longest boost one item may configure (a typo must not make XP explode). */
export const MAX_MULTIPLIER = 10;
export const MAX_MINUTES = 24 * 60;
/** Minutes per unit when an item's params do not say. */
export const DEFAULT_MINUTES = 10;
/** The most boost time one viewer may have queued (several purchases): a week. */
const MAX_QUEUED_MS = 7 * 24 * 3_600_000;

/** Why an item's params cannot make a boost, or undefined when they can. */
export function boostParamsProblem(params: Readonly<Record<string, unknown>>): string | undefined {
  const m = params.multiplier;
  if (typeof m !== 'number' || !Number.isFinite(m) || m <= 1 || m > MAX_MULTIPLIER) {
    return `params.multiplier must be a number above 1 and at most ${MAX_MULTIPLIER} (2 doubles chat XP)${'xp' in params ? '; xp_boost multiplies chat XP for a while, it does not give a lump of XP' : ''}`;
  }
  const min = params.minutes;
  if (min !== undefined && (typeof min !== 'number' || !Number.isInteger(min) || min < 1 || min > MAX_MINUTES)) {
    return `params.minutes must be a whole number from 1 to ${MAX_MINUTES} (minutes per unit bought; default ${DEFAULT_MINUTES})`;
  }
  return undefined;
}

export class Boosts {
  private readonly byUser = new Map<string, BoostSegment[]>();

  /** Adds `ms` of boost at `multiplier`, after what the viewer already has; returns when it ends. */
  add(userId: string, ms: number, multiplier: number, now: number): BoostSegment {
    const list = this.live(userId, now);
    const start = Math.max(now, list[list.length - 1]?.end ?? now);
    if (start + ms - now > MAX_QUEUED_MS) throw new Error('that would be more than a week of boosts');
    const segment = { start, end: start + ms, multiplier };
    list.push(segment);
    this.byUser.set(userId, list);
    return segment;
  }

  /** The multiplier of the viewer's chat XP at `now` (1 without a boost). */
  multiplierAt(userId: string, now: number): number {
    if (!this.byUser.size) return 1;
    const list = this.byUser.get(userId);
    if (!list) return 1;
    for (const s of list) if (s.start <= now && now < s.end) return s.multiplier;
    if (list.every((s) => s.end <= now)) this.byUser.delete(userId);
    return 1;
  }

  /** When the viewer's boosts (queued ones included) end, or undefined. */
  endsAt(userId: string, now: number): number | undefined {
    const list = this.live(userId, now);
    return list[list.length - 1]?.end;
  }

  forget(userId: string): void {
    this.byUser.delete(userId);
  }

  /** What a reload hands to the next version (expired segments left out). */
  snapshot(now: number): { readonly version: 1; readonly boosts: [string, BoostSegment[]][] } {
    const boosts: [string, BoostSegment[]][] = [];
    for (const id of [...this.byUser.keys()]) {
      const list = this.live(id, now);
      if (list.length) boosts.push([id, list]);
    }
    return { version: 1, boosts };
  }

  /** Takes what the previous version handed over; anything malformed or expired is dropped. */
  restore(inherited: unknown, now: number): number {
    const h = (inherited as { boosts?: unknown } | undefined)?.boosts;
    if ((inherited as { version?: unknown } | undefined)?.version !== 1 || !Array.isArray(h)) return 0;
    let n = 0;
    for (const entry of h) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) continue;
      const list = (entry[1] as unknown[]).filter(
        (s): s is BoostSegment =>
          typeof s === 'object' && s !== null
          && Number.isFinite((s as BoostSegment).start) && Number.isFinite((s as BoostSegment).end) && (s as BoostSegment).end > now
          && typeof (s as BoostSegment).multiplier === 'number' && (s as BoostSegment).multiplier > 1 && (s as BoostSegment).multiplier <= MAX_MULTIPLIER,
      );
      if (list.length) {
        this.byUser.set(entry[0], list.map((s) => ({ start: s.start, end: s.end, multiplier: s.multiplier })));
        n++;
      }
    }
    return n;
  }

  private live(userId: string, now: number): BoostSegment[] {
    const list = (this.byUser.get(userId) ?? []).filter((s) => s.end > now);
    if (list.length) this.byUser.set(userId, list);
    else this.byUser.delete(userId);
    return list;
  }
}

/** The `xp_boost` shop effect: `params.multiplier` × chat XP for quantity × `params.minutes` minutes. */
export function xpBoostEffect(boosts: Boosts, now: () => number, xpPerParticipation: () => number): OfferedShopEffect {
  return {
    description: 'Multiplies chat XP (params.multiplier, e.g. 2) for params.minutes minutes per unit (default 10); a second purchase starts when the first ends.',
    checkParams: boostParamsProblem,
    paramsSchema: {
      type: 'object',
      required: ['multiplier'],
      additionalProperties: false,
      properties: {
        multiplier: { type: 'number', title: 'XP multiplier', exclusiveMinimum: 1, maximum: MAX_MULTIPLIER, description: 'Chat XP is multiplied by this while the boost lasts (2 doubles it).' },
        minutes: { type: 'integer', title: 'Minutes per unit', minimum: 1, maximum: MAX_MINUTES, default: DEFAULT_MINUTES, description: 'How long one unit lasts; a second purchase starts when the first ends.' },
      },
    },
    run: ({ user, quantity, params }) => {
      const problem = boostParamsProblem(params);
      if (problem) return { ok: false, reason: problem };
      if (xpPerParticipation() <= 0) return { ok: false, reason: 'chat earns no XP on this channel' };
      const minutes = ((params.minutes as number | undefined) ?? DEFAULT_MINUTES) * quantity;
      const t = now();
      let segment: BoostSegment;
      try {
        segment = boosts.add(user.id, minutes * 60_000, params.multiplier as number, t);
      } catch (err) {
        return { ok: false, reason: (err as Error).message };
      }
      const x = `${params.multiplier as number}×`;
      const what = `${x} chat XP for ${minutes} minute${minutes === 1 ? '' : 's'}`;
      return { message: segment.start > t ? `${what}, after the boost you have (it starts in ${formatDuration(segment.start - t)}).` : `${what}, starting now.` };
    },
  };
}
