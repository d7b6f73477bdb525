/**
 * `approve` and `reject <run> <task>`: decide a task a policy holds for approval. The decision
 * reaches the run wherever it runs (through the store to its holder); when no live process holds
 * the run, this one takes it over and, like `resume`, executes it here (or in a background worker
 * with `--detach`). Every decision is kept in the audit log, with who decided (`--as`, default the
 * login name) and `--comment`.
 */
import { userInfo } from 'node:os';
import { OrchestratorError } from '@llm-orchestrator/core';
import { CliError, ExitCode } from '../exit-codes.js';
import { detach, finishInForeground, showProgress, type ForegroundOptions } from '../foreground.js';
import { getRecord, isTerminal } from '../run-view.js';
import { withEngine, type StoreOptions } from '../session.js';

export type DecisionKind = 'approve' | 'reject';

export interface DecideOptions extends StoreOptions, ForegroundOptions {
  readonly actor?: string;
  readonly comment?: string;
  readonly detach?: boolean;
  readonly spawn?: boolean;
}

function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export async function decideCommand(
  kind: DecisionKind,
  runId: string,
  taskId: string,
  options: DecideOptions,
): Promise<number> {
  return withEngine(options, async (session) => {
    const { engine, store } = session;
    const record = await getRecord(store, runId);
    if (isTerminal(record.status)) {
      throw new CliError(
        `cannot ${kind} task \`${taskId}\` of run ${runId}: the run has ended (${record.status})`,
        ExitCode.Invalid,
      );
    }
    const decision = {
      actor: options.actor ?? defaultActor(),
      ...(options.comment === undefined ? {} : { comment: options.comment }),
    };
    if (options.detach !== true) showProgress(session, options);
    let handle;
    try {
      handle =
        kind === 'approve'
          ? await engine.approve(runId, taskId, decision)
          : await engine.reject(runId, taskId, decision);
    } catch (err) {
      if (err instanceof OrchestratorError && err.code === 'NOT_WAITING') {
        throw new CliError(err.message, ExitCode.Invalid);
      }
      throw err;
    }
    const past = kind === 'approve' ? 'approved' : 'rejected';
    if (handle === undefined) {
      process.stdout.write(`task ${taskId} of run ${runId} ${past}: its holder carries on\n`);
      return ExitCode.Ok;
    }
    if (options.detach === true) return detach(session, handle.id, options);
    if (process.stderr.isTTY && options.quiet !== true) {
      process.stderr.write(`task ${taskId} ${past}: run ${runId} runs here\n`);
    }
    return finishInForeground(session, handle, options);
  });
}
