import type { Diagnostic } from './definition/diagnostics.js';

/**
 * The one error base class of the project. Every error a user can see carries a stable `code`
 * (documented, safe to match on), a `retryable` flag for the retry policy, and an optional `cause`.
 */
export interface OrchestratorErrorOptions {
  readonly cause?: unknown;
  readonly retryable?: boolean;
  /** How to fix it, when there is something useful to say. */
  readonly hint?: string;
}

export class OrchestratorError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: OrchestratorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.hint = options.hint;
  }
}

/** A `${{ ... }}` expression could not be parsed; `offset` is a character index into `source`. */
export class ExpressionSyntaxError extends OrchestratorError {
  readonly source: string;
  readonly offset: number;

  constructor(
    message: string,
    source: string,
    offset: number,
    options: OrchestratorErrorOptions = {},
  ) {
    super('EXPRESSION_SYNTAX', message, options);
    this.source = source;
    this.offset = offset;
  }
}

/** An expression failed while being evaluated (bad operand types, limits exceeded, ...). */
export class ExpressionEvaluationError extends OrchestratorError {
  constructor(message: string, options: OrchestratorErrorOptions = {}) {
    super('EXPRESSION_EVALUATION', message, options);
  }
}

/** A workflow definition is invalid; `diagnostics` holds every problem found, not only the first. */
export class DefinitionError extends OrchestratorError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const n = diagnostics.length;
    super('DEFINITION_INVALID', `workflow definition has ${n} error${n === 1 ? '' : 's'}`);
    this.diagnostics = diagnostics;
  }
}

/** The dependency graph has a cycle; `cycle` lists the task ids along it, first id repeated last. */
export class CycleError extends OrchestratorError {
  readonly cycle: readonly string[];

  constructor(cycle: readonly string[]) {
    super('DAG_CYCLE', `dependency cycle: ${cycle.join(' -> ')}`, {
      hint: 'remove one of the dependsOn entries along the cycle',
    });
    this.cycle = cycle;
  }
}
