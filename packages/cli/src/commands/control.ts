/**
 * `cancel`, `pause`, `resume` and `retry <id>`: through `engine.control`. A live holder of the run
 * takes the request (the command reports it and exits); when no live process holds the run, this
 * one takes it over: cancel and pause are applied and the run is given up again, resume and retry
 * execute the run here, in the foreground, or in a background worker with `--detach`.
 */
import type { ControlCommand, RunHandle, RunRecord, Store } from '@llm-orchestrator/core';
import { CliError, ExitCode } from '../exit-codes.js';
import { detach, finishInForeground, showProgress, type ForegroundOptions } from '../foreground.js';
import { getRecord, isTerminal, taskOrder } from '../run-view.js';
import { withEngine, type EngineSession, type StoreOptions } from '../session.js';

export type ControlKind = 'cancel' | 'pause' | 'resume' | 'retry';

export interface ControlCommandOptions extends StoreOptions, ForegroundOptions {
  /** `cancel --reason`. */
  readonly reason?: string;
  /** `retry --from`. */
  readonly from?: string;
  readonly detach?: boolean;
  readonly spawn?: boolean;
  /** How long to wait for the holder to take the request, and for the run to show it. */
  readonly timeoutMs: number;
}

const PAST: Record<ControlKind, string> = {
  cancel: 'cancelled',
  pause: 'paused',
  resume: 'resumed',
  retry: 'retried',
};

/** The state the run shows once the request is applied. */
function applied(kind: ControlKind, status: string): boolean {
  switch (kind) {
    case 'cancel':
      return isTerminal(status);
    case 'pause':
      return status === 'paused' || isTerminal(status);
    case 'resume':
    case 'retry':
      return status !== 'paused' && !isTerminal(status);
  }
}

/** Refuses what the run's state does not allow; true when there is nothing to do. */
function check(kind: ControlKind, record: RunRecord): boolean {
  const { id, status } = record;
  const ended = isTerminal(status);
  switch (kind) {
    case 'cancel':
      if (ended)
        throw new CliError(`cannot cancel run ${id}: it has ended (${status})`, ExitCode.Invalid);
      return false;
    case 'pause':
      if (ended)
        throw new CliError(`cannot pause run ${id}: it has ended (${status})`, ExitCode.Invalid);
      if (status === 'paused') {
        process.stdout.write(`run ${id} is already paused\n`);
        return true;
      }
      return false;
    case 'resume':
      if (ended) {
        throw new CliError(
          `cannot resume run ${id}: it has ended (${status}); to run it again: llm-orchestrator retry ${id}`,
          ExitCode.Invalid,
        );
      }
      return false;
    case 'retry':
      if (!ended) {
        throw new CliError(
          `cannot retry run ${id}: it is ${status}; retry is for runs that ended`,
          ExitCode.Invalid,
        );
      }
      return false;
  }
}

async function checkTask(store: Store, record: RunRecord, task: string): Promise<void> {
  const tasks = await taskOrder(store, record);
  if (tasks !== undefined && !tasks.includes(task)) {
    throw new CliError(
      `run ${record.id} has no task \`${task}\` (tasks: ${tasks.join(', ')})`,
      ExitCode.Usage,
    );
  }
}

/** Waits until the store shows the run in the state `kind` leads to; the record, or undefined. */
async function settled(
  store: Store,
  runId: string,
  kind: ControlKind,
  timeoutMs: number,
): Promise<RunRecord | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await store.flush();
    const record = await store.getRun(runId);
    if (record !== undefined && applied(kind, record.status)) return record;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function command(kind: ControlKind, options: ControlCommandOptions): ControlCommand {
  switch (kind) {
    case 'cancel':
      return {
        type: 'cancel',
        ...(options.reason === undefined ? {} : { reason: options.reason }),
      };
    case 'retry':
      return { type: 'retry', ...(options.from === undefined ? {} : { fromTask: options.from }) };
    default:
      return { type: kind };
  }
}

