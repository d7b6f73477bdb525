/** The dead letter queue of a SqliteStore, in the same database. Entries are kept as JSON. */
import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type {
  Clock,
  DeadLetter,
  DeadLetterFilter,
  DeadLetterPurge,
  DeadLetterQueue,
  NewDeadLetter,
} from '@llm-orchestrator/core';

interface Matching {
  queue: string | null;
  runId: string | null;
}

export class SqliteDeadLetterQueue implements DeadLetterQueue {
  private readonly insert: Statement<[string, string, string, number, string]>;
  private readonly select: Statement<[Matching & { limit: number }], string>;
  private readonly selectOne: Statement<[string], string>;
  private readonly delete: Statement<[string]>;
  private readonly deleteMatching: Statement<[{ queue: string | null; before: number | null }]>;

  /**
   * `beforeUse` runs first in every method (the store applies the writes it has queued);
   * `immediate` runs a function in an immediate transaction.
   */
  constructor(
    db: Database,
    private readonly clock: Clock,
    private readonly beforeUse: () => void,
    private readonly immediate: <T>(fn: () => T) => T,
  ) {
    this.insert = db.prepare(
      'INSERT INTO dead_letters (id, queue, run_id, created_at, body) VALUES (?, ?, ?, ?, ?)',
    );
    this.select = db
      .prepare<Matching & { limit: number }, string>(
        `SELECT body FROM dead_letters
         WHERE (@queue IS NULL OR queue = @queue) AND (@runId IS NULL OR run_id = @runId)
         ORDER BY num LIMIT @limit`,
      )
      .pluck();
    this.selectOne = db
      .prepare<[string], string>('SELECT body FROM dead_letters WHERE id = ?')
      .pluck();
    this.delete = db.prepare('DELETE FROM dead_letters WHERE id = ?');
    this.deleteMatching = db.prepare(
      `DELETE FROM dead_letters
       WHERE (@queue IS NULL OR queue = @queue) AND (@before IS NULL OR created_at <= @before)`,
    );
  }

  add(entry: NewDeadLetter): Promise<DeadLetter> {
    return this.use(() => {
      const stored: DeadLetter = { ...entry, id: randomUUID(), createdAt: this.clock.now() };
      const body = JSON.stringify(stored);
      this.immediate(() =>
        this.insert.run(stored.id, stored.queue, stored.runId, stored.createdAt, body),
      );
      return JSON.parse(body) as DeadLetter;
    });
  }

  /** Oldest first. */
  list(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    return this.use(() => {
      const limit = filter.limit === undefined ? -1 : Math.max(0, filter.limit);
      return this.select
        .all({ queue: filter.queue ?? null, runId: filter.runId ?? null, limit })
        .map((body) => JSON.parse(body) as DeadLetter);
    });
  }

  get(id: string): Promise<DeadLetter | undefined> {
    return this.use(() => {
      const body = this.selectOne.get(id);
      return body === undefined ? undefined : (JSON.parse(body) as DeadLetter);
    });
  }

  remove(id: string): Promise<boolean> {
    return this.use(() => this.immediate(() => this.delete.run(id).changes > 0));
  }

  /** Removes matching entries; returns how many. */
  purge(options: DeadLetterPurge = {}): Promise<number> {
    return this.use(() => {
      const before =
        options.olderThanMs === undefined ? null : this.clock.now() - options.olderThanMs;
      return this.immediate(
        () => this.deleteMatching.run({ queue: options.queue ?? null, before }).changes,
      );
    });
  }

  private use<T>(fn: () => T): Promise<T> {
    return new Promise((resolve) => {
      this.beforeUse();
      resolve(fn());
    });
  }
}
