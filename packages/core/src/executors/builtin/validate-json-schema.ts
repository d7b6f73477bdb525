/**
 * `validate:json-schema`: checks `data` against `schema` (JSON Schema 2020-12).
 * Inputs: `data`, `schema`, `failOnInvalid` (default false).
 * Output: `{ valid, errors: [{ path, message }] }`. With `failOnInvalid`, an invalid document
 * fails with `ValidationError` instead. A bad schema fails with `InvalidInputError`.
 */
import { optionalBoolean, requireInput } from '../errors.js';
import type { Executor } from '../types.js';
import { schemaValidationError, validateWithSchema } from './json-schema.js';

export const VALIDATE_JSON_SCHEMA_EXECUTOR = 'validate:json-schema';

export const validateJsonSchemaExecutor: Executor = {
  name: VALIDATE_JSON_SCHEMA_EXECUTOR,
  description: 'Validate data against a JSON Schema (2020-12)',
  execute(inputs) {
    const data = requireInput(inputs, 'data', 'the document to validate');
    const schema = requireInput(inputs, 'schema', 'a JSON Schema');
    const failOnInvalid = optionalBoolean(inputs, 'failOnInvalid') ?? false;
    const { valid, errors } = validateWithSchema(data, schema);
    if (!valid && failOnInvalid) throw schemaValidationError('input `data`', errors);
    return { valid, errors };
  },
};
