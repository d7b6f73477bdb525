/** Semantic similarity with a real AI SDK embedder against the local fake OpenAI server. */
import { createOpenAI } from '@ai-sdk/openai';
import { embedMany } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toLlmError } from '../errors.js';
import {
  fakeEmbedding,
  startFakeLlmServer,
  type FakeLlmServer,
} from '../testing/fake-llm-server.js';
import { lexicalSimilarity } from './lexical.js';
import { roundScore } from './score.js';
import { createSemanticSimilarityEvaluator } from './semantic-similarity.js';
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
beforeEach(() => {
  server.reset();
});

/** What the lead wires: the AI SDK's embedMany, no SDK retries, errors mapped to LlmError codes. */
function sdkEmbedder(mapErrors = true): EmbedFunction {
  const model = createOpenAI({ baseURL: server.v1BaseUrl, apiKey: 'test' }).embedding(
    'text-embedding-3-small',
  );
  return async (texts, signal) => {
    try {
      const { embeddings } = await embedMany({
        model,
        values: texts,
        maxRetries: 0,
        abortSignal: signal,
      });
      return embeddings;
    } catch (err) {
      throw mapErrors ? toLlmError(err, 'openai', 'text-embedding-3-small') : err;
    }
  };
}

const expectedCosine = (a: string, b: string): number =>
  cosineSimilarity(fakeEmbedding(a), fakeEmbedding(b)) ?? Number.NaN;

