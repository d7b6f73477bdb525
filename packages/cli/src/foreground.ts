/**
 * Executing a run in this process until it ends (`run`, `resume`, `retry`, `dlq retry`): live
 * progress on a terminal, SIGINT/SIGTERM giving the run up so that it can be resumed, the result
 * on standard output, and the exit code. Also `--detach`: leaving the run to a background worker.
 */
import type { EngineEvent, RunHandle, RunResult } from '@llm-orchestrator/core';
import { spawnWorker } from './detach.js';
import { codeOf } from './errors.js';
import { CliError, ExitCode } from './exit-codes.js';
import { colours, serialise, table, type OutputFormat } from './output.js';
import type { EngineSession, StoreOptions } from './session.js';

export interface ForegroundOptions {
  readonly output?: OutputFormat | undefined;
  readonly quiet?: boolean;
}

/**
 * One line per task change on a terminal: what runs, what finished, how long it took; and the
 * text an LLM task streams, as it arrives, under the task's name.
 */
function progressPrinter(stream: NodeJS.WriteStream): (e: EngineEvent) => void {
  const c = colours(stream);
  /** The task whose streamed text the cursor is in, if any. */
  let streaming: string | undefined;
  const endStream = (): void => {
    if (streaming !== undefined) stream.write('\n');
    streaming = undefined;
  };
  return (e) => {
    if (e.type === 'task.chunk') {
      if (streaming !== e.taskId) {
        endStream();
        stream.write(c.dim(`  ${e.taskId} ▸ `));
        streaming = e.taskId;
      }
      stream.write(c.dim(e.data));
      return;
    }
    if (e.type !== 'task.status') return;
    const took = e.durationMs === undefined ? '' : c.dim(` ${Math.round(e.durationMs)}ms`);
    const why = e.error === undefined ? '' : `: ${e.error.code}: ${e.error.message}`;
    const line: Partial<Record<string, string>> = {
      running: `${c.dim('…')} ${e.taskId}${e.attempt > 1 ? c.dim(` (attempt ${e.attempt})`) : ''}`,
      completed: `${c.green('✓')} ${e.taskId}${took}`,
      failed: `${c.red('✗')} ${e.taskId}${took}${why}`,
      timed_out: `${c.red('✗')} ${e.taskId} timed out${took}`,
      retrying: `${c.yellow('↻')} ${e.taskId} will retry${why}`,
      skipped: `${c.dim('-')} ${e.taskId} ${c.dim('skipped')}`,
      cancelled: `${c.dim('-')} ${e.taskId} ${c.dim('cancelled')}`,
      waiting_approval: `${c.yellow('⏸')} ${e.taskId} waits for approval: llm-orchestrator approve|reject ${e.runId} ${e.taskId}`,
    };
    const text = line[e.status];
    if (text === undefined) return;
    endStream();
    stream.write(`${text}\n`);
  };
}

/** Whether progress is shown: standard error is a terminal and `--quiet` was not given. */
export function isLive(options: ForegroundOptions): boolean {
  return process.stderr.isTTY && options.quiet !== true;
}

/**
 * Shows live progress of what the engine runs (call before the run starts), after `header`, which
 * is printed with the first event.
 */
export function showProgress(
  session: EngineSession,
  options: ForegroundOptions,
  header?: string,
): void {
  if (!isLive(options)) return;
  const print = progressPrinter(process.stderr);
  let pending = header;
  session.engine.on((e) => {
    if (pending !== undefined) {
      process.stderr.write(`${pending}\n`);
      pending = undefined;
    }
    print(e);
  });
}

/** The options that point another command at the same store, for the hints printed. */
export function storeFlags(options: StoreOptions): string {
  if (options.store !== undefined) return ` --store ${JSON.stringify(options.store)}`;
  if (options.stateDir !== undefined) return ` --state-dir ${JSON.stringify(options.stateDir)}`;
  return '';
}

export function printResult(result: RunResult, format: OutputFormat): void {
  switch (format) {
    case 'json':
    case 'yaml':
      process.stdout.write(
        serialise(
          {
            runId: result.runId,
            status: result.status,
            outputs: result.outputs,
            ...(result.error === undefined ? {} : { error: result.error }),
          },
          format,
        ),
      );
      return;
    case 'table':
    case 'text': {
      const rows = Object.entries(result.outputs).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : JSON.stringify(v),
      ]);
      process.stdout.write(rows.length === 0 ? '(no outputs)\n' : table(['output', 'value'], rows));
      return;
    }
  }
}

/**
 * Waits for a run this process executes, then prints its result. A first SIGINT or SIGTERM gives
 * the run up (the engine is closed: leases released, nothing more journalled) and exits 130; a
 * second one exits at once.
 */
export async function finishInForeground(
  session: EngineSession,
  handle: RunHandle,
  options: ForegroundOptions & StoreOptions,
): Promise<number> {
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(ExitCode.Interrupted);
    interrupted = true;
    void session.closeEngine();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: RunResult;
  try {
    result = await handle.wait();
  } catch (err) {
    if (interrupted) {
      await session.closeEngine();
      const hint =
        session.location.kind === 'memory'
          ? ' (the :memory: store keeps nothing: it cannot be continued)'
          : `; continue it with: llm-orchestrator resume ${handle.id}${storeFlags(options)}`;
      process.stderr.write(`run ${handle.id} interrupted${hint}\n`);
      return ExitCode.Interrupted;
    }
    const code = codeOf(err);
    if (code !== undefined) {
      throw new CliError(
        `run ${handle.id} was given up by this process (${code}): ${(err as Error).message}`,
        ExitCode.Io,
      );
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  // Webhooks and alerts of the workflow's `events` finish before the process exits.
  await session.engine.idle();
  printResult(result, options.output ?? (process.stdout.isTTY ? 'table' : 'json'));
  if (result.status !== 'completed') {
    const why = result.error === undefined ? '' : `: ${result.error.message}`;
    process.stderr.write(`run ${result.runId} ${result.status}${why}\n`);
    return ExitCode.RunFailed;
  }
  return ExitCode.Ok;
}

/**
 * Leaves a run to a background worker: this process gives it up (if it held it), prints the run
 * id alone on standard output, and starts `worker --run <id>` unless `spawn` is false.
 */
export async function detach(
  session: EngineSession,
  runId: string,
  options: StoreOptions & { readonly spawn?: boolean },
): Promise<number> {
  await session.closeEngine();
  process.stdout.write(`${runId}\n`);
  if (options.spawn !== false) {
    spawnWorker(runId, session.location, {
      leaseTtlMs: session.leaseTtlMs,
      ...(options.allowEnv === undefined ? {} : { allowEnv: options.allowEnv }),
      ...(options.config === undefined ? {} : { config: options.config }),
    });
  }
  if (process.stderr.isTTY) {
    const where = options.spawn === false ? 'a worker' : 'a background worker';
    process.stderr.write(
      `run ${runId} is left to ${where} (llm-orchestrator status ${runId}${storeFlags(options)})\n`,
    );
  }
  return ExitCode.Ok;
}
