// The level curve. Level 1 starts at 0 XP and level L at floor(levelBase * (L - 1) ^ levelGrowth) XP; with the
// defaults (100, 1.5): level 2 at 100 XP, 3 at 282, 4 at 519, 5 at 800, 10 at 2700, 20 at 8281.

export interface LevelCurve {
  readonly levelBase: number;
  readonly levelGrowth: number;
}

export interface LevelInfo {
  readonly level: number;
  /** XP gathered inside this level. */
  readonly levelXp: number;
  /** XP from the start of this level to the start of the next. */
  readonly levelXpNeeded: number;
}

/** XP at which `level` starts. */
export function xpForLevel(curve: LevelCurve, level: number): number {
  if (level <= 1) return 0;
  return Math.floor(curve.levelBase * (level - 1) ** curve.levelGrowth);
}

export function levelOf(curve: LevelCurve, xp: number): LevelInfo {
  const total = Math.max(0, Math.floor(xp));
  let level = Math.floor((total / curve.levelBase) ** (1 / curve.levelGrowth)) + 1;
  // The closed form can be off by one near a boundary (floating point); settle it exactly.
  while (level > 1 && xpForLevel(curve, level) > total) level--;
  while (xpForLevel(curve, level + 1) <= total) level++;
  const start = xpForLevel(curve, level);
  return { level, levelXp: total - start, levelXpNeeded: xpForLevel(curve, level + 1) - start };
}
