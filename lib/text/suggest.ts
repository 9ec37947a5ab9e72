/**
 * "Did you mean …?": the closest of a set of names to what was typed.
 * @module
 */

/** Levenshtein distance between two short strings. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

const fold = (s: string) => s.toLowerCase().replace(/[-_]/g, "");

/**
 * The closest candidate to `input`: equal up to case, `-` and `_` first, then the smallest edit
 * distance within 2 (and less than the input's length); `undefined` when nothing is close.
 */
export function suggestClosest(input: string, candidates: readonly string[]): string | undefined {
  const folded = candidates.find((c) => fold(c) === fold(input));
  if (folded !== undefined) return folded;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && distance < input.length && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}
