import { describe, expect, it } from 'vitest';
import { cosineSimilarity, semanticSimilarity } from './similarity.js';
import { testContext } from './test-helpers.js';

describe('cosineSimilarity', () => {
  it('is 1 for parallel vectors, 0 for orthogonal ones, -1 for opposite ones', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBe(1);
    expect(cosineSimilarity([1, 0], [0, 5])).toBe(0);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBe(-1);
  });

  it('is undefined for vectors of different sizes, empty ones or a zero vector', () => {
    expect(cosineSimilarity([1], [1, 2])).toBeUndefined();
    expect(cosineSimilarity([], [])).toBeUndefined();
    expect(cosineSimilarity([0, 0], [1, 0])).toBeUndefined();
  });
});

describe('semanticSimilarity', () => {
  it('embeds both texts in one call, with the task signal', async () => {
    const calls: { texts: string[]; signal: AbortSignal }[] = [];
    const ctx = testContext();
    const result = await semanticSimilarity(
      'a',
      'b',
      (texts, signal) => {
        calls.push({ texts, signal });
        return Promise.resolve([
          [1, 0],
          [1, 1],
        ]);
      },
      ctx,
    );
    expect(calls).toEqual([{ texts: ['a', 'b'], signal: ctx.signal }]);
    expect(result).toEqual({
      cosine: Math.round(Math.SQRT1_2 * 1e12) / 1e12,
      method: 'embeddings',
    });
  });

  it('does not fall back when the embedder fails after the task was cancelled', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const pending = semanticSimilarity(
      'a',
      'b',
      () => {
        controller.abort(reason);
        return Promise.reject(new Error('aborted'));
      },
      testContext({ signal: controller.signal }),
    );
    await expect(pending).rejects.toBe(reason);
  });
});
