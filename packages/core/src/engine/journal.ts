/**
 * The journal: every change of a run's state is an entry appended to the store (`store/port.ts`),
 * in order. Run and task state can be rebuilt from it; a task's output is in the same entry as its
 * completion.
 */
import type { Store } from '../store/port.js';
import type { RunStatus, TaskStatus } from './states.js';

export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly retryable?: boolean;
}

export type JournalEntry =
  | {
      readonly type: 'run.created';
      readonly at: number;
      readonly workflow: { readonly name: string; readonly version: string };
      readonly inputs: Readonly<Record<string, unknown>>;
      /** The registry hash of the exact definition the run runs. */
      readonly definition: string;
    }
  | {
      readonly type: 'run.status';
      readonly at: number;
      readonly status: RunStatus;
      readonly error?: ErrorInfo;
    }
  | {
      readonly type: 'run.outputs';
      readonly at: number;
      readonly outputs: Readonly<Record<string, unknown>>;
    }
  | {
      readonly type: 'task.started';
      readonly at: number;
      readonly taskId: string;
      readonly attempt: number;
    }
  | {
      readonly type: 'task.completed';
      readonly at: number;
      readonly taskId: string;
      readonly attempt: number;
      readonly output: unknown;
      /** How the output was obtained when the executor failed: a fallback strategy. */
      readonly fallback?: string;
    }
  | {
      readonly type: 'task.failed';
      readonly at: number;
      readonly taskId: string;
      readonly attempt: number;
      readonly error: ErrorInfo;
      /** Set when another attempt follows, at this time. */
      readonly retryAt?: number;
      readonly status: TaskStatus;
    }
  | {
      readonly type: 'task.skipped';
      readonly at: number;
      readonly taskId: string;
      readonly reason: string;
    }
  | { readonly type: 'task.cancelled'; readonly at: number; readonly taskId: string }
  /** A policy holds the task until someone approves or rejects it. */
  | {
      readonly type: 'task.waiting';
      readonly at: number;
      readonly taskId: string;
      readonly reason: string;
      readonly details?: Readonly<Record<string, unknown>>;
    }
  /** Someone decided a task that waited for approval. */
  | {
      readonly type: 'task.decided';
      readonly at: number;
      readonly taskId: string;
      readonly decision: 'approved' | 'rejected';
      readonly actor?: string;
      readonly comment?: string;
    }
  | { readonly type: 'task.reset'; readonly at: number; readonly taskId: string };

/**
 * Appends without waiting: the in-memory store is synchronous; an asynchronous store's failure is
 * reported to `onError` (never an unhandled rejection).
 */
export function appendEntries(
  store: Store,
  runId: string,
  entries: readonly JournalEntry[],
  onError: (err: unknown) => void,
  owner?: string,
): void {
  try {
    const pending = store.append(runId, entries, owner);
    if (pending instanceof Promise) pending.catch(onError);
  } catch (err) {
    onError(err);
  }
}
