/**
 * Token usage and what it costs (seed §7.4). A pricing table maps a provider and model (exactly, or
 * by a prefix ending in `*`) to prices per 1,000 or per 1,000,000 input and output tokens; costs
 * are in US dollars, rounded to a billionth of a dollar so that sums do not drift.
 */
import { OrchestratorError } from '@llm-orchestrator/core';

/** Token counts of one call, in the one shape every provider's usage is turned into. */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

/** Prices in USD: per 1K or per 1M tokens (give one of each pair). */
export interface ModelPrice {
  readonly inputPer1K?: number;
  readonly outputPer1K?: number;
  readonly inputPer1M?: number;
  readonly outputPer1M?: number;
}

export interface PriceEntry {
  readonly provider: string;
  /** A model name, or a prefix ending in `*` (`claude-3-opus*`); `*` alone matches every model. */
  readonly model: string;
  readonly price: ModelPrice;
}

/** USD per token. */
export interface TokenPrice {
  readonly input: number;
  readonly output: number;
}

/**
 * The built-in prices: the design's example figures ($0.015 per 1K input tokens, $0.075 per 1K
 * output tokens, Claude 3 Opus's list price) and the deterministic test provider, which is free.
 * Real prices change: set yours in the configuration (`pricing`), which takes precedence.
 */
export const DEFAULT_PRICES: readonly PriceEntry[] = [
  {
    provider: 'anthropic',
    model: 'claude-3-opus*',
    price: { inputPer1K: 0.015, outputPer1K: 0.075 },
  },
  { provider: 'test', model: '*', price: { inputPer1K: 0, outputPer1K: 0 } },
];

function perToken(price: ModelPrice, side: 'input' | 'output', where: string): number {
  const per1K = side === 'input' ? price.inputPer1K : price.outputPer1K;
  const per1M = side === 'input' ? price.inputPer1M : price.outputPer1M;
  if (per1K !== undefined && per1M !== undefined) {
    throw new OrchestratorError(
      'INVALID_PRICE',
      `${where}: give the ${side} price per 1K or per 1M tokens, not both`,
    );
  }
  const value = per1K !== undefined ? per1K / 1e3 : per1M !== undefined ? per1M / 1e6 : undefined;
  if (value === undefined || !Number.isFinite(value) || value < 0) {
    throw new OrchestratorError(
      'INVALID_PRICE',
      `${where}: the ${side} price must be a number ≥ 0 (${side}Per1K or ${side}Per1M)`,
    );
  }
  return value;
}

/** Rounds to a billionth of a dollar. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}

export class PricingTable {
  private readonly exact = new Map<string, TokenPrice>();
  /** Prefix entries, longest prefix first. */
  private readonly prefixes: { provider: string; prefix: string; price: TokenPrice }[] = [];

  /** Later entries win over earlier ones for the same provider and model. */
  constructor(entries: readonly PriceEntry[] = DEFAULT_PRICES) {
    for (const e of entries) {
      const where = `price of ${e.provider}/${e.model}`;
      const price = {
        input: perToken(e.price, 'input', where),
        output: perToken(e.price, 'output', where),
      };
      if (e.model.endsWith('*')) {
        const prefix = e.model.slice(0, -1);
        const existing = this.prefixes.findIndex(
          (p) => p.provider === e.provider && p.prefix === prefix,
        );
        if (existing >= 0) this.prefixes.splice(existing, 1);
        this.prefixes.push({ provider: e.provider, prefix, price });
      } else {
        this.exact.set(`${e.provider}\u0000${e.model}`, price);
      }
    }
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** A table with `overrides` on top of this one's entries. */
  static withOverrides(overrides: readonly PriceEntry[]): PricingTable {
    return new PricingTable([...DEFAULT_PRICES, ...overrides]);
  }

  /** The price of a model: an exact entry, else the longest matching prefix. */
  lookup(provider: string, model: string): TokenPrice | undefined {
    return (
      this.exact.get(`${provider}\u0000${model}`) ??
      this.prefixes.find((p) => p.provider === provider && model.startsWith(p.prefix))?.price
    );
  }

  /** The price of a model whatever its provider (when the provider is not known). */
  lookupModel(model: string): TokenPrice | undefined {
    for (const [key, price] of this.exact) if (key.endsWith(`\u0000${model}`)) return price;
    return this.prefixes.find((p) => p.prefix !== '' && model.startsWith(p.prefix))?.price;
  }

  /** What a call cost in USD, or undefined when the model has no price. */
  cost(provider: string | undefined, model: string, usage: Usage): number | undefined {
    const price = provider === undefined ? this.lookupModel(model) : this.lookup(provider, model);
    if (price === undefined) return undefined;
    return roundUsd(usage.inputTokens * price.input + usage.outputTokens * price.output);
  }
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Usage as any provider reports it (OpenAI `prompt_tokens`/`completion_tokens`, Anthropic
 * `input_tokens`/`output_tokens`, or `inputTokens`/`outputTokens`) in one shape; undefined when
 * `raw` holds no token counts.
 */
export function normaliseUsage(raw: unknown): Usage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const u = raw as Record<string, unknown>;
  const input = count(u.inputTokens) ?? count(u.input_tokens) ?? count(u.prompt_tokens);
  const output = count(u.outputTokens) ?? count(u.output_tokens) ?? count(u.completion_tokens);
  if (input === undefined && output === undefined) return undefined;
  const inputTokens = input ?? 0;
  const outputTokens = output ?? 0;
  const total = count(u.totalTokens) ?? count(u.total_tokens);
  return { inputTokens, outputTokens, totalTokens: total ?? inputTokens + outputTokens };
}
