/**
 * The store's frequent writes (`createRun`, `append`, `releaseLease`, `saveSnapshot`), batched:
 * each call is encoded at once and queued; the queue is applied in one immediate transaction, in
 * call order, at the end of the tick (see `check`), before any other operation of the store, or as
 * soon as it holds `MAX_BATCH` writes. Each write is checked inside the transaction before it
 * writes anything, so one that fails (unknown run, lost lease, taken id) rejects alone and the
 * others commit.
 */
import type { Database } from 'better-sqlite3';
import {
  encodeEntry,
  leaseLost,
  runExists,
  runNotFound,
  summarize,
  type JournalEntry,
  type Lease,
  type NewBlob,
  type Snapshot,
  type SummaryChange,
} from '@llm-orchestrator/core';

type Created = Extract<JournalEntry, { type: 'run.created' }>;

/** A queue this long is applied at once: bounded transactions, and less garbage kept waiting. */
const MAX_BATCH = 4096;
/** The longest a write waits for more to join its batch, in ms. */
const MAX_WAIT_MS = 20;
/**
 * A batch applied on its own (not for a read or a flush) commits this many writes at most per
 * transaction, the rest on the next turn of the event loop: the thread is never blocked for long
 * (a few ms), so that requests keep being answered while writes pour in.
 */
const MAX_CHUNK = 128;

type Write = (
  | {
      readonly kind: 'create';
      readonly runId: string;
      readonly entry: Created;
      readonly json: string;
      readonly inputs: string;
      readonly lease: Lease | undefined;
    }
  | {
      readonly kind: 'append';
      readonly runId: string;
      /** The entries' JSON, large values replaced by BlobRefs. */
      readonly jsons: readonly string[];
      readonly blobs: readonly NewBlob[];
      readonly change: SummaryChange;
      readonly owner: string | undefined;
    }
  | { readonly kind: 'release'; readonly runId: string; readonly owner: string }
  | {
      readonly kind: 'snapshot';
      readonly runId: string;
      readonly seq: number;
      readonly state: string;
    }
  /** Writes nothing: settles once the writes queued before it are committed (`flush`). */
  | { readonly kind: 'barrier' }
) & { readonly resolve: () => void; readonly reject: (err: unknown) => void };

/** What a batch knows of a run it writes to; the summary is written once, at the end. */
interface RunState {
  owner: string | null;
  lastSeq: number;
  changed: boolean;
  updatedAt: number;
  status: string | null;
  /** `undefined`: unchanged; `null`: cleared; otherwise the new JSON. */
  error: string | null | undefined;
  outputs: string | null | undefined;
}

/** Per run id: its state, or null when it does not exist. */
type Batch = Map<string, RunState | null>;

interface StateRow {
  owner: string | null;
  last_seq: number;
}

export class WriteBatcher {
  private queue: Write[] = [];
  /** The runs that `queue` writes to. */
  private readonly queuedRuns = new Set<string>();
  /**
   * Runs whose appends were lost with a batch that could not commit: their later appends are
   * refused with the same error (they would leave a gap in the journal) until the run is claimed.
   */
  private readonly broken = new Map<string, unknown>();
  private scheduled: NodeJS.Immediate | undefined;
  /** When the first write of the queue was queued (`performance.now()`). */
  private queuedAt = 0;
  /** The queue's length when `check` last looked. */
  private seen = 0;
  /** How long the last transaction took, in ms. */
  private lastApplyMs = 0;
  private readonly sql: ReturnType<typeof prepareStatements>;
  private readonly applyAll: (writes: readonly Write[], errors: Map<number, unknown>) => void;

  constructor(
    db: Database,
    private readonly threshold: number,
  ) {
    this.sql = prepareStatements(db);
    const applyAll = db.transaction((writes: readonly Write[], errors: Map<number, unknown>) => {
      const batch: Batch = new Map();
      for (const [i, w] of writes.entries()) {
        const error = this.apply(batch, w);
        if (error !== undefined) errors.set(i, error);
      }
      for (const [id, s] of batch) if (s?.changed === true) this.writeSummary(id, s);
    });
    this.applyAll = (writes, errors) => {
      applyAll.immediate(writes, errors);
    };
  }

