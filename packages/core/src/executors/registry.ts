/**
 * The executor registry: executors by name (`transform:template`, `llm-forge:claude-api`, `sleep`),
 * plus aliases that resolve to another name at lookup. It is an `ExecutorCatalog` for the
 * validator (`has`, `names`).
 */
import type { ExecutorCatalog } from '../definition/semantic/task-checks.js';
import { OrchestratorError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import type { ExecuteFunction, Executor } from './types.js';

/** `name`, `ns:name`, `ns:sub:name`; letters, digits, `_`, `.`, `-`. */
export const EXECUTOR_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*(:[a-z0-9][a-z0-9_.-]*)*$/i;

export interface RegisterOptions {
  readonly description?: string;
  /** Replace an executor or alias already registered under the name, instead of failing. */
  readonly replace?: boolean;
}

export interface AliasOptions {
  readonly replace?: boolean;
}

/** One line of a listing. */
export interface ExecutorInfo {
  readonly name: string;
  readonly description: string | undefined;
  /** For an alias: the name it resolves to. */
  readonly aliasOf: string | undefined;
}

function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || !EXECUTOR_NAME_PATTERN.test(name)) {
    throw new OrchestratorError(
      'INVALID_EXECUTOR_NAME',
      `invalid ${what} name ${JSON.stringify(name)}`,
      { hint: 'use a word or namespaced words like `ns:name` (letters, digits, `_`, `.`, `-`)' },
    );
  }
}

function toExecutor(
  name: string,
  executor: Executor | ExecuteFunction,
  description: string | undefined,
): Executor {
  if (typeof executor === 'function') {
    return description === undefined
      ? { name, execute: executor }
      : { name, description, execute: executor };
  }
  if (typeof executor?.execute !== 'function') {
    throw new OrchestratorError(
      'INVALID_EXECUTOR',
      `executor ${JSON.stringify(name)} has no execute function`,
    );
  }
  const desc = description ?? executor.description;
  if (executor.name === name && desc === executor.description) return executor;
  // Registered under another name or description: a view that keeps `this` for class instances.
  const execute: ExecuteFunction = (inputs, context) => executor.execute(inputs, context);
  return desc === undefined ? { name, execute } : { name, description: desc, execute };
}

export class ExecutorRegistry implements ExecutorCatalog {
  private readonly executors = new Map<string, Executor>();
  /** alias → canonical executor name (never another alias). */
  private readonly aliases = new Map<string, string>();

  /**
   * Registers `executor` under `name`. A plain function is wrapped into an `Executor`. Fails with
   * `EXECUTOR_EXISTS` when the name is taken (by an executor or an alias) unless `replace` is set.
   * The third argument is the description, or the options (the fourth argument is then ignored).
   */
  register(
    name: string,
    executor: Executor | ExecuteFunction,
    description?: string | RegisterOptions,
    options: RegisterOptions = {},
  ): this {
    const opts: RegisterOptions =
      typeof description === 'object'
        ? description
        : description === undefined
          ? options
          : { ...options, description };
    checkName(name, 'executor');
    if (this.has(name) && opts.replace !== true) throw this.exists(name);
    const entry = toExecutor(name, executor, opts.description);
    this.aliases.delete(name);
    this.executors.set(name, entry);
    return this;
  }

  /**
   * Makes `alias` another name of `target` (an executor or an alias of one). Lookups follow the
   * alias at lookup time, so replacing the target later is seen through the alias.
   */
  alias(alias: string, target: string, options: AliasOptions = {}): this {
    checkName(alias, 'alias');
    const canonical = this.canonicalName(target);
    if (canonical === undefined) throw this.notFound(target);
    if (canonical === alias) {
      throw new OrchestratorError('INVALID_ALIAS', `alias ${JSON.stringify(alias)} names itself`);
    }
    if (this.has(alias) && options.replace !== true) throw this.exists(alias);
    if (this.executors.has(alias)) {
      // Replacing an executor by an alias: aliases that pointed to it follow to the new target.
      for (const [a, t] of this.aliases) if (t === alias) this.aliases.set(a, canonical);
      this.executors.delete(alias);
    }
    this.aliases.set(alias, canonical);
    return this;
  }

  has(name: string): boolean {
    return this.executors.has(name) || this.aliases.has(name);
  }

  /** The executor registered under `name` or the one `name` is an alias of. */
  get(name: string): Executor | undefined {
    const canonical = this.canonicalName(name);
    return canonical === undefined ? undefined : this.executors.get(canonical);
  }

  /** Like `get`, but fails with `EXECUTOR_NOT_FOUND` (and a "did you mean" hint). */
  resolve(name: string): Executor {
    const executor = this.get(name);
    if (executor === undefined) throw this.notFound(name);
    return executor;
  }

  /** The name an executor is registered under: `name` itself, or what the alias points to. */
  canonicalName(name: string): string | undefined {
    if (this.executors.has(name)) return name;
    return this.aliases.get(name);
  }

  /** Every executor and alias name, sorted. */
  names(): string[] {
    return [...this.executors.keys(), ...this.aliases.keys()].sort();
  }

  /** Executors and aliases with their descriptions, sorted by name. */
  list(): ExecutorInfo[] {
    return this.names().map((name) => {
      const aliasOf = this.aliases.get(name);
      return { name, description: this.get(name)?.description, aliasOf };
    });
  }

  private exists(name: string): OrchestratorError {
    const what = this.aliases.has(name) ? 'an alias' : 'an executor';
    return new OrchestratorError(
      'EXECUTOR_EXISTS',
      `${what} named "${name}" is already registered`,
      {
        hint: 'pick another name, or pass { replace: true } to replace it',
      },
    );
  }

  private notFound(name: string): OrchestratorError {
    const hint = didYouMean(name, this.names());
    return new OrchestratorError(
      'EXECUTOR_NOT_FOUND',
      `no executor named "${name}" is registered`,
      hint === undefined ? {} : { hint },
    );
  }
}
