/**
 * `llm-test-bench:regex`: the response matches `pattern` (JavaScript syntax, searched anywhere in
 * the response unless anchored). Inputs: `flags` (`i`, `m`, `s`, `u`, `v`; `g` and `y` are
 * ignored), `threshold` (default 1). An invalid pattern or flag fails with `InvalidInputError`.
 * Output: `{ score: 1 | 0, passed, metrics: { matched, match, index, groups } }`.
 *
 * The pattern runs on the event loop: a pathological pattern (catastrophic backtracking) on a
 * long response can be slow, so keep workflow-supplied patterns simple.
 */
import { ExecutorInputError, type Executor } from '@llm-orchestrator/core';
import { defineEvaluator } from './evaluator.js';
import { optionalString, requireText, threshold } from './inputs.js';
import type { TestBenchClient } from './test-bench-client.js';

export const REGEX_EVALUATOR = 'llm-test-bench:regex';

const ALLOWED_FLAGS = /^[dgimsuvy]*$/;

export function compilePattern(pattern: string, flags = ''): RegExp {
  if (!ALLOWED_FLAGS.test(flags) || new Set(flags).size !== flags.length) {
    throw new ExecutorInputError(
      `input \`flags\` must be distinct regular expression flags among d, g, i, m, s, u, v, y; got '${flags}'`,
      { input: 'flags' },
    );
  }
  // `g` and `y` make a RegExp stateful (`lastIndex`); one search needs neither.
  const effective = flags.replace(/[gy]/g, '');
  try {
    return new RegExp(pattern, effective);
  } catch (err) {
    throw new ExecutorInputError(
      `input \`pattern\` is not a valid regular expression: ${(err as Error).message}`,
      { input: 'pattern', cause: err, hint: 'patterns use JavaScript RegExp syntax' },
    );
  }
}

export function createRegexEvaluator(testBench?: TestBenchClient): Executor {
  return defineEvaluator(
    {
      name: REGEX_EVALUATOR,
      description: 'Score 1 when the response matches a regular expression, else 0',
      evaluate(inputs) {
        const response = requireText(inputs, 'response');
        const pattern = optionalString(inputs, 'pattern');
        if (pattern === undefined) {
          throw new ExecutorInputError('input `pattern` is required (a regular expression)', {
            input: 'pattern',
          });
        }
        const flags = optionalString(inputs, 'flags') ?? '';
        const match = compilePattern(pattern, flags).exec(response);
        const score = match === null ? 0 : 1;
        return {
          output: {
            score,
            passed: score >= threshold(inputs, 1),
            metrics: {
              matched: match !== null,
              match: match?.[0] ?? null,
              index: match?.index ?? null,
              groups: match === null ? [] : match.slice(1).map((g) => g ?? null),
              named_groups: Object.fromEntries(
                Object.entries(match?.groups ?? {}).map(([k, v]) => [k, v ?? null]),
              ),
            },
          },
          expected: { pattern, flags },
        };
      },
    },
    testBench,
  );
}
