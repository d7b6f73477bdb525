/**
 * Executors do a task's work. Each is registered under a name (`transform:template`,
 * `llm-forge:claude-api`, ...) and gets the task's resolved inputs and a typed context.
 */
import type { Clock } from '../clock.js';

/** Structured logging with the run, task and attempt already attached. */
export interface TaskLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** What an executor may report while it works: progress, or a chunk of streamed output. */
export type TaskEmission =
  | { readonly type: 'progress'; readonly progress?: number; readonly message?: string }
  | { readonly type: 'chunk'; readonly data: string };

/** The workflow a task belongs to. */
export interface WorkflowInfo {
  readonly name: string;
  readonly version: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ExecutorContext {
  readonly runId: string;
  readonly workflow: WorkflowInfo;
  readonly taskId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** `runId:taskId`: the same on every attempt and after a crash, for de-duplicating side effects. */
  readonly idempotencyKey: string;
  /** Aborted on task timeout, run timeout and cancellation. Pass it to every I/O call. */
  readonly signal: AbortSignal;
  readonly logger: TaskLogger;
  readonly clock: Clock;
  /** The task's `config` block as written (timeouts, resources, ...). */
  readonly config: Readonly<Record<string, unknown>>;
  emit(emission: TaskEmission): void;
}

/** Inputs arrive resolved: every `${{ }}` already evaluated. The result must be JSON data. */
export type ExecuteFunction = (
  inputs: Readonly<Record<string, unknown>>,
  context: ExecutorContext,
) => unknown;

export interface Executor {
  readonly name: string;
  /** One line for `--help`-style listings. */
  readonly description?: string;
  execute: ExecuteFunction;
}
