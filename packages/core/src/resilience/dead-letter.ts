/**
 * Dead letter queue: tasks and runs that failed for good (retries exhausted, or not retryable),
 * kept with their inputs and attempt history for inspection and manual re-drive. The engine
 * re-drives an entry by reading it, scheduling it again and removing it.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';

export interface DeadLetterAttempt {
  /** 1-based. */
  readonly attempt: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface DeadLetter {
  readonly id: string;
  readonly kind: 'task' | 'run';
  readonly runId: string;
  readonly taskId?: string;
  readonly workflow: { readonly name: string; readonly version: string };
  /** The resolved inputs (JSON data), so the work can be re-driven as it was. */
  readonly inputs: unknown;
  /** The final error. */
  readonly error: { readonly code: string; readonly message: string };
  readonly attempts: readonly DeadLetterAttempt[];
  /** Queue name (`events.onFailure: [{type: deadletter, queue}]`); `default` by convention. */
  readonly queue: string;
  /** Clock time when added. */
  readonly createdAt: number;
}

export type NewDeadLetter = Omit<DeadLetter, 'id' | 'createdAt'>;

export interface DeadLetterFilter {
  readonly queue?: string;
  readonly runId?: string;
  /** At most this many, oldest first. */
  readonly limit?: number;
}

export interface DeadLetterPurge {
  readonly queue?: string;
  /** Only entries at least this old (by the clock); all matching entries when absent. */
  readonly olderThanMs?: number;
}

/** The port a durable store implements too; every method is asynchronous for that reason. */
export interface DeadLetterQueue {
  add(entry: NewDeadLetter): Promise<DeadLetter>;
  list(filter?: DeadLetterFilter): Promise<DeadLetter[]>;
  get(id: string): Promise<DeadLetter | undefined>;
  remove(id: string): Promise<boolean>;
  purge(options?: DeadLetterPurge): Promise<number>;
}

export interface MemoryDeadLetterQueueOptions {
  /** Id generator; default `randomUUID`. */
  readonly newId?: () => string;
}

/**
 * In-memory DLQ (tests, single-process use). Entries are deep-copied on the way in and out, as a
 * durable store would, so callers cannot alter what is stored. Unbounded: purge regularly.
 */
export class MemoryDeadLetterQueue implements DeadLetterQueue {
  private readonly entries = new Map<string, DeadLetter>();
  private readonly newId: () => string;

  constructor(
    private readonly clock: Clock,
    options: MemoryDeadLetterQueueOptions = {},
  ) {
    this.newId = options.newId ?? randomUUID;
  }

  get size(): number {
    return this.entries.size;
  }

  add(entry: NewDeadLetter): Promise<DeadLetter> {
    const id = this.newId();
    if (this.entries.has(id)) return Promise.reject(new Error(`duplicate dead letter id ${id}`));
    const stored: DeadLetter = { ...structuredClone(entry), id, createdAt: this.clock.now() };
    this.entries.set(id, stored);
    return Promise.resolve(structuredClone(stored));
  }

  /** Oldest first. */
  list(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    const out: DeadLetter[] = [];
    for (const e of this.entries.values()) {
      if (out.length >= limit) break;
      if (filter.queue !== undefined && e.queue !== filter.queue) continue;
      if (filter.runId !== undefined && e.runId !== filter.runId) continue;
      out.push(structuredClone(e));
    }
    return Promise.resolve(out);
  }

  get(id: string): Promise<DeadLetter | undefined> {
    const e = this.entries.get(id);
    return Promise.resolve(e === undefined ? undefined : structuredClone(e));
  }

  remove(id: string): Promise<boolean> {
    return Promise.resolve(this.entries.delete(id));
  }

  /** Removes matching entries; returns how many. */
  purge(options: DeadLetterPurge = {}): Promise<number> {
    const now = this.clock.now();
    let removed = 0;
    for (const [id, e] of this.entries) {
      if (options.queue !== undefined && e.queue !== options.queue) continue;
      if (options.olderThanMs !== undefined && now - e.createdAt < options.olderThanMs) continue;
      this.entries.delete(id);
      removed++;
    }
    return Promise.resolve(removed);
  }
}
