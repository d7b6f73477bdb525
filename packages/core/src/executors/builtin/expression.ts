/**
 * `expression`: the engine has already evaluated every `${{ }}` of the inputs, so this returns
 * `{ result: value }` when the `value` input is given, and otherwise every input as is.
 */
import type { Executor } from '../types.js';

export const EXPRESSION_EXECUTOR = 'expression';

export const expressionExecutor: Executor = {
  name: EXPRESSION_EXECUTOR,
  description: 'Return `value` as `result` (or every input), after `${{ }}` evaluation',
  execute(inputs) {
    if (inputs['value'] !== undefined) return { result: inputs['value'] };
    return { ...inputs };
  },
};
