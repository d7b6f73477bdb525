import { describe, expect, it } from 'vitest';
import { clamp01, roundScore } from './score.js';

describe('score arithmetic', () => {
  it('rounds floating-point noise away but keeps real differences', () => {
    expect(roundScore(0.9999999999999998)).toBe(1);
    expect(roundScore(0.1 + 0.2)).toBe(0.3);
    expect(roundScore(0.123456789)).toBe(0.123456789);
  });

  it('clamps into 0..1, NaN to 0', () => {
    expect(clamp01(-0.5)).toBe(0);
    expect(clamp01(1.5)).toBe(1);
    expect(clamp01(0.25)).toBe(0.25);
    expect(clamp01(Number.NaN)).toBe(0);
  });
});
