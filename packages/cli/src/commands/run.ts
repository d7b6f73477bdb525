/** `llm-orchestrator run <file>`: runs a workflow here and prints its outputs. */
import { parse as parseYaml } from 'yaml';
import {
  createEngine,
  DefinitionError,
  InvalidInputsError,
  parseInputAssignments,
  planFromValidation,
  type EngineEvent,
  type LogSink,
  type RunResult,
} from '@llm-orchestrator/core';
import { CliError, ExitCode } from '../exit-codes.js';
import { readText, validateFiles } from '../load.js';
import { colours, serialise, table, type OutputFormat } from '../output.js';
import { textReport } from './validate.js';

export interface RunCommandOptions {
  readonly inputs: readonly string[];
  readonly inputsJson?: string;
  readonly inputsFile?: string;
  readonly output: OutputFormat | undefined;
  readonly name?: string;
  readonly templates?: readonly string[];
  readonly allowEnv?: readonly string[];
  readonly verbose?: boolean;
  readonly quiet?: boolean;
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError(
      `${where} must be a JSON/YAML mapping of input names to values`,
      ExitCode.Usage,
    );
  }
  return value as Record<string, unknown>;
}

async function gatherInputs(
  options: RunCommandOptions,
  declared: Parameters<typeof parseInputAssignments>[1],
): Promise<Record<string, unknown>> {
  let inputs: Record<string, unknown> = {};
  if (options.inputsFile !== undefined) {
    const text = await readText(options.inputsFile);
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new CliError(
        `--inputs-file ${options.inputsFile} is not valid JSON or YAML: ${(err as Error).message}`,
        ExitCode.Usage,
      );
    }
    inputs = { ...inputs, ...asObject(parsed, `--inputs-file ${options.inputsFile}`) };
  }
  if (options.inputsJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.inputsJson);
    } catch (err) {
      throw new CliError(`--inputs is not valid JSON: ${(err as Error).message}`, ExitCode.Usage);
    }
    inputs = { ...inputs, ...asObject(parsed, '--inputs') };
  }
  try {
    return { ...inputs, ...parseInputAssignments(options.inputs, declared) };
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.Usage);
  }
}

/** One line per task change on a terminal: what runs, what finished, how long it took. */
function progressPrinter(stream: NodeJS.WriteStream): (e: EngineEvent) => void {
  const c = colours(stream);
  return (e) => {
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
    };
    const text = line[e.status];
    if (text !== undefined) stream.write(`${text}\n`);
  };
}

function printResult(result: RunResult, format: OutputFormat): void {
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

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const log: LogSink =
    options.verbose === true
      ? (level, message, fields) => {
          process.stderr.write(
            `${JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields })}\n`,
          );
        }
      : () => undefined;
  const engine = createEngine({
    allowEnv: options.allowEnv ?? [],
    log,
    // The workflow's `alert` handlers speak to the person running it: on standard error.
    alertSink: (alert) => {
      process.stderr.write(`alert [${alert.severity}] ${alert.channel}: ${alert.message}\n`);
    },
  });
  const [validation] = await validateFiles([file], {
    executors: engine.executors,
    ...(options.templates === undefined ? {} : { templates: options.templates }),
    ...(options.allowEnv === undefined ? {} : { allowEnv: options.allowEnv }),
  });
  if (validation === undefined) return ExitCode.Internal;
  if (!validation.ok) {
    process.stderr.write(
      `${file} is invalid; fix these first:\n${textReport([validation], true, process.stderr)}`,
    );
    return ExitCode.Invalid;
  }
  let plan;
  try {
    // The validated file (templates from --templates included) is what runs.
    plan = planFromValidation(validation, options.name);
  } catch (err) {
    if (err instanceof DefinitionError) {
      const which = err.diagnostics.some(
        (d) => d.code === 'AMBIGUOUS_WORKFLOW' || d.code === 'NO_WORKFLOW',
      );
      throw new CliError(
        err.diagnostics.map((d) => d.message).join('\n'),
        which ? ExitCode.Usage : ExitCode.Invalid,
      );
    }
    throw err;
  }
  const inputs = await gatherInputs(options, plan.inputs);
  const live = process.stderr.isTTY && options.quiet !== true;
  if (live) engine.on(progressPrinter(process.stderr));
  let result: RunResult;
  try {
    result = await engine.run(plan, inputs);
  } catch (err) {
    if (err instanceof InvalidInputsError) throw new CliError(err.message, ExitCode.Usage);
    throw err;
  }
  // Webhooks and alerts of the workflow's `events` finish before the process exits.
  await engine.idle();
  printResult(result, options.output ?? (process.stdout.isTTY ? 'table' : 'json'));
  if (result.status !== 'completed') {
    const why = result.error === undefined ? '' : `: ${result.error.message}`;
    process.stderr.write(`run ${result.runId} ${result.status}${why}\n`);
    return ExitCode.RunFailed;
  }
  return ExitCode.Ok;
}
