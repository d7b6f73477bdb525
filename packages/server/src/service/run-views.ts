/**
 * Runs as the API shows them: a summary (`RunInfo`) from the store's run record, and the detail
 * (`RunDetail`) rebuilt from the run's snapshot and journal, its tasks in the definition's order.
 */
import {
  isBlobRef,
  loadRun,
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

/** Runs' details: each read in one consistent read of the store (`loadRun`). */
export class RunDetails {
  readonly orders: TaskOrders;

  constructor(
    engine: Engine,
    private readonly store: Store,
  ) {
    this.orders = new TaskOrders(engine, store);
  }

  /** The run's detail; undefined when there is no such run. */
  async of(runId: string): Promise<RunDetail | undefined> {
    const loaded = await loadRun(this.store, runId);
    if (loaded === undefined) return undefined;
    const { record, journal } = loaded;
    const r = journal.replayed;
    const order = (await this.orders.of(record.definition)) ?? [];
    const ids = [...order, ...[...r.tasks.keys()].filter((id) => !order.includes(id))];
    const outputs = isBlobRef(r.outputs) ? await this.store.readBlob(r.outputs.$blob) : r.outputs;
    return {
      ...runInfo(record),
      status: r.status,
      ...(r.error === undefined ? {} : { error: { code: r.error.code, message: r.error.message } }),
      inputs: record.inputs,
      ...(outputs === undefined || outputs === null ? {} : { outputs }),
      tasks: ids.map((id) => taskInfo(id, r.tasks.get(id))),
      seq: journal.seq,
    };
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
