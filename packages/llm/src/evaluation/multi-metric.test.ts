import { createOpenAI } from '@ai-sdk/openai';
import { embedMany } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fakeEmbedding,
  startFakeLlmServer,
  type FakeLlmServer,
} from '../testing/fake-llm-server.js';
import { lexicalSimilarity } from './lexical.js';
import { createMultiMetricEvaluator } from './multi-metric.js';
import { roundScore } from './score.js';
import { cosineSimilarity } from './similarity.js';
import { run, testContext } from './test-helpers.js';
import type { EmbedFunction } from './types.js';

let server: FakeLlmServer;
beforeAll(async () => {
  server = await startFakeLlmServer();
});
afterAll(async () => {
  await server.close();
});

function embedder(): EmbedFunction {
  const model = createOpenAI({ baseURL: server.v1BaseUrl, apiKey: 'test' }).embedding(
    'text-embedding-3-small',
  );
  return async (values, abortSignal) =>
    (await embedMany({ model, values, maxRetries: 0, abortSignal })).embeddings;
}

describe('llm-test-bench:multi-metric', () => {
  it('scores each named metric and their mean', async () => {
    const response = 'The answer is 4';
    const groundTruth = 'The answer is four';
    const out = await run(createMultiMetricEvaluator(embedder()), {
      response,
      ground_truth: groundTruth,
      metrics: ['exact_match', 'semantic_similarity', 'lexical_similarity'],
    });
    const semantic = Math.max(
      0,
      cosineSimilarity(fakeEmbedding(response), fakeEmbedding(groundTruth)) ?? 0,
    );
    const lexical = lexicalSimilarity(response, groundTruth);
    const overall = roundScore((0 + semantic + lexical) / 3);
    expect(out).toEqual({
      overall_score: overall,
      score: overall,
      passed: overall >= 0.7,
      metrics: { exact_match: 0, semantic_similarity: semantic, lexical_similarity: lexical },
      weights: { exact_match: 1, semantic_similarity: 1, lexical_similarity: 1 },
      details: { semantic_similarity: { method: 'embeddings', cosine_similarity: semantic } },
    });
  });

  it('weighs metrics, and passes against threshold', async () => {
    const out = await run(createMultiMetricEvaluator(), {
      response: 'Paris, France',
      ground_truth: 'Paris',
      metrics: ['exact_match', 'contains'],
      weights: { exact_match: 1, contains: 3 },
      threshold: 0.75,
    });
    expect(out).toMatchObject({
      overall_score: 0.75,
      score: 0.75,
      passed: true,
      metrics: { exact_match: 0, contains: 1 },
    });
  });

  it('reads contains substrings from expected, and checks json_valid against a schema', async () => {
    const out = await run(createMultiMetricEvaluator(), {
      response: '{"city": "Paris"}',
      ground_truth: 'unused',
      expected: ['Paris', 'Lyon'],
      schema: { type: 'object', required: ['country'] },
      metrics: ['contains', 'json_valid'],
    });
    expect(out).toMatchObject({
      overall_score: 0.25,
      metrics: { contains: 0.5, json_valid: 0 },
      details: {
        json_valid: {
          errors: [{ path: '', message: expect.stringContaining('country') as string }],
        },
      },
    });
  });

  it('needs no ground truth for json_valid alone', async () => {
    const out = await run(createMultiMetricEvaluator(), {
      response: '[1, 2]',
      metrics: ['json_valid'],
    });
    expect(out).toMatchObject({ overall_score: 1, passed: true, metrics: { json_valid: 1 } });
  });

  it('reports a lexical fallback for semantic_similarity without an embedder', async () => {
    const ctx = testContext();
    const out = await run(
      createMultiMetricEvaluator(),
      { response: 'a b', ground_truth: 'a b', metrics: ['semantic_similarity'] },
      ctx,
    );
    expect(out).toMatchObject({
      overall_score: 1,
      details: {
        semantic_similarity: { method: 'lexical', fallback_reason: 'no embedder is configured' },
      },
    });
    expect(ctx.logs.some((l) => l.level === 'warn')).toBe(true);
  });

  it('refuses unknown or repeated metrics, and bad weights', async () => {
    const base = { response: 'x', ground_truth: 'x' };
    const evaluator = createMultiMetricEvaluator();
    await expect(run(evaluator, base)).rejects.toMatchObject({ input: 'metrics' });
    await expect(run(evaluator, { ...base, metrics: ['f1_score'] })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: expect.stringContaining('unknown metric "f1_score"') as string,
    });
    await expect(
      run(evaluator, { ...base, metrics: ['contains', 'contains'] }),
    ).rejects.toMatchObject({ input: 'metrics' });
    await expect(
      run(evaluator, { ...base, metrics: ['contains'], weights: { exact_match: 1 } }),
    ).rejects.toMatchObject({ input: 'weights' });
    await expect(
      run(evaluator, { ...base, metrics: ['contains'], weights: { contains: -1 } }),
    ).rejects.toMatchObject({ input: 'weights' });
    await expect(
      run(evaluator, { ...base, metrics: ['contains'], weights: { contains: 0 } }),
    ).rejects.toMatchObject({ input: 'weights' });
    await expect(run(evaluator, { response: 'x', metrics: ['exact_match'] })).rejects.toMatchObject(
      { input: 'ground_truth' },
    );
  });
});
