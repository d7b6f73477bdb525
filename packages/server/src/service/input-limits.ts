/**
 * Limits on what API callers send, beyond the request body limit: a definition's size, the nesting
 * of definition and inputs values, the number of tasks. Expression limits (length, depth, cost) are
 * applied by the definition compiler to every `${{ }}` expression.
 */
import { ServiceError } from '../contract.js';

export interface InputLimits {
  /** A definition's YAML/JSON text or JSON-encoded document, in characters (default 256 KiB). */
  readonly maxDefinitionChars: number;
  /** Tasks in one definition (default 1000). */
  readonly maxTasks: number;
  /** Nesting of objects and arrays in a definition or the inputs (default 64). */
  readonly maxDepth: number;
  /** The run's inputs, JSON-encoded, in characters (default 512 KiB). */
  readonly maxInputsChars: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = Object.freeze({
  maxDefinitionChars: 256 * 1024,
  maxTasks: 1000,
  maxDepth: 64,
  maxInputsChars: 512 * 1024,
});

function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || typeof value !== 'object' || value === null) return depth;
  let max = depth + 1;
  for (const v of Object.values(value)) {
    max = Math.max(max, depthOf(v, limit, depth + 1));
    if (max > limit) return max;
  }
  return max;
}

function tooLarge(what: string, size: number, limit: number, unit: string): ServiceError {
  return new ServiceError(
    'too_large',
    'LIMIT_EXCEEDED',
    `${what} is too large: ${String(size)} ${unit}, at most ${String(limit)}`,
    { details: { limit, size } },
  );
}

function countTasks(definition: unknown): number {
  if (typeof definition !== 'object' || definition === null) return 0;
  const spec = (definition as { spec?: { tasks?: unknown } }).spec;
  return Array.isArray(spec?.tasks) ? spec.tasks.length : 0;
}

/** Throws a ServiceError (`invalid` or `too_large`) when the definition exceeds a limit. */
export function checkDefinition(definition: unknown, limits: InputLimits): void {
  if (typeof definition === 'string') {
    if (definition.length > limits.maxDefinitionChars) {
      throw tooLarge('the definition', definition.length, limits.maxDefinitionChars, 'characters');
    }
    // Tasks of a YAML text: counted by the `- id:` lines (a cheap bound before parsing).
    const tasks = definition.match(/^\s*-\s+id\s*:/gm)?.length ?? 0;
    if (tasks > limits.maxTasks) throw tooLarge('the definition', tasks, limits.maxTasks, 'tasks');
    return;
  }
  if (typeof definition !== 'object' || definition === null) {
    throw new ServiceError(
      'invalid',
      'INVALID_DEFINITION',
      '`definition` must be a workflow document (an object) or its YAML/JSON text',
    );
  }
  const depth = depthOf(definition, limits.maxDepth);
  if (depth > limits.maxDepth) {
    throw new ServiceError(
      'invalid',
      'LIMIT_EXCEEDED',
      `the definition is nested more than ${String(limits.maxDepth)} levels deep`,
    );
  }
  const size = JSON.stringify(definition).length;
  if (size > limits.maxDefinitionChars) {
    throw tooLarge('the definition', size, limits.maxDefinitionChars, 'characters');
  }
  const docs = Array.isArray(definition) ? (definition as unknown[]) : [definition];
  const tasks = docs.reduce<number>((sum, d) => sum + countTasks(d), 0);
  if (tasks > limits.maxTasks) throw tooLarge('the definition', tasks, limits.maxTasks, 'tasks');
}

export function checkInputs(inputs: unknown, limits: InputLimits): Record<string, unknown> {
  if (inputs === undefined) return {};
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    throw new ServiceError('invalid', 'INVALID_INPUTS', '`inputs` must be an object');
  }
  if (depthOf(inputs, limits.maxDepth) > limits.maxDepth) {
    throw new ServiceError(
      'invalid',
      'LIMIT_EXCEEDED',
      `the inputs are nested more than ${String(limits.maxDepth)} levels deep`,
    );
  }
  const size = JSON.stringify(inputs).length;
  if (size > limits.maxInputsChars) {
    throw tooLarge('the inputs', size, limits.maxInputsChars, 'characters');
  }
  return inputs as Record<string, unknown>;
}
