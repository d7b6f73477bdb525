/**
 * @llm-orchestrator/core: the workflow language (parsing, validation, JSON Schema), the `${{ }}`
 * expression language and the task graph.
 */
export * from './definition/index.js';
export {
  compileExpression,
  compileTemplate,
  containsExpression,
  DEFAULT_EXPRESSION_LIMITS,
} from './expr/index.js';
export type {
  CompiledExpression,
  CompiledTemplate,
  ExpressionContext,
  ExpressionLimits,
  Reference,
} from './expr/index.js';
export { buildDag, findCycles, toDot, toMermaid } from './graph/index.js';
export type {
  Dag,
  DependencyKind,
  DependencySpec,
  GraphNodeSpec,
  RenderOptions,
} from './graph/index.js';
export {
  CycleError,
  DefinitionError,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
  OrchestratorError,
} from './errors.js';
export * from './engine/index.js';
export * from './store/index.js';
export { timeOrderedId } from './ids.js';
export { workflow, WorkflowBuilder } from './sdk/builder.js';
export {
  createBuiltinRegistry,
  ExecutorInputError,
  ExecutorRegistry,
  validateWithSchema,
} from './executors/index.js';
export type {
  ExecuteFunction,
  Executor,
  ExecutorContext,
  SchemaIssue,
  SchemaResult,
  TaskEmission,
  TaskLogger,
  WorkflowInfo,
} from './executors/index.js';
export { parseDuration } from './definition/units.js';
export { FakeClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { signWebhook, verifyWebhook } from './engine/handlers/index.js';
export type { AlertEvent, AlertSink, RunSummary } from './engine/handlers/index.js';
export {
  CircuitBreakerRegistry,
  CircuitOpenError,
  DEFAULT_RETRY,
  isRetryable,
  MemoryDeadLetterQueue,
  RateLimiterRegistry,
} from './resilience/index.js';
export type { DeadLetterFilter, DeadLetterPurge, NewDeadLetter } from './resilience/index.js';
export type {
  BackpressureOptions,
  CircuitBreakerOptions,
  DeadLetter,
  DeadLetterQueue,
  RateLimit,
  RetrySettings,
} from './resilience/index.js';
