/**
 * What makes runs survive their process: every journal entry goes to the store (fenced by this
 * process's lease when the store is durable), snapshots are taken every `snapshotEvery` entries,
 * leases on the runs this process holds are renewed by a heartbeat, and control requests from
 * other processes (cancel, pause, resume, retry) are taken and handed to the engine.
 */
import type { Clock } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import { leaseLost } from '../store/entries.js';
import type { ControlRequest, Store, StoredDefinition } from '../store/port.js';
import type { LogSink } from './attempt-context.js';
import { appendEntries, type ErrorInfo, type JournalEntry } from './journal.js';
import type { RunState } from './run.js';
import { snapshotState } from './snapshot.js';

export interface DurabilityOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: LogSink;
  /** This process's name in leases. */
  readonly owner: string;
  readonly leaseTtlMs: number;
  readonly heartbeatMs: number;
  /** How often control requests are looked for while this process holds runs. */
  readonly pollMs: number;
  readonly snapshotEvery: number;
  /** And at most one snapshot of a run per this many milliseconds. */
  readonly snapshotIntervalMs: number;
  /** Task outputs longer than this (JSON) are referred to, not copied, in snapshots. */
  readonly snapshotOutputLimit: number;
  /** A run this process held must be given up: its lease is gone or its journal failed. */
  readonly onLost: (runId: string, error: ErrorInfo) => void;
  readonly onControl: (request: ControlRequest) => void;
}

export class Durability {
  /** Runs whose lease this process holds. */
  readonly held = new Set<string>();
  private readonly stored = new Set<string>();
  private cancelTimer: (() => void) | undefined;
  private ticking = false;
  private lastRenewal = 0;
  private closed = false;
  /** Keeps the poll going while a worker runs, even when this process holds no run. */
  keepPolling = false;

  constructor(private readonly o: DurabilityOptions) {}

  get durable(): boolean {
    return this.o.store.durable;
  }

  /** Keeps a definition in the registry (once per hash per process). */
  putDefinition(hash: string, definition: StoredDefinition): void {
    if (this.stored.has(hash)) return;
    this.stored.add(hash);
    this.settle(
      () => this.o.store.putDefinition(hash, definition),
      (err) => {
        this.stored.delete(hash);
        this.o.log('error', 'storing a definition failed', { hash, error: String(err) });
      },
    );
  }

