/**
 * `llm-test-bench:contains`: which expected substrings the response contains. Give `ground_truth`
 * (one substring) or `expected` (a list of them, or one string). Inputs: `case_sensitive` (default
 * true), `trim` (default true: each expected substring is trimmed), `threshold` (default 1).
 * Output: `{ score: fraction found, passed, metrics: { found, missing, found_count, total } }`.
 */
import { ExecutorInputError, type Executor } from '@llm-orchestrator/core';
import { defineEvaluator } from './evaluator.js';
import { normalise, textOptions, type TextOptions } from './exact-match.js';
import { optionalText, requireText, threshold, type Inputs } from './inputs.js';
import type { TestBenchClient } from './test-bench-client.js';

export const CONTAINS_EVALUATOR = 'llm-test-bench:contains';

export interface ContainsResult {
  readonly score: number;
  readonly found: string[];
  readonly missing: string[];
}

/** The substrings to look for: `expected` (list or string) or `ground_truth`, not both. */
export function expectedSubstrings(inputs: Inputs): string[] {
  const expected = inputs.expected;
  const hasExpected = expected !== undefined && expected !== null;
  const groundTruth = optionalText(inputs, 'ground_truth');
  if (hasExpected && groundTruth !== undefined) {
    throw new ExecutorInputError('give `expected` or `ground_truth`, not both', {
      input: 'expected',
    });
  }
  if (!hasExpected) {
    if (groundTruth === undefined) {
      throw new ExecutorInputError(
        'input `ground_truth` (a substring) or `expected` (a list of substrings) is required',
        { input: 'ground_truth' },
      );
    }
    return [groundTruth];
  }
  const list: unknown[] = Array.isArray(expected) ? expected : [expected];
  if (list.length === 0) {
    throw new ExecutorInputError('input `expected` must list at least one substring', {
      input: 'expected',
    });
  }
  return list.map((item, i) => {
    const text = optionalText({ [`expected[${i}]`]: item }, `expected[${i}]`);
    if (text === undefined) {
      throw new ExecutorInputError(`input \`expected[${i}]\` must be a string, got null`, {
        input: 'expected',
      });
    }
    return text;
  });
}

export function containsScore(
  response: string,
  substrings: readonly string[],
  options: TextOptions,
): ContainsResult {
  const haystack = options.caseSensitive ? response : response.toLowerCase();
  const found: string[] = [];
  const missing: string[] = [];
  for (const substring of substrings) {
    (haystack.includes(normalise(substring, options)) ? found : missing).push(substring);
  }
  return { score: substrings.length === 0 ? 0 : found.length / substrings.length, found, missing };
}

export function createContainsEvaluator(testBench?: TestBenchClient): Executor {
  return defineEvaluator(
    {
      name: CONTAINS_EVALUATOR,
      description: 'Score the fraction of expected substrings the response contains',
      evaluate(inputs) {
        const response = requireText(inputs, 'response');
        const substrings = expectedSubstrings(inputs);
        const result = containsScore(response, substrings, textOptions(inputs));
        return {
          output: {
            score: result.score,
            passed: result.score >= threshold(inputs, 1),
            metrics: {
              contains: result.score,
              found: result.found,
              missing: result.missing,
              found_count: result.found.length,
              total: substrings.length,
            },
          },
          expected: substrings,
        };
      },
    },
    testBench,
  );
}
