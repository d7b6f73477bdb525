import { describe, expect, it } from 'vitest';
import { createJsonSchemaValidEvaluator, parseJsonResponse } from './json-schema-valid.js';
import { run } from './test-helpers.js';

const schema = {
  type: 'object',
  required: ['name', 'age'],
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
  additionalProperties: false,
};

describe('llm-test-bench:json-schema-valid', () => {
  const evaluator = createJsonSchemaValidEvaluator();

  it('scores 1 for JSON text that matches the schema', async () => {
    const out = await run(evaluator, { response: '{"name": "Ada", "age": 36}', schema });
    expect(out).toEqual({
      score: 1,
      passed: true,
      metrics: { valid: true, parsed: true, errors: [], error_count: 0 },
    });
  });

  it('accepts a parsed value, and JSON inside a Markdown code fence', async () => {
    expect(await run(evaluator, { response: { name: 'Ada', age: 36 }, schema })).toMatchObject({
      score: 1,
    });
    const fenced = '```json\n{"name": "Ada", "age": 36}\n```';
    expect(await run(evaluator, { response: fenced, schema })).toMatchObject({ score: 1 });
  });

  it('scores 0 and lists every validation error', async () => {
    const out = await run(evaluator, { response: '{"name": 1, "age": -1, "x": 0}', schema });
    expect(out).toMatchObject({ score: 0, passed: false, metrics: { valid: false, parsed: true } });
    const errors = (out.metrics as { errors: { path: string; message: string }[] }).errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: '/name', message: 'must be string' },
        { path: '/age', message: 'must be >= 0' },
        { path: '', message: "must NOT have additional properties: 'x'" },
      ]),
    );
    expect((out.metrics as { error_count: number }).error_count).toBe(errors.length);
  });

  it('scores 0 for text that is not JSON, with the parse error', async () => {
    const out = await run(evaluator, { response: 'Sure! Here is the JSON: {name: Ada}', schema });
    expect(out).toMatchObject({
      score: 0,
      passed: false,
      metrics: { valid: false, parsed: false },
    });
    expect((out.metrics as { errors: { message: string }[] }).errors[0]?.message).toMatch(
      /^not valid JSON: /,
    );
  });

  it('fails with InvalidInputError on a missing or invalid schema', async () => {
    await expect(run(evaluator, { response: '{}' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      input: 'schema',
    });
    await expect(
      run(evaluator, { response: '{}', schema: { type: 'no-such-type' } }),
    ).rejects.toMatchObject({ code: 'InvalidInputError', input: 'schema' });
    await expect(run(evaluator, { schema })).rejects.toMatchObject({ input: 'response' });
  });

  it('parses JSON text and leaves other values alone', () => {
    expect(parseJsonResponse(' [1, 2] ')).toEqual({ ok: true, value: [1, 2] });
    expect(parseJsonResponse(3)).toEqual({ ok: true, value: 3 });
    expect(parseJsonResponse('```\n"a"\n```')).toEqual({ ok: true, value: 'a' });
    expect(parseJsonResponse('nope')).toMatchObject({ ok: false });
  });
});
