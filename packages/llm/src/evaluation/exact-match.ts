/**
 * `llm-test-bench:exact-match`: `response` equals `ground_truth`. Inputs: `case_sensitive`
 * (default true), `trim` (default true: surrounding whitespace ignored), `threshold` (default 1).
 * Output: `{ score: 1 | 0, passed, metrics: { exact_match, case_sensitive, trim } }`.
 */
import type { Executor } from '@llm-orchestrator/core';
import { defineEvaluator } from './evaluator.js';
import { optionalBoolean, requireText, threshold, type Inputs } from './inputs.js';
import type { TestBenchClient } from './test-bench-client.js';

export const EXACT_MATCH_EVALUATOR = 'llm-test-bench:exact-match';

export interface TextOptions {
  readonly caseSensitive: boolean;
  readonly trim: boolean;
}

export function textOptions(inputs: Inputs): TextOptions {
  return {
    caseSensitive: optionalBoolean(inputs, 'case_sensitive', true),
    trim: optionalBoolean(inputs, 'trim', true),
  };
}

export function normalise(text: string, options: TextOptions): string {
  const trimmed = options.trim ? text.trim() : text;
  return options.caseSensitive ? trimmed : trimmed.toLowerCase();
}

/** 1 when the texts are equal after trimming and case folding as asked, else 0. */
export function exactMatchScore(response: string, expected: string, options: TextOptions): number {
  return normalise(response, options) === normalise(expected, options) ? 1 : 0;
}

export function createExactMatchEvaluator(testBench?: TestBenchClient): Executor {
  return defineEvaluator(
    {
      name: EXACT_MATCH_EVALUATOR,
      description: 'Score 1 when the response equals the ground truth, else 0',
      evaluate(inputs) {
        const response = requireText(inputs, 'response');
        const groundTruth = requireText(inputs, 'ground_truth');
        const options = textOptions(inputs);
        const score = exactMatchScore(response, groundTruth, options);
        return {
          output: {
            score,
            passed: score >= threshold(inputs, 1),
            metrics: {
              exact_match: score,
              case_sensitive: options.caseSensitive,
              trim: options.trim,
            },
          },
          expected: groundTruth,
        };
      },
    },
    testBench,
  );
}
