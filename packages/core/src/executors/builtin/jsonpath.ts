/**
 * `transform:jsonpath` (alias `llm-forge:json-transform`): queries `data` with an RFC 9535
 * JSONPath.
 * Inputs: `data`, `path` (or `jsonpath`), `schema` (optional). Output: `{ result: matches[],
 * first: first match or null, count }`. With `schema`, every match must be valid against it
 * (JSON Schema 2020-12), else `ValidationError`.
 */
import { query, type JsonValue } from 'jsonpath-rfc9535';
import { ExecutorInputError, type Inputs, optionalString, requireInput } from '../errors.js';
import type { Executor } from '../types.js';
import { schemaValidationError, validateWithSchema } from './json-schema.js';

export const JSONPATH_EXECUTOR = 'transform:jsonpath';
export const JSON_TRANSFORM_ALIAS = 'llm-forge:json-transform';

function readPath(inputs: Inputs): { name: string; path: string } {
  const path = optionalString(inputs, 'path');
  const jsonpath = optionalString(inputs, 'jsonpath');
  if (path !== undefined && jsonpath !== undefined && path !== jsonpath) {
    throw new ExecutorInputError('inputs `path` and `jsonpath` disagree: give only one', {
      input: 'path',
    });
  }
  if (path !== undefined) return { name: 'path', path };
  if (jsonpath !== undefined) return { name: 'jsonpath', path: jsonpath };
  throw new ExecutorInputError(
    'input `path` (or `jsonpath`) is required (a JSONPath such as `$.items[*]`)',
    {
      input: 'path',
    },
  );
}

export function queryJson(data: unknown, path: string, input = 'path'): JsonValue[] {
  try {
    return query(data as JsonValue, path);
  } catch (err) {
    throw new ExecutorInputError(
      `input \`${input}\` is not a valid JSONPath (RFC 9535): ${(err as Error).message}`,
      { input, cause: err },
    );
  }
}

export const jsonPathExecutor: Executor = {
  name: JSONPATH_EXECUTOR,
  description: 'Select values from JSON data with a JSONPath (RFC 9535), optionally validated',
  execute(inputs) {
    const data = requireInput(inputs, 'data', 'the JSON document to query');
    const { name, path } = readPath(inputs);
    const result = queryJson(data, path, name);
    const schema = inputs['schema'];
    if (schema !== undefined && schema !== null) {
      result.forEach((match, i) => {
        const { valid, errors } = validateWithSchema(match, schema);
        if (!valid) throw schemaValidationError(`match ${i} of \`${path}\``, errors);
      });
    }
    return { result, first: result[0] ?? null, count: result.length };
  },
};
