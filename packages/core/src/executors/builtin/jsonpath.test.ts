import { describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../builtins.js';
import { containing, matching, run } from '../test-helpers.js';
import { jsonPathExecutor } from './jsonpath.js';

const data = {
  store: {
    book: [
      { title: 'A', price: 8 },
      { title: 'B', price: 22 },
    ],
  },
};

describe('transform:jsonpath', () => {
  it('returns every match, the first and the count', async () => {
    expect(await run(jsonPathExecutor, { data, path: '$.store.book[*].title' })).toEqual({
      result: ['A', 'B'],
      first: 'A',
      count: 2,
    });
    expect(
      await run(jsonPathExecutor, { data, jsonpath: '$.store.book[?@.price > 10].title' }),
    ).toEqual({
      result: ['B'],
      first: 'B',
      count: 1,
    });
    expect(await run(jsonPathExecutor, { data, path: '$.nothing' })).toEqual({
      result: [],
      first: null,
      count: 0,
    });
    expect(await run(jsonPathExecutor, { data: null, path: '$' })).toEqual({
      result: [null],
      first: null,
      count: 1,
    });
  });

  it('does not reach prototypes', async () => {
    expect(await run(jsonPathExecutor, { data, path: '$.store.constructor' })).toMatchObject({
      count: 0,
    });
  });

  it('fails with InvalidInputError for bad inputs', async () => {
    await expect(run(jsonPathExecutor, { data, path: 'store.book' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: matching(/^input `path` is not a valid JSONPath \(RFC 9535\): Expected "\$"/),
    });
    await expect(run(jsonPathExecutor, { data, jsonpath: '$[' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: matching(/^input `jsonpath` is not a valid JSONPath/),
    });
    await expect(run(jsonPathExecutor, { data })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('input `path` (or `jsonpath`) is required'),
    });
    await expect(run(jsonPathExecutor, { path: '$' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: 'input `data` is required (the JSON document to query)',
    });
    await expect(
      run(jsonPathExecutor, { data, path: '$.a', jsonpath: '$.b' }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
    });
    await expect(run(jsonPathExecutor, { data, path: 42 })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: 'input `path` must be a string, got number',
    });
  });
});

describe('llm-forge:json-transform', () => {
  const jsonTransform = createBuiltinRegistry().resolve('llm-forge:json-transform');

  it('is the jsonpath executor, with `jsonpath` and `schema`', async () => {
    const out = await run(jsonTransform, {
      data,
      jsonpath: '$.store.book[*]',
      schema: { type: 'object', required: ['title', 'price'] },
    });
    expect(out).toMatchObject({ count: 2, first: { title: 'A', price: 8 } });
  });

  it('fails with ValidationError when a match breaks the schema', async () => {
    await expect(
      run(jsonTransform, {
        data,
        jsonpath: '$.store.book[*]',
        schema: { type: 'object', properties: { price: { maximum: 10 } } },
      }),
    ).rejects.toMatchObject({
      code: 'ValidationError',
      retryable: false,
      message: 'match 1 of `$.store.book[*]` does not match the schema: /price must be <= 10',
    });
  });

  it('fails with InvalidInputError for a bad schema', async () => {
    await expect(
      run(jsonTransform, { data, jsonpath: '$', schema: { type: 'bogus' } }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('input `schema` is not a valid JSON Schema'),
    });
  });
});
