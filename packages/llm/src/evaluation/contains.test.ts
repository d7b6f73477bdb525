import { describe, expect, it } from 'vitest';
import { createContainsEvaluator } from './contains.js';
import { run } from './test-helpers.js';

describe('llm-test-bench:contains', () => {
  const evaluator = createContainsEvaluator();

  it('scores the fraction of expected substrings found, and lists them', async () => {
    const out = await run(evaluator, {
      response: 'The capital of France is Paris, on the Seine.',
      expected: ['Paris', 'Seine', 'Loire', 'France'],
    });
    expect(out).toEqual({
      score: 0.75,
      passed: false,
      metrics: {
        contains: 0.75,
        found: ['Paris', 'Seine', 'France'],
        missing: ['Loire'],
        found_count: 3,
        total: 4,
      },
    });
  });

  it('passes against a lower threshold', async () => {
    const out = await run(evaluator, {
      response: 'Paris',
      expected: ['Paris', 'Lyon'],
      threshold: 0.5,
    });
    expect(out).toMatchObject({ score: 0.5, passed: true });
  });

  it('takes ground_truth as one substring, trimmed, case-insensitively on request', async () => {
    expect(
      await run(evaluator, { response: 'It is PARIS.', ground_truth: ' paris ' }),
    ).toMatchObject({ score: 0, passed: false });
    expect(
      await run(evaluator, {
        response: 'It is PARIS.',
        ground_truth: ' paris ',
        case_sensitive: false,
      }),
    ).toMatchObject({ score: 1, passed: true, metrics: { found: [' paris '] } });
  });

  it('takes expected as a single string too', async () => {
    expect(await run(evaluator, { response: 'abc', expected: 'b' })).toMatchObject({ score: 1 });
  });

  it('refuses both ground_truth and expected, neither, an empty list, and non-strings', async () => {
    await expect(
      run(evaluator, { response: 'x', ground_truth: 'x', expected: ['x'] }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: expect.stringMatching(/not both/) as string,
    });
    await expect(run(evaluator, { response: 'x' })).rejects.toMatchObject({
      input: 'ground_truth',
    });
    await expect(run(evaluator, { response: 'x', expected: [] })).rejects.toMatchObject({
      input: 'expected',
    });
    await expect(run(evaluator, { response: 'x', expected: ['a', null] })).rejects.toMatchObject({
      input: 'expected',
    });
    await expect(run(evaluator, { response: 'x', expected: [{}] })).rejects.toMatchObject({
      code: 'InvalidInputError',
    });
  });
});
