/**
 * Core errors as the service reports them: each becomes a ServiceError of the kind a transport
 * maps to its status (a bad definition is `invalid`, an unknown run `not_found`, a run in the wrong
 * state `conflict`, a store that does not answer `unavailable`), with a message that names the
 * problem and never a stack trace.
 */
import {
  CycleError,
  DefinitionError,
  ExecutorInputError,
  InvalidInputsError,
  OrchestratorError,
} from '@llm-orchestrator/core';
import { formatPath } from '@llm-orchestrator/core';
import { ServiceError, type ErrorKind } from '../contract.js';

const KIND_OF_CODE: Readonly<Record<string, ErrorKind>> = {
  RUN_NOT_FOUND: 'not_found',
  WORKFLOW_NOT_FOUND: 'not_found',
  DEFINITION_NOT_FOUND: 'not_found',
  NOT_FOUND: 'not_found',
  INVALID_RUN_STATE: 'conflict',
  NOT_WAITING: 'conflict',
  RUN_EXISTS: 'conflict',
  VERSION_EXISTS: 'conflict',
  RUN_HELD: 'conflict',
  LEASE_LOST: 'conflict',
  UNKNOWN_TASK: 'invalid',
  EXPRESSION_SYNTAX: 'invalid',
  DEFINITION_INVALID: 'invalid',
  DAG_CYCLE: 'invalid',
  INVALID_INPUTS: 'invalid',
  InvalidInputError: 'invalid',
  BackpressureError: 'unavailable',
  CONTROL_TIMEOUT: 'unavailable',
  STORE_CLOSED: 'unavailable',
};

/** Errors of a bug rather than of the store: reported as internal. */
const PROGRAMMING_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

/** Every problem of an invalid definition, one per line: `path: message` (errors first). */
export function describeDefinitionError(err: DefinitionError): string {
  const lines = err.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => {
      const where = formatPath(d.path);
      const at = d.line === undefined ? '' : ` (line ${String(d.line)}:${String(d.column ?? 1)})`;
      return `${where}${at}: ${d.message}`;
    });
  return `${err.message}: ${lines.join('; ')}`;
}

export function toServiceError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  if (err instanceof DefinitionError) {
    const cycle = err.diagnostics.find((d) => d.code === 'CYCLE');
    return new ServiceError('invalid', err.code, describeDefinitionError(err), {
      hint:
        cycle?.hint ?? 'fix the definition: `llm-orchestrator validate <file>` lists every problem',
      details: { diagnostics: err.diagnostics },
    });
  }
  if (err instanceof CycleError) {
    return new ServiceError('invalid', err.code, err.message, {
      ...(err.hint === undefined ? {} : { hint: err.hint }),
      details: { cycle: err.cycle },
    });
  }
  if (err instanceof InvalidInputsError) {
    return new ServiceError('invalid', err.code, err.message, {
      hint: 'pass the workflow inputs as the `inputs` object of the request',
      details: { problems: err.problems },
    });
  }
  if (err instanceof ExecutorInputError) {
    return new ServiceError('invalid', err.code, err.message, {
      ...(err.hint === undefined ? {} : { hint: err.hint }),
      ...(err.input === undefined ? {} : { details: { input: err.input } }),
    });
  }
  if (err instanceof OrchestratorError) {
    const kind = KIND_OF_CODE[err.code] ?? (err.retryable ? 'unavailable' : 'internal');
    return new ServiceError(kind, err.code, err.message, {
      ...(err.hint === undefined ? {} : { hint: err.hint }),
      cause: err,
    });
  }
  if (PROGRAMMING_ERRORS.some((type) => err instanceof type)) {
    return new ServiceError('internal', 'INTERNAL', 'internal error', { cause: err });
  }
  // Anything else comes from a store or its driver: a connection refused, a closed database.
  const message = err instanceof Error ? err.message : String(err);
  return new ServiceError('unavailable', 'STORE_UNAVAILABLE', `the store failed: ${message}`, {
    hint: 'retry later; check that the store (database) is reachable',
    cause: err,
  });
}
