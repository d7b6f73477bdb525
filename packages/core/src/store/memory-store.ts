/**
 * The in-memory store: the engine's default when nothing durable is configured, and the reference
 * implementation of the Store port. Nothing survives the process. Entries are kept as the objects
 * the engine appended (no copy): the engine never changes an entry after appending it.
 */
import { systemClock } from '../clock.js';
import type { ErrorInfo, JournalEntry } from '../engine/journal.js';
import { MemoryDeadLetterQueue } from '../resilience/dead-letter.js';
import {
  blobNotFound,
  encodeEntry,
  leaseLost,
  runExists,
  runNotFound,
  versionExists,
  type NewBlob,
} from './entries.js';
import { MemoryAuditLog, MemoryKeyValueCache, MemoryUsageLog } from './memory-records.js';
import type {
  ControlCommand,
  ControlRequest,
  Lease,
  RunFilter,
  RunRead,
  RunRecord,
  Snapshot,
  Store,
  StoredDefinition,
  StoredEntry,
  StoreOptions,
  WorkflowVersion,
} from './port.js';

/** A run's summary as kept here: every field present (undefined when unset), one object shape. */
interface MutableRecord {
  readonly id: string;
  readonly workflow: RunRecord['workflow'];
  readonly definition: string;
  status: RunRecord['status'];
  readonly inputs: RunRecord['inputs'];
  outputs: unknown;
  error: ErrorInfo | undefined;
  readonly createdAt: number;
  updatedAt: number;
  lastSeq: number;
  owner: string | undefined;
  leaseExpiresAt: number | undefined;
}

function publicRecord(r: MutableRecord): RunRecord {
  return {
    id: r.id,
    workflow: r.workflow,
    definition: r.definition,
    status: r.status,
    inputs: r.inputs,
    ...(r.outputs === undefined ? {} : { outputs: r.outputs }),
    ...(r.error === undefined ? {} : { error: r.error }),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    lastSeq: r.lastSeq,
    ...(r.owner === undefined ? {} : { owner: r.owner }),
    ...(r.leaseExpiresAt === undefined ? {} : { leaseExpiresAt: r.leaseExpiresAt }),
  };
}

interface MemoryRun {
  record: MutableRecord;
  journal: StoredEntry[];
  blobs: string[];
  snapshot?: Snapshot;
}

const CLAIMABLE = new Set(['pending', 'running', 'paused']);

export interface MemoryStoreOptions extends StoreOptions {
  /**
   * Makes engines treat this store as durable (leases, fencing, snapshots), so that tests can share
   * one store between several engines as if they were processes. Default false.
   */
  readonly durable?: boolean;
}

