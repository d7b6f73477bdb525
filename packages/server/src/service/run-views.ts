/**
 * Runs as the API shows them: a summary (`RunInfo`) from the store's run record, and the detail
 * (`RunDetail`) rebuilt from the run's snapshot and journal, its tasks in the definition's order
 * (kept while the journal does not grow).
 */
import {
  isBlobRef,
  loadJournal,
  type DefinitionSource,
  type Engine,
  type ReplayedTask,
  type RunRecord,
  type Store,
} from '@llm-orchestrator/core';
import type { RunDetail, RunInfo, TaskInfo } from '../contract.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function runInfo(record: RunRecord, now = Date.now()): RunInfo {
  const held = record.owner !== undefined && (record.leaseExpiresAt ?? 0) > now;
  return {
    id: record.id,
    workflow: { name: record.workflow.name, version: record.workflow.version },
    status: record.status,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    ...(held && record.owner !== undefined ? { owner: record.owner } : {}),
    ...(record.error === undefined
      ? {}
      : { error: { code: record.error.code, message: record.error.message } }),
  };
}

function taskInfo(id: string, t: ReplayedTask | undefined): TaskInfo {
  if (t === undefined) return { id, status: 'pending', attempts: 0 };
  return {
    id,
    status: t.status,
    attempts: t.attempts,
    ...(t.error === null ? {} : { error: { code: t.error.code, message: t.error.message } }),
    ...(t.outputs === null || t.outputs === undefined ? {} : { outputs: t.outputs }),
    ...(t.approval === undefined
      ? {}
      : {
          approval: {
            state: t.approval.state,
            reason: t.approval.reason,
            ...(t.approval.actor === undefined ? {} : { actor: t.approval.actor }),
          },
        }),
  };
}

/** The task ids of each stored definition, in order (undefined: it does not compile here). */
export class TaskOrders {
  private readonly orders = new Map<string, readonly string[] | undefined>();

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
  ) {}

  async of(hash: string): Promise<readonly string[] | undefined> {
    if (this.orders.has(hash)) return this.orders.get(hash);
    let order: readonly string[] | undefined;
    try {
      const stored = await this.store.getDefinition(hash);
      order =
        stored === undefined
          ? undefined
          : this.engine
              .load(stored.source as DefinitionSource, stored.workflow)
              .tasks.map((t) => t.id);
    } catch {
      order = undefined;
    }
    if (this.orders.size > 1000) this.orders.clear();
    this.orders.set(hash, order);
    return order;
  }
}

/** What a run's detail takes from its journal (the rest comes from its record). */
interface JournalView {
  readonly status: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly outputs?: unknown;
  readonly tasks: readonly TaskInfo[];
  readonly seq: number;
  /** The record's: a run deleted and created again under its id is another run. */
  readonly createdAt: number;
}

/** Journal views kept at most; the least recently read go first. */
const MAX_VIEWS = 2000;

/**
 * Runs' details. A detail's journal part is a function of the journal up to the record's
 * `lastSeq`, so it is kept per run and used again while `lastSeq` has not moved: a status read
 * of a run that did not change since it was last read costs one read of its record.
 */
export class RunDetails {
  readonly orders: TaskOrders;
  private readonly views = new Map<string, JournalView>();

  constructor(
    engine: Engine,
    private readonly store: Store,
  ) {
    this.orders = new TaskOrders(engine, store);
  }

  async of(record: RunRecord): Promise<RunDetail> {
    const view = await this.view(record);
    return {
      ...runInfo(record),
      status: view.status,
      ...(view.error === undefined ? {} : { error: view.error }),
      inputs: record.inputs,
      ...(view.outputs === undefined ? {} : { outputs: view.outputs }),
      tasks: view.tasks,
      seq: view.seq,
    };
  }

  private async view(record: RunRecord): Promise<JournalView> {
    const known = this.views.get(record.id);
    if (known !== undefined) {
      this.views.delete(record.id);
      if (known.seq === record.lastSeq && known.createdAt === record.createdAt) {
        this.views.set(record.id, known);
        return known;
      }
    }
    const loaded = await loadJournal(this.store, record.id);
    const r = loaded.replayed;
    const order = (await this.orders.of(record.definition)) ?? [];
    const ids = [...order, ...[...r.tasks.keys()].filter((id) => !order.includes(id))];
    const outputs = isBlobRef(r.outputs) ? await this.store.readBlob(r.outputs.$blob) : r.outputs;
    const view: JournalView = {
      status: r.status,
      ...(r.error === undefined ? {} : { error: { code: r.error.code, message: r.error.message } }),
      ...(outputs === undefined || outputs === null ? {} : { outputs }),
      tasks: ids.map((id) => taskInfo(id, r.tasks.get(id))),
      seq: loaded.seq,
      createdAt: record.createdAt,
    };
    // Kept only when it is the journal as the record knows it (not one read while it grew).
    if (loaded.seq === record.lastSeq) {
      this.views.set(record.id, view);
      if (this.views.size > MAX_VIEWS) {
        const oldest = this.views.keys().next().value;
        if (oldest !== undefined) this.views.delete(oldest);
      }
    }
    return view;
  }
}

/** A list page's cursor: the createdAt of its last run and the ids seen at that time. */
interface Cursor {
  readonly t: number;
  readonly ids: readonly string[];
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The cursor, or undefined when it is not one this service made. */
export function decodeCursor(text: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { t, ids } = value as { t?: unknown; ids?: unknown };
    if (typeof t !== 'number' || !Number.isFinite(t) || !Array.isArray(ids)) return undefined;
    if (ids.length > 1000 || !ids.every((id) => typeof id === 'string')) return undefined;
    return { t, ids };
  } catch {
    return undefined;
  }
}

/** The cursor after a page ending with `records` (runs created at the same time kept apart). */
export function cursorAfter(records: readonly RunRecord[], previous: Cursor | undefined): string {
  const last = records.at(-1);
  if (last === undefined) throw new Error('no records');
  const same = records.filter((r) => r.createdAt === last.createdAt).map((r) => r.id);
  const carried = previous !== undefined && previous.t === last.createdAt ? previous.ids : [];
  return encodeCursor({ t: last.createdAt, ids: [...carried, ...same] });
}
