export { createEngine, Engine } from './engine.js';
export type {
  DefinitionSource,
  EngineHooks,
  EngineOptions,
  RunHandle,
  RunResult,
  StartOptions,
} from './engine.js';
export type { EngineEvent, EngineListener } from './bus.js';
export type { ErrorInfo, JournalEntry } from './journal.js';
export { compilePlan, planFromValidation } from './plan.js';
export type { Plan, PlanTask } from './plan.js';
export type { ApprovalRecord, AttemptRecord, TaskRun } from './run.js';
export type { Decision, GateDecision, GateRequest, TaskGate } from './approvals.js';
export { InvalidInputsError, parseInputAssignments, resolveInputs } from './run-inputs.js';
export { IllegalTransitionError, RunStatus, TaskStatus } from './states.js';
export type { LogLevel, LogSink } from './attempt-context.js';
export { replayJournal } from './replay.js';
export type { ReplayedRun, ReplayedTask } from './replay.js';
export { hashDefinition, latestVersion } from './definitions.js';
export { loadJournal, loadRun } from './snapshot.js';
export type { LoadedJournal } from './snapshot.js';
export { TERMINAL_RUN_STATES, TERMINAL_TASK_STATES } from './states.js';
