import { describe, expect, it } from 'vitest';
import { lexicalSimilarity, words } from './lexical.js';

describe('lexical similarity', () => {
  it('splits into lowercased Unicode words, ignoring punctuation', () => {
    expect(words('Hello, WORLD! Ça va? 42')).toEqual(['hello', 'world', 'ça', 'va', '42']);
  });

  it('is 1 for the same words in any order or case, 0 for no shared word', () => {
    expect(lexicalSimilarity('The cat sat', 'sat the CAT!')).toBe(1);
    expect(lexicalSimilarity('red apple', 'blue sky')).toBe(0);
  });

  it('is the cosine of word counts', () => {
    // a = {the:1, cat:1}, b = {the:1, dog:1}: 1 / (sqrt 2 * sqrt 2)
    expect(lexicalSimilarity('the cat', 'the dog')).toBeCloseTo(0.5, 12);
    // a = {a:2}, b = {a:1, b:1}: 2 / (2 * sqrt 2)
    expect(lexicalSimilarity('a a', 'a b')).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('treats two texts without words as identical and one without words as unrelated', () => {
    expect(lexicalSimilarity('', '  ...')).toBe(1);
    expect(lexicalSimilarity('', 'word')).toBe(0);
  });
});
