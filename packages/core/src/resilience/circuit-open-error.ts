/** The error a circuit breaker refuses calls with (its own module so errors can be imported alone). */
import { formatDuration } from '../definition/units.js';
import { OrchestratorError } from '../errors.js';

export const CIRCUIT_STATES = ['closed', 'open', 'half-open'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

/** A call was refused because the circuit is open (or its half-open trial slots are taken). */
export class CircuitOpenError extends OrchestratorError {
  /** Time until the circuit admits trial calls (0 when half-open with all slots taken). */
  readonly retryAfterMs: number;
  readonly breaker: string | undefined;

  constructor(breaker: string | undefined, retryAfterMs: number, state: CircuitState = 'open') {
    const who = breaker === undefined ? 'circuit breaker' : `circuit breaker "${breaker}"`;
    super(
      'CircuitOpenError',
      state === 'open'
        ? `${who} is open after repeated failures; trial calls resume in ${formatDuration(retryAfterMs)}`
        : `${who} is half-open and its trial calls are already in flight`,
      {
        retryable: true,
        hint: 'the dependency is failing; retry later, or check its health and configuration',
      },
    );
    this.retryAfterMs = retryAfterMs;
    this.breaker = breaker;
  }
}