  createRun(runId: string, entry: Created, lease: Lease | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const json = JSON.stringify(entry);
      const inputs = JSON.stringify(entry.inputs);
      this.enqueue({ kind: 'create', runId, entry, json, inputs, lease, resolve, reject });
    });
  }

  append(runId: string, entries: readonly JournalEntry[], owner?: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const blobs: NewBlob[] = [];
      const jsons: string[] = [];
      const stored: JournalEntry[] = [];
      for (const e of entries) {
        const encoded = encodeEntry(e, this.threshold, blobs);
        jsons.push(encoded.json);
        stored.push(encoded.entry);
      }
      const change = summarize(stored, 0);
      this.enqueue({ kind: 'append', runId, jsons, blobs, change, owner, resolve, reject });
    });
  }

  releaseLease(runId: string, owner: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.enqueue({ kind: 'release', runId, owner, resolve, reject });
    });
  }

  saveSnapshot(runId: string, snapshot: Snapshot): Promise<void> {
    return new Promise((resolve, reject) => {
      const state = JSON.stringify(snapshot.state);
      this.enqueue({ kind: 'snapshot', runId, seq: snapshot.seq, state, resolve, reject });
    });
  }

  /** Settles once every write queued so far is committed, with the next batch. */
  flush(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.enqueue({ kind: 'barrier', resolve, reject });
    });
  }

  /**
   * Applies the queued writes now and settles their promises. Returns the error that failed the
   * whole batch (the transaction could not commit), if any.
   */
  applyQueued(): Error | undefined {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    const queued = this.queue;
    if (queued.length === 0) return undefined;
    this.queue = [];
    this.queuedRuns.clear();
    return this.commit(queued);
  }

  /** Applies the first `MAX_CHUNK` queued writes; the rest on the next turn. */
  private applyChunk(): void {
    if (this.queue.length <= MAX_CHUNK) {
      this.applyQueued();
      return;
    }
    const chunk = this.queue.splice(0, MAX_CHUNK);
    this.queuedRuns.clear();
    for (const w of this.queue) if (w.kind !== 'barrier') this.queuedRuns.add(w.runId);
    this.commit(chunk);
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      this.applyChunk();
    });
  }

  /** Commits `queued` in one transaction and settles their promises. */
  private commit(queued: readonly Write[]): Error | undefined {
    const writes: Write[] = [];
    for (const w of queued) {
      if (w.kind === 'append' && this.broken.has(w.runId)) w.reject(this.broken.get(w.runId));
      else writes.push(w);
    }
    const errors = new Map<number, unknown>();
    const start = performance.now();
    try {
      this.applyAll(writes, errors);
    } catch (err) {
      for (const w of writes) {
        if (w.kind === 'append') this.broken.set(w.runId, err);
        w.reject(err);
      }
      return err instanceof Error ? err : new Error(String(err));
    } finally {
      this.lastApplyMs = performance.now() - start;
    }
    for (const [i, w] of writes.entries()) {
      if (errors.has(i)) w.reject(errors.get(i));
      else w.resolve();
    }
    return undefined;
  }

  /** The run was claimed again: its appends are accepted again. */
  forgive(runId: string): void {
    this.broken.delete(runId);
  }

  /** Whether a write to the run is waiting in the queue. */
  hasQueued(runId: string): boolean {
    return this.queuedRuns.has(runId);
  }

  private enqueue(write: Write): void {
    this.queue.push(write);
    if (write.kind !== 'barrier') this.queuedRuns.add(write.runId);
    if (this.queue.length >= MAX_BATCH) {
      this.applyQueued();
    } else if (this.scheduled === undefined) {
      this.queuedAt = performance.now();
      this.seen = 0;
      this.scheduled = setImmediate(this.check);
    }
  }

  /**
   * Runs at the end of a tick. While writes keep coming, tick after tick, waits for more, up to as
   * long as the last transaction took (1 to `MAX_WAIT_MS` ms): a transaction's cost is mostly the
   * pages it writes, so under load the batches grow and the cost is shared by many writes. When a
   * tick brought no new write (a caller waiting for its write), applies the queue at once.
   */
  private readonly check = (): void => {
    this.scheduled = undefined;
    const n = this.queue.length;
    const waited = performance.now() - this.queuedAt;
    if (n > this.seen && waited < Math.min(Math.max(1, this.lastApplyMs), MAX_WAIT_MS)) {
      this.seen = n;
      this.scheduled = setImmediate(this.check);
    } else {
      this.applyChunk();
    }
  };

  /** Checks a write, then makes it; returns, without writing anything, why it cannot be made. */
  private apply(batch: Batch, w: Write): unknown {
    if (w.kind === 'barrier') return undefined;
    const s = this.state(batch, w.runId);
    switch (w.kind) {
      case 'create': {
        if (s !== null) return runExists(w.runId);
        const { entry } = w;
        const owner = w.lease?.owner ?? null;
        this.sql.insertRun.run(
          w.runId,
          entry.workflow.name,
          entry.workflow.version,
          entry.definition,
          w.inputs,
          entry.at,
          entry.at,
          owner,
          w.lease?.expiresAt ?? null,
        );
        this.sql.insertEntry.run(w.runId, 1, w.json);
        batch.set(w.runId, newState(owner, 1));
        return undefined;
      }
      case 'append': {
        if (s === null) return runNotFound(w.runId);
        if (w.owner !== undefined && s.owner !== w.owner) {
          return leaseLost(w.runId, w.owner, s.owner ?? undefined);
        }
        if (w.jsons.length === 0) return undefined;
        for (const b of w.blobs) this.sql.insertBlob.run(b.id, w.runId, b.json);
        for (const json of w.jsons) this.sql.insertEntry.run(w.runId, ++s.lastSeq, json);
        const { change } = w;
        s.changed = true;
        s.updatedAt = change.updatedAt;
        if (change.status !== undefined) s.status = change.status;
        if (change.error !== undefined) s.error = toJson(change.error);
        if (change.outputs !== undefined) s.outputs = toJson(change.outputs);
        return undefined;
      }
      case 'release':
        if (s?.owner !== w.owner) return undefined;
        this.sql.release.run(w.runId);
        s.owner = null;
        return undefined;
      case 'snapshot':
        if (s === null) return runNotFound(w.runId);
        this.sql.saveSnapshot.run(w.runId, w.seq, w.state);
        return undefined;
    }
  }

  private state(batch: Batch, runId: string): RunState | null {
    let s = batch.get(runId);
    if (s === undefined) {
      const row = this.sql.selectState.get(runId);
      s = row === undefined ? null : newState(row.owner, row.last_seq);
      batch.set(runId, s);
    }
    return s;
  }

  private writeSummary(runId: string, s: RunState): void {
    if (s.status === null && s.error === undefined && s.outputs === undefined) {
      this.sql.updateProgress.run(s.updatedAt, s.lastSeq, runId);
      return;
    }
    this.sql.updateRun.run(
      s.status,
      s.error === undefined ? 0 : 1,
      s.error ?? null,
      s.outputs === undefined ? 0 : 1,
      s.outputs ?? null,
      s.updatedAt,
      s.lastSeq,
      runId,
    );
  }
}

