// Ways to earn: XP for taking part in chat (written behind in batches), and the claims !daily, !hourly and
// !work. A claim checks and records its cooldown in the same transaction that pays it, so two quick
// `!daily`s (or two bot processes) can never both pay.
import type { Books, EconomyEvent } from './ledger.ts';
import type { Calendar } from './calendar.ts';
import type { EconomyConfig } from './schema.ts';

const HOUR_MS = 3_600_000;

export type ClaimResult =
  | { readonly ok: true; readonly amount: number; readonly balance: number; readonly streak?: number; readonly message?: string }
  | { readonly ok: false; readonly reason: 'excluded' }
  | { readonly ok: false; readonly reason: 'wait'; readonly waitMs: number };

export const WORK_LINES: readonly string[] = [
  'You kneaded dough for a whole shift and earned {amount}.',
  'You frosted forty cupcakes without eating one. The boss paid you {amount}.',
  'You delivered warm bread across town and got {amount} in tips.',
  'You swept flour off the bakery floor and found {amount}.',
  'You invented a new cookie flavour. Royalties: {amount}.',
  'You babysat the sourdough starter. It paid you {amount}.',
  'You untangled a pretzel emergency and were rewarded with {amount}.',
  'You sold day-old croissants to pigeons for {amount}.',
];

/** `!daily`: dailyBonusBase plus one per consecutive day before today, the bonus capped at dailyStreakMax. */
export async function claimDaily(books: Books, userId: string, config: EconomyConfig, cal: Calendar, now: number): Promise<ClaimResult> {
  const acc = await books.account(userId);
  if (acc.is_excluded) return { ok: false, reason: 'excluded' };
  const today = cal.day(now);
  if (acc.last_daily === today) return { ok: false, reason: 'wait', waitMs: cal.untilNextDay(now) };
  const streak = acc.last_daily !== null && acc.last_daily === cal.previousDay(today) ? acc.daily_streak + 1 : 1;
  const amount = config.dailyBonusBase + Math.min(streak - 1, config.dailyStreakMax);
  const entry = await books.earn(
    userId,
    amount,
    { reason: `daily bonus (day ${streak})`, key: `daily:${userId}:${today}`, actor: userId },
    { daily_streak: streak, last_daily: today },
  );
  return { ok: true, amount, streak, balance: entry?.balanceAfter ?? acc.tokens };
}

/** `!hourly`: hourlyBonus, once in any 60 minutes. */
export async function claimHourly(books: Books, userId: string, config: EconomyConfig, now: number): Promise<ClaimResult> {
  const acc = await books.account(userId);
  if (acc.is_excluded) return { ok: false, reason: 'excluded' };
  if (acc.last_hourly !== null && now - acc.last_hourly < HOUR_MS) return { ok: false, reason: 'wait', waitMs: acc.last_hourly + HOUR_MS - now };
  const entry = await books.earn(userId, config.hourlyBonus, { reason: 'hourly bonus', actor: userId }, { last_hourly: now });
  return { ok: true, amount: config.hourlyBonus, balance: entry?.balanceAfter ?? acc.tokens };
}

/** `!work`: a random reward between workRewardMin and workRewardMax, once per workCooldown. */
export async function doWork(books: Books, userId: string, config: EconomyConfig, now: number, random: () => number): Promise<ClaimResult> {
  const acc = await books.account(userId);
  if (acc.is_excluded) return { ok: false, reason: 'excluded' };
  const cooldown = config.workCooldown * 1000;
  if (acc.last_work !== null && now - acc.last_work < cooldown) return { ok: false, reason: 'wait', waitMs: acc.last_work + cooldown - now };
  const amount = config.workRewardMin + Math.floor(random() * (config.workRewardMax - config.workRewardMin + 1));
  const line = WORK_LINES[Math.floor(random() * WORK_LINES.length)] ?? WORK_LINES[0] ?? '{amount}';
  const entry = await books.earn(userId, amount, { reason: 'work', actor: userId }, { last_work: now });
  return { ok: true, amount, balance: entry?.balanceAfter ?? acc.tokens, message: line };
}

export interface XpItem {
  readonly userId: string;
  readonly xp: number;
  readonly time: number;
  readonly channel: string;
  readonly login: string;
  readonly displayName: string;
}

/** An account as a chat XP batch left it. */
export interface XpWritten {
  readonly user_id: string;
  readonly xp: number;
  readonly tokens: number;
  readonly wins: number;
}

/**
 * Writes a batch of chat XP: one multi-row upsert (accounts are created on the first message), skipping
 * excluded accounts; returns the level-ups it caused and the accounts as written.
 */
export async function writeXp(
  items: readonly XpItem[],
  tx: Books['tx'],
  levelOf: (xp: number) => number,
): Promise<{ ups: (EconomyEvent & { type: 'level' })[]; written: XpWritten[] }> {
  const ups: (EconomyEvent & { type: 'level' })[] = [];
  const written: XpWritten[] = [];
  const CHUNK = 500;
  for (let i = 0; i < items.length; i += CHUNK) {
    const part = items.slice(i, i + CHUNK);
    const params: (string | number)[] = [];
    for (const it of part) params.push(it.userId, it.xp, it.time, it.time);
    const rows = await tx.all<XpWritten>(
      `INSERT INTO economy_accounts (user_id, xp, created_at, updated_at) VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')}
       ON CONFLICT (user_id) DO UPDATE SET xp = xp + excluded.xp, updated_at = max(updated_at, excluded.updated_at)
       WHERE economy_accounts.is_excluded = 0
       RETURNING user_id, xp, tokens, wins`,
      params,
    );
    const gained = new Map(part.map((it) => [it.userId, it.xp]));
    written.push(...rows);
    for (const r of rows) {
      const before = r.xp - (gained.get(r.user_id) ?? 0);
      const a = levelOf(before);
      const b = levelOf(r.xp);
      if (b > a) ups.push({ type: 'level', event: { userId: r.user_id, previousLevel: a, level: b, xp: r.xp } });
    }
  }
  return { ups, written };
}
