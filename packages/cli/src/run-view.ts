/**
 * What `status` shows of a run, read from the store: its summary, the state rebuilt from its
 * snapshot and journal (`loadJournal`), and its tasks in the order of its definition when the
 * definition can be compiled here (tasks that never started are then listed as pending).
 */
import {
  loadJournal,
  planFromValidation,
  validateDefinition,
  validateSource,
  type ReplayedTask,
  type RunRecord,
  type Store,
} from '@llm-orchestrator/core';
import { CliError, ExitCode } from './exit-codes.js';

export interface TaskView {
  readonly id: string;
  readonly status: string;
  readonly attempts: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly durationMs?: number;
  readonly error?: { readonly code: string; readonly message: string };
  readonly skipReason?: string;
  readonly fallback?: string;
  /** Set once a policy held the task for approval: the state, why, who decided. */
  readonly approval?: {
    readonly state: string;
    readonly reason: string;
    readonly actor?: string;
    readonly comment?: string;
  };
  readonly tokens?: number;
  readonly cost?: number;
}

export interface RunView {
  readonly id: string;
  readonly workflow: { readonly name: string; readonly version: string };
  readonly status: string;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly durationMs?: number;
  /** The live holder of the run's lease, if any. */
  readonly owner?: string;
  readonly leaseExpiresAt?: number;
  readonly error?: { readonly code: string; readonly message: string };
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly tokens?: number;
  readonly cost?: number;
  readonly tasks: readonly TaskView[];
  /** The journal seq the view is as of. */
  readonly seq: number;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'timed_out']);

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Tokens and cost a model call's outputs report: `usage.total_tokens`/`totalTokens`, and
 * `cost`/`cost_usd` beside a `usage`.
 */
export function usageOf(outputs: unknown): { tokens?: number; cost?: number } {
  if (outputs === null || typeof outputs !== 'object') return {};
  const o = outputs as Record<string, unknown>;
  const usage =
    o.usage !== null && typeof o.usage === 'object' ? (o.usage as Record<string, unknown>) : {};
  const tokens = num(usage.total_tokens) ?? num(usage.totalTokens);
  // Only a model call's own cost: a cost tracker's `cost` repeats what a call already reported.
  const cost = o.usage === undefined ? undefined : (num(o.cost) ?? num(o.cost_usd));
  return { ...(tokens === undefined ? {} : { tokens }), ...(cost === undefined ? {} : { cost }) };
}

function taskView(id: string, t: ReplayedTask | undefined, now: number): TaskView {
  if (t === undefined) return { id, status: 'pending', attempts: 0 };
  const first = t.history[0];
  const last = t.history.at(-1);
  const running = t.status === 'running' || t.status === 'retrying';
  const endedAt = running ? undefined : last?.endedAt;
  const durationMs =
    first === undefined
      ? undefined
      : (endedAt ?? (running ? now : first.startedAt)) - first.startedAt;
  return {
    id,
    status: t.status,
    attempts: t.attempts,
    ...(first === undefined ? {} : { startedAt: first.startedAt }),
    ...(endedAt === undefined ? {} : { endedAt }),
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(t.error === null ? {} : { error: { code: t.error.code, message: t.error.message } }),
    ...(t.skipReason === undefined ? {} : { skipReason: t.skipReason }),
    ...(t.fallback === undefined ? {} : { fallback: t.fallback }),
    ...(t.approval === undefined
      ? {}
      : {
          approval: {
            state: t.approval.state,
            reason: t.approval.reason,
            ...(t.approval.actor === undefined ? {} : { actor: t.approval.actor }),
            ...(t.approval.comment === undefined ? {} : { comment: t.approval.comment }),
          },
        }),
    ...usageOf(t.outputs),
  };
}

/** The task ids of the run's definition, in order; undefined when it cannot be compiled here. */
export async function taskOrder(store: Store, record: RunRecord): Promise<string[] | undefined> {
  try {
    const stored = await store.getDefinition(record.definition);
    if (stored === undefined) return undefined;
    // Shape and references only: executors and environment variables are not checked here.
    const options = { allowEnv: ['*'] };
    const validation =
      typeof stored.source === 'string'
        ? validateSource(stored.source, options)
        : validateDefinition(stored.source, options);
    return planFromValidation(validation, stored.workflow).tasks.map((t) => t.id);
  } catch {
    return undefined;
  }
}

const orders = new Map<string, string[] | undefined>();

export async function getRecord(store: Store, runId: string): Promise<RunRecord> {
  const record = await store.getRun(runId);
  if (record === undefined) throw new CliError(`no run ${runId}`, ExitCode.NotFound);
  return record;
}

export async function loadRunView(store: Store, runId: string, now = Date.now()): Promise<RunView> {
  const record = await getRecord(store, runId);
  const loaded = await loadJournal(store, runId);
  const r = loaded.replayed;
  if (!orders.has(record.definition)) orders.set(record.definition, await taskOrder(store, record));
  const order = orders.get(record.definition) ?? [];
  const ids = [...order, ...[...r.tasks.keys()].filter((id) => !order.includes(id))];
  const tasks = ids.map((id) => taskView(id, r.tasks.get(id), now));
  const sum = (pick: (t: TaskView) => number | undefined): number | undefined => {
    const values = tasks.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
  };
  const tokens = sum((t) => t.tokens);
  const cost = sum((t) => t.cost);
  const held = record.owner !== undefined && (record.leaseExpiresAt ?? 0) > now;
  const started = r.startedAt;
  const ended = isTerminal(r.status) ? r.endedAt : undefined;
  return {
    id: runId,
    workflow: record.workflow,
    status: r.status,
    createdAt: record.createdAt,
    ...(started === undefined ? {} : { startedAt: started }),
    ...(ended === undefined ? {} : { endedAt: ended }),
    ...(started === undefined ? {} : { durationMs: (ended ?? now) - started }),
    ...(held ? { owner: record.owner, leaseExpiresAt: record.leaseExpiresAt } : {}),
    ...(r.error === undefined ? {} : { error: { code: r.error.code, message: r.error.message } }),
    inputs: record.inputs,
    ...(r.outputs === undefined ? {} : { outputs: r.outputs }),
    ...(tokens === undefined ? {} : { tokens }),
    ...(cost === undefined ? {} : { cost }),
    tasks,
    seq: loaded.seq,
  };
}
