/**
 * @llm-orchestrator/llm: LLM calls as first-class tasks: providers (and a deterministic test
 * provider), streaming, usage and cost, the response cache, rate limits and breakers, budgets and
 * policies, evaluators, the Test-Bench hooks and the optimizer feedback. `createLlmPlugin` wires it
 * all from one configuration.
 */
export { createLlmPlugin } from './plugin.js';
export type { LlmPlugin, LlmPluginOptions } from './plugin.js';
export { DEFAULT_ALIASES, DEFAULT_PROVIDERS, LLM_CONFIG_SCHEMA, parseLlmConfig } from './config.js';
export type {
  AliasSettings,
  BudgetSettings,
  CallParams,
  EndpointSettings,
  LlmConfig,
  PolicySettings,
  ProviderSettings,
} from './config.js';
export { createChatExecutor } from './chat-executor.js';
export type { ChatExecutorOptions } from './chat-executor.js';
export { parseChatRequest } from './chat-request.js';
export type { ChatMessage, ChatRequest } from './chat-request.js';
export { CallGuard } from './call-guard.js';
export type { CallGuardOptions, CallPermit } from './call-guard.js';
export { cacheKey } from './response-cache.js';
export { LlmError, retryAfterFrom, toLlmError } from './errors.js';
export { DEFAULT_PRICES, normaliseUsage, PricingTable, roundUsd } from './pricing.js';
export type { ModelPrice, PriceEntry, TokenPrice, Usage } from './pricing.js';
export { embeddingModel, languageModel } from './providers.js';
export type { Env, ProviderConfig } from './providers.js';
export {
  createTestProvider,
  TestEmbeddingModel,
  TestLanguageModel,
  TEST_PROVIDER_ID,
} from './test-provider.js';
export type { TestProvider, TestProviderOptions, TestReplyRule } from './test-provider.js';
export { estimateTokens, hashedEmbedding, placeholderFromSchema } from './deterministic.js';
export { Budgets, periodStart } from './governance/budgets.js';
export type { BudgetStatus, Estimate, SpendScope } from './governance/budgets.js';
export { COST_TRACKER_EXECUTOR, createCostTracker } from './governance/cost-tracker.js';
export { createPolicyGate, globMatches } from './governance/policies.js';
export { POLICY_CHECK_EXECUTOR, policyCheckExecutor } from './governance/policy-check.js';
export type { CallFacts, CallResolver, PolicyGateOptions } from './governance/policies.js';
export {
  createEvaluators,
  createTestBenchClient,
  JudgeParseError,
  lexicalSimilarity,
  sendWorkflowResult,
  TestBenchError,
} from './evaluation/index.js';
export type {
  EmbedFunction,
  EvaluationOutput,
  EvaluatorsOptions,
  JudgeFunction,
  JudgeReply,
  JudgeRequest,
  TestBenchClient,
  TestBenchPayload,
  WorkflowResult,
} from './evaluation/index.js';
export {
  createMetricCollector,
  createOptimizerSender,
  summariseRecords,
  summariseUsage,
  USAGE_GROUPINGS,
} from './optimizer/index.js';
export type {
  OptimizerSender,
  OptimizerSenderOptions,
  UsageGrouping,
  UsageSummaryRow,
} from './optimizer/index.js';
