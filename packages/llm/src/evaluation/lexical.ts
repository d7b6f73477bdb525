/**
 * Lexical similarity: the cosine of word-count vectors. Words are runs of Unicode letters and
 * digits, NFKC-normalised and lowercased; punctuation and spacing are ignored, word order is not
 * looked at, and repeated words weigh more. Two texts without words are identical (1); a text
 * without words and one with words share nothing (0). The result is in 0..1.
 */
import { roundScore } from './score.js';

export function words(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

function counts(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const word of words(text)) map.set(word, (map.get(word) ?? 0) + 1);
  return map;
}

export function lexicalSimilarity(a: string, b: string): number {
  const x = counts(a);
  const y = counts(b);
  if (x.size === 0 || y.size === 0) return x.size === y.size ? 1 : 0;
  let dot = 0;
  for (const [word, n] of x) dot += n * (y.get(word) ?? 0);
  const norm = (m: Map<string, number>): number =>
    Math.sqrt([...m.values()].reduce((sum, n) => sum + n * n, 0));
  return Math.min(1, roundScore(dot / (norm(x) * norm(y))));
}
