/** @llm-orchestrator/llm: LLM calls as first-class tasks. This version: `llm:chat`, usage, pricing, errors. */
export { createChatExecutor } from './chat-executor.js';
export type { ChatExecutorOptions } from './chat-executor.js';
export { LlmError, retryAfterFrom, toLlmError } from './errors.js';
export { DEFAULT_PRICES, normaliseUsage, PricingTable, roundUsd } from './pricing.js';
export type { ModelPrice, PriceEntry, TokenPrice, Usage } from './pricing.js';
export { languageModel } from './providers.js';
export type { Env, ProviderConfig } from './providers.js';
