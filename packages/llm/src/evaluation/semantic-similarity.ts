/**
 * `llm-test-bench:semantic-similarity`: how close in meaning `response` is to `ground_truth`, as
 * the cosine similarity of their embeddings (clamped to 0..1 for `score`). Inputs: `threshold`
 * (default 0.7). Output: `{ score, passed, metrics: { cosine_similarity, embedding_distance,
 * method } }`, plus `fallback_reason` when `method` is `lexical` (no embedder configured, or it
 * failed for good: see `similarity.ts`). `embedding_distance` is the cosine distance,
 * `1 - cosine_similarity`.
 */
import type { Executor } from '@llm-orchestrator/core';
import { defineEvaluator } from './evaluator.js';
import { requireText, threshold } from './inputs.js';
import { clamp01, roundScore } from './score.js';
import { semanticSimilarity } from './similarity.js';
import type { TestBenchClient } from './test-bench-client.js';
import type { EmbedFunction } from './types.js';

export const SEMANTIC_SIMILARITY_EVALUATOR = 'llm-test-bench:semantic-similarity';

export const DEFAULT_SIMILARITY_THRESHOLD = 0.7;

export function createSemanticSimilarityEvaluator(
  embed?: EmbedFunction,
  testBench?: TestBenchClient,
): Executor {
  return defineEvaluator(
    {
      name: SEMANTIC_SIMILARITY_EVALUATOR,
      description: 'Score the cosine similarity of the embeddings of response and ground truth',
      async evaluate(inputs, ctx) {
        const response = requireText(inputs, 'response');
        const groundTruth = requireText(inputs, 'ground_truth');
        const min = threshold(inputs, DEFAULT_SIMILARITY_THRESHOLD);
        const similarity = await semanticSimilarity(response, groundTruth, embed, ctx);
        const score = clamp01(similarity.cosine);
        return {
          output: {
            score,
            passed: score >= min,
            metrics: {
              cosine_similarity: similarity.cosine,
              embedding_distance: roundScore(1 - similarity.cosine),
              method: similarity.method,
            },
            ...(similarity.fallbackReason === undefined
              ? {}
              : { fallback_reason: similarity.fallbackReason }),
          },
          expected: groundTruth,
        };
      },
    },
    testBench,
  );
}