function prepareStatements(db: Database) {
  return {
    selectState: db.prepare<[string], StateRow>('SELECT owner, last_seq FROM runs WHERE id = ?'),
    insertRun: db.prepare<
      [string, string, string, string, string, number, number, string | null, number | null]
    >(
      `INSERT INTO runs (id, workflow_name, workflow_version, definition, status, inputs,
         created_at, updated_at, last_seq, owner, lease_expires_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, 1, ?, ?)`,
    ),
    insertEntry: db.prepare<[string, number, string]>(
      'INSERT INTO journal (run_id, seq, entry) VALUES (?, ?, ?)',
    ),
    insertBlob: db.prepare<[string, string, string]>(
      'INSERT INTO blobs (id, run_id, json) VALUES (?, ?, ?)',
    ),
    updateRun: db.prepare<
      [string | null, number, string | null, number, string | null, number, number, string]
    >(
      `UPDATE runs SET status = coalesce(?, status),
         error = CASE WHEN ? THEN ? ELSE error END,
         outputs = CASE WHEN ? THEN ? ELSE outputs END,
         updated_at = ?, last_seq = ?
       WHERE id = ?`,
    ),
    // Without a status change, the status indexes are left alone.
    updateProgress: db.prepare<[number, number, string]>(
      'UPDATE runs SET updated_at = ?, last_seq = ? WHERE id = ?',
    ),
    release: db.prepare<[string]>(
      'UPDATE runs SET owner = NULL, lease_expires_at = NULL WHERE id = ?',
    ),
    saveSnapshot: db.prepare<[string, number, string]>(
      `INSERT INTO snapshots (run_id, seq, state) VALUES (?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET seq = excluded.seq, state = excluded.state
       WHERE excluded.seq >= snapshots.seq`,
    ),
  };
}

function newState(owner: string | null, lastSeq: number): RunState {
  return {
    owner,
    lastSeq,
    changed: false,
    updatedAt: 0,
    status: null,
    error: undefined,
    outputs: undefined,
  };
}

function toJson(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}
