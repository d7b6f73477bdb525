/** The `deadletter` handler: records the run in the dead letter queue for inspection and re-drive. */
import type { EventHandler } from '../../definition/schema.js';
import type { DeadLetterAttempt, NewDeadLetter } from '../../resilience/index.js';
import { evaluateText } from './evaluate.js';
import type { ErrorSummary, HandlerCall, RunSummary } from './types.js';

export type DeadLetterHandler = Extract<EventHandler, { type: 'deadletter' }>;

export const DEFAULT_DEAD_LETTER_QUEUE = 'default';

/** The run's error; a run that ended without one (cancelled...) gets `<STATUS>` / `run <status>`. */
export function runError(summary: RunSummary): ErrorSummary {
  if (summary.error !== null) return { code: summary.error.code, message: summary.error.message };
  return { code: summary.status.toUpperCase(), message: `run ${summary.status}` };
}

/**
 * The attempt history of a run entry. The summary has no per-attempt times, so each record spans
 * the run (`startedAt`..`endedAt`, the clock's time when unknown). One record per task that ended
 * with an error: `attempt` is the number of attempts it made (its last, failed one) and the message
 * is prefixed with `task <id>: `. When no task has an error, one record for the run itself.
 */
export function runAttempts(summary: RunSummary, now: number): DeadLetterAttempt[] {
  const startedAt = summary.startedAt ?? now;
  const endedAt = summary.endedAt ?? now;
  const failed = summary.tasks.filter((t) => t.error !== undefined);
  if (failed.length === 0) return [{ attempt: 1, startedAt, endedAt, error: runError(summary) }];
  return failed.map((t) => ({
    attempt: Math.max(1, t.attempts),
    startedAt,
    endedAt,
    error: {
      code: t.error?.code ?? 'Error',
      message: `task ${t.id}: ${t.error?.message ?? ''}`,
    },
  }));
}

export async function runDeadLetter(handler: DeadLetterHandler, call: HandlerCall): Promise<void> {
  const { summary, deps } = call;
  const queue = evaluateText(handler.queue, call.context) ?? DEFAULT_DEAD_LETTER_QUEUE;
  const entry: NewDeadLetter = {
    kind: 'run',
    runId: summary.runId,
    workflow: { name: summary.workflow.name, version: summary.workflow.version },
    inputs: summary.inputs,
    error: runError(summary),
    attempts: runAttempts(summary, deps.clock.now()),
    queue: queue === '' ? DEFAULT_DEAD_LETTER_QUEUE : queue,
  };
  const stored = await deps.deadLetters.add(entry);
  deps.log('info', 'run added to the dead letter queue', {
    runId: summary.runId,
    event: call.event,
    handler: call.index,
    queue: stored.queue,
    deadLetterId: stored.id,
  });
}
