/**
 * `aggregate:array`: collects values into one array.
 * Inputs: `items` (array) or `sources` (object: its values, in the order the keys are written),
 * `flatten` (one level), `compact` (drop nulls, after flattening). Output: `{ result, count }`.
 */
import { ExecutorInputError, optionalArray, optionalBoolean, optionalObject } from '../errors.js';
import type { Executor } from '../types.js';

export const AGGREGATE_ARRAY_EXECUTOR = 'aggregate:array';

export const aggregateArrayExecutor: Executor = {
  name: AGGREGATE_ARRAY_EXECUTOR,
  description: 'Collect `items` or the values of `sources` into an array',
  execute(inputs) {
    const items = optionalArray(inputs, 'items');
    const sources = optionalObject(inputs, 'sources');
    if (items !== undefined && sources !== undefined) {
      throw new ExecutorInputError('give either input `items` or input `sources`, not both', {
        input: 'sources',
      });
    }
    if (items === undefined && sources === undefined) {
      throw new ExecutorInputError(
        'input `items` (an array) or `sources` (an object of name → value) is required',
        { input: 'items' },
      );
    }
    let result: unknown[] = items !== undefined ? [...items] : Object.values(sources ?? {});
    if (optionalBoolean(inputs, 'flatten') === true) {
      result = result.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]));
    }
    if (optionalBoolean(inputs, 'compact') === true) {
      result = result.filter((v) => v !== null && v !== undefined);
    }
    return { result, count: result.length };
  },
};
