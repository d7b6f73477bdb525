/**
 * `llm-orchestrator run <file | name@version>`: runs a workflow on the store and prints its
 * outputs, or, with `--detach`, creates the run and leaves it to a background worker.
 */
import { randomUUID } from 'node:crypto';
import { InvalidInputsError, type RunHandle } from '@llm-orchestrator/core';
import { loadWorkflow, type WorkflowOptions } from '../definition.js';
import { CliError, ExitCode } from '../exit-codes.js';
import {
  detach,
  finishInForeground,
  showProgress,
  storeFlags,
  type ForegroundOptions,
} from '../foreground.js';
import { gatherInputs, type InputOptions } from '../inputs.js';
import { withEngine, type StoreOptions } from '../session.js';

export interface RunCommandOptions
  extends InputOptions, WorkflowOptions, ForegroundOptions, StoreOptions {
  readonly runId?: string;
  readonly detach?: boolean;
  /** `--no-spawn`: with `--detach`, leave the run to a worker already running. */
  readonly spawn?: boolean;
}

export async function runCommand(target: string, options: RunCommandOptions): Promise<number> {
  return withEngine(options, async (session) => {
    const { engine, store } = session;
    if (options.detach === true && session.location.kind === 'memory') {
      throw new CliError(
        '--detach needs a store other processes can read: not :memory:',
        ExitCode.Usage,
      );
    }
    const loaded = await loadWorkflow(engine, target, options);
    const inputs = await gatherInputs(options, loaded.plan.inputs);
    if (options.runId !== undefined && (await store.getRun(options.runId)) !== undefined) {
      throw new CliError(`a run with id ${options.runId} already exists`, ExitCode.Invalid);
    }
    const start = { workflow: loaded.workflow, runId: options.runId ?? randomUUID() };
    if (options.detach === true) {
      let runId: string;
      try {
        runId = await engine.submit(loaded.definition, inputs, start);
      } catch (err) {
        if (err instanceof InvalidInputsError) throw new CliError(err.message, ExitCode.Usage);
        throw err;
      }
      return detach(session, runId, options);
    }
    showProgress(
      session,
      options,
      `run ${start.runId} (llm-orchestrator status ${start.runId}${storeFlags(options)})`,
    );
    let handle: RunHandle;
    try {
      handle = engine.start(loaded.definition, inputs, start);
    } catch (err) {
      if (err instanceof InvalidInputsError) throw new CliError(err.message, ExitCode.Usage);
      throw err;
    }
    return finishInForeground(session, handle, options);
  });
}
