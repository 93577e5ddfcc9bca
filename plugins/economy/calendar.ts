// Days as the streamer's viewers live them: "today" for !daily is the date in the configured IANA time zone.

const DAY_MS = 86_400_000;

export interface Calendar {
  /** `YYYY-MM-DD` of the moment in the time zone. */
  day(time: number): string;
  /** The day before a `YYYY-MM-DD`. */
  previousDay(day: string): string;
  /** Milliseconds from `time` until the next day starts there (DST days are 23 or 25 hours long). */
  untilNextDay(time: number): number;
}

export function calendar(timeZone: string): Calendar {
  // Built at first use (see economy.ts: after the ready line), not in every start's setup.
  let format: Intl.DateTimeFormat | undefined;
  const formatter = () => (format ??= new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }));
  const parts = (time: number) => {
    const p: Record<string, string> = {};
    for (const part of formatter().formatToParts(new Date(time))) p[part.type] = part.value;
    return p;
  };
  const day = (time: number) => {
    const p = parts(time);
    return `${p.year}-${p.month}-${p.day}`;
  };
  return {
    day,
    previousDay(d) {
      const [y, m, dd] = d.split('-').map(Number);
      return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (dd ?? 1) - 1)).toISOString().slice(0, 10);
    },
    untilNextDay(time) {
      const today = day(time);
      const p = parts(time);
      // A first guess from the wall clock, then a walk to the exact minute the date changes.
      const intoDay = (Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second)) * 1000 + (time % 1000);
      let next = time + DAY_MS - intoDay;
      while (day(next) === today) next += 3_600_000;
      while (day(next - 60_000) !== today) next -= 60_000;
      return Math.max(0, next - time);
    },
  };
}

/** "3h 12m", "45m", "20s". */
export function formatDuration(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.ceil(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
}
