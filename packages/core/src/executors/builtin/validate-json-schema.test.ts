import { describe, expect, it } from 'vitest';
import { containing, matching, run } from '../test-helpers.js';
import { validateJsonSchemaExecutor } from './validate-json-schema.js';

const schema = {
  type: 'object',
  required: ['name', 'age'],
  properties: {
    name: { type: 'string' },
    age: { type: 'integer', minimum: 0 },
    kind: { enum: ['a', 'b'] },
  },
  additionalProperties: false,
};

const validate = (inputs: Record<string, unknown>): Promise<Record<string, unknown>> =>
  run(validateJsonSchemaExecutor, inputs);

describe('validate:json-schema', () => {
  it('accepts a valid document', async () => {
    expect(await validate({ data: { name: 'x', age: 3 }, schema })).toEqual({
      valid: true,
      errors: [],
    });
  });

  it('reports every error with a JSON pointer path', async () => {
    const out = await validate({ data: { age: -1, extra: 1, kind: 'c' }, schema });
    expect(out['valid']).toBe(false);
    expect(out['errors']).toEqual(
      expect.arrayContaining([
        { path: '', message: "must have required property 'name'" },
        { path: '', message: "must NOT have additional properties: 'extra'" },
        { path: '/age', message: 'must be >= 0' },
        { path: '/kind', message: 'must be equal to one of the allowed values: ["a","b"]' },
      ]),
    );
    expect(out['errors']).toHaveLength(4);
  });

  it('throws ValidationError with failOnInvalid', async () => {
    await expect(
      validate({ data: { name: 1, age: 2 }, schema, failOnInvalid: true }),
    ).rejects.toMatchObject({
      code: 'ValidationError',
      retryable: false,
      message: 'input `data` does not match the schema: /name must be string',
    });
    expect(
      await validate({ data: { name: 'n', age: 2 }, schema, failOnInvalid: true }),
    ).toMatchObject({
      valid: true,
    });
  });

  it('lists only the first errors in the message', async () => {
    const many = { type: 'array', items: { type: 'string' } };
    await expect(
      validate({ data: [1, 2, 3, 4, 5, 6, 7], schema: many, failOnInvalid: true }),
    ).rejects.toMatchObject({ message: matching(/\/4 must be string; and 2 more$/) });
  });

  it('uses JSON Schema 2020-12, and accepts a draft-07 $schema', async () => {
    const tuple = {
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'number' }],
      items: false,
    };
    expect(await validate({ data: ['a', 1], schema: tuple })).toMatchObject({ valid: true });
    expect(await validate({ data: ['a', 1, 2], schema: tuple })).toMatchObject({ valid: false });
    const draft7 = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'string' };
    expect(await validate({ data: 'x', schema: draft7 })).toMatchObject({ valid: true });
    expect(await validate({ data: true, schema: false })).toMatchObject({ valid: false });
  });

  it('keeps schemas with the same $id apart', async () => {
    expect(
      await validate({ data: 1, schema: { $id: 'https://example.com/s.json', type: 'number' } }),
    ).toMatchObject({ valid: true });
    expect(
      await validate({ data: 1, schema: { $id: 'https://example.com/s.json', type: 'string' } }),
    ).toMatchObject({ valid: false });
    expect(
      await validate({ data: 1, schema: { $id: 'https://example.com/s.json', type: 'number' } }),
    ).toMatchObject({ valid: true });
  });

  it('ignores unknown formats and keywords', async () => {
    expect(
      await validate({
        data: 'not-an-email',
        schema: { type: 'string', format: 'email', example: 'a@b' },
      }),
    ).toMatchObject({ valid: true });
  });

  it('fails with InvalidInputError for a bad schema or missing inputs', async () => {
    await expect(validate({ data: 1, schema: { type: 'bogus' } })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: matching(/^input `schema` is not a valid JSON Schema: schema is invalid/),
    });
    await expect(
      validate({ data: 1, schema: { $ref: 'https://example.com/s.json' } }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing("can't resolve reference"),
    });
    await expect(validate({ data: 1, schema: 'string' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: 'input `schema` must be a JSON Schema (an object or a boolean), got string',
    });
    await expect(validate({ schema })).rejects.toMatchObject({ code: 'InvalidInputError' });
    await expect(validate({ data: 1 })).rejects.toMatchObject({ code: 'InvalidInputError' });
    await expect(validate({ data: 1, schema, failOnInvalid: 'yes' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: 'input `failOnInvalid` must be a boolean, got string',
    });
  });
});
