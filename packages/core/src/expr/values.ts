import { ExpressionEvaluationError } from '../errors.js';
import type { ExpressionLimits } from './limits.js';

/** Mutable bookkeeping of one `evaluate` call. */
export interface EvalState {
  steps: number;
  readonly limits: Readonly<ExpressionLimits>;
}

export type Evaluator = (context: Readonly<Record<string, unknown>>, state: EvalState) => unknown;

export function budgetExceeded(state: EvalState): never {
  throw new ExpressionEvaluationError(
    `expression exceeded its work budget of ${state.limits.maxSteps} steps`,
    { hint: 'simplify the expression or work on smaller data' },
  );
}

/** Charges `n` units of work to the evaluation. */
export function charge(state: EvalState, n: number): void {
  state.steps += n;
  if (state.steps > state.limits.maxSteps) budgetExceeded(state);
}

/**
 * Characters of built strings that cost one step. Copying characters is far cheaper than visiting
 * a node, and a finer rate would make the budget, not maxStringLength, cap every string built.
 */
export const CHARS_PER_STEP = 16;

/** Charges the work of scanning or building `length` characters. */
export function chargeChars(state: EvalState, length: number): void {
  charge(state, Math.ceil(length / CHARS_PER_STEP));
}

export function checkString(state: EvalState, s: string): string {
  if (s.length > state.limits.maxStringLength) tooLongString(state);
  return s;
}

export function tooLongString(state: EvalState): never {
  throw new ExpressionEvaluationError(
    `expression produced a string longer than ${state.limits.maxStringLength} characters`,
  );
}

export function checkArray<T>(state: EvalState, a: T[]): T[] {
  if (a.length > state.limits.maxArrayLength) {
    throw new ExpressionEvaluationError(
      `expression produced an array longer than ${state.limits.maxArrayLength} elements`,
    );
  }
  return a;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Values that are not data (functions, symbols, undefined, bigints) read as null. */
export function sanitize(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'object':
      return v;
    default:
      return null;
  }
}

/** `v.key` with the lenient rules: own data of plain objects, `length` of strings and arrays. */
export function getMember(v: unknown, key: string): unknown {
  if (typeof v === 'object' && v !== null) {
    if (Array.isArray(v)) return key === 'length' ? v.length : null;
    if (!isPlainObject(v)) return null;
    return Object.hasOwn(v, key) ? sanitize(v[key]) : null;
  }
  if (typeof v === 'string' && key === 'length') return v.length;
  return null;
}

/** `v[i]` for a number i: array element, string character, or object property named `String(i)`. */
export function getIndex(v: unknown, i: number): unknown {
  if (Array.isArray(v)) {
    return Number.isInteger(i) && i >= 0 && i < v.length ? sanitize(v[i]) : null;
  }
  if (typeof v === 'string') {
    return Number.isInteger(i) && i >= 0 && i < v.length ? v.charAt(i) : null;
  }
  if (isPlainObject(v)) return getMember(v, String(i));
  return null;
}

export function truthy(v: unknown): boolean {
  return !(v === false || v === null || v === undefined || v === 0 || v === '' || Number.isNaN(v));
}

export type ValueType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export function typeOfValue(v: unknown): ValueType {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

/** Structural equality: strict for primitives, element/field-wise for arrays and plain objects. */
export function deepEqual(a: unknown, b: unknown, state: EvalState): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    charge(state, a.length);
    for (let i = 0; i < a.length; i++) {
      if (!deepEqual(sanitize(a[i]), sanitize(b[i]), state)) return false;
    }
    return true;
  }
  if (Array.isArray(b) || !isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  charge(state, keys.length);
  for (const k of keys) {
    if (!Object.hasOwn(b, k) || !deepEqual(sanitize(a[k]), sanitize(b[k]), state)) return false;
  }
  return true;
}

/** Text of a value inside interpolations, join and format: null is empty, objects are JSON. */
export function displayString(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
      return String(v);
    case 'object':
      return v === null ? '' : toJsonText(v);
    default:
      return '';
  }
}

/** Text of a value in `+` concatenation: like displayString, but null reads `null`. */
export function concatString(v: unknown): string {
  return v === null || v === undefined ? 'null' : displayString(v);
}

export function toJsonText(v: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch (e) {
    throw new ExpressionEvaluationError(`value cannot be converted to JSON: ${errorText(e)}`, {
      cause: e,
    });
  }
  return text ?? 'null';
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A short excerpt of the expression for error messages. */
export function excerpt(source: string, start: number, end: number): string {
  const text = source.slice(start, end).trim();
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
