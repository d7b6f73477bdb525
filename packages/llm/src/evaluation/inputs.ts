/**
 * Reading evaluator inputs. A wrong type or value fails with `InvalidInputError` naming the input
 * (never retried). `undefined` and `null` both mean "not given", so an expression that evaluates
 * to null falls back to the default.
 */
import { ExecutorInputError } from '@llm-orchestrator/core';

export type Inputs = Readonly<Record<string, unknown>>;

function absent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** A string; a number or a boolean is taken as its text (`42`, `true`). */
export function optionalText(inputs: Inputs, name: string): string | undefined {
  const value = inputs[name];
  if (absent(value)) return undefined;
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') {
    return String(value);
  }
  throw new ExecutorInputError(`input \`${name}\` must be a string, got ${kind(value)}`, {
    input: name,
  });
}

export function requireText(inputs: Inputs, name: string, what = 'a string'): string {
  const value = optionalText(inputs, name);
  if (value === undefined) {
    throw new ExecutorInputError(`input \`${name}\` is required (${what})`, { input: name });
  }
  return value;
}

/** A string, strictly (names, patterns, flags). */
export function optionalString(inputs: Inputs, name: string): string | undefined {
  const value = inputs[name];
  if (absent(value)) return undefined;
  if (typeof value !== 'string') {
    throw new ExecutorInputError(`input \`${name}\` must be a string, got ${kind(value)}`, {
      input: name,
    });
  }
  return value;
}

export function optionalBoolean(inputs: Inputs, name: string, fallback: boolean): boolean {
  const value = inputs[name];
  if (absent(value)) return fallback;
  if (typeof value !== 'boolean') {
    throw new ExecutorInputError(`input \`${name}\` must be a boolean, got ${kind(value)}`, {
      input: name,
    });
  }
  return value;
}

/** A finite number `> 0` (`positive`) or `>= 0`. */
export function optionalNumber(
  inputs: Inputs,
  name: string,
  fallback: number,
  range: { readonly min?: number; readonly max?: number; readonly positive?: boolean } = {},
): number {
  const value = inputs[name];
  if (absent(value)) return fallback;
  const { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, positive } = range;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= min &&
    value <= max &&
    (positive !== true || value > 0);
  if (!ok) {
    const bounds =
      positive === true ? 'a number greater than 0' : `a number between ${min} and ${max}`;
    throw new ExecutorInputError(
      `input \`${name}\` must be ${bounds}, got ${JSON.stringify(value)}`,
      {
        input: name,
      },
    );
  }
  return value;
}

/** `threshold`: 0..1, compared with `score`. */
export function threshold(inputs: Inputs, fallback: number): number {
  return optionalNumber(inputs, 'threshold', fallback, { min: 0, max: 1 });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
