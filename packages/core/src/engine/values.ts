/**
 * Values with `${{ }}` inside (task inputs, outputs, handler bodies), compiled once into a function
 * that builds the value for a given expression context. A value without expressions is returned
 * as is, without copying.
 */
import { compileTemplate, containsExpression, type ExpressionContext } from '../expr/index.js';

export type ValueBuilder = (context: ExpressionContext) => unknown;

export interface CompiledValue {
  /** True when the value holds no expression: `build` returns it unchanged. */
  readonly constant: boolean;
  readonly build: ValueBuilder;
}

function compileAny(value: unknown): CompiledValue {
  if (typeof value === 'string') {
    if (!containsExpression(value)) return constant(value);
    const template = compileTemplate(value);
    return { constant: false, build: (ctx) => template.evaluate(ctx) };
  }
  if (Array.isArray(value)) {
    const items = value.map(compileAny);
    if (items.every((i) => i.constant)) return constant(value);
    return { constant: false, build: (ctx) => items.map((i) => i.build(ctx)) };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, compileAny(v)] as const);
    if (entries.every(([, v]) => v.constant)) return constant(value);
    return {
      constant: false,
      build: (ctx) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of entries) out[k] = v.build(ctx);
        return out;
      },
    };
  }
  return constant(value ?? null);
}

function constant(value: unknown): CompiledValue {
  return { constant: true, build: () => value };
}

/** Compiles a value (deeply). Expressions were validated before, so compiling cannot fail here. */
export function compileValue(value: unknown): CompiledValue {
  return compileAny(value);
}

/** Compiles each entry of a record of values (task inputs). */
export function compileRecord(
  record: Readonly<Record<string, unknown>> | undefined,
  skip: ReadonlySet<string> = new Set(),
): (context: ExpressionContext) => Record<string, unknown> {
  const entries = Object.entries(record ?? {})
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => [k, compileAny(v)] as const);
  if (entries.every(([, v]) => v.constant)) {
    const fixed = Object.fromEntries(entries.map(([k, v]) => [k, v.build({})]));
    return () => ({ ...fixed });
  }
  return (ctx) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) out[k] = v.build(ctx);
    return out;
  };
}
