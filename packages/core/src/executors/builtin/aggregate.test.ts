import { describe, expect, it } from 'vitest';
import { containing, run } from '../test-helpers.js';
import { aggregateArrayExecutor } from './aggregate-array.js';
import { aggregateMapExecutor } from './aggregate-map.js';
import { aggregateReduceExecutor } from './aggregate-reduce.js';

const invalid = { code: 'InvalidInputError', retryable: false };

describe('aggregate:array', () => {
  it('collects items or sources in key order, flattens one level and compacts', async () => {
    expect(await run(aggregateArrayExecutor, { items: [1, [2, [3]], null] })).toEqual({
      result: [1, [2, [3]], null],
      count: 3,
    });
    expect(
      await run(aggregateArrayExecutor, {
        items: [1, [2, [3]], null, [null]],
        flatten: true,
        compact: true,
      }),
    ).toEqual({
      result: [1, 2, [3]],
      count: 3,
    });
    expect(
      await run(aggregateArrayExecutor, { sources: { b: 'B', a: ['A'], c: null }, flatten: true }),
    ).toEqual({
      result: ['B', 'A', null],
      count: 3,
    });
  });

  it('fails with InvalidInputError', async () => {
    await expect(run(aggregateArrayExecutor, {})).rejects.toMatchObject(invalid);
    await expect(run(aggregateArrayExecutor, { items: [], sources: {} })).rejects.toMatchObject(
      invalid,
    );
    await expect(run(aggregateArrayExecutor, { items: 'abc' })).rejects.toMatchObject({
      ...invalid,
      message: 'input `items` must be an array, got string',
    });
    await expect(run(aggregateArrayExecutor, { items: [], flatten: 1 })).rejects.toMatchObject(
      invalid,
    );
  });
});

describe('aggregate:map', () => {
  const items = [
    { id: 'a', score: 1 },
    { id: 'b', score: 2 },
    { id: 'a', score: 3 },
    { id: 7, score: 4 },
  ];

  it('keys items by a field, the last duplicate winning', async () => {
    expect(await run(aggregateMapExecutor, { items, key: 'id' })).toEqual({
      result: { a: { id: 'a', score: 3 }, b: { id: 'b', score: 2 }, 7: { id: 7, score: 4 } },
      count: 3,
    });
    expect(await run(aggregateMapExecutor, { items, key: 'id', value: 'score' })).toEqual({
      result: { a: 3, b: 2, 7: 4 },
      count: 3,
    });
  });

  it('passes entries through', async () => {
    expect(await run(aggregateMapExecutor, { entries: { x: 1 } })).toEqual({
      result: { x: 1 },
      count: 1,
    });
  });

  it('keeps a __proto__ key as data', async () => {
    const out = await run(aggregateMapExecutor, {
      items: [{ k: '__proto__', v: 1 }],
      key: 'k',
      value: 'v',
    });
    const result = out['result'] as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(JSON.stringify(result)).toBe('{"__proto__":1}');
  });

  it('fails with InvalidInputError', async () => {
    await expect(
      run(aggregateMapExecutor, { items, key: 'id', unique: true }),
    ).rejects.toMatchObject({
      ...invalid,
      message: "input `items`[2] repeats key 'a' (`unique` is set)",
    });
    await expect(run(aggregateMapExecutor, { items: [{ x: 1 }], key: 'id' })).rejects.toMatchObject(
      {
        ...invalid,
        message: 'input `items`[0] field `id` must be a string or number to key by, got undefined',
      },
    );
    await expect(run(aggregateMapExecutor, { items: ['x'], key: 'id' })).rejects.toMatchObject({
      ...invalid,
      message: 'input `items`[0] must be an object, got string',
    });
    await expect(run(aggregateMapExecutor, { items })).rejects.toMatchObject({
      ...invalid,
      message: 'input `key` is required (a string)',
    });
    await expect(run(aggregateMapExecutor, {})).rejects.toMatchObject(invalid);
    await expect(
      run(aggregateMapExecutor, { items, entries: {}, key: 'id' }),
    ).rejects.toMatchObject(invalid);
  });
});

