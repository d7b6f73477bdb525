/** "Did you mean …?" suggestions for misspelt names (fields, task ids, functions, executors). */

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two neighbouring
 * letters (optimal string alignment). Bounded: returns `max + 1` as soon as it exceeds `max`.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, (before[j - 2] ?? 0) + 1);
      }
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    before = prev;
    prev = cur;
  }
  return prev[b.length] ?? max + 1;
}

/** How far a word may be from a suggestion: nothing for very short words, more for long ones. */
function reach(word: string): number {
  if (word.length <= 2) return 0;
  if (word.length <= 4) return 1;
  return word.length <= 9 ? 2 : 3;
}

/** Up to three candidates closest to `word` (a case-insensitive match, or a small edit distance). */
export function suggest(word: string, candidates: Iterable<string>): string[] {
  const lower = word.toLowerCase();
  const limit = reach(word);
  let best = limit + 1;
  let found: string[] = [];
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase(), limit);
    if (d < best) {
      best = d;
      found = [c];
    } else if (d === best && d <= limit) {
      found.push(c);
    }
  }
  return found.sort().slice(0, 3);
}

/** The closest candidate, if any is close enough. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  return suggest(word, candidates)[0];
}

/** `did you mean "x"?`, or undefined when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const c = closest(word, candidates);
  return c === undefined ? undefined : `did you mean "${c}"?`;
}
