import { ExpressionSyntaxError } from '../errors.js';

/** Resource limits of one expression: how big it may be and how much work one evaluation may do. */
export interface ExpressionLimits {
  /** Longest accepted expression source, in characters (the text inside one `${{ }}`). */
  maxLength: number;
  /** Deepest accepted nesting: parentheses, brackets, operands and syntax-tree height. */
  maxDepth: number;
  /** Work budget of one `evaluate` call: node visits plus sizes of strings/arrays built. */
  maxSteps: number;
  /** Longest string an evaluation may produce. */
  maxStringLength: number;
  /** Longest array an evaluation may produce. */
  maxArrayLength: number;
}

export const DEFAULT_EXPRESSION_LIMITS: Readonly<ExpressionLimits> = Object.freeze({
  maxLength: 4096,
  maxDepth: 64,
  maxSteps: 100_000,
  maxStringLength: 1_000_000,
  maxArrayLength: 100_000,
});

const LIMIT_NAMES = [
  'maxLength',
  'maxDepth',
  'maxSteps',
  'maxStringLength',
  'maxArrayLength',
] as const;

/**
 * Merges overrides into the defaults. Every limit must be a positive integer (or omitted); anything
 * else is reported as an ExpressionSyntaxError against `source`, since it is found at compile time.
 */
export function resolveLimits(
  source: string,
  overrides: Partial<ExpressionLimits> | undefined,
): Readonly<ExpressionLimits> {
  if (overrides === undefined || overrides === DEFAULT_EXPRESSION_LIMITS)
    return DEFAULT_EXPRESSION_LIMITS;
  const out: ExpressionLimits = { ...DEFAULT_EXPRESSION_LIMITS };
  for (const name of LIMIT_NAMES) {
    const value: unknown = overrides[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new ExpressionSyntaxError(
        `invalid expression limit ${name}: ${JSON.stringify(value) ?? typeof value}`,
        source,
        0,
        {
          hint: 'limits must be positive integers',
        },
      );
    }
    out[name] = value;
  }
  return Object.freeze(out);
}
