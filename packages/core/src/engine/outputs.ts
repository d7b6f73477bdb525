/** How an executor's return value becomes a task's outputs, and how workflow outputs are built. */
import { OrchestratorError } from '../errors.js';
import type { ExpressionContext } from '../expr/index.js';
import type { TypeSpec } from '../definition/schema.js';
import { literalTypeProblem } from '../definition/value-types.js';
import type { PlanOutput } from './plan.js';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The outputs of a task. An executor returns an object of named outputs (`result` is the primary
 * one) or a single value (taken as `result`). A declared output takes the returned value of the
 * same name; a task that declares exactly one output which the executor does not return gets the
 * primary `result` under its declared name (so `processed_prompt: string` works with an executor
 * that returns `result`). Declared outputs are checked against their types.
 */
export function mapOutputs(
  taskId: string,
  executor: string,
  value: unknown,
  declared: Readonly<Record<string, TypeSpec>> | undefined,
): Record<string, unknown> {
  const returned: Record<string, unknown> = isPlainObject(value)
    ? value
    : { result: value ?? null };
  if (declared === undefined) return returned;
  const names = Object.keys(declared);
  const out: Record<string, unknown> = { ...returned };
  for (const name of names) {
    let v: unknown;
    if (Object.hasOwn(returned, name)) v = returned[name];
    else if (names.length === 1 && Object.hasOwn(returned, 'result')) v = returned.result;
    else {
      throw new OrchestratorError(
        'OutputMissing',
        `task \`${taskId}\`: executor ${executor} returned no output \`${name}\` (it returned ${Object.keys(returned).join(', ') || 'nothing'})`,
        {
          hint: 'declare the outputs the executor returns, or map them with an expression executor',
        },
      );
    }
    const spec = declared[name] as TypeSpec;
    const problem = v === null || v === undefined ? undefined : literalTypeProblem(v, spec);
    if (problem !== undefined) {
      throw new OrchestratorError(
        'OutputTypeError',
        `task \`${taskId}\`: output \`${name}\`: ${problem}`,
      );
    }
    out[name] = v ?? null;
  }
  return out;
}

function transform(value: unknown, t: PlanOutput['transform']): unknown {
  if (t === undefined || value === null || value === undefined) return value ?? null;
  switch (t.type) {
    case 'round': {
      if (typeof value !== 'number') return value;
      const f = 10 ** (t.decimals ?? 0);
      return Math.round(value * f) / f;
    }
    case 'lower':
      return typeof value === 'string' ? value.toLowerCase() : value;
    case 'upper':
      return typeof value === 'string' ? value.toUpperCase() : value;
    case 'trim':
      return typeof value === 'string' ? value.trim() : value;
    case 'toJson':
      return JSON.stringify(value);
    default:
      return value;
  }
}

/**
 * The workflow outputs, in declaration order; each may read the ones before it through
 * `outputs.<name>`. A value that fails or is null takes its fallback.
 */
export function buildWorkflowOutputs(
  outputs: readonly PlanOutput[],
  context: ExpressionContext,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (outputs.length === 0) return result;
  // A copy that keeps accessors as accessors: `tasks` is built only if an output reads it.
  const ctx = Object.defineProperties({}, Object.getOwnPropertyDescriptors(context)) as Record<
    string,
    unknown
  >;
  ctx.outputs = result;
  for (const o of outputs) {
    let value: unknown = null;
    try {
      value = o.value.build(ctx);
    } catch (err) {
      if (o.fallback === undefined) throw err;
    }
    if ((value === null || value === undefined) && o.fallback !== undefined)
      value = o.fallback.build(ctx);
    result[o.name] = transform(value, o.transform);
  }
  return result;
}
