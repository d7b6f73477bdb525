/** Which control calls a run's state allows, and when the store shows one applied. */
import { TERMINAL_RUN_STATES, type RunRecord, type RunStatus } from '@llm-orchestrator/core';
import { ServiceError } from '../contract.js';

export type ControlKind = 'cancel' | 'pause' | 'resume' | 'retry';

const ended = (status: string): boolean => TERMINAL_RUN_STATES.has(status as RunStatus);

function conflict(message: string, hint?: string): ServiceError {
  return new ServiceError(
    'conflict',
    'INVALID_RUN_STATE',
    message,
    hint === undefined ? {} : { hint },
  );
}

/** Throws a conflict when the run's state does not allow `kind`; true when there is nothing to do. */
export function checkControl(kind: ControlKind, record: RunRecord): boolean {
  const { id, status } = record;
  switch (kind) {
    case 'cancel':
      if (ended(status)) throw conflict(`cannot cancel run ${id}: it has ended (${status})`);
      return false;
    case 'pause':
      if (ended(status)) throw conflict(`cannot pause run ${id}: it has ended (${status})`);
      return status === 'paused';
    case 'resume':
      if (ended(status)) {
        throw conflict(
          `cannot resume run ${id}: it has ended (${status})`,
          `to run it again: POST /api/v1/workflows/${id}/retry`,
        );
      }
      if (status !== 'paused')
        throw conflict(`cannot resume run ${id}: it is ${status}, not paused`);
      return false;
    case 'retry':
      if (!ended(status)) {
        throw conflict(`cannot retry run ${id}: it is ${status}; retry is for runs that ended`);
      }
      return false;
  }
}

/** Whether the run shows `kind` applied (`before`: the run as the request was made). */
export function controlApplied(kind: ControlKind, before: RunRecord, after: RunRecord): boolean {
  switch (kind) {
    case 'cancel':
      return ended(after.status);
    case 'pause':
      return after.status === 'paused' || ended(after.status);
    case 'resume':
      return after.status !== 'paused' || after.lastSeq > before.lastSeq;
    case 'retry':
      // The run started again (it may have ended again since).
      return after.lastSeq > before.lastSeq;
  }
}
