/**
 * The context an executor gets for one attempt. The AbortSignal and the logger are made on first
 * use: a no-op task that reads neither costs no controller and no logger.
 */
import type { Clock } from '../clock.js';
import type {
  ExecutorContext,
  TaskEmission,
  TaskLogger,
  WorkflowInfo,
} from '../executors/types.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Where the engine's structured log lines go (pino-compatible shape). */
export type LogSink = (
  level: LogLevel,
  message: string,
  fields: Readonly<Record<string, unknown>>,
) => void;

export class AttemptContext implements ExecutorContext {
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private aborted = false;
  private log: TaskLogger | undefined;

  constructor(
    readonly runId: string,
    readonly workflow: WorkflowInfo,
    readonly taskId: string,
    readonly attempt: number,
    readonly clock: Clock,
    readonly config: Readonly<Record<string, unknown>>,
    private readonly sink: LogSink,
    private readonly onEmit: (runId: string, taskId: string, emission: TaskEmission) => void,
  ) {}

  get idempotencyKey(): string {
    return `${this.runId}:${this.taskId}`;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get logger(): TaskLogger {
    if (this.log === undefined) {
      const fields = { runId: this.runId, taskId: this.taskId, attempt: this.attempt };
      const at =
        (level: LogLevel) =>
        (message: string, extra?: Readonly<Record<string, unknown>>): void => {
          this.sink(level, message, extra === undefined ? fields : { ...fields, ...extra });
        };
      this.log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    }
    return this.log;
  }

  emit(emission: TaskEmission): void {
    if (!this.aborted) this.onEmit(this.runId, this.taskId, emission);
  }

  /** Aborts the attempt (timeout, cancellation); the executor sees it through `signal`. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}
