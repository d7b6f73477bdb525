/**
 * What the engine does in the background once a run or a task has ended: the workflow's `events`
 * handlers and dead letters. Nothing here delays the run; `idle()` waits for all of it.
 */
import type { NewDeadLetter } from '../resilience/index.js';
import type { LogSink } from './attempt-context.js';
import { runEventHandlers, type HandlerDeps, type RunEventName } from './handlers/index.js';
import type { RunState } from './run.js';
import type { RunStatus } from './states.js';
import { runSummary } from './wiring.js';

const EVENT_OF: Partial<Record<RunStatus, RunEventName>> = {
  completed: 'onSuccess',
  failed: 'onFailure',
  timed_out: 'onTimeout',
  cancelled: 'onCancel',
};

export class AfterRun {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: HandlerDeps,
    private readonly log: LogSink,
  ) {}

  /** Runs the workflow's `events` handlers for how the run ended. */
  ended(run: RunState): void {
    const event: RunEventName | undefined = EVENT_OF[run.status];
    const handlers = event === undefined ? undefined : run.plan.events[event];
    if (event === undefined || handlers === undefined || handlers.length === 0) return;
    this.track(runEventHandlers(event, handlers, runSummary(run), run.context, this.deps));
  }

  /** Adds a dead letter; a failure to add it is logged. */
  deadLetter(entry: NewDeadLetter): void {
    this.track(
      this.deps.deadLetters.add(entry).catch((err: unknown) => {
        this.log('error', 'adding a dead letter failed', {
          runId: entry.runId,
          error: String(err),
        });
      }),
    );
  }

  /** Resolves once everything started here is done, including what it started in turn. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private track(pending: Promise<unknown>): void {
    this.pending.add(pending);
    void pending.finally(() => this.pending.delete(pending));
  }
}
