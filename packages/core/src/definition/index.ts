export { API_VERSION, KINDS, toJsonSchema } from './schema.js';
export type {
  BranchDefinition,
  CronWorkflowDocument,
  DefinitionDocument,
  Dependency,
  EventHandler,
  EventWorkflowDocument,
  InputParameter,
  OutputMapping,
  RetryPolicy,
  RunnableDocument,
  TaskDefinition,
  TemplateDocument,
  TypeSpec,
  WorkflowConfig,
  WorkflowDocument,
  WorkflowKind,
  WorkflowSpec,
} from './schema.js';
export { countErrors, formatDiagnostic, formatPath } from './diagnostics.js';
export type { Diagnostic, JsonPath, Severity } from './diagnostics.js';
export { validateDefinition, validateFile, validateSource } from './validate.js';
export type { ValidateOptions, ValidatedDocument, ValidationResult } from './validate.js';
export type { TaskNode } from './semantic/workflow.js';
export type { ExecutorCatalog } from './semantic/task-checks.js';
export { formatDuration, formatMemory, parseCpu, parseDuration, parseMemory } from './units.js';
