/**
 * Controlling a run another process executes: the request goes through the store to the run's
 * holder, which takes it when it polls; when no live process holds the run (its lease expired),
 * this one takes it over and applies the request as it restores the run.
 */
import { OrchestratorError } from '../errors.js';
import { sleep, type Clock } from '../clock.js';
import type { ControlCommand, Store } from '../store/port.js';
import type { RunHandle } from './run-handle.js';

export interface RemoteControlDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** Takes the run over (throws `RUN_HELD` while a live process holds it). */
  attach(runId: string): Promise<RunHandle>;
}

/**
 * Queues `command` for the run's holder and waits until it is taken (undefined) or this process
 * took the run over (its handle). Throws `CONTROL_TIMEOUT` after `timeoutMs` (the request stays).
 */
export async function controlThroughStore(
  deps: RemoteControlDeps,
  runId: string,
  command: ControlCommand,
  timeoutMs: number,
): Promise<RunHandle | undefined> {
  const { store, clock } = deps;
  const request = await store.requestControl(runId, command, clock.now());
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const pending = await store.pendingControls(runId);
    if (!pending.some((p) => p.id === request.id)) return undefined;
    const record = await store.getRun(runId);
    if (record?.owner === undefined || (record.leaseExpiresAt ?? 0) <= clock.now()) {
      try {
        return await deps.attach(runId);
      } catch (err) {
        if (!(err instanceof OrchestratorError && err.code === 'RUN_HELD')) throw err;
      }
    }
    if (clock.now() >= deadline) {
      throw new OrchestratorError(
        'CONTROL_TIMEOUT',
        `run ${runId}'s holder ${record?.owner ?? '?'} did not take the ${command.type} request in ${String(timeoutMs)} ms`,
        {
          retryable: true,
          hint: 'the request stays queued; the holder applies it when it polls',
        },
      );
    }
    await sleep(clock, 100);
  }
}
