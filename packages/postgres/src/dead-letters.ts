/**
 * The dead letter queue of a PostgreSQL store, in its `dead_letters` table: the same behaviour as
 * `MemoryDeadLetterQueue` (listed oldest first, purged by queue and age on the store's clock).
 */
import { randomUUID } from 'node:crypto';
import type {
  Clock,
  DeadLetter,
  DeadLetterFilter,
  DeadLetterPurge,
  DeadLetterQueue,
  NewDeadLetter,
} from '@llm-orchestrator/core';
import type pg from 'pg';
import type { Tables } from './db.js';

export class PostgresDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly pool: pg.Pool,
    private readonly t: Tables,
    private readonly clock: Clock,
  ) {}

  async add(entry: NewDeadLetter): Promise<DeadLetter> {
    const letter = JSON.stringify({ ...entry, id: randomUUID(), createdAt: this.clock.now() });
    const stored = JSON.parse(letter) as DeadLetter;
    await this.pool.query(
      `INSERT INTO ${this.t.deadLetters} (id, queue, run_id, created_at, letter)
       VALUES ($1, $2, $3, $4, $5)`,
      [stored.id, stored.queue, stored.runId, stored.createdAt, letter],
    );
    return stored;
  }

  /** Oldest first. */
  async list(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    const { rows } = await this.pool.query<{ letter: string }>(
      `SELECT letter FROM ${this.t.deadLetters}
       WHERE ($1::text IS NULL OR queue = $1) AND ($2::text IS NULL OR run_id = $2)
       ORDER BY seq LIMIT $3`,
      [filter.queue ?? null, filter.runId ?? null, filter.limit ?? null],
    );
    return rows.map((r) => JSON.parse(r.letter) as DeadLetter);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const { rows } = await this.pool.query<{ letter: string }>(
      `SELECT letter FROM ${this.t.deadLetters} WHERE id = $1`,
      [id],
    );
    const letter = rows[0]?.letter;
    return letter === undefined ? undefined : (JSON.parse(letter) as DeadLetter);
  }

  async remove(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM ${this.t.deadLetters} WHERE id = $1`, [
      id,
    ]);
    return rowCount === 1;
  }

  /** Removes matching entries; returns how many. */
  async purge(options: DeadLetterPurge = {}): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${this.t.deadLetters}
       WHERE ($1::text IS NULL OR queue = $1) AND ($2::float8 IS NULL OR created_at <= $2)`,
      [
        options.queue ?? null,
        options.olderThanMs === undefined ? null : this.clock.now() - options.olderThanMs,
      ],
    );
    return rowCount ?? 0;
  }
}
