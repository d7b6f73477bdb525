/**
 * `llm-test-bench:json-schema-valid`: the response is JSON matching `schema` (JSON Schema
 * 2020-12). `response` is JSON text (a Markdown code fence around it is ignored) or an already
 * parsed value. Inputs: `threshold` (default 1). Output: `{ score: 1 | 0, passed, metrics: {
 * valid, parsed, errors: [{ path, message }], error_count } }`; text that is not JSON scores 0
 * with `parsed: false` and the parse error. An invalid schema fails with `InvalidInputError`.
 * Validation is core's (`validateWithSchema`: Ajv, every error reported).
 */
import {
  ExecutorInputError,
  validateWithSchema,
  type Executor,
  type SchemaIssue,
} from '@llm-orchestrator/core';
import { defineEvaluator } from './evaluator.js';
import { threshold } from './inputs.js';
import type { TestBenchClient } from './test-bench-client.js';

export const JSON_SCHEMA_VALID_EVALUATOR = 'llm-test-bench:json-schema-valid';

const CODE_FENCE = /^```[\w-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/;

export type ParsedJson =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** JSON text (optionally inside one Markdown code fence) parsed; any other value as is. */
export function parseJsonResponse(response: unknown): ParsedJson {
  if (typeof response !== 'string') return { ok: true, value: response };
  const trimmed = response.trim();
  const text = CODE_FENCE.exec(trimmed)?.[1] ?? trimmed;
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: `not valid JSON: ${(err as Error).message}` };
  }
}

export interface JsonCheck {
  readonly score: number;
  readonly parsed: boolean;
  readonly errors: SchemaIssue[];
}

/** 1 when `response` is JSON and (when a schema is given) matches it, else 0. */
export function checkJson(response: unknown, schema: unknown): JsonCheck {
  const parsed = parseJsonResponse(response);
  if (!parsed.ok) return { score: 0, parsed: false, errors: [{ path: '', message: parsed.error }] };
  if (schema === undefined || schema === null) return { score: 1, parsed: true, errors: [] };
  const { valid, errors } = validateWithSchema(parsed.value, schema);
  return { score: valid ? 1 : 0, parsed: true, errors };
}

export function createJsonSchemaValidEvaluator(testBench?: TestBenchClient): Executor {
  return defineEvaluator(
    {
      name: JSON_SCHEMA_VALID_EVALUATOR,
      description: 'Score 1 when the response is JSON matching a JSON Schema, else 0',
      evaluate(inputs) {
        const response = inputs.response;
        if (response === undefined || response === null) {
          throw new ExecutorInputError('input `response` is required (JSON text or a value)', {
            input: 'response',
          });
        }
        const schema = inputs.schema;
        if (schema === undefined || schema === null) {
          throw new ExecutorInputError('input `schema` is required (a JSON Schema)', {
            input: 'schema',
          });
        }
        const result = checkJson(response, schema);
        return {
          output: {
            score: result.score,
            passed: result.score >= threshold(inputs, 1),
            metrics: {
              valid: result.score === 1,
              parsed: result.parsed,
              errors: result.errors,
              error_count: result.errors.length,
            },
          },
          expected: schema,
        };
      },
    },
    testBench,
  );
}
