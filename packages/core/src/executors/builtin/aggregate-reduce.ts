/**
 * `aggregate:reduce`: folds `items` into one value.
 * Inputs: `items` (array), `operation`, `separator` (for `join`, default '\n'). Output: `{ result }`.
 *
 * | operation | items | result (empty items) |
 * |---|---|---|
 * | sum, avg, min, max | numbers | sum: 0; avg, min, max: null |
 * | count | anything | the number of items |
 * | concat | arrays | one array, one level flattened ([]) |
 * | join | strings | joined with `separator` ('') |
 * | merge | objects | shallow merge, later items win ({}) |
 * | all, any | booleans | all: true; any: false |
 *
 * Without `operation`: `join` when every item is a string, `sum` for numbers, `concat` for
 * arrays, `merge` for objects; mixed items fail; an empty array gives `{ result: null }`.
 */
import {
  ExecutorInputError,
  describeType,
  isPlainObject,
  optionalChoice,
  optionalString,
  requireArray,
} from '../errors.js';
import type { Executor } from '../types.js';

export const AGGREGATE_REDUCE_EXECUTOR = 'aggregate:reduce';

export const REDUCE_OPERATIONS = [
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'concat',
  'join',
  'merge',
  'all',
  'any',
] as const;
export type ReduceOperation = (typeof REDUCE_OPERATIONS)[number];

type Kind = 'number' | 'string' | 'boolean' | 'array' | 'object';

const KIND_OF_OPERATION: Readonly<Record<Exclude<ReduceOperation, 'count'>, Kind>> = {
  sum: 'number',
  avg: 'number',
  min: 'number',
  max: 'number',
  concat: 'array',
  join: 'string',
  merge: 'object',
  all: 'boolean',
  any: 'boolean',
};

const DEFAULT_OPERATION: Readonly<Partial<Record<Kind, ReduceOperation>>> = {
  string: 'join',
  number: 'sum',
  array: 'concat',
  object: 'merge',
};

function kindOf(value: unknown): Kind | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : undefined;
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value)) return 'array';
  return isPlainObject(value) ? 'object' : undefined;
}

const ARTICLE: Readonly<Record<Kind, string>> = {
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
};

function checkKinds(items: readonly unknown[], kind: Kind, why: string): void {
  items.forEach((item, i) => {
    if (kindOf(item) !== kind) {
      throw new ExecutorInputError(
        `input \`items\`[${i}] must be ${ARTICLE[kind]} ${why}, got ${describeType(item)}`,
        { input: 'items' },
      );
    }
  });
}

function inferOperation(items: readonly unknown[]): ReduceOperation | undefined {
  if (items.length === 0) return undefined;
  const first = kindOf(items[0]);
  const op = first === undefined ? undefined : DEFAULT_OPERATION[first];
  if (first === undefined || op === undefined) {
    throw new ExecutorInputError(
      `cannot infer \`operation\` from items of type ${describeType(items[0])}: set \`operation\``,
      { input: 'operation' },
    );
  }
  items.forEach((item, i) => {
    if (kindOf(item) !== first) {
      throw new ExecutorInputError(
        `input \`items\` mixes types (item 0 is ${describeType(items[0])}, item ${i} is ${describeType(item)}): set \`operation\` or make them alike`,
        { input: 'items' },
      );
    }
  });
  return op;
}

/** Shallow merge; a Map so that a `__proto__` key stays a plain property. */
function mergeObjects(items: readonly Record<string, unknown>[]): Record<string, unknown> {
  const merged = new Map<string, unknown>();
  for (const item of items) for (const [k, v] of Object.entries(item)) merged.set(k, v);
  return Object.fromEntries(merged);
}

export function reduceItems(
  items: readonly unknown[],
  operation: ReduceOperation,
  separator = '\n',
): unknown {
  if (operation === 'count') return items.length;
  checkKinds(items, KIND_OF_OPERATION[operation], `for operation '${operation}'`);
  switch (operation) {
    case 'sum':
      return (items as number[]).reduce((a, b) => a + b, 0);
    case 'avg':
      return items.length === 0
        ? null
        : (items as number[]).reduce((a, b) => a + b, 0) / items.length;
    case 'min':
      return items.length === 0 ? null : (items as number[]).reduce((a, b) => Math.min(a, b));
    case 'max':
      return items.length === 0 ? null : (items as number[]).reduce((a, b) => Math.max(a, b));
    case 'concat':
      return (items as unknown[][]).flat(1);
    case 'join':
      return (items as string[]).join(separator);
    case 'merge':
      return mergeObjects(items as Record<string, unknown>[]);
    case 'all':
      return (items as boolean[]).every(Boolean);
    case 'any':
      return (items as boolean[]).some(Boolean);
  }
}

export const aggregateReduceExecutor: Executor = {
  name: AGGREGATE_REDUCE_EXECUTOR,
  description:
    'Fold `items` into one value (sum, avg, min, max, count, concat, join, merge, all, any)',
  execute(inputs) {
    const items = requireArray(inputs, 'items');
    const unset = inputs['operation'] === undefined || inputs['operation'] === null;
    const operation = unset
      ? inferOperation(items)
      : optionalChoice(inputs, 'operation', REDUCE_OPERATIONS, 'sum');
    if (operation === undefined) return { result: null };
    const separator = optionalString(inputs, 'separator') ?? '\n';
    return { result: reduceItems(items, operation, separator) };
  },
};