  /** Creates a new run in the store, held by this process. */
  create(run: RunState, entry: Extract<JournalEntry, { type: 'run.created' }>): void {
    const lease = this.durable
      ? { owner: this.o.owner, expiresAt: this.o.clock.now() + this.o.leaseTtlMs }
      : undefined;
    run.seq = 1;
    if (this.durable) this.hold(run, 1);
    let created: Promise<void>;
    try {
      created = Promise.resolve(this.o.store.createRun(run.id, entry, lease));
    } catch (err) {
      created = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    created.catch((err: unknown) => {
      this.failed(run, err);
    });
    run.created = created;
  }

  /** Appends one entry (the run's seq is already counted) and snapshots when it is time. */
  write(run: RunState, entry: JournalEntry): void {
    if (run.lost !== undefined) return;
    appendEntries(
      this.o.store,
      run.id,
      [entry],
      this.onWriteError(run),
      this.durable ? this.o.owner : undefined,
    );
    if (!this.durable) return;
    if (
      run.seq - run.snapshotSeq >= this.o.snapshotEvery &&
      entry.at - (run.snapshotAt ?? run.createdAt) >= this.o.snapshotIntervalMs
    )
      this.snapshot(run, entry.at);
  }

  /** One error handler per run, not one closure per entry. */
  private onWriteError(run: RunState): (err: unknown) => void {
    run.onWriteError ??= (err) => {
      this.failed(run, err);
    };
    return run.onWriteError;
  }

  /** Takes a snapshot of the run as of its last entry, saved once that entry is durable. */
  snapshot(run: RunState, at: number): void {
    const seq = run.seq;
    run.snapshotSeq = seq;
    run.snapshotAt = at;
    const state = snapshotState(run, this.o.snapshotOutputLimit);
    const store = this.o.store;
    this.settle(
      async () => {
        await store.flush();
        await store.saveSnapshot(run.id, { seq, state });
      },
      (err) => {
        this.o.log('error', 'saving a snapshot failed', { runId: run.id, error: String(err) });
      },
    );
  }

  /** This process holds the run (created here, or claimed by `attach`). */
  hold(run: RunState, snapshotSeq?: number): void {
    if (snapshotSeq !== undefined) {
      run.snapshotSeq = snapshotSeq;
      run.snapshotAt = this.o.clock.now();
    }
    if (!this.durable) return;
    if (this.held.size === 0) this.lastRenewal = this.o.clock.now();
    this.held.add(run.id);
    this.schedule();
  }

  /**
   * A finished run runs again here (a retry): its lease, released when it ended, is claimed back
   * before anything else is written (the store applies writes in the order they are issued). If
   * another process took it meanwhile, the run is given up.
   */
  reclaim(run: RunState): void {
    if (!this.durable) return;
    const now = this.o.clock.now();
    this.settle(
      async () => {
        const ok = await this.o.store.claimRun(run.id, this.o.owner, now, this.o.leaseTtlMs);
        if (!ok) {
          this.failed(run, leaseLost(run.id, this.o.owner, undefined));
        }
      },
      (err) => {
        this.failed(run, err);
      },
    );
    this.hold(run);
  }

  /** The run ended: its lease is released once its last entries are durable. */
  ended(run: RunState): void {
    if (!this.held.delete(run.id)) return;
    const store = this.o.store;
    this.settle(
      async () => {
        await store.flush();
        // A listener may have retried the run meanwhile: then it is held again.
        if (!this.held.has(run.id)) await store.releaseLease(run.id, this.o.owner);
      },
      (err) => {
        this.o.log('warn', 'releasing a lease failed', { runId: run.id, error: String(err) });
      },
    );
  }

  /** Lets a run go without ending it (the engine gave it up). */
  release(runId: string): void {
    this.held.delete(runId);
  }

  /** Starts the poll when there is something to poll for. */
  schedule(): void {
    if (this.closed || this.cancelTimer !== undefined || this.ticking) return;
    if (this.held.size === 0 && !this.keepPolling) return;
    this.cancelTimer = this.o.clock.setTimer(this.o.pollMs, () => {
      this.cancelTimer = undefined;
      this.ticking = true;
      this.tick()
        .catch((err: unknown) => {
          this.o.log('error', 'lease heartbeat failed', { error: String(err) });
        })
        .finally(() => {
          this.ticking = false;
          this.schedule();
        });
    });
  }

  private async tick(): Promise<void> {
    const store = this.o.store;
    const now = this.o.clock.now();
    if (this.held.size > 0 && now - this.lastRenewal >= this.o.heartbeatMs) {
      const ids = [...this.held];
      try {
        await store.flush();
        const still = new Set(await store.renewLeases(this.o.owner, ids, now, this.o.leaseTtlMs));
        this.lastRenewal = now;
        for (const id of ids) {
          if (!still.has(id) && this.held.delete(id)) {
            this.o.onLost(id, { code: 'LEASE_LOST', message: 'another process took the run over' });
          }
        }
      } catch (err) {
        this.o.log('error', 'renewing leases failed', { error: String(err) });
        // Past its lease, another process may take the runs over: stop executing them.
        if (this.o.clock.now() - this.lastRenewal >= this.o.leaseTtlMs) {
          for (const id of this.held) {
            this.o.onLost(id, {
              code: 'STORE_UNAVAILABLE',
              message: `the lease could not be renewed: ${String(err)}`,
            });
          }
          this.held.clear();
        }
      }
    }
    if (this.held.size > 0) {
      for (const request of await store.takeControls(this.o.owner)) this.o.onControl(request);
    }
  }

  /** Flushes, and releases every lease still held: other processes may take the runs at once. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const store = this.o.store;
    await store.flush();
    for (const id of this.held) await store.releaseLease(id, this.o.owner);
    this.held.clear();
  }

  private failed(run: RunState, err: unknown): void {
    const code = err instanceof OrchestratorError ? err.code : 'STORE_WRITE_FAILED';
    this.o.log('error', 'journal write failed', { runId: run.id, error: String(err) });
    this.held.delete(run.id);
    this.o.onLost(run.id, { code, message: `its journal could not be written: ${String(err)}` });
  }

  /** Runs a store call without waiting for it; its failure, thrown or rejected, goes to onError. */
  private settle(call: () => unknown, onError: (err: unknown) => void): void {
    try {
      const value = call();
      if (value instanceof Promise) value.catch(onError);
    } catch (err) {
      onError(err);
    }
  }
}