/** This process holds the run now: cancel or pause it, wait for the store to show it, let it go. */
async function stopHere(
  session: EngineSession,
  handle: RunHandle,
  kind: 'cancel' | 'pause',
  options: ControlCommandOptions,
): Promise<number> {
  // A request taken with the run is applied as it is restored; pausing a run that had not
  // started yet is not (it is pending then): apply it now.
  if (kind === 'cancel') handle.cancel(options.reason);
  else if (handle.status() === 'running') handle.pause();
  const record = await settled(session.store, handle.id, kind, options.timeoutMs);
  await session.closeEngine();
  const status = record?.status ?? handle.status();
  if (kind === 'pause' && status !== 'paused') {
    throw new CliError(
      `run ${handle.id} ended (${status}) before it could be paused`,
      ExitCode.Invalid,
    );
  }
  process.stdout.write(`run ${handle.id} ${status}\n`);
  return ExitCode.Ok;
}

/** This process holds the run now: make sure the request took effect, then execute it. */
async function runHere(
  session: EngineSession,
  handle: RunHandle,
  kind: 'resume' | 'retry',
  options: ControlRunOptions,
  restarted: boolean,
): Promise<number> {
  // Applied as the run was restored, unless it could not be (an error then surfaces here).
  if (kind === 'retry' && !restarted && isTerminal(handle.status())) handle.retry(options.from);
  if (kind === 'resume' && handle.status() === 'paused') handle.resume();
  await options.onApplied?.();
  if (options.detach === true) return detach(session, handle.id, options);
  if (process.stderr.isTTY && options.quiet !== true) {
    process.stderr.write(`run ${handle.id} ${PAST[kind]}: it runs here\n`);
  }
  return finishInForeground(session, handle, options);
}

export interface ControlRunOptions extends ControlCommandOptions {
  /** Called once the request took effect (dlq retry removes its dead letter then). */
  readonly onApplied?: () => Promise<unknown>;
}

/** Sends the request, or applies it here after taking the run over; see the file comment. */
export async function controlRun(
  session: EngineSession,
  kind: ControlKind,
  runId: string,
  options: ControlRunOptions,
): Promise<number> {
  const { engine, store } = session;
  const record = await getRecord(store, runId);
  if (check(kind, record)) return ExitCode.Ok;
  if (kind === 'retry' && options.from !== undefined) await checkTask(store, record, options.from);
  const executes = (kind === 'resume' || kind === 'retry') && options.detach !== true;
  if (executes) showProgress(session, options);
  // Whether the run started again here (a retry taken with the run is applied as it is restored).
  let restarted = false;
  engine.on((e) => {
    if (e.type === 'run.status' && e.runId === runId && e.status === 'running') restarted = true;
  });
  const held = record.owner !== undefined && (record.leaseExpiresAt ?? 0) > Date.now();
  if (held && process.stderr.isTTY) {
    process.stderr.write(
      `run ${runId} is held by ${record.owner ?? '?'}: asking it to ${kind} (or waiting for its lease to expire)…\n`,
    );
  }
  const handle = await engine.control(runId, command(kind, options), options.timeoutMs);
  if (handle === undefined) {
    await options.onApplied?.();
    const after = await settled(store, runId, kind, Math.min(options.timeoutMs, 5000));
    const holder = after?.owner ?? record.owner ?? 'its holder';
    const now = after === undefined ? '' : ` (run ${runId} is ${after.status})`;
    process.stdout.write(`${kind} requested: applied by ${holder}${now}\n`);
    return ExitCode.Ok;
  }
  return kind === 'cancel' || kind === 'pause'
    ? stopHere(session, handle, kind, options)
    : runHere(session, handle, kind, options, restarted);
}

export async function controlCommand(
  kind: ControlKind,
  runId: string,
  options: ControlCommandOptions,
): Promise<number> {
  return withEngine(options, (session) => controlRun(session, kind, runId, options));
}
