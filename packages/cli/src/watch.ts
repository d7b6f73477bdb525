/** Polling loops for `status --watch` and `history --follow`, which end on SIGINT/SIGTERM too. */
import { setTimeout as delay } from 'node:timers/promises';

export interface Poller {
  /** Waits `ms`, or less when interrupted; false once interrupted. */
  wait(ms: number): Promise<boolean>;
  readonly interrupted: boolean;
  /** Resolves when interrupted. */
  readonly whenInterrupted: Promise<void>;
  dispose(): void;
}

export function poller(): Poller {
  const abort = new AbortController();
  const onSignal = (): void => {
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    async wait(ms) {
      if (abort.signal.aborted) return false;
      try {
        await delay(ms, undefined, { signal: abort.signal });
      } catch {
        return false;
      }
      return true;
    },
    get interrupted() {
      return abort.signal.aborted;
    },
    whenInterrupted: new Promise((resolve) => {
      abort.signal.addEventListener('abort', () => {
        resolve();
      });
    }),
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
