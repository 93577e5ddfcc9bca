// The fight's source of chance (question draw, move choice, flavour text): Math.random, or a seeded
// generator when the `seed` setting is given, so a fight can be replayed exactly (tests do).

/** mulberry32: a small, fast, well-distributed 32-bit generator; plenty for picking lines of flavour text. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(items: readonly T[], random: () => number): T {
  if (!items.length) throw new Error('pick: nothing to pick from');
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))] as T;
}
