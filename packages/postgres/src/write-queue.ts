/**
 * The order of a store's writes. The frequent ones (`createRun`, `append`, `releaseLease`,
 * `putDefinition`) are queued and applied in batches, many calls in one transaction; every other
 * write runs as a task between two batches.
 * One job runs at a time, in the order the calls were issued, so a write is committed no later than
 * the writes issued after it. `idle()` resolves once everything queued so far has been applied.
 *
 * A batch that fails as a whole loses writes of the runs in it: later writes of those runs are
 * refused with the same error (they would leave a gap in a journal) until the run is claimed again
 * (`forgive`), when its holder reads the journal afresh.
 */

/** Applies a batch; gives each op's own failure (the op wrote nothing) or undefined. */
export type BatchWriter<Op> = (ops: readonly Op[]) => Promise<readonly (Error | undefined)[]>;

interface Queued<Op> {
  readonly op: Op;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

type Job<Op> = { readonly done: Promise<void>; readonly finish: () => void } & (
  | { readonly kind: 'batch'; readonly items: Queued<Op>[] }
  | { readonly kind: 'task'; readonly run: () => Promise<void>; readonly runs: readonly string[] }
);

export class WriteQueue<Op> {
  private readonly jobs: Job<Op>[] = [];
  /** Runs whose writes were lost in a failed batch, with the failure. */
  private readonly broken = new Map<string, unknown>();
  /** The job being applied; nothing joins it any more. */
  private current: Job<Op> | undefined;
  private draining = false;
  /** Per run, the last queued job that writes to it (until that job is done). */
  private readonly lastOfRun = new Map<string, Job<Op>>();

  constructor(
    private readonly write: BatchWriter<Op>,
    private readonly maxBatch: number,
    /** The run an op writes to, if any. */
    private readonly runOf: (op: Op) => string | undefined,
  ) {}

  /** The run was claimed again: its writes are accepted again. */
  forgive(runId: string): void {
    this.broken.delete(runId);
  }

  /** Queues a batched write; resolves once it is committed. */
  push(op: Op): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const item = { op, resolve, reject };
      const last = this.jobs.at(-1);
      let job: Job<Op>;
      if (last?.kind === 'batch' && last !== this.current && last.items.length < this.maxBatch) {
        last.items.push(item);
        job = last;
      } else {
        job = this.add({ kind: 'batch', items: [item] });
      }
      const run = this.runOf(op);
      if (run !== undefined) this.lastOfRun.set(run, job);
    });
  }

  /**
   * Runs `fn` after every write queued before it and before any queued after it. `runs` names the
   * runs whose reads must see it (what a read of a run waits for, `idleFor`).
   */
  task<T>(fn: () => Promise<T>, runs: readonly string[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Never rejects, and a function that throws at once fails only its own call.
      const job = this.add({
        kind: 'task',
        run: () => Promise.resolve().then(fn).then(resolve, reject),
        runs,
      });
      for (const run of runs) this.lastOfRun.set(run, job);
    });
  }

  /** Resolves when every write queued so far has been applied (or has failed). */
  idle(): Promise<void> {
    return this.jobs.at(-1)?.done ?? Promise.resolve();
  }

  /**
   * Resolves when every write to the run queued so far has been applied (or has failed): its
   * batched writes and the tasks that name it. Writes to other runs are not waited for.
   */
  idleFor(runId: string): Promise<void> {
    return this.lastOfRun.get(runId)?.done ?? Promise.resolve();
  }

  private add(
    job:
      | { kind: 'batch'; items: Queued<Op>[] }
      | { kind: 'task'; run: () => Promise<void>; runs: readonly string[] },
  ): Job<Op> {
    let finish = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const queued: Job<Op> = { ...job, done, finish };
    this.jobs.push(queued);
    if (!this.draining) {
      this.draining = true;
      // Starts on the next turn of the event loop: the calls issued until then share the batch.
      setImmediate(() => void this.drain());
    }
    return queued;
  }

  /** The job is done: nothing needs to wait for it any more. */
  private forget(job: Job<Op>): void {
    const runs = job.kind === 'batch' ? job.items.map((item) => this.runOf(item.op)) : job.runs;
    for (const run of runs) {
      if (run !== undefined && this.lastOfRun.get(run) === job) this.lastOfRun.delete(run);
    }
  }

  private async drain(): Promise<void> {
    for (let job = this.jobs[0]; job !== undefined; job = this.jobs[0]) {
      this.current = job;
      if (job.kind === 'task') await job.run();
      else await this.apply(job.items);
      this.jobs.shift();
      this.forget(job);
      job.finish();
    }
    this.current = undefined;
    this.draining = false;
  }

  private async apply(queued: readonly Queued<Op>[]): Promise<void> {
    const items: Queued<Op>[] = [];
    for (const item of queued) {
      const run = this.runOf(item.op);
      if (run !== undefined && this.broken.has(run)) item.reject(this.broken.get(run));
      else items.push(item);
    }
    if (items.length === 0) return;
    let results: readonly (Error | undefined)[];
    try {
      results = await this.write(items.map((i) => i.op));
    } catch (err) {
      // The transaction failed as a whole: nothing of the batch was written.
      for (const item of items) {
        const run = this.runOf(item.op);
        if (run !== undefined) this.broken.set(run, err);
        item.reject(err);
      }
      return;
    }
    items.forEach((item, i) => {
      const err = results[i];
      if (err === undefined) item.resolve();
      else item.reject(err);
    });
  }
}
