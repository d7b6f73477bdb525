/**
 * The runs this engine has in memory: every run it executes, and the last `retain` finished ones
 * (older finished runs are forgotten; a store that is not durable deletes them too).
 */
import type { Store } from '../store/port.js';
import type { RunState } from './run.js';
import { TERMINAL_RUN_STATES } from './states.js';

export class LocalRuns {
  private readonly runs = new Map<string, RunState>();
  /** Finished run ids, oldest first (a Set keeps insertion order). */
  private readonly finished = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly retain: number,
  ) {}

  get(runId: string): RunState | undefined {
    return this.runs.get(runId);
  }

  has(runId: string): boolean {
    return this.runs.has(runId);
  }

  set(run: RunState): void {
    this.runs.set(run.id, run);
  }

  values(): IterableIterator<RunState> {
    return this.runs.values();
  }

  /** Whether the run is here and not finished. */
  active(runId: string): boolean {
    const run = this.runs.get(runId);
    return run !== undefined && !TERMINAL_RUN_STATES.has(run.status);
  }

  /** Records that a run finished, and forgets the oldest finished runs beyond `retain`. */
  retire(runId: string): void {
    if (this.finished.has(runId)) return; // a retried run finishing again
    this.finished.add(runId);
    while (this.finished.size > this.retain) {
      const old = this.finished.values().next().value;
      if (old === undefined) break;
      this.finished.delete(old);
      const run = this.runs.get(old);
      if (run !== undefined && TERMINAL_RUN_STATES.has(run.status)) {
        this.runs.delete(old);
        if (!this.store.durable) void this.store.deleteRun(old);
      }
    }
  }
}
