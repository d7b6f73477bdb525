import { describe, expect, it } from 'vitest';
import {
  estimateTokens,
  hashedEmbedding,
  placeholderFromSchema,
  splitJsonDeltas,
  truncateToTokens,
} from './deterministic.js';

describe('placeholderFromSchema', () => {
  it('fills the required properties only, with "" / 0 / false / [] / nested objects', () => {
    expect(
      placeholderFromSchema({
        type: 'object',
        properties: {
          s: { type: 'string' },
          n: { type: 'number' },
          i: { type: 'integer' },
          b: { type: 'boolean' },
          a: { type: 'array', items: { type: 'string' } },
          o: {
            type: 'object',
            properties: { x: { type: 'string' }, y: { type: 'number' } },
            required: ['y'],
          },
          optional: { type: 'string' },
        },
        required: ['s', 'n', 'i', 'b', 'a', 'o'],
      }),
    ).toEqual({ s: '', n: 0, i: 0, b: false, a: [], o: { y: 0 } });
  });

  it('honours const, enum, nullable unions, $ref, allOf, minimum and minItems', () => {
    expect(
      placeholderFromSchema({
        type: 'object',
        properties: {
          kind: { const: 'book' },
          colour: { enum: ['red', 'green'] },
          maybe: { anyOf: [{ type: 'null' }, { type: 'string' }] },
          nullable: { type: ['null', 'integer'] },
          ref: { $ref: '#/$defs/point' },
          merged: {
            allOf: [
              { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
              { type: 'object', properties: { b: { type: 'boolean' } }, required: ['b'] },
            ],
          },
          rating: { type: 'integer', minimum: 1.5 },
          pair: { type: 'array', items: { type: 'number' }, minItems: 2 },
          untyped: {},
        },
        required: ['kind', 'colour', 'maybe', 'nullable', 'ref', 'merged', 'rating', 'pair'],
        $defs: {
          point: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] },
        },
      }),
    ).toEqual({
      kind: 'book',
      colour: 'red',
      maybe: '',
      nullable: 0,
      ref: { x: 0 },
      merged: { a: '', b: false },
      rating: 2,
      pair: [0, 0],
    });
  });

  it('gives {} with no schema, and a placeholder of the root type otherwise', () => {
    expect(placeholderFromSchema(undefined)).toEqual({});
    expect(placeholderFromSchema({})).toEqual({});
    expect(placeholderFromSchema({ type: 'array' })).toEqual([]);
    expect(placeholderFromSchema({ type: 'string' })).toBe('');
  });
});

describe('text helpers', () => {
  it('truncates at word boundaries until the token estimate fits', () => {
    const text = 'one two three four five six seven';
    expect(truncateToTokens(text, 100)).toEqual({ text, truncated: false });
    const cut = truncateToTokens(text, 4);
    expect(cut).toEqual({ text: 'one two three', truncated: true });
    expect(estimateTokens(cut.text)).toBeLessThanOrEqual(4);
    expect(truncateToTokens(text, 0)).toEqual({ text: '', truncated: true });
  });

  it('splits JSON losslessly into small pieces', () => {
    const json = JSON.stringify({ a: 'hello world', b: [1, 2, 3] });
    const pieces = splitJsonDeltas(json);
    expect(pieces.join('')).toBe(json);
    expect(pieces.every((p) => p.length <= 8)).toBe(true);
  });

  it('embeds deterministically with unit length', () => {
    const v = hashedEmbedding('the quick brown fox', 32);
    expect(v).toEqual(hashedEmbedding('the quick brown fox', 32));
    expect(v).toHaveLength(32);
    expect(Math.hypot(...v)).toBeCloseTo(1, 10);
  });
});
