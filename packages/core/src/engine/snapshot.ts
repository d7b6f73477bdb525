/**
 * Snapshots (seed §5.1): a run's state as of a journal seq, so that restoring a long run reads the
 * latest snapshot and only the entries after it. The state has the shape of a replayed journal
 * (`ReplayedRun`); a large task output is not copied into it but referred to by the seq of the
 * journal entry that holds it (`{ $entry: seq }`).
 */
import {
  isBlobRef,
  type RunRecord,
  type Snapshot,
  type Store,
  type StoredEntry,
} from '../store/port.js';
import { OrchestratorError } from '../errors.js';
import type { JournalEntry } from './journal.js';
import { emptyReplay, replayFromJson, replayJournal, replayToJson } from './replay.js';
import type { ReplayedRun, ReplayedTask } from './replay.js';
import type { RunState } from './run.js';

export interface EntryRef {
  readonly $entry: number;
}

function isEntryRef(value: unknown): value is EntryRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { $entry?: unknown }).$entry === 'number'
  );
}

/** The run's state now, as of its last journal entry (`run.seq`), as JSON data. */
export function snapshotState(run: RunState, outputLimit: number): unknown {
  const replayed: ReplayedRun = {
    ...emptyReplay(),
    workflow: { name: run.plan.name, version: run.plan.version },
    inputs: run.inputs,
    status: run.status,
    outputs: run.outputs,
    error: run.error,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
  };
  for (const t of run.tasks) {
    if (t.status === 'pending' || t.status === 'ready') {
      if (t.attempts.length === 0 && t.approval === undefined) continue;
    }
    let outputs: unknown = t.outputs;
    if (outputs !== null && t.outputSeq !== undefined) {
      if (JSON.stringify(outputs).length > outputLimit) outputs = { $entry: t.outputSeq };
    }
    const task: ReplayedTask = {
      status: t.status === 'ready' ? 'pending' : t.status,
      attempts: t.attempts.length,
      outputs,
      error: t.error,
      history: t.attempts.map((a) => ({ ...a })),
      ...(t.fallback === undefined ? {} : { fallback: t.fallback }),
      ...(t.skipReason === undefined ? {} : { skipReason: t.skipReason }),
      ...(t.approval === undefined ? {} : { approval: { ...t.approval } }),
    };
    replayed.tasks.set(t.id, task);
  }
  return replayToJson(replayed);
}

export interface LoadedJournal {
  readonly replayed: ReplayedRun;
  /** The seq of the last entry read. */
  readonly seq: number;
  /** How many entries were folded (after the snapshot, if any). */
  readonly entriesRead: number;
}

/**
 * Reads a run's state from a store: the latest snapshot plus the journal after it, with the values
 * of BlobRefs and entry references read back.
 */
export async function loadJournal(store: Store, runId: string): Promise<LoadedJournal> {
  const snapshot = await store.latestSnapshot(runId);
  const stored = await store.read(runId, snapshot?.seq ?? 0);
  return replayRead(store, runId, snapshot, stored);
}

/**
 * A run's record and state, read together (`Store.readRun`: one consistent read), with the values
 * of BlobRefs and entry references read back; undefined when there is no such run.
 */
export async function loadRun(
  store: Store,
  runId: string,
): Promise<{ readonly record: RunRecord; readonly journal: LoadedJournal } | undefined> {
  const read = await store.readRun(runId);
  if (read === undefined) return undefined;
  return {
    record: read.record,
    journal: await replayRead(store, runId, read.snapshot, read.entries),
  };
}

async function replayRead(
  store: Store,
  runId: string,
  snapshot: Snapshot | undefined,
  stored: readonly StoredEntry[],
): Promise<LoadedJournal> {
  const replayed = snapshot === undefined ? emptyReplay() : replayFromJson(snapshot.state);
  replayJournal(
    stored.map((s) => s.entry),
    replayed,
  );
  for (const task of replayed.tasks.values()) {
    if (isEntryRef(task.outputs)) task.outputs = await entryOutput(store, runId, task.outputs);
    if (isBlobRef(task.outputs)) task.outputs = await store.readBlob(task.outputs.$blob);
  }
  if (isBlobRef(replayed.outputs)) {
    replayed.outputs = (await store.readBlob(replayed.outputs.$blob)) as Record<string, unknown>;
  }
  return {
    replayed,
    seq: stored.at(-1)?.seq ?? snapshot?.seq ?? 0,
    entriesRead: stored.length,
  };
}

async function entryOutput(store: Store, runId: string, ref: EntryRef): Promise<unknown> {
  const [found] = await store.read(runId, ref.$entry - 1, 1);
  const entry: JournalEntry | undefined = found?.seq === ref.$entry ? found.entry : undefined;
  if (entry?.type !== 'task.completed') {
    throw new OrchestratorError(
      'CORRUPT_SNAPSHOT',
      `the snapshot of run ${runId} refers to journal entry ${String(ref.$entry)}, which holds no task output`,
    );
  }
  return entry.output;
}
