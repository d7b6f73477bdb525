/**
 * `aggregate:map`: builds an object keyed by a field of each item.
 * Inputs: `items` (array of objects) + `key` (field name) [+ `value` (field name): store that
 * field instead of the whole item], or `entries` (an object, passed through). `unique: true`
 * makes a repeated key an error; otherwise the last item's value wins (at the key's first position). Output: `{ result, count }`.
 */
import {
  ExecutorInputError,
  describeType,
  isPlainObject,
  optionalArray,
  optionalBoolean,
  optionalObject,
  optionalString,
  requireString,
} from '../errors.js';
import type { Executor } from '../types.js';

export const AGGREGATE_MAP_EXECUTOR = 'aggregate:map';

function keyOf(item: unknown, index: number, key: string): string {
  if (!isPlainObject(item)) {
    throw new ExecutorInputError(
      `input \`items\`[${index}] must be an object, got ${describeType(item)}`,
      {
        input: 'items',
      },
    );
  }
  const k = Object.hasOwn(item, key) ? item[key] : undefined;
  if (typeof k === 'string') return k;
  if (typeof k === 'number' && Number.isFinite(k)) return String(k);
  if (typeof k === 'boolean') return String(k);
  throw new ExecutorInputError(
    `input \`items\`[${index}] field \`${key}\` must be a string or number to key by, got ${describeType(k)}`,
    { input: 'items' },
  );
}

export const aggregateMapExecutor: Executor = {
  name: AGGREGATE_MAP_EXECUTOR,
  description: 'Build an object from `items` keyed by field `key`',
  execute(inputs) {
    const entries = optionalObject(inputs, 'entries');
    const items = optionalArray(inputs, 'items');
    if (entries !== undefined && items !== undefined) {
      throw new ExecutorInputError('give either input `items` or input `entries`, not both', {
        input: 'entries',
      });
    }
    if (entries !== undefined)
      return { result: { ...entries }, count: Object.keys(entries).length };
    if (items === undefined) {
      throw new ExecutorInputError('input `items` (an array of objects) or `entries` is required', {
        input: 'items',
      });
    }
    const key = requireString(inputs, 'key');
    const valueField = optionalString(inputs, 'value');
    const unique = optionalBoolean(inputs, 'unique') ?? false;
    // A Map, then Object.fromEntries: a key like `__proto__` becomes a plain own property.
    const map = new Map<string, unknown>();
    items.forEach((item, i) => {
      const k = keyOf(item, i, key);
      if (unique && map.has(k)) {
        throw new ExecutorInputError(
          `input \`items\`[${i}] repeats key '${k}' (\`unique\` is set)`,
          { input: 'items' },
        );
      }
      const record = item as Record<string, unknown>;
      const v =
        valueField === undefined
          ? item
          : Object.hasOwn(record, valueField)
            ? record[valueField]
            : null;
      map.set(k, v ?? null);
    });
    return { result: Object.fromEntries(map), count: map.size };
  },
};
