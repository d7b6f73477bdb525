/** Score arithmetic shared by the evaluators. */

/** Digits kept: enough for any comparison, few enough that identical texts score exactly 1. */
const PRECISION = 1e12;

/** Rounds away floating-point noise (`0.9999999999999998` becomes `1`). */
export function roundScore(x: number): number {
  return Math.round(x * PRECISION) / PRECISION;
}

/** Into 0..1 (NaN becomes 0). */
export function clamp01(x: number): number {
  return Number.isNaN(x) ? 0 : Math.min(1, Math.max(0, x));
}
