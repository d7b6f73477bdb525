/**
 * `llm-test-bench:multi-metric`: several scores of one response, and their weighted mean.
 * Inputs: `response`, `ground_truth`, `metrics` (names, below), `weights` (`{ name: weight }`,
 * default 1 each, 0 or more), `threshold` (default 0.7), `case_sensitive` and `trim` (for
 * `exact_match` and `contains`), `expected` (substrings for `contains`, default `[ground_truth]`),
 * `schema` (for `json_valid`). Metrics:
 * - `exact_match`: 1 when response equals ground truth (as `llm-test-bench:exact-match`), else 0;
 * - `contains`: the fraction of expected substrings found (as `llm-test-bench:contains`);
 * - `semantic_similarity`: embedding cosine clamped to 0..1, lexical when no embedder is usable;
 * - `lexical_similarity`: cosine of word counts (`lexical.ts`);
 * - `json_valid`: 1 when the response is JSON (matching `schema` when given), else 0.
 * Output: `{ overall_score, score (the same), passed, metrics: { <name>: score }, weights,
 * details: { semantic_similarity?: { method, cosine_similarity, fallback_reason? },
 * json_valid?: { errors } } }`.
 */
import { ExecutorInputError, type Executor, type ExecutorContext } from '@llm-orchestrator/core';
import { containsScore, expectedSubstrings } from './contains.js';
import { defineEvaluator } from './evaluator.js';
import { exactMatchScore, textOptions } from './exact-match.js';
import { isRecord, optionalText, requireText, threshold, type Inputs } from './inputs.js';
import { checkJson } from './json-schema-valid.js';
import { lexicalSimilarity } from './lexical.js';
import { clamp01, roundScore } from './score.js';
import { DEFAULT_SIMILARITY_THRESHOLD } from './semantic-similarity.js';
import { semanticSimilarity } from './similarity.js';
import type { TestBenchClient } from './test-bench-client.js';
import type { EmbedFunction } from './types.js';

export const MULTI_METRIC_EVALUATOR = 'llm-test-bench:multi-metric';

export const METRIC_NAMES = [
  'exact_match',
  'contains',
  'semantic_similarity',
  'lexical_similarity',
  'json_valid',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

function isMetricName(value: unknown): value is MetricName {
  return typeof value === 'string' && (METRIC_NAMES as readonly string[]).includes(value);
}

function metricNames(inputs: Inputs): MetricName[] {
  const value = inputs.metrics;
  const list: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (list.length === 0) {
    throw new ExecutorInputError(
      `input \`metrics\` is required: a list of metric names among ${METRIC_NAMES.join(', ')}`,
      { input: 'metrics' },
    );
  }
  const names: MetricName[] = [];
  for (const item of list) {
    if (!isMetricName(item)) {
      throw new ExecutorInputError(
        `input \`metrics\`: unknown metric ${JSON.stringify(item)}; known: ${METRIC_NAMES.join(', ')}`,
        { input: 'metrics' },
      );
    }
    if (names.includes(item)) {
      throw new ExecutorInputError(`input \`metrics\` names \`${item}\` twice`, {
        input: 'metrics',
      });
    }
    names.push(item);
  }
  return names;
}

function metricWeights(inputs: Inputs, names: readonly MetricName[]): Record<string, number> {
  const value = inputs.weights;
  const given = value === undefined || value === null ? {} : value;
  if (!isRecord(given)) {
    throw new ExecutorInputError('input `weights` must be an object: { metric_name: weight }', {
      input: 'weights',
    });
  }
  for (const key of Object.keys(given)) {
    if (!(names as readonly string[]).includes(key)) {
      throw new ExecutorInputError(
        `input \`weights\` names \`${key}\`, which is not among \`metrics\``,
        { input: 'weights' },
      );
    }
  }
  const weights = new Map<string, number>();
  for (const name of names) {
    const weight = given[name] ?? 1;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new ExecutorInputError(
        `input \`weights.${name}\` must be a number of 0 or more, got ${JSON.stringify(weight)}`,
        { input: 'weights' },
      );
    }
    weights.set(name, weight);
  }
  if ([...weights.values()].every((w) => w === 0)) {
    throw new ExecutorInputError('input `weights`: at least one weight must be above 0', {
      input: 'weights',
    });
  }
  return Object.fromEntries(weights);
}

async function measure(
  name: MetricName,
  inputs: Inputs,
  response: string,
  groundTruth: string,
  embed: EmbedFunction | undefined,
  ctx: ExecutorContext,
  details: Record<string, unknown>,
): Promise<number> {
  switch (name) {
    case 'exact_match':
      return exactMatchScore(response, groundTruth, textOptions(inputs));
    case 'contains': {
      const expected = inputs.expected ?? null;
      const substrings = expected === null ? [groundTruth] : expectedSubstrings({ expected });
      return containsScore(response, substrings, textOptions(inputs)).score;
    }
    case 'semantic_similarity': {
      const similarity = await semanticSimilarity(response, groundTruth, embed, ctx);
      details.semantic_similarity = {
        method: similarity.method,
        cosine_similarity: similarity.cosine,
        ...(similarity.fallbackReason === undefined
          ? {}
          : { fallback_reason: similarity.fallbackReason }),
      };
      return clamp01(similarity.cosine);
    }
    case 'lexical_similarity':
      return lexicalSimilarity(response, groundTruth);
    case 'json_valid': {
      const check = checkJson(response, inputs.schema);
      details.json_valid = { errors: check.errors };
      return check.score;
    }
  }
}

export function createMultiMetricEvaluator(
  embed?: EmbedFunction,
  testBench?: TestBenchClient,
): Executor {
  return defineEvaluator(
    {
      name: MULTI_METRIC_EVALUATOR,
      description: 'Several scores of one response and their weighted mean',
      async evaluate(inputs, ctx) {
        const names = metricNames(inputs);
        const response = requireText(inputs, 'response');
        const needsGroundTruth = names.some((n) => n !== 'json_valid');
        const given = needsGroundTruth
          ? requireText(inputs, 'ground_truth')
          : optionalText(inputs, 'ground_truth');
        const groundTruth = given ?? '';
        const weights = metricWeights(inputs, names);
        const min = threshold(inputs, DEFAULT_SIMILARITY_THRESHOLD);
        const details: Record<string, unknown> = {};
        const metrics: Record<string, number> = {};
        let total = 0;
        let weightSum = 0;
        for (const name of names) {
          const score = await measure(name, inputs, response, groundTruth, embed, ctx, details);
          const weight = weights[name] ?? 1;
          metrics[name] = score;
          total += score * weight;
          weightSum += weight;
        }
        const overall = clamp01(roundScore(total / weightSum));
        return {
          output: {
            overall_score: overall,
            score: overall,
            passed: overall >= min,
            metrics,
            weights,
            details,
          },
          ...(given === undefined ? {} : { expected: given }),
        };
      },
    },
    testBench,
  );
}
