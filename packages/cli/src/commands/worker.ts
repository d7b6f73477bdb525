/**
 * `llm-orchestrator worker`: executes runs from the store until stopped (`engine.work`), or, with
 * `--run <id>`, that one run until it ends (what `--detach` starts). One log line per event on
 * standard error; JSON lines with `-v`.
 */
import type { LogLevel, LogSink, RunHandle, RunResult, Store } from '@llm-orchestrator/core';
import { codeOf } from '../errors.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { errorText } from '../format.js';
import { isTerminal } from '../run-view.js';
import { describeStore, withEngine, type EngineSession, type StoreOptions } from '../session.js';
import { poller, type Poller } from '../watch.js';

export interface WorkerCommandOptions extends StoreOptions {
  readonly concurrency: number;
  readonly pollMs: number;
  readonly run?: string;
}

/** Text lines (`<time> <message>`) or, verbose, JSON lines with every field. */
function workerLog(verbose: boolean): LogSink {
  return (level, message, fields) => {
    const time = new Date().toISOString();
    if (verbose) {
      process.stderr.write(`${JSON.stringify({ level, time, msg: message, ...fields })}\n`);
      return;
    }
    if (level === 'debug' || level === 'info') {
      // The engine's own info lines are for -v; the worker's are always shown.
      if (fields.worker !== true) return;
    }
    const extra = Object.entries(fields)
      .filter(([k]) => !['runId', 'worker', 'status'].includes(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const prefix = level === 'error' || level === 'warn' ? `${level}: ` : '';
    process.stderr.write(`${time} ${prefix}${message}${extra === '' ? '' : ` (${extra})`}\n`);
  };
}

/** The store, telling `say` which runs the worker loop claims. */
function observeClaims(store: Store, say: (runIds: readonly string[]) => void): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'claimRuns') {
        return async (...args: Parameters<Store['claimRuns']>) => {
          const ids = await target.claimRuns(...args);
          if (ids.length > 0) say(ids);
          return ids;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** Takes the run over as soon as no live process holds it, then waits for it to end. */
async function workOn(
  session: EngineSession,
  runId: string,
  options: WorkerCommandOptions,
  poll: Poller,
  say: (level: LogLevel, message: string, fields?: Record<string, unknown>) => void,
): Promise<number> {
  const { engine, store } = session;
  let waiting = false;
  let handle: RunHandle | undefined;
  while (handle === undefined) {
    const record = await store.getRun(runId);
    if (record === undefined) throw new CliError(`no run ${runId}`, ExitCode.NotFound);
    const held = record.owner !== undefined && (record.leaseExpiresAt ?? 0) > Date.now();
    if (isTerminal(record.status) && !held) {
      say('info', `run ${runId} has ended (${record.status})`, { runId });
      return ExitCode.Ok;
    }
    try {
      handle = await engine.attach(runId);
    } catch (err) {
      if (codeOf(err) !== 'RUN_HELD') throw err;
      if (!waiting) {
        say('info', `run ${runId} is held by ${record.owner ?? '?'}; waiting`, { runId });
        waiting = true;
      }
      if (!(await poll.wait(options.pollMs))) return ExitCode.Ok;
    }
  }
  say('info', `took run ${runId} over (${handle.status()})`, { runId });
  const ended = handle.wait().then(
    (result: RunResult) => result,
    (err: unknown) => {
      say('warn', `gave run ${runId} up: ${(err as Error).message}`, { runId });
      return undefined;
    },
  );
  await Promise.race([ended, poll.whenInterrupted]);
  await engine.idle();
  return ExitCode.Ok;
}

export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  const log = workerLog(options.verbose === true);
  const say = (level: LogLevel, message: string, fields: Record<string, unknown> = {}): void => {
    log(level, message, { ...fields, worker: true });
  };
  const poll = poller();
  try {
    return await withEngine(
      { ...options, log },
      async (session) => {
        const { engine } = session;
        engine.on((e) => {
          if (e.type !== 'run.status' || !isTerminal(e.status)) return;
          const why = e.error === undefined ? '' : `: ${errorText(e.error)}`;
          say(e.status === 'completed' ? 'info' : 'warn', `run ${e.runId} ${e.status}${why}`, {
            runId: e.runId,
            status: e.status,
          });
        });
        const where = describeStore(session.location);
        if (options.run !== undefined) return workOn(session, options.run, options, poll, say);
        say('info', 'worker started', {
          owner: engine.owner,
          store: where,
          concurrency: options.concurrency,
        });
        const stop = engine.work({
          pollMs: options.pollMs,
          maxRuns: options.concurrency,
          onError: (err) => {
            say('error', `claiming runs failed: ${String(err)}`);
          },
        });
        while (await poll.wait(60_000));
        stop();
        say('info', 'worker stopping: runs in progress here are released');
        return ExitCode.Ok;
      },
      (store) =>
        observeClaims(store, (ids) => {
          for (const id of ids) say('info', `claimed run ${id}`, { runId: id });
        }),
    );
  } finally {
    poll.dispose();
  }
}
