import { describe, expect, it } from 'vitest';
import { normaliseUsage, PricingTable, roundUsd } from './pricing.js';

describe('pricing', () => {
  it("reproduces the design's example cost: $0.015 per 1K input, $0.075 per 1K output", () => {
    const table = new PricingTable();
    const usage = normaliseUsage({ prompt_tokens: 1000, completion_tokens: 500 });
    expect(usage).toEqual({ inputTokens: 1000, outputTokens: 500, totalTokens: 1500 });
    if (usage === undefined) return;
    // 1000 / 1000 × 0.015 + 500 / 1000 × 0.075
    expect(table.cost('anthropic', 'claude-3-opus-20240229', usage)).toBe(0.0525);
  });

  it('matches exact names before the longest prefix, and says when a model has no price', () => {
    const table = PricingTable.withOverrides([
      { provider: 'openai', model: 'gpt-4o*', price: { inputPer1M: 2.5, outputPer1M: 10 } },
      { provider: 'openai', model: 'gpt-4o-mini*', price: { inputPer1M: 0.15, outputPer1M: 0.6 } },
      { provider: 'openai', model: 'gpt-4o-mini-2024', price: { inputPer1K: 1, outputPer1K: 1 } },
    ]);
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, totalTokens: 2_000_000 };
    expect(table.cost('openai', 'gpt-4o-2024-08-06', usage)).toBe(12.5);
    expect(table.cost('openai', 'gpt-4o-mini', usage)).toBe(0.75);
    expect(table.cost('openai', 'gpt-4o-mini-2024', usage)).toBe(2000);
    expect(table.cost('openai', 'o3', usage)).toBeUndefined();
    expect(table.cost('test', 'anything', usage)).toBe(0);
  });

  it('lets configuration override a built-in price', () => {
    const table = PricingTable.withOverrides([
      {
        provider: 'anthropic',
        model: 'claude-3-opus*',
        price: { inputPer1K: 0.01, outputPer1K: 0.02 },
      },
    ]);
    expect(
      table.cost('anthropic', 'claude-3-opus', {
        inputTokens: 1000,
        outputTokens: 1000,
        totalTokens: 2000,
      }),
    ).toBe(0.03);
  });

  it('refuses a price given twice or not at all, or negative', () => {
    expect(
      () =>
        new PricingTable([
          { provider: 'p', model: 'm', price: { inputPer1K: 1, inputPer1M: 1, outputPer1K: 1 } },
        ]),
    ).toThrow(/per 1K or per 1M/);
    expect(
      () => new PricingTable([{ provider: 'p', model: 'm', price: { inputPer1K: 1 } }]),
    ).toThrow(/output price/);
    expect(
      () =>
        new PricingTable([
          { provider: 'p', model: 'm', price: { inputPer1K: -1, outputPer1K: 1 } },
        ]),
    ).toThrow(/≥ 0/);
  });

  it('reads every provider shape of usage, and nothing from what has none', () => {
    expect(normaliseUsage({ input_tokens: 10, output_tokens: 5 })).toEqual({
      inputTokens: 10,
      outputTokens: 5,
      totalTokens: 15,
    });
    expect(normaliseUsage({ inputTokens: 3, outputTokens: 4, totalTokens: 9 })).toEqual({
      inputTokens: 3,
      outputTokens: 4,
      totalTokens: 9,
    });
    expect(normaliseUsage({ completion_tokens: 2 })).toEqual({
      inputTokens: 0,
      outputTokens: 2,
      totalTokens: 2,
    });
    expect(normaliseUsage({ tokens: 'many' })).toBeUndefined();
    expect(normaliseUsage(null)).toBeUndefined();
  });

  it('rounds to a billionth of a dollar so that sums do not drift', () => {
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
  });
});