export class MemoryStore implements Store {
  readonly durable: boolean;
  readonly deadLetters: MemoryDeadLetterQueue;
  readonly cache = new MemoryKeyValueCache();
  readonly audit = new MemoryAuditLog();
  readonly usage = new MemoryUsageLog();
  private readonly runs = new Map<string, MemoryRun>();
  private readonly blobs = new Map<string, string>();
  private readonly definitions = new Map<string, StoredDefinition>();
  private readonly workflows: WorkflowVersion[] = [];
  private controls: ControlRequest[] = [];
  private nextControl = 1;
  /** Infinity unless set: the default in-memory store never pays to measure outputs. */
  private readonly threshold: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.durable = options.durable ?? false;
    this.threshold = options.blobThreshold ?? Number.POSITIVE_INFINITY;
    this.deadLetters = new MemoryDeadLetterQueue(options.clock ?? systemClock);
  }

  createRun(
    runId: string,
    entry: Extract<JournalEntry, { type: 'run.created' }>,
    lease?: Lease,
  ): void {
    if (this.runs.has(runId)) throw runExists(runId);
    this.runs.set(runId, {
      record: {
        id: runId,
        workflow: entry.workflow,
        definition: entry.definition,
        status: 'pending',
        inputs: entry.inputs,
        outputs: undefined,
        error: undefined,
        createdAt: entry.at,
        updatedAt: entry.at,
        lastSeq: 1,
        owner: lease?.owner,
        leaseExpiresAt: lease?.expiresAt,
      },
      journal: [{ seq: 1, entry }],
      blobs: [],
    });
  }

  append(runId: string, entries: readonly JournalEntry[], owner?: string): void {
    const run = this.runs.get(runId);
    if (run === undefined) throw runNotFound(runId);
    const r = run.record;
    if (owner !== undefined && r.owner !== owner) throw leaseLost(runId, owner, r.owner);
    const journal = run.journal;
    for (let entry of entries) {
      if (this.threshold !== Number.POSITIVE_INFINITY) {
        const blobs: NewBlob[] = [];
        entry = encodeEntry(entry, this.threshold, blobs).entry;
        for (const b of blobs) {
          this.blobs.set(b.id, b.json);
          run.blobs.push(b.id);
        }
      }
      journal.push({ seq: journal.length + 1, entry });
      if (entry.type === 'run.status') {
        r.status = entry.status;
        r.error = entry.error;
        // A run that runs again has no outputs until it ends again.
        if (entry.status === 'running') r.outputs = undefined;
      } else if (entry.type === 'run.outputs') {
        r.outputs = entry.outputs;
      }
      r.updatedAt = entry.at;
    }
    r.lastSeq = journal.length;
  }

  read(runId: string, afterSeq = 0, limit?: number): readonly StoredEntry[] {
    const journal = this.runs.get(runId)?.journal ?? [];
    return journal.slice(afterSeq, limit === undefined ? undefined : afterSeq + limit);
  }

  readBlob(id: string): unknown {
    const json = this.blobs.get(id);
    if (json === undefined) throw blobNotFound(id);
    return JSON.parse(json);
  }

  flush(): void {
    // Every write is applied at once.
  }

  getRun(runId: string): RunRecord | undefined {
    const r = this.runs.get(runId)?.record;
    return r === undefined ? undefined : publicRecord(r);
  }

  readRun(runId: string): RunRead | undefined {
    const run = this.runs.get(runId);
    if (run === undefined) return undefined;
    const { snapshot } = run;
    return {
      record: publicRecord(run.record),
      ...(snapshot === undefined ? {} : { snapshot }),
      entries: run.journal.slice(snapshot?.seq ?? 0),
    };
  }

  listRuns(filter: RunFilter = {}): readonly RunRecord[] {
    const statuses =
      filter.status === undefined
        ? undefined
        : new Set(typeof filter.status === 'string' ? [filter.status] : filter.status);
    const out: RunRecord[] = [];
    for (const { record: r } of this.runs.values()) {
      if (statuses !== undefined && !statuses.has(r.status)) continue;
      if (filter.workflow !== undefined && r.workflow.name !== filter.workflow) continue;
      if (filter.createdBefore !== undefined && r.createdAt >= filter.createdBefore) continue;
      out.push(publicRecord(r));
    }
    // Newest first; runs created in the same millisecond, latest created first.
    out.reverse().sort((a, b) => b.createdAt - a.createdAt);
    return out.slice(0, filter.limit ?? 100);
  }

  deleteRun(runId: string): void {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    for (const b of run.blobs) this.blobs.delete(b);
    this.runs.delete(runId);
    this.controls = this.controls.filter((c) => c.runId !== runId);
  }

  claimRuns(owner: string, now: number, ttlMs: number, limit: number): readonly string[] {
    const candidates = [...this.runs.values()]
      .map((r) => r.record)
      .filter((r) => CLAIMABLE.has(r.status) && free(r, now))
      .sort((a, b) => a.createdAt - b.createdAt)
      .slice(0, limit);
    for (const r of candidates) hold(r, owner, now + ttlMs);
    return candidates.map((r) => r.id);
  }

  claimRun(runId: string, owner: string, now: number, ttlMs: number): boolean {
    const r = this.runs.get(runId)?.record;
    if (r === undefined || !(free(r, now) || r.owner === owner)) return false;
    hold(r, owner, now + ttlMs);
    return true;
  }

  renewLeases(
    owner: string,
    runIds: readonly string[],
    now: number,
    ttlMs: number,
  ): readonly string[] {
    const held: string[] = [];
    for (const id of runIds) {
      const r = this.runs.get(id)?.record;
      if (r?.owner !== owner) continue;
      r.leaseExpiresAt = now + ttlMs;
      held.push(id);
    }
    return held;
  }

  releaseLease(runId: string, owner: string): void {
    const r = this.runs.get(runId)?.record;
    if (r?.owner !== owner) return;
    r.owner = undefined;
    r.leaseExpiresAt = undefined;
  }

  requestControl(runId: string, command: ControlCommand, now: number): ControlRequest {
    if (!this.runs.has(runId)) throw runNotFound(runId);
    const request: ControlRequest = { id: this.nextControl++, runId, command, requestedAt: now };
    this.controls.push(request);
    return request;
  }

  takeControls(owner: string): readonly ControlRequest[] {
    const mine = this.controls.filter((c) => this.runs.get(c.runId)?.record.owner === owner);
    if (mine.length > 0) this.controls = this.controls.filter((c) => !mine.includes(c));
    return mine;
  }

  pendingControls(runId: string): readonly ControlRequest[] {
    return this.controls.filter((c) => c.runId === runId);
  }

  saveSnapshot(runId: string, snapshot: Snapshot): void {
    const run = this.runs.get(runId);
    if (run === undefined) throw runNotFound(runId);
    if (run.snapshot === undefined || snapshot.seq >= run.snapshot.seq) run.snapshot = snapshot;
  }

  latestSnapshot(runId: string): Snapshot | undefined {
    return this.runs.get(runId)?.snapshot;
  }

  putDefinition(hash: string, definition: StoredDefinition): void {
    if (!this.definitions.has(hash)) this.definitions.set(hash, definition);
  }

  getDefinition(hash: string): StoredDefinition | undefined {
    return this.definitions.get(hash);
  }

  registerWorkflow(version: WorkflowVersion): void {
    const existing = this.workflows.find(
      (w) => w.name === version.name && w.version === version.version,
    );
    if (existing !== undefined) {
      if (existing.definition !== version.definition)
        throw versionExists(version.name, version.version);
      return;
    }
    this.workflows.push({ ...version });
  }

  listWorkflows(name?: string): readonly WorkflowVersion[] {
    return this.workflows.filter((w) => name === undefined || w.name === name);
  }

  close(): void {
    this.runs.clear();
  }

  /** How many runs this store holds. */
  get size(): number {
    return this.runs.size;
  }
}

function free(r: MutableRecord, now: number): boolean {
  return r.owner === undefined || (r.leaseExpiresAt ?? 0) <= now;
}

function hold(r: MutableRecord, owner: string, expiresAt: number): void {
  r.owner = owner;
  r.leaseExpiresAt = expiresAt;
}
