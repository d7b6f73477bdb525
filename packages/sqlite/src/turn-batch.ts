/**
 * Writes gathered over one turn of the event loop and committed together, in one immediate
 * transaction, once the turn's other work is done (`setImmediate`), or at once by `flush`: before a
 * read that must see them, and on close. A caller's promise settles when its write is committed.
 * The writes are prepared (values encoded) before they are queued, so what can still fail is the
 * database itself: then the whole batch fails, and each of its writes rejects with the error.
 */

/** Runs a function in an immediate transaction. */
export type Immediate = <T>(fn: () => T) => T;

interface Queued<T> {
  readonly write: () => T;
  readonly resolve: (value: T) => void;
  readonly reject: (err: unknown) => void;
}

export class TurnBatch<T> {
  private queue: Queued<T>[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly immediate: Immediate) {}

  /** Queues `write` (it runs inside the batch's transaction); resolves with its result. */
  add(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.scheduled ??= setImmediate(() => {
        this.scheduled = undefined;
        this.flush();
      });
    });
  }

  /** Commits the queued writes now. */
  flush(): void {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    let results: T[];
    try {
      results = this.immediate(() => queue.map((item) => item.write()));
    } catch (err) {
      for (const item of queue) item.reject(err);
      return;
    }
    queue.forEach((item, i) => {
      item.resolve(results[i] as T);
    });
  }
}
