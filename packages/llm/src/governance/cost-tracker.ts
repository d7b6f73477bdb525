/**
 * `llm-governance:cost-tracker`: what a call cost, and where the run stands against its budgets.
 * Inputs: `usage` (any provider's token counts; `llm:chat`'s usage also names its provider and
 * model), `model` and `provider` (when the usage does not name them), `pricing` (optional:
 * `{ inputPer1K, outputPer1K }` or per 1M, overriding the table for this call). A usage marked
 * `cached: true` (an answer from the response cache) costs nothing. Outputs: `cost`
 * (USD), `within_budget`, `budget_remaining` (USD left of the tightest cost budget, null without
 * one), `budgets` (each applicable budget's figures), `input_tokens`, `output_tokens`.
 */
import { ExecutorInputError, type Executor } from '@llm-orchestrator/core';
import { normaliseUsage, PricingTable, type ModelPrice } from '../pricing.js';
import type { Budgets } from './budgets.js';

export const COST_TRACKER_EXECUTOR = 'llm-governance:cost-tracker';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function priceOverride(v: unknown): ModelPrice | undefined {
  if (v === undefined || v === null) return undefined;
  const keys = ['inputPer1K', 'outputPer1K', 'inputPer1M', 'outputPer1M'] as const;
  if (!isObject(v) || !Object.keys(v).every((k) => (keys as readonly string[]).includes(k))) {
    throw new ExecutorInputError(
      'input `pricing` must be {inputPer1K, outputPer1K} or {inputPer1M, outputPer1M} in USD',
      { input: 'pricing' },
    );
  }
  const out: Record<string, number> = {};
  for (const k of keys) {
    const n = v[k];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      throw new ExecutorInputError(`input \`pricing.${k}\` must be a non-negative number`, {
        input: 'pricing',
      });
    }
    out[k] = n;
  }
  return out;
}

export function createCostTracker(options: { pricing: PricingTable; budgets?: Budgets }): Executor {
  return {
    name: COST_TRACKER_EXECUTOR,
    description: 'the cost of a call from its usage, and the budgets it counts against',
    async execute(inputs, ctx) {
      const raw = inputs.usage;
      const usage = normaliseUsage(raw);
      if (usage === undefined) {
        throw new ExecutorInputError(
          'input `usage` must hold token counts (input_tokens/output_tokens or prompt_tokens/completion_tokens)',
          { input: 'usage' },
        );
      }
      const named = (k: 'provider' | 'model'): string | undefined => {
        const v = inputs[k] ?? (isObject(raw) ? raw[k] : undefined);
        return typeof v === 'string' ? v : undefined;
      };
      const provider = named('provider');
      const model = named('model');
      const override = priceOverride(inputs.pricing);
      let cost: number | undefined;
      if (isObject(raw) && raw.cached === true) {
        cost = 0; // a cached answer: no call was made, nothing spent
      } else if (override !== undefined) {
        cost = new PricingTable([
          { provider: provider ?? '*', model: model ?? '*', price: override },
        ]).cost(provider ?? '*', model ?? '*', usage);
      } else if (model !== undefined) {
        cost = options.pricing.cost(provider, model, usage);
      }
      if (cost === undefined) {
        throw new ExecutorInputError(
          model === undefined
            ? 'no model to price: give `model` (and `provider`), or `pricing`'
            : `no price for ${provider ?? '?'}/${model}: add it under \`pricing\` in the LLM configuration, or give the \`pricing\` input`,
          { input: model === undefined ? 'model' : 'pricing' },
        );
      }
      const budgets =
        options.budgets === undefined
          ? []
          : await options.budgets.status({
              runId: ctx.runId,
              taskId: ctx.taskId,
              workflow: ctx.workflow,
            });
      const remaining = budgets.flatMap((b) => (b.remainingUsd === null ? [] : [b.remainingUsd]));
      return {
        cost,
        within_budget: budgets.every((b) => !b.exceeded),
        budget_remaining: remaining.length === 0 ? null : Math.min(...remaining),
        budgets,
        provider: provider ?? null,
        model: model ?? null,
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
      };
    },
  };
}
