/**
 * JSON Schema validation shared by the executors: Ajv in JSON Schema 2020-12 mode, every error
 * reported, compiled validators cached by the schema's JSON text. A schema declaring draft-07 in
 * `$schema` is accepted and checked with 2020-12 semantics (use `prefixItems` for tuples).
 * Unknown keywords and formats are ignored (no `ajv-formats`); remote `$ref`s are never fetched.
 */
import { createRequire } from 'node:module';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { OrchestratorError } from '../../errors.js';
import { ExecutorInputError, describeType, isPlainObject } from '../errors.js';
import { LruCache } from '../lru.js';

export interface SchemaIssue {
  /** JSON Pointer into the validated document (`/items/0/name`); `` for the document itself. */
  readonly path: string;
  readonly message: string;
}

export interface SchemaResult {
  readonly valid: boolean;
  readonly errors: SchemaIssue[];
}

const require = createRequire(import.meta.url);
const DRAFT_07 = require('ajv/dist/refs/json-schema-draft-07.json') as Record<string, unknown>;

const ajv = new Ajv2020({ allErrors: true, strict: false, logger: false });
ajv.addMetaSchema(DRAFT_07);

const validators = new LruCache<string, ValidateFunction>(128);

/** How many issues an error message lists. */
const ISSUES_IN_MESSAGE = 5;

function compile(schema: unknown, input: string): ValidateFunction {
  if (!isPlainObject(schema) && typeof schema !== 'boolean') {
    throw new ExecutorInputError(
      `input \`${input}\` must be a JSON Schema (an object or a boolean), got ${describeType(schema)}`,
      { input },
    );
  }
  const key = JSON.stringify(schema);
  try {
    return validators.getOrCreate(key, () => {
      // Compile a private copy and drop it from Ajv's registry at once, so that two schemas with
      // the same `$id` do not clash and the cache alone decides what stays in memory.
      const copy = JSON.parse(key) as Record<string, unknown> | boolean;
      try {
        return ajv.compile(copy);
      } finally {
        if (typeof copy === 'object') ajv.removeSchema(copy);
      }
    });
  } catch (err) {
    throw new ExecutorInputError(
      `input \`${input}\` is not a valid JSON Schema: ${(err as Error).message}`,
      {
        input,
        cause: err,
      },
    );
  }
}

function issue(e: ErrorObject): SchemaIssue {
  let message = e.message ?? `fails ${e.keyword}`;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties' && typeof params['additionalProperty'] === 'string') {
    message += `: '${params['additionalProperty']}'`;
  } else if (e.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
    message += `: ${JSON.stringify(params['allowedValues'])}`;
  }
  return { path: e.instancePath, message };
}

/** Validates `data`; a bad schema fails with `InvalidInputError` naming `input`. */
export function validateWithSchema(data: unknown, schema: unknown, input = 'schema'): SchemaResult {
  const validate = compile(schema, input);
  const valid = validate(data);
  return { valid, errors: valid ? [] : (validate.errors ?? []).map(issue) };
}

/** `ValidationError` (not retryable) listing the first issues; `what` names the document. */
export function schemaValidationError(
  what: string,
  errors: readonly SchemaIssue[],
): OrchestratorError {
  const shown = errors
    .slice(0, ISSUES_IN_MESSAGE)
    .map((e) => `${e.path === '' ? '(root)' : e.path} ${e.message}`);
  const more =
    errors.length > ISSUES_IN_MESSAGE ? `; and ${errors.length - ISSUES_IN_MESSAGE} more` : '';
  return new OrchestratorError(
    'ValidationError',
    `${what} does not match the schema: ${shown.join('; ')}${more}`,
    { retryable: false },
  );
}
