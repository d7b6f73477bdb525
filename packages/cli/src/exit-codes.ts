/** The command's exit codes (documented in docs/cli.md). */
export const ExitCode = {
  /** Everything worked; for `validate`, every file is valid (warnings allowed). */
  Ok: 0,
  /**
   * A workflow file is invalid (its diagnostics were printed), or the request does not fit the
   * state of things: pause a run that ended, register a version taken by another definition...
   */
  Invalid: 1,
  /** The command line is wrong (unknown command or option, missing argument). */
  Usage: 2,
  /** A file could not be read, or the store could not be opened or used. */
  Io: 3,
  /** `run`, `resume`, `retry`: the workflow ran and failed, timed out or was cancelled. */
  RunFailed: 4,
  /** No such run, dead letter or registered workflow. */
  NotFound: 5,
  /** A bug: an unexpected internal error. Please report it. */
  Internal: 70,
  /** A foreground run was interrupted (SIGINT, SIGTERM); it can be resumed. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends the command with a message and an exit code, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
