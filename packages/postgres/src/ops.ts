/**
 * The writes that go through the write queue, serialised when they are issued: what a call writes
 * is its arguments' value at that moment, and a value that cannot be serialised fails at once.
 */
import {
  encodeEntry,
  summarize,
  type JournalEntry,
  type Lease,
  type NewBlob,
  type StoredDefinition,
} from '@llm-orchestrator/core';

type Created = Extract<JournalEntry, { type: 'run.created' }>;

export interface CreateOp {
  readonly kind: 'create';
  readonly runId: string;
  readonly entry: Created;
  readonly json: string;
  readonly inputs: string;
  readonly lease: Lease | undefined;
}

export interface AppendOp {
  readonly kind: 'append';
  readonly runId: string;
  readonly owner: string | undefined;
  readonly entries: readonly string[];
  readonly blobs: readonly NewBlob[];
  /** As in `SummaryChange`, JSON values as text; undefined: unchanged, null: cleared. */
  readonly status: string | undefined;
  readonly error: string | null | undefined;
  readonly outputs: string | null | undefined;
  readonly updatedAt: number | undefined;
}

/** `releaseLease`: batched, as the engine releases every run it finishes. */
export interface ReleaseOp {
  readonly kind: 'release';
  readonly runId: string;
  readonly owner: string;
}

/** `putDefinition`: batched, as `submit` keeps the definition of every run it creates. */
export interface DefineOp {
  readonly kind: 'define';
  readonly hash: string;
  readonly source: string;
  readonly workflow: string;
}

export type WriteOp = CreateOp | AppendOp | ReleaseOp | DefineOp;

export function createOp(runId: string, entry: Created, lease: Lease | undefined): CreateOp {
  const { json } = encodeEntry(entry, Number.POSITIVE_INFINITY, []);
  return { kind: 'create', runId, entry, json, inputs: JSON.stringify(entry.inputs), lease };
}

/** Serialises the entries, large outputs to blobs, and works out the change of the summary. */
export function appendOp(
  runId: string,
  entries: readonly JournalEntry[],
  owner: string | undefined,
  threshold: number,
): AppendOp {
  const blobs: NewBlob[] = [];
  const stored: JournalEntry[] = [];
  const json: string[] = [];
  for (const e of entries) {
    const encoded = encodeEntry(e, threshold, blobs);
    stored.push(encoded.entry);
    json.push(encoded.json);
  }
  const change = summarize(stored, 0);
  return {
    kind: 'append',
    runId,
    owner,
    entries: json,
    blobs: blobs.length === 0 ? NO_BLOBS : blobs,
    status: change.status,
    error: text(change.error),
    outputs: text(change.outputs),
    updatedAt: change.count > 0 ? change.updatedAt : undefined,
  };
}

const NO_BLOBS: readonly NewBlob[] = [];

export function defineOp(hash: string, definition: StoredDefinition): DefineOp {
  return {
    kind: 'define',
    hash,
    source: JSON.stringify(definition.source),
    workflow: definition.workflow,
  };
}

function text(value: unknown): string | null | undefined {
  return value === undefined || value === null ? value : JSON.stringify(value);
}
