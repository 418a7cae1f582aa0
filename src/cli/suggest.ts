/**
 * "Did you mean": the known word closest to a mistyped one, pure.
 *
 * Closeness is the optimal-string-alignment distance (Damerau–Levenshtein without
 * overlapping edits): insertions, deletions, substitutions and swaps of two neighbours each
 * cost 1, so `stauts` is 1 from `status` (one swap), where plain Levenshtein says 2. A
 * suggestion is made only when it is close for the word's length (a third of it, at least 1,
 * at most 3), so `gaia xyz` gets no absurd guess; ties go to the earlier candidate.
 */

export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  // d[i][j]: distance between a's first i and b's first j characters, in one flat array.
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1]!;
}

/** The candidate closest to `word`, or undefined when none is close enough to suggest. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // Case slips (`Status`) are free: they are the commonest typo of all.
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A prefix is a likelier intent than an edit: `gaia sched` means `schedules` or `schedule`.
  if (bestDistance > limit && word.length >= 3) {
    for (const candidate of candidates) if (candidate.startsWith(word)) return candidate;
  }
  return bestDistance <= limit ? best : undefined;
}

/** `; did you mean 'x'?`, or nothing when there is no close candidate. */
export function didYouMean(word: string, candidates: Iterable<string>, quote = (s: string) => `'${s}'`): string {
  const match = closest(word, candidates);
  return match === undefined ? "" : `; did you mean ${quote(match)}?`;
}
