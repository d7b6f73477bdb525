import { describe, expect, it } from 'vitest';
import { createExactMatchEvaluator } from './exact-match.js';
import { run } from './test-helpers.js';

describe('llm-test-bench:exact-match', () => {
  const evaluator = createExactMatchEvaluator();

  it('scores 1 for equal texts, trimming surrounding whitespace by default', async () => {
    const out = await run(evaluator, { response: '  Paris\n', ground_truth: 'Paris' });
    expect(out).toEqual({
      score: 1,
      passed: true,
      metrics: { exact_match: 1, case_sensitive: true, trim: true },
    });
  });

  it('is case sensitive by default, and case insensitive on request', async () => {
    expect(await run(evaluator, { response: 'paris', ground_truth: 'Paris' })).toMatchObject({
      score: 0,
      passed: false,
    });
    expect(
      await run(evaluator, { response: 'PARIS', ground_truth: 'paris', case_sensitive: false }),
    ).toMatchObject({ score: 1, passed: true, metrics: { case_sensitive: false } });
  });

  it('keeps whitespace with trim: false', async () => {
    const out = await run(evaluator, { response: 'Paris ', ground_truth: 'Paris', trim: false });
    expect(out).toMatchObject({ score: 0, metrics: { trim: false } });
  });

  it('compares numbers and booleans as their text', async () => {
    expect(await run(evaluator, { response: '4', ground_truth: 4 })).toMatchObject({ score: 1 });
  });

  it('passes against a threshold of 0 even on a mismatch', async () => {
    const out = await run(evaluator, { response: 'a', ground_truth: 'b', threshold: 0 });
    expect(out).toMatchObject({ score: 0, passed: true });
  });

  it('fails with InvalidInputError naming the input at fault', async () => {
    await expect(run(evaluator, { ground_truth: 'x' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      input: 'response',
    });
    await expect(run(evaluator, { response: 'x', ground_truth: { a: 1 } })).rejects.toMatchObject({
      code: 'InvalidInputError',
      input: 'ground_truth',
    });
    await expect(
      run(evaluator, { response: 'x', ground_truth: 'x', case_sensitive: 'no' }),
    ).rejects.toMatchObject({ input: 'case_sensitive' });
    await expect(
      run(evaluator, { response: 'x', ground_truth: 'x', threshold: 2 }),
    ).rejects.toMatchObject({ input: 'threshold', retryable: false });
  });
});
