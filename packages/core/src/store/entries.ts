/**
 * What every store does with entries on their way in: how they change a run's summary, and which
 * large values they hand to blob storage. Shared by the in-memory, SQLite and PostgreSQL stores so
 * that all three agree.
 */
import { timeOrderedId } from '../ids.js';
import { OrchestratorError } from '../errors.js';
import type { ErrorInfo, JournalEntry } from '../engine/journal.js';
import type { RunStatus } from '../engine/states.js';
import { isBlobRef, type BlobRef } from './port.js';

/** How a batch of entries changes a run's summary; absent fields are unchanged. */
export interface SummaryChange {
  status?: RunStatus;
  /** `null`: cleared. */
  error?: ErrorInfo | null;
  /** `null`: cleared. */
  outputs?: unknown;
  updatedAt: number;
  count: number;
}

export function summarize(entries: readonly JournalEntry[], updatedAt: number): SummaryChange {
  const change: SummaryChange = { updatedAt, count: entries.length };
  for (const e of entries) {
    change.updatedAt = e.at;
    if (e.type === 'run.status') {
      change.status = e.status;
      change.error = e.error ?? null;
      // A run that runs again has no outputs until it ends again.
      if (e.status === 'running') change.outputs = null;
    } else if (e.type === 'run.outputs') {
      change.outputs = e.outputs;
    }
  }
  return change;
}

export interface EncodedEntry {
  /** The entry's JSON, with large values replaced by BlobRefs. */
  readonly json: string;
  /** The entry as stored (with BlobRefs), for stores that keep objects. */
  readonly entry: JournalEntry;
}

export interface NewBlob {
  readonly id: string;
  readonly json: string;
}

/**
 * Serialises an entry for storage. When its JSON is longer than `threshold`, a large task output or
 * run outputs value goes to a blob (pushed to `blobs`) and the entry keeps a BlobRef instead. The
 * whole entry is serialised once in the common, small case.
 */
export function encodeEntry(
  entry: JournalEntry,
  threshold: number,
  blobs: NewBlob[],
  newId: () => string = timeOrderedId,
): EncodedEntry {
  const json = JSON.stringify(entry);
  if (json.length <= threshold) return { json, entry };
  let stored: JournalEntry = entry;
  if (entry.type === 'task.completed' && !isBlobRef(entry.output)) {
    const ref = toBlob(entry.output, threshold, blobs, newId);
    if (ref !== undefined) stored = { ...entry, output: ref };
  } else if (entry.type === 'run.outputs') {
    const ref = toBlob(entry.outputs, threshold, blobs, newId);
    if (ref !== undefined)
      stored = { ...entry, outputs: ref as unknown as Readonly<Record<string, unknown>> };
  }
  return stored === entry ? { json, entry } : { json: JSON.stringify(stored), entry: stored };
}

function toBlob(
  value: unknown,
  threshold: number,
  blobs: NewBlob[],
  newId: () => string,
): BlobRef | undefined {
  const json = JSON.stringify(value);
  if (json.length <= threshold) return undefined;
  const id = newId();
  blobs.push({ id, json });
  return { $blob: id, size: json.length };
}

/** The value of a stored run-outputs field: the BlobRef when the outputs went to a blob. */
export function storedOutputs(entries: readonly EncodedEntry[]): unknown {
  let outputs: unknown;
  for (const e of entries) if (e.entry.type === 'run.outputs') outputs = e.entry.outputs;
  return outputs;
}

export function runNotFound(runId: string): OrchestratorError {
  return new OrchestratorError('RUN_NOT_FOUND', `no run ${runId} in the store`);
}

export function runExists(runId: string): OrchestratorError {
  return new OrchestratorError('RUN_EXISTS', `a run with id ${runId} already exists`);
}

export function leaseLost(
  runId: string,
  owner: string,
  holder: string | undefined,
): OrchestratorError {
  return new OrchestratorError(
    'LEASE_LOST',
    `${owner} no longer holds run ${runId}${holder === undefined ? '' : ` (${holder} does)`}`,
  );
}

export function blobNotFound(id: string): OrchestratorError {
  return new OrchestratorError('BLOB_NOT_FOUND', `no blob ${id} in the store`);
}

export function versionExists(name: string, version: string): OrchestratorError {
  return new OrchestratorError(
    'VERSION_EXISTS',
    `${name}@${version} is registered with another definition`,
    { hint: 'versions are immutable: register the changed definition under a new version' },
  );
}
