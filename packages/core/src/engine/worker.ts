/** The claim loop of a worker: takes runs no live process holds from the store, and runs them. */
import type { Clock } from '../clock.js';
import type { Awaitable } from '../store/port.js';
import type { LogSink } from './attempt-context.js';

export interface WorkOptions {
  /** How often to look for runs to claim (default 500 ms). */
  readonly pollMs?: number;
  /** Runs executed at once at most (default 100). */
  readonly maxRuns?: number;
  readonly onError?: (err: unknown) => void;
}

export interface ClaimLoopDeps {
  readonly clock: Clock;
  readonly log: LogSink;
  /** Runs this process is executing. */
  active(): number;
  /** Claims up to `room` runs; returns their ids. */
  claim(room: number): Awaitable<readonly string[]>;
  /** Loads a claimed run and continues it. */
  attach(runId: string): Promise<unknown>;
}

/** Starts polling; returns the function that stops it (and then calls `onStop`). */
export function claimLoop(
  deps: ClaimLoopDeps,
  options: WorkOptions,
  onStop: () => void,
): () => void {
  const pollMs = options.pollMs ?? 500;
  const maxRuns = options.maxRuns ?? 100;
  let stopped = false;
  let cancel: (() => void) | undefined;
  const report = (what: string, err: unknown, runId?: string): void => {
    deps.log('error', what, { ...(runId === undefined ? {} : { runId }), error: String(err) });
    options.onError?.(err);
  };
  const poll = async (): Promise<void> => {
    const room = maxRuns - deps.active();
    if (room <= 0) return;
    for (const id of await deps.claim(room)) {
      try {
        await deps.attach(id);
      } catch (err) {
        report('taking a run over failed', err, id);
      }
    }
  };
  const loop = (): void => {
    if (stopped) return;
    poll()
      .catch((err: unknown) => {
        report('claiming runs failed', err);
      })
      .finally(() => {
        if (!stopped) cancel = deps.clock.setTimer(pollMs, loop);
      });
  };
  loop();
  return () => {
    if (stopped) return;
    stopped = true;
    cancel?.();
    onStop();
  };
}
