/** Edit distance (insertions, deletions, substitutions), capped: returns > max early. */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] ?? max + 1;
}

/** Up to three candidates closest to `word` (case-insensitive match or small edit distance). */
export function suggest(word: string, candidates: readonly string[]): string[] {
  const lower = word.toLowerCase();
  const limit = word.length <= 2 ? 0 : word.length <= 4 ? 1 : 2;
  const scored = candidates
    .map((c) => {
      const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase(), limit);
      return { c, d };
    })
    .filter((x) => x.d <= limit);
  const best = Math.min(...scored.map((x) => x.d));
  return scored
    .filter((x) => x.d === best)
    .map((x) => x.c)
    .sort()
    .slice(0, 3);
}
