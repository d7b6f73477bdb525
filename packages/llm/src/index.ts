/** @llm-orchestrator/llm: LLM calls as first-class tasks. This version: usage and pricing. */
export { DEFAULT_PRICES, normaliseUsage, PricingTable, roundUsd } from './pricing.js';
export type { ModelPrice, PriceEntry, TokenPrice, Usage } from './pricing.js';