describe('aggregate:reduce', () => {
  const reduce = async (inputs: Record<string, unknown>): Promise<unknown> =>
    (await run(aggregateReduceExecutor, inputs))['result'];

  it('applies each operation', async () => {
    const nums = [3, 1, 2];
    expect(await reduce({ items: nums, operation: 'sum' })).toBe(6);
    expect(await reduce({ items: nums, operation: 'avg' })).toBe(2);
    expect(await reduce({ items: nums, operation: 'min' })).toBe(1);
    expect(await reduce({ items: nums, operation: 'max' })).toBe(3);
    expect(await reduce({ items: [1, 'a', null], operation: 'count' })).toBe(3);
    expect(await reduce({ items: [[1], [2, [3]], []], operation: 'concat' })).toEqual([1, 2, [3]]);
    expect(await reduce({ items: ['a', 'b'], operation: 'join' })).toBe('a\nb');
    expect(await reduce({ items: ['a', 'b'], operation: 'join', separator: ', ' })).toBe('a, b');
    expect(await reduce({ items: [{ a: 1, b: 1 }, { b: 2 }], operation: 'merge' })).toEqual({
      a: 1,
      b: 2,
    });
    expect(await reduce({ items: [true, false], operation: 'all' })).toBe(false);
    expect(await reduce({ items: [true, false], operation: 'any' })).toBe(true);
  });

  it('handles large inputs for min and max', async () => {
    const many = Array.from({ length: 300_000 }, (_, i) => i);
    expect(await reduce({ items: many, operation: 'max' })).toBe(299_999);
  });

  it('has defined results for empty items', async () => {
    expect(await reduce({ items: [], operation: 'sum' })).toBe(0);
    expect(await reduce({ items: [], operation: 'avg' })).toBeNull();
    expect(await reduce({ items: [], operation: 'min' })).toBeNull();
    expect(await reduce({ items: [], operation: 'join' })).toBe('');
    expect(await reduce({ items: [], operation: 'merge' })).toEqual({});
    expect(await reduce({ items: [], operation: 'all' })).toBe(true);
    expect(await reduce({ items: [], operation: 'any' })).toBe(false);
    expect(await reduce({ items: [] })).toBeNull();
  });

  it('infers the operation from the items', async () => {
    expect(await reduce({ items: ['a', 'b'] })).toBe('a\nb');
    expect(await reduce({ items: [1, 2] })).toBe(3);
    expect(await reduce({ items: [[1], [2]] })).toEqual([1, 2]);
    expect(await reduce({ items: [{ a: 1 }, { b: 2 }] })).toEqual({ a: 1, b: 2 });
  });

  it('fails with InvalidInputError for mixed or wrong items', async () => {
    await expect(reduce({ items: [1, 'a'] })).rejects.toMatchObject({
      ...invalid,
      message: containing('mixes types (item 0 is number, item 1 is string)'),
    });
    await expect(reduce({ items: [true] })).rejects.toMatchObject({
      ...invalid,
      message: containing('cannot infer `operation`'),
    });
    await expect(reduce({ items: [1, 'a'], operation: 'sum' })).rejects.toMatchObject({
      ...invalid,
      message: "input `items`[1] must be a number for operation 'sum', got string",
    });
    await expect(reduce({ items: [1, Infinity], operation: 'sum' })).rejects.toMatchObject(invalid);
    await expect(reduce({ items: [1], operation: 'median' })).rejects.toMatchObject(invalid);
    await expect(reduce({ items: 'abc' })).rejects.toMatchObject(invalid);
    await expect(reduce({ items: ['a'], separator: 1 })).rejects.toMatchObject(invalid);
  });

  it('keeps a __proto__ key as data when merging', async () => {
    const items = [JSON.parse('{"__proto__": {"x": 1}}'), { a: 1 }] as unknown[];
    const result = (await reduce({ items, operation: 'merge' })) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(result['x']).toBeUndefined();
    expect(JSON.stringify(result)).toBe('{"__proto__":{"x":1},"a":1}');
  });
});
