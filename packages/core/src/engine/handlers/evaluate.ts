/** Evaluating handler fields that may hold `${{ }}` against the run's expression context. */
import { OrchestratorError } from '../../errors.js';
import { compileValue } from '../values.js';

/** The value with every `${{ }}` evaluated (deeply). Expression errors propagate. */
export function evaluate(value: unknown, context: Readonly<Record<string, unknown>>): unknown {
  return compileValue(value).build(context);
}

/**
 * A field that must come out as text: strings as they are, numbers and booleans as written,
 * arrays and objects as JSON; null gives `undefined` (the caller decides what absent means).
 */
export function evaluateText(
  value: string | undefined,
  context: Readonly<Record<string, unknown>>,
): string | undefined {
  if (value === undefined) return undefined;
  return toText(evaluate(value, context));
}

export function toText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Like {@link evaluateText}, but null or empty is an error naming the field. */
export function evaluateRequiredText(
  value: string,
  context: Readonly<Record<string, unknown>>,
  field: string,
): string {
  const text = evaluateText(value, context);
  if (text === undefined || text === '') {
    throw new OrchestratorError('HANDLER_INVALID_FIELD', `${field} evaluated to an empty value`);
  }
  return text;
}
