/**
 * The `llm-test-bench:*` evaluators: exact match, contains, regex, JSON Schema, semantic
 * similarity, LLM judge and multi-metric. Each returns `score` (0..1), `passed` and `metrics`;
 * with a Test-Bench client each also reports its evaluation (`test_bench` in the output).
 */
import type { Executor } from '@llm-orchestrator/core';
import { createContainsEvaluator } from './contains.js';
import { createExactMatchEvaluator } from './exact-match.js';
import { createJsonSchemaValidEvaluator } from './json-schema-valid.js';
import { createLlmJudgeEvaluator } from './llm-judge.js';
import { createMultiMetricEvaluator } from './multi-metric.js';
import { createRegexEvaluator } from './regex.js';
import { createSemanticSimilarityEvaluator } from './semantic-similarity.js';
import type { TestBenchClient } from './test-bench-client.js';
import type { EmbedFunction, JudgeFunction } from './types.js';

export interface EvaluatorsOptions {
  /** Embeddings for semantic similarity; without it, similarity is lexical (and says so). */
  readonly embed?: EmbedFunction;
  /** The model that grades for `llm-test-bench:llm-judge`; without it, that evaluator fails. */
  readonly judge?: JudgeFunction;
  /** Where evaluations are reported; without it, nothing is sent. */
  readonly testBench?: TestBenchClient;
}

/** Every `llm-test-bench:*` executor, ready to register. */
export function createEvaluators(options: EvaluatorsOptions = {}): Executor[] {
  const { embed, judge, testBench } = options;
  return [
    createExactMatchEvaluator(testBench),
    createContainsEvaluator(testBench),
    createRegexEvaluator(testBench),
    createJsonSchemaValidEvaluator(testBench),
    createSemanticSimilarityEvaluator(embed, testBench),
    createLlmJudgeEvaluator(judge, testBench),
    createMultiMetricEvaluator(embed, testBench),
  ];
}

export { CONTAINS_EVALUATOR, createContainsEvaluator } from './contains.js';
export { createExactMatchEvaluator, EXACT_MATCH_EVALUATOR } from './exact-match.js';
export {
  createJsonSchemaValidEvaluator,
  JSON_SCHEMA_VALID_EVALUATOR,
} from './json-schema-valid.js';
export { lexicalSimilarity } from './lexical.js';
export { parseJudgeReply, judgeSystemPrompt, judgeUserPrompt } from './judge-prompt.js';
export type { JudgeVerdict } from './judge-prompt.js';
export {
  createLlmJudgeEvaluator,
  DEFAULT_JUDGE_SCALE,
  DEFAULT_JUDGE_THRESHOLD,
  JudgeParseError,
  LLM_JUDGE_EVALUATOR,
} from './llm-judge.js';
export {
  createMultiMetricEvaluator,
  METRIC_NAMES,
  MULTI_METRIC_EVALUATOR,
} from './multi-metric.js';
export type { MetricName } from './multi-metric.js';
export { createRegexEvaluator, REGEX_EVALUATOR } from './regex.js';
export {
  createSemanticSimilarityEvaluator,
  DEFAULT_SIMILARITY_THRESHOLD,
  SEMANTIC_SIMILARITY_EVALUATOR,
} from './semantic-similarity.js';
export { cosineSimilarity } from './similarity.js';
export {
  createTestBenchClient,
  DEFAULT_TEST_BENCH_TIMEOUT_MS,
  sendWorkflowResult,
  TestBenchError,
} from './test-bench-client.js';
export type {
  TestBenchClient,
  TestBenchClientOptions,
  TestBenchPayload,
  TestBenchStatus,
  WorkflowResult,
} from './test-bench-client.js';
export type {
  EmbedFunction,
  EvaluationOutput,
  JudgeFunction,
  JudgeReply,
  JudgeRequest,
  JudgeUsage,
} from './types.js';
