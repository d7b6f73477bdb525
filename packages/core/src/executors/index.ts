/** Executors: the registry, the executor contract, input helpers and the built-ins. */
export type {
  ExecuteFunction,
  Executor,
  ExecutorContext,
  TaskEmission,
  TaskLogger,
  WorkflowInfo,
} from './types.js';
export {
  EXECUTOR_NAME_PATTERN,
  ExecutorRegistry,
  type AliasOptions,
  type ExecutorInfo,
  type RegisterOptions,
} from './registry.js';
export { BUILTIN_ALIASES, BUILTIN_EXECUTORS, createBuiltinRegistry } from './builtins.js';
export {
  ExecutorInputError,
  describeType,
  isPlainObject,
  nested,
  optionalArray,
  optionalBoolean,
  optionalChoice,
  optionalInteger,
  optionalNumber,
  optionalObject,
  optionalString,
  requireArray,
  requireInput,
  requireNumber,
  requireObject,
  requireString,
  type Inputs,
} from './errors.js';
export { durationMs, optionalDurationMs } from './builtin/duration.js';
export { HttpRequestError, parseRetryAfter } from './builtin/http-errors.js';
export { DEFAULT_MAX_RESPONSE_BYTES } from './builtin/http-response.js';
export {
  DEFAULT_TEMPLATE_LIMITS,
  TemplateRenderer,
  type TemplateLimits,
} from './builtin/liquid-sandbox.js';
export { validateWithSchema, type SchemaIssue, type SchemaResult } from './builtin/json-schema.js';
