/**
 * The journal: every change of a run's state is an entry appended to the store, in order. Run and
 * task state can be rebuilt from it; a task's output is in the same entry as its completion. The
 * durable stores (SQLite, PostgreSQL) implement the same `Store` port as the in-memory one here.
 */
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
  | { readonly type: 'task.reset'; readonly at: number; readonly taskId: string };

export interface StoredEntry {
  readonly seq: number;
  readonly entry: JournalEntry;
}

/** The persistence port. Appends of one run are totally ordered by `seq`. */
export interface Store {
  append(runId: string, entries: readonly JournalEntry[]): void | Promise<void>;
  read(runId: string, afterSeq?: number): readonly StoredEntry[] | Promise<readonly StoredEntry[]>;
  runIds(): readonly string[] | Promise<readonly string[]>;
  /** Forgets a finished run (an in-memory store bounds its memory this way). Optional. */
  forget?(runId: string): void | Promise<void>;
}

/**
 * Appends without waiting: the in-memory store is synchronous; an asynchronous store's failure is
 * reported to `onError` (never an unhandled rejection).
 */
export function appendEntries(
  store: Store,
  runId: string,
  entries: readonly JournalEntry[],
  onError: (err: unknown) => void,
): void {
  try {
    const pending = store.append(runId, entries);
    if (pending instanceof Promise) pending.catch(onError);
  } catch (err) {
    onError(err);
  }
}

/** The in-memory store: the engine's default when nothing durable is configured. */
export class MemoryStore implements Store {
  private readonly journals = new Map<string, StoredEntry[]>();

  append(runId: string, entries: readonly JournalEntry[]): void {
    let journal = this.journals.get(runId);
    if (journal === undefined) {
      journal = [];
      this.journals.set(runId, journal);
    }
    for (const entry of entries) journal.push({ seq: journal.length + 1, entry });
  }

  read(runId: string, afterSeq = 0): readonly StoredEntry[] {
    return (this.journals.get(runId) ?? []).slice(afterSeq);
  }

  runIds(): readonly string[] {
    return [...this.journals.keys()];
  }

  forget(runId: string): void {
    this.journals.delete(runId);
  }
}
