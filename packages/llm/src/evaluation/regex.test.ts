import { describe, expect, it } from 'vitest';
import { createRegexEvaluator } from './regex.js';
import { run } from './test-helpers.js';

describe('llm-test-bench:regex', () => {
  const evaluator = createRegexEvaluator();

  it('scores 1 on a match and reports the match and its groups', async () => {
    const out = await run(evaluator, {
      response: 'Answer: 42 (final)',
      pattern: 'answer:\\s*(?<n>\\d+)',
      flags: 'i',
    });
    expect(out).toEqual({
      score: 1,
      passed: true,
      metrics: {
        matched: true,
        match: 'Answer: 42',
        index: 0,
        groups: ['42'],
        named_groups: { n: '42' },
      },
    });
  });

  it('scores 0 without a match', async () => {
    const out = await run(evaluator, { response: 'no digits here', pattern: '^\\d+$' });
    expect(out).toEqual({
      score: 0,
      passed: false,
      metrics: { matched: false, match: null, index: null, groups: [], named_groups: {} },
    });
  });

  it('reports groups that did not take part as null', async () => {
    const out = await run(evaluator, { response: 'b', pattern: '(a)?b' });
    expect(out.metrics).toMatchObject({ groups: [null] });
  });

  it('ignores g and y, which would make repeated runs depend on each other', async () => {
    for (let i = 0; i < 2; i++) {
      expect(await run(evaluator, { response: 'xx ab', pattern: 'ab', flags: 'gy' })).toMatchObject(
        { score: 1 },
      );
    }
  });

  it('fails with a clear InvalidInputError on an invalid pattern or flags', async () => {
    await expect(run(evaluator, { response: 'x', pattern: '(unclosed' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      input: 'pattern',
      retryable: false,
      message: expect.stringMatching(
        /^input `pattern` is not a valid regular expression: /,
      ) as string,
    });
    await expect(run(evaluator, { response: 'x', pattern: 'x', flags: 'q' })).rejects.toMatchObject(
      { input: 'flags' },
    );
    await expect(
      run(evaluator, { response: 'x', pattern: 'x', flags: 'ii' }),
    ).rejects.toMatchObject({ input: 'flags' });
    await expect(run(evaluator, { response: 'x' })).rejects.toMatchObject({ input: 'pattern' });
    await expect(run(evaluator, { response: 'x', pattern: 5 })).rejects.toMatchObject({
      input: 'pattern',
    });
  });
});
