// Answer matching for chat games: pure functions, no state, safe to call from any plugin through the
// minigames service (`minigames.match`).
//
// How an answer is compared:
// 1. Both sides are normalized (`normalizeAnswer`): lower case; accents removed ("crème brûlée" →
//    "creme brulee"); apostrophes dropped and other punctuation turned into spaces; runs of spaces collapsed;
//    one leading article dropped ("the", "a", "an"); number words read as digits ("seven" → "7",
//    "twenty-one" → "21", "one hundred and five" → "105").
// 2. Equal normalized texts are a 100 % match.
// 3. Otherwise the similarity is 100 × (1 − d / L), where d is the optimal-string-alignment edit distance
//    (insert, delete, substitute, or swap two neighbouring letters: one edit each) and L the length of the
//    longer normalized text. "croissnat" for "croissant" is one swap: 100 × (1 − 1/9) = 89 %.
// 4. Answers that are numbers only ever match exactly: "1851" is not a typo of "1850".
// The best score over the accepted answers is reported, rounded to a whole percent; it is a hit when that
// score reaches the required accuracy (the `answerAccuracy` setting, 75 by default).

export interface MatchResult {
  /** Best similarity over the accepted answers, 0–100 (whole percent). */
  readonly accuracy: number;
  /** True when `accuracy` reaches the required accuracy. */
  readonly hit: boolean;
}

const ARTICLES = new Set(['the', 'a', 'an']);

const UNITS: Readonly<Record<string, number>> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};
const SCALES: Readonly<Record<string, number>> = { hundred: 100, thousand: 1_000, million: 1_000_000 };

function isNumberWord(word: string): boolean {
  return word in UNITS || word in SCALES;
}

/** Reads one run of number words ("two hundred and five") as its value. */
function numberValue(words: readonly string[]): number {
  let total = 0;
  let current = 0;
  for (const w of words) {
    if (w in UNITS) current += UNITS[w]!;
    else if (w === 'hundred') current = Math.max(current, 1) * 100;
    else {
      total += Math.max(current, 1) * SCALES[w]!;
      current = 0;
    }
  }
  return total + current;
}

/** Replaces every run of number words with its digits; "and" inside a run ("one hundred and five") belongs to it. */
function readNumberWords(words: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < words.length) {
    if (!isNumberWord(words[i]!)) {
      out.push(words[i]!);
      i += 1;
      continue;
    }
    const run: string[] = [];
    while (i < words.length) {
      const w = words[i]!;
      if (isNumberWord(w)) run.push(w);
      else if (w === 'and' && run.length > 0 && i + 1 < words.length && isNumberWord(words[i + 1]!)) { /* part of the number */ }
      else break;
      i += 1;
    }
    out.push(String(numberValue(run)));
  }
  return out;
}

/** The text as answers are compared (see the top of this file). */
export function normalizeAnswer(text: string): string {
  const plain = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss').replace(/æ/g, 'ae').replace(/œ/g, 'oe').replace(/ø/g, 'o').replace(/ł/g, 'l')
    .replace(/['’‘`´]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  if (plain === '') return '';
  let words = plain.split(' ');
  if (words.length > 1 && ARTICLES.has(words[0]!)) words = words.slice(1);
  return readNumberWords(words).join(' ');
}

/**
 * Optimal-string-alignment distance (Levenshtein plus swaps of neighbours), or `limit + 1` as soon as the
 * distance is known to exceed `limit` (so a wrong answer in busy chat costs little).
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

const NUMBER = /^\d+$/;

/** Similarity of two already normalized texts in percent (unrounded), per the metric above. */
export function similarity(a: string, b: string, atLeast = 0): number {
  if (a === b) return a === '' ? 0 : 100;
  if (a === '' || b === '' || NUMBER.test(a) || NUMBER.test(b)) return 0;
  const longest = Math.max(a.length, b.length);
  // Edits beyond this many cannot reach `atLeast`: stop counting there.
  const limit = Math.floor(longest * (1 - atLeast / 100));
  const d = editDistance(a, b, limit);
  return d > limit ? 0 : 100 * (1 - d / longest);
}

/**
 * Compares what a viewer typed with the accepted answers. `accuracy` is the required similarity in percent
 * (0–100; 100 means an exact match after normalization).
 */
export function matchAnswer(given: string, accepted: readonly string[], accuracy: number): MatchResult {
  const required = Math.min(100, Math.max(0, accuracy));
  const g = normalizeAnswer(given);
  let best = 0;
  for (const answer of accepted) {
    // Only a better score matters: edits beyond what `best` allows stop early.
    const score = Math.round(similarity(g, normalizeAnswer(answer), best));
    if (score > best) best = score;
    if (best === 100) break;
  }
  return { accuracy: best, hit: g !== '' && best >= required };
}