describe('llm-test-bench:semantic-similarity with embeddings', () => {
  it('scores the cosine of the two embeddings, from one embeddings request', async () => {
    const evaluator = createSemanticSimilarityEvaluator(sdkEmbedder());
    const response = 'The cat sat on the mat';
    const groundTruth = 'A cat was sitting on the mat';
    const ctx = testContext();
    const out = await run(evaluator, { response, ground_truth: groundTruth }, ctx);
    const cosine = expectedCosine(response, groundTruth);
    expect(out).toEqual({
      score: Math.max(0, cosine),
      passed: cosine >= 0.7,
      metrics: {
        cosine_similarity: cosine,
        embedding_distance: roundScore(1 - cosine),
        method: 'embeddings',
      },
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body).toMatchObject({
      model: 'text-embedding-3-small',
      input: [response, groundTruth],
    });
    expect(ctx.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('gives identical texts a score of 1, and ranks related texts above unrelated ones', async () => {
    const evaluator = createSemanticSimilarityEvaluator(sdkEmbedder());
    const same = await run(evaluator, { response: 'hello world', ground_truth: 'hello world' });
    expect(same.score).toBe(1);
    expect(same.passed).toBe(true);
    const near = await run(evaluator, {
      response: 'the cat sat on the mat',
      ground_truth: 'the cat sat on a mat',
    });
    const far = await run(evaluator, {
      response: 'the cat sat on the mat',
      ground_truth: 'quantum chromodynamics lecture notes',
    });
    expect(near.score as number).toBeGreaterThan(far.score as number);
  });

  it('honours threshold', async () => {
    const evaluator = createSemanticSimilarityEvaluator(sdkEmbedder());
    const inputs = { response: 'the cat sat on the mat', ground_truth: 'the cat sat on a mat' };
    const cosine = expectedCosine(inputs.response, inputs.ground_truth);
    expect(await run(evaluator, { ...inputs, threshold: cosine })).toMatchObject({ passed: true });
    expect(
      await run(evaluator, { ...inputs, threshold: Math.min(1, cosine + 0.01) }),
    ).toMatchObject({ passed: false });
  });

  it('clamps a negative cosine to a score of 0', async () => {
    const opposite: EmbedFunction = () =>
      Promise.resolve([
        [1, 0],
        [-1, 0],
      ]);
    const out = await run(createSemanticSimilarityEvaluator(opposite), {
      response: 'yes',
      ground_truth: 'no',
    });
    expect(out).toMatchObject({
      score: 0,
      passed: false,
      metrics: { cosine_similarity: -1, embedding_distance: 2, method: 'embeddings' },
    });
  });
});

describe('llm-test-bench:semantic-similarity falling back to lexical similarity', () => {
  const inputs = { response: 'the cat sat on the mat', ground_truth: 'the dog sat on the mat' };
  const lexical = lexicalSimilarity(inputs.response, inputs.ground_truth);

  it('uses lexical similarity when no embedder is configured, and says so', async () => {
    const ctx = testContext();
    const out = await run(createSemanticSimilarityEvaluator(), inputs, ctx);
    expect(out).toEqual({
      score: lexical,
      passed: lexical >= 0.7,
      metrics: {
        cosine_similarity: lexical,
        embedding_distance: roundScore(1 - lexical),
        method: 'lexical',
      },
      fallback_reason: 'no embedder is configured',
    });
    expect(ctx.logs).toContainEqual({
      level: 'warn',
      message: 'semantic similarity: using lexical similarity instead of embeddings',
      fields: { reason: 'no embedder is configured' },
    });
  });

  it.each([
    [401, 'AuthError'],
    [400, 'InvalidRequestError'],
  ] as const)('falls back when the embedder fails for good (%i)', async (status, code) => {
    server.script({ kind: 'status', status });
    const ctx = testContext();
    const out = await run(createSemanticSimilarityEvaluator(sdkEmbedder()), inputs, ctx);
    expect(out).toMatchObject({ score: lexical, metrics: { method: 'lexical' } });
    expect(out.fallback_reason).toMatch(new RegExp(`^the embedder failed: ${code}: `));
    expect(ctx.logs.some((l) => l.level === 'warn')).toBe(true);
    expect(JSON.stringify(out)).not.toContain('Bearer');
  });

  it('falls back when the embedder says the provider has no embeddings', async () => {
    const unsupported: EmbedFunction = () =>
      Promise.reject(new Error('this provider does not support embeddings'));
    const out = await run(createSemanticSimilarityEvaluator(unsupported), inputs);
    expect(out).toMatchObject({
      metrics: { method: 'lexical' },
      fallback_reason: 'the embedder failed: this provider does not support embeddings',
    });
  });

  it('falls back when the embedder returns something other than two usable vectors', async () => {
    const cases: [number[][], RegExp][] = [
      [[[1, 2]], /two vectors/],
      [[[1, 2], [1]], /different sizes \(2 and 1\)/],
      [
        [
          [0, 0],
          [1, 0],
        ],
        /all-zero/,
      ],
    ];
    for (const [vectors, reason] of cases) {
      const embed: EmbedFunction = () => Promise.resolve(vectors);
      const out = await run(createSemanticSimilarityEvaluator(embed), inputs);
      expect(out.metrics).toMatchObject({ method: 'lexical' });
      expect(out.fallback_reason).toMatch(reason);
    }
  });
});

describe('llm-test-bench:semantic-similarity passing retryable failures on', () => {
  const inputs = { response: 'a', ground_truth: 'b' };

  it.each([
    [500, 'ServerError'],
    [429, 'RateLimitError'],
  ] as const)('throws a retryable %i for the engine to retry', async (status, code) => {
    server.script({ kind: 'status', status, retryAfterSeconds: 0 });
    await expect(
      run(createSemanticSimilarityEvaluator(sdkEmbedder()), inputs),
    ).rejects.toMatchObject({ code, retryable: true });
  });

  it('classifies a raw AI SDK error itself when the embedder does not', async () => {
    server.script({ kind: 'status', status: 503 }, { kind: 'status', status: 400 });
    const evaluator = createSemanticSimilarityEvaluator(sdkEmbedder(false));
    await expect(run(evaluator, inputs)).rejects.toMatchObject({
      code: 'ServerError',
      retryable: true,
    });
    expect(await run(evaluator, inputs)).toMatchObject({ metrics: { method: 'lexical' } });
  });

  it('passes any error marked retryable: true on', async () => {
    const flaky: EmbedFunction = () =>
      Promise.reject(Object.assign(new Error('busy'), { retryable: true }));
    await expect(run(createSemanticSimilarityEvaluator(flaky), inputs)).rejects.toThrow('busy');
  });

  it('stops on cancellation instead of falling back', async () => {
    server.script({ kind: 'hang' });
    const controller = new AbortController();
    const ctx = testContext({ signal: controller.signal });
    const pending = run(createSemanticSimilarityEvaluator(sdkEmbedder()), inputs, ctx);
    setTimeout(() => {
      controller.abort(new Error('task timed out'));
    }, 50);
    await expect(pending).rejects.toThrow('task timed out');
    expect(ctx.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });
});
