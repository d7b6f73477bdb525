/**
 * One typed event bus for everything that happens in the engine: run and task lifecycle, task
 * progress and streamed chunks. Listeners are called synchronously; a listener that throws is
 * logged and ignored, never breaking the run.
 */
import type { ErrorInfo } from './journal.js';
import type { RunStatus, TaskStatus } from './states.js';

export type EngineEvent =
  | {
      readonly type: 'run.status';
      readonly runId: string;
      readonly status: RunStatus;
      readonly at: number;
      readonly error?: ErrorInfo;
    }
  | {
      readonly type: 'task.status';
      readonly runId: string;
      readonly taskId: string;
      readonly status: TaskStatus;
      readonly attempt: number;
      readonly at: number;
      readonly error?: ErrorInfo;
      readonly durationMs?: number;
    }
  | {
      readonly type: 'task.progress';
      readonly runId: string;
      readonly taskId: string;
      readonly at: number;
      readonly progress?: number;
      readonly message?: string;
    }
  | {
      readonly type: 'task.chunk';
      readonly runId: string;
      readonly taskId: string;
      readonly at: number;
      readonly data: string;
    };

export type EngineListener = (event: EngineEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EngineListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  /** True when someone listens: emitters skip building events nobody reads. */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  on(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  /**
   * The events of one run as an async iterator, from now until the run ends (buffered, so a slow
   * consumer loses nothing). `until` decides which event is the last one.
   */
  stream(
    filter: (e: EngineEvent) => boolean,
    until: (e: EngineEvent) => boolean,
  ): AsyncIterableIterator<EngineEvent> {
    const buffer: EngineEvent[] = [];
    // Calls of next() waiting for an event, answered in order.
    const waiting: ((r: IteratorResult<EngineEvent>) => void)[] = [];
    let done = false;
    const settle = (): void => {
      while (waiting.length > 0) {
        const e = buffer.shift();
        if (e !== undefined)
          (waiting.shift() as (r: IteratorResult<EngineEvent>) => void)({ value: e, done: false });
        else if (done)
          (waiting.shift() as (r: IteratorResult<EngineEvent>) => void)({
            value: undefined,
            done: true,
          });
        else return;
      }
    };
    const off = this.on((e) => {
      if (done || !filter(e)) return;
      buffer.push(e);
      if (until(e)) {
        done = true;
        off();
      }
      settle();
    });
    const iterator: AsyncIterableIterator<EngineEvent> = {
      [Symbol.asyncIterator]: () => iterator,
      next(): Promise<IteratorResult<EngineEvent>> {
        return new Promise((resolve) => {
          waiting.push(resolve);
          settle();
        });
      },
      return(): Promise<IteratorResult<EngineEvent>> {
        done = true;
        off();
        buffer.length = 0;
        settle();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
    return iterator;
  }
}
