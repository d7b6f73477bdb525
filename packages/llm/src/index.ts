/** @llm-orchestrator/llm: LLM calls as first-class tasks. This version: usage, pricing, errors. */
export { LlmError, retryAfterFrom, toLlmError } from './errors.js';
export { DEFAULT_PRICES, normaliseUsage, PricingTable, roundUsd } from './pricing.js';
export type { ModelPrice, PriceEntry, TokenPrice, Usage } from './pricing.js';
