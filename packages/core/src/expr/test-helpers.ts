import { expect } from 'vitest';
import { ExpressionEvaluationError, ExpressionSyntaxError } from '../errors.js';
import { compileExpression, type ExpressionContext, type ExpressionLimits } from './index.js';

/** Compiles and evaluates in one go. */
export function ev(
  source: string,
  context: ExpressionContext = {},
  limits?: Partial<ExpressionLimits>,
): unknown {
  return compileExpression(source, limits).evaluate(context);
}

/** The ExpressionSyntaxError thrown by `fn`; fails the test if anything else happens. */
export function syntaxError(fn: () => unknown): ExpressionSyntaxError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionSyntaxError);
    return e as ExpressionSyntaxError;
  }
  expect.fail('expected an ExpressionSyntaxError');
}

/** The ExpressionEvaluationError thrown by `fn`; fails the test if anything else happens. */
export function evalError(fn: () => unknown): ExpressionEvaluationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionEvaluationError);
    return e as ExpressionEvaluationError;
  }
  expect.fail('expected an ExpressionEvaluationError');
}

/** True for null, booleans, finite numbers, strings, arrays and plain objects of those. */
export function isJsonData(v: unknown, depth = 0): boolean {
  if (depth > 10_000) return false;
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJsonData(x, depth + 1));
  if (typeof v !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(v).every((x) => isJsonData(x, depth + 1));
}
