// Small helpers the built-in games share.
import type { ChatUser } from '../../../core/types.ts';
import type { GameOptions, GamePlayer } from '../service.ts';

export function playerOf(user: ChatUser): GamePlayer {
  return { userId: user.id, login: user.login, displayName: user.displayName };
}

/** "30 s", "2 min". */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 120 && s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}

/** An option by name, from the options object or else from the words typed (first match of `pick`). */
export function option<T>(options: GameOptions, args: readonly string[], name: string, pick: (word: string) => T | undefined): T | undefined {
  const given = options[name];
  if (given !== undefined) return pick(String(given));
  for (const a of args) {
    const v = pick(a);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function wholeNumber(word: string): number | undefined {
  return /^\d{1,9}$/.test(word.trim()) ? Number(word.trim()) : undefined;
}

/** Picks one item at random. */
export function pickOne<T>(items: readonly T[], random: () => number): T | undefined {
  return items.length ? items[Math.floor(random() * items.length)] : undefined;
}
