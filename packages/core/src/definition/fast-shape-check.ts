/**
 * A fast structural check for large documents: the generated JSON Schema compiled by Ajv accepts
 * exactly the documents the zod schemas accept (a test keeps the two in sync), validates in place
 * and allocates little. zod still runs whenever a document fails, for its precise diagnostics.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { toJsonSchema } from './schema.js';

/** Below this many tasks zod alone is fast enough, and compiling the Ajv validator is not worth it. */
export const FAST_CHECK_MIN_TASKS = 1000;

let validator: ValidateFunction | undefined;

export function passesShapeCheck(value: unknown): boolean {
  validator ??= new Ajv2020({ strict: false, allErrors: false }).compile(toJsonSchema());
  return validator(value);
}

export function isLarge(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const spec = (value as { spec?: unknown }).spec;
  if (spec === null || typeof spec !== 'object') return false;
  const tasks = (spec as { tasks?: unknown }).tasks;
  return Array.isArray(tasks) && tasks.length >= FAST_CHECK_MIN_TASKS;
}
