import { describe, expect, it } from 'vitest';
import { run } from '../test-helpers.js';
import { expressionExecutor } from './expression.js';
import { templateOutputsExecutor } from './template-outputs.js';

describe('expression', () => {
  it('returns `value` as result', async () => {
    expect(await run(expressionExecutor, { value: { a: [1] }, other: 2 })).toEqual({
      result: { a: [1] },
    });
    expect(await run(expressionExecutor, { value: null })).toEqual({ result: null });
    expect(await run(expressionExecutor, { value: false })).toEqual({ result: false });
  });

  it('returns every input when `value` is absent', async () => {
    expect(await run(expressionExecutor, { a: 1, b: 'x' })).toEqual({ a: 1, b: 'x' });
    expect(await run(expressionExecutor, {})).toEqual({});
  });
});

describe('orchestrator:template-outputs', () => {
  it('returns its inputs as a new object', async () => {
    const inputs = { summary: 's', score: 0.5 };
    const out = await run(templateOutputsExecutor, inputs);
    expect(out).toEqual(inputs);
    expect(out).not.toBe(inputs);
  });
});
