import { describe, expect, it } from 'vitest';
import { optionalBoolean, optionalNumber, optionalText, requireText, threshold } from './inputs.js';

describe('evaluator inputs', () => {
  it('reads text, taking numbers and booleans as their text and null as absent', () => {
    expect(optionalText({ a: 'x' }, 'a')).toBe('x');
    expect(optionalText({ a: 4.5 }, 'a')).toBe('4.5');
    expect(optionalText({ a: false }, 'a')).toBe('false');
    expect(optionalText({ a: null }, 'a')).toBeUndefined();
    expect(() => optionalText({ a: [1] }, 'a')).toThrow('input `a` must be a string, got array');
    expect(() => requireText({}, 'a', 'the answer')).toThrow('input `a` is required (the answer)');
  });

  it('reads booleans and bounded numbers, with defaults', () => {
    expect(optionalBoolean({}, 'b', true)).toBe(true);
    expect(() => optionalBoolean({ b: 'yes' }, 'b', true)).toThrow(/must be a boolean/);
    expect(optionalNumber({}, 'n', 10, { positive: true })).toBe(10);
    expect(() => optionalNumber({ n: 0 }, 'n', 10, { positive: true })).toThrow(
      'input `n` must be a number greater than 0, got 0',
    );
    expect(threshold({ threshold: 0.5 }, 1)).toBe(0.5);
    expect(threshold({ threshold: null }, 0.7)).toBe(0.7);
    expect(() => threshold({ threshold: '0.5' }, 1)).toThrow(
      'input `threshold` must be a number between 0 and 1, got "0.5"',
    );
  });
});
