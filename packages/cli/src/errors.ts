/** Engine and store errors the user can act on, as CLI errors: a message and an exit code. */
import { OrchestratorError } from '@llm-orchestrator/core';
import { CliError, ExitCode } from './exit-codes.js';

const EXIT_OF: Readonly<Record<string, ExitCode>> = {
  RUN_NOT_FOUND: ExitCode.NotFound,
  NOT_FOUND: ExitCode.NotFound,
  WORKFLOW_NOT_FOUND: ExitCode.NotFound,
  DEFINITION_NOT_FOUND: ExitCode.NotFound,
  INVALID_RUN_STATE: ExitCode.Invalid,
  VERSION_EXISTS: ExitCode.Invalid,
  RUN_EXISTS: ExitCode.Invalid,
  RUN_HELD: ExitCode.Invalid,
  CONTROL_TIMEOUT: ExitCode.Invalid,
  INVALID_INPUTS: ExitCode.Usage,
  UNKNOWN_TASK: ExitCode.Usage,
  STORE_CONFIG: ExitCode.Io,
  AUTH_CONFIG: ExitCode.Usage,
  LEASE_LOST: ExitCode.Io,
  STORE_UNAVAILABLE: ExitCode.Io,
  STORE_WRITE_FAILED: ExitCode.Io,
  BLOB_NOT_FOUND: ExitCode.Io,
  CORRUPT_SNAPSHOT: ExitCode.Io,
};

/** Errors of the database drivers: SQLite (`SqliteError`), PostgreSQL and the network. */
function isStoreFailure(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    err.name === 'SqliteError' ||
    err.constructor.name === 'DatabaseError' ||
    (typeof code === 'string' && /^(E[A-Z]+|SQLITE_\w+|[0-9A-Z]{5})$/.test(code))
  );
}

/** The CLI error for `err`, or undefined when it is unexpected (a bug). */
export function toCliError(err: unknown): CliError | undefined {
  if (err instanceof CliError) return err;
  if (err instanceof OrchestratorError) {
    const exit = EXIT_OF[err.code];
    if (exit === undefined) return undefined;
    const hint = err.hint === undefined ? '' : ` (${err.hint})`;
    return new CliError(`${err.message}${hint}`, exit);
  }
  if (err instanceof Error && isStoreFailure(err)) {
    return new CliError(`the store failed: ${err.message}`, ExitCode.Io);
  }
  return undefined;
}

/** `err`'s code when it is an OrchestratorError. */
export function codeOf(err: unknown): string | undefined {
  return err instanceof OrchestratorError ? err.code : undefined;
}
