/** `llm-orchestrator dlq list | retry <id> | purge`: the dead-letter queue of the store. */
import { parseDuration, type DeadLetter } from '@llm-orchestrator/core';
import { CliError, ExitCode } from '../exit-codes.js';
import { type ForegroundOptions } from '../foreground.js';
import { controlRun } from './control.js';
import { errorText, iso } from '../format.js';
import { serialise, table, type OutputFormat } from '../output.js';
import { withEngine, withSession, type StoreOptions } from '../session.js';

export interface DlqListOptions extends StoreOptions {
  readonly output: OutputFormat;
  readonly queue?: string;
  readonly run?: string;
}

export async function dlqListCommand(options: DlqListOptions): Promise<number> {
  return withSession(options, async ({ store }) => {
    const letters: DeadLetter[] = await store.deadLetters.list({
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...(options.run === undefined ? {} : { runId: options.run }),
    });
    if (options.output === 'json' || options.output === 'yaml') {
      process.stdout.write(
        serialise(
          letters.map((l) => ({ ...l, createdAt: iso(l.createdAt) })),
          options.output,
        ),
      );
      return ExitCode.Ok;
    }
    if (letters.length === 0) {
      process.stdout.write('(no dead letters)\n');
      return ExitCode.Ok;
    }
    process.stdout.write(
      table(
        ['id', 'queue', 'kind', 'run', 'task', 'workflow', 'error', 'attempts', 'created'],
        letters.map((l) => [
          l.id,
          l.queue,
          l.kind,
          l.runId,
          l.taskId ?? '',
          `${l.workflow.name}@${l.workflow.version}`,
          errorText(l.error),
          l.attempts.length,
          iso(l.createdAt),
        ]),
      ),
    );
    return ExitCode.Ok;
  });
}

export interface DlqRetryOptions extends StoreOptions, ForegroundOptions {
  readonly detach?: boolean;
  readonly spawn?: boolean;
  readonly timeoutMs: number;
}

/**
 * Re-drives a dead letter: its run runs again from its task (every task that did not complete,
 * for a run entry), here or in a background worker, and the dead letter is removed.
 *
 * This is `engine.retryDeadLetter(id)` done through `engine.control`: retryDeadLetter takes a run
 * that ended over with `attach`, which gives its lease back at once, and the retried run then
 * cannot write its journal (LEASE_LOST). A retry request taken with the run keeps the lease.
 */
export async function dlqRetryCommand(id: string, options: DlqRetryOptions): Promise<number> {
  return withEngine(options, async (session) => {
    const letter = await session.engine.deadLetters.get(id);
    if (letter === undefined) throw new CliError(`no dead letter ${id}`, ExitCode.NotFound);
    return controlRun(session, 'retry', letter.runId, {
      ...options,
      ...(letter.taskId === undefined ? {} : { from: letter.taskId }),
      onApplied: () => session.engine.deadLetters.remove(id),
    });
  });
}

export interface DlqPurgeOptions extends StoreOptions {
  readonly queue?: string;
  readonly olderThan?: string;
}

/** `7d`, `12h`, `30m`, `1h30m`... (a bare number is seconds). */
export function parseAge(value: string, option: string): number {
  const ms = parseDuration(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  if (ms === undefined) {
    throw new CliError(
      `${option} must be a duration like 7d, 12h, 30m or 90s; got "${value}"`,
      ExitCode.Usage,
    );
  }
  return ms;
}

export async function dlqPurgeCommand(options: DlqPurgeOptions): Promise<number> {
  const olderThanMs =
    options.olderThan === undefined ? undefined : parseAge(options.olderThan, '--older-than');
  return withSession(options, async ({ store }) => {
    const n = await store.deadLetters.purge({
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      ...(olderThanMs === undefined ? {} : { olderThanMs }),
    });
    process.stdout.write(`purged ${n} dead letter${n === 1 ? '' : 's'}\n`);
    return ExitCode.Ok;
  });
}
