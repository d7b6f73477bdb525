/** Duration inputs of executors: `'250ms'`, `'2s'`, `'1m30s'`, or a number of MILLISECONDS. */
import { parseDuration } from '../../definition/units.js';
import { ExecutorInputError, describeType, type Inputs } from '../errors.js';

/**
 * Milliseconds. Unlike the workflow language's `parseDuration` (where a bare number means
 * seconds), a number here is milliseconds, as in `timeout: 50` on an HTTP request. `'0ms'`, `0`
 * and `'0s'` are accepted and mean no wait.
 */
export function durationMs(value: unknown, input: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else if (typeof value === 'string') {
    if (/^(0+(\.0+)?(ms|s|m|h|d))+$/.test(value)) return 0;
    const ms = parseDuration(value);
    if (ms !== undefined) return ms;
  }
  throw new ExecutorInputError(
    `input \`${input}\` must be a duration like '250ms', '2s', '1m30s' or a number of milliseconds, got ${
      typeof value === 'string' ? `'${value}'` : describeType(value)
    }`,
    { input },
  );
}

export function optionalDurationMs(inputs: Inputs, input: string): number | undefined {
  const value = inputs[input];
  return value === undefined || value === null ? undefined : durationMs(value, input);
}
