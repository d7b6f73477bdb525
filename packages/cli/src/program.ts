/** The `llm-orchestrator` command line: commands, options and their help. */
import { Command, CommanderError, Option } from 'commander';
import { graphCommand, GRAPH_FORMATS, type GraphFormat } from './commands/graph.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand } from './commands/validate.js';
import { CliError, ExitCode } from './exit-codes.js';
import { toCliError } from './errors.js';
import {
  collect,
  storeOptions,
  withExecutionOptions,
  withStoreOptions,
  type StoreFlags,
} from './options.js';
import { parseOutputFormat } from './output.js';
import { registerApprovalCommands } from './program-approvals.js';
import { registerKeysCommands } from './program-keys.js';
import { registerLlmCommands } from './program-llm.js';
import { registerRegistryCommands } from './program-registry.js';
import { registerRunCommands } from './program-runs.js';
import { registerServerCommands } from './program-server.js';

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('llm-orchestrator')
    .description('Workflow orchestration for LLM-powered applications')
    .version('0.1.0', '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => {
        write(str);
      },
    });

  program
    .command('validate')
    .description('check workflow files and report every problem at once')
    .argument('[files...]', 'workflow files (YAML or JSON)')
    .option('-w, --workflow <file>', 'a workflow file (repeatable)', collect)
    .option(
      '-t, --templates <file>',
      'a file of Template documents the workflows may use (repeatable)',
      collect,
    )
    .option(
      '--allow-env <name>',
      'an environment variable expressions may read; NAME or PREFIX* (repeatable)',
      collect,
    )
    .option('-o, --output <format>', 'text, json, yaml or table', 'text')
    .option('-q, --quiet', 'print problems only, no per-file verdict')
    .action(
      async (
        files: string[],
        opts: {
          workflow?: string[];
          templates?: string[];
          allowEnv?: string[];
          output: string;
          quiet?: boolean;
        },
      ) => {
        const all = [...files, ...(opts.workflow ?? [])];
        if (all.length === 0)
          throw new CliError(
            'validate needs at least one file (validate <file> or -w <file>)',
            ExitCode.Usage,
          );
        setExit(
          await validateCommand(all, {
            output: parseOutputFormat(opts.output),
            ...(opts.quiet === true ? { quiet: true } : {}),
            ...(opts.templates === undefined ? {} : { templates: opts.templates }),
            ...(opts.allowEnv === undefined ? {} : { allowEnv: opts.allowEnv }),
          }),
        );
      },
    );

  program
    .command('schema')
    .description('print the JSON Schema of workflow files (for editor completion)')
    .option('-o, --output <format>', 'json or yaml', 'json')
    .action((opts: { output: string }) => {
      setExit(schemaCommand(parseOutputFormat(opts.output, ['json', 'yaml']) as 'json' | 'yaml'));
    });

  program
    .command('graph')
    .description('draw the task graph (Mermaid or DOT), or print its analysis')
    .argument('[file]', 'a workflow file')
    .option('-w, --workflow <file>', 'the workflow file')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(GRAPH_FORMATS)
        .default('mermaid'),
    )
    .option(
      '-o, --output <format>',
      'json, yaml or table: the analysis (order, levels, critical path)',
    )
    .addOption(
      new Option('-d, --direction <dir>', 'layout direction').choices(['TD', 'LR']).default('TD'),
    )
    .option('-n, --name <name>', 'which workflow, when the file holds several')
    .option('-t, --templates <file>', 'a file of Template documents (repeatable)', collect)
    .option(
      '--allow-env <name>',
      'an environment variable expressions may read; NAME or PREFIX* (repeatable)',
      collect,
    )
    .action(
      async (
        file: string | undefined,
        opts: {
          workflow?: string;
          format: GraphFormat;
          output?: string;
          direction: 'TD' | 'LR';
          name?: string;
          templates?: string[];
          allowEnv?: string[];
        },
      ) => {
        const target = file ?? opts.workflow;
        if (target === undefined)
          throw new CliError('graph needs a file (graph <file> or -w <file>)', ExitCode.Usage);
        const format =
          opts.output === undefined
            ? opts.format
            : (parseOutputFormat(opts.output, ['json', 'yaml', 'table']) as GraphFormat);
        setExit(
          await graphCommand(target, {
            format,
            direction: opts.direction,
            ...(opts.name === undefined ? {} : { name: opts.name }),
            ...(opts.templates === undefined ? {} : { templates: opts.templates }),
            ...(opts.allowEnv === undefined ? {} : { allowEnv: opts.allowEnv }),
          }),
        );
      },
    );

  const run = program
    .command('run')
    .description('run a workflow (a file, or a registered name@version) and print its outputs')
    .argument('[workflow]', 'a workflow file, or a registered workflow: name@version or name')
    .option('-w, --workflow <file>', 'the workflow file')
    .option(
      '-i, --input <name=value>',
      'an input (repeatable); non-string values are read as JSON',
      collect,
    )
    .option('--inputs <json>', 'inputs as one JSON object')
    .option('--inputs-file <file>', 'inputs from a JSON or YAML file')
    .option(
      '-o, --output <format>',
      'json, yaml or table (default: table on a terminal, json when piped)',
    )
    .option('-n, --name <name>', 'which workflow, when the file holds several')
    .option('-t, --templates <file>', 'a file of Template documents (repeatable)', collect)
    .option('--run-id <id>', 'the id of the new run (default: a random UUID)')
    .option('--detach', 'create the run, print its id and leave it to a background worker')
    .option('--no-spawn', 'with --detach: start no worker (one already running picks the run up)')
    .option('-q, --quiet', 'no live progress');
  withExecutionOptions(withStoreOptions(run)).action(
    async (
      file: string | undefined,
      opts: StoreFlags & {
        workflow?: string;
        input?: string[];
        inputs?: string;
        inputsFile?: string;
        output?: string;
        name?: string;
        templates?: string[];
        runId?: string;
        detach?: boolean;
        spawn: boolean;
        quiet?: boolean;
      },
    ) => {
      const target = file ?? opts.workflow;
      if (target === undefined)
        throw new CliError(
          'run needs a workflow (run <file>, run <name@version> or -w <file>)',
          ExitCode.Usage,
        );
      setExit(
        await runCommand(target, {
          ...storeOptions(opts),
          inputs: opts.input ?? [],
          output:
            opts.output === undefined
              ? undefined
              : parseOutputFormat(opts.output, ['json', 'yaml', 'table']),
          ...(opts.inputs === undefined ? {} : { inputsJson: opts.inputs }),
          ...(opts.inputsFile === undefined ? {} : { inputsFile: opts.inputsFile }),
          ...(opts.name === undefined ? {} : { name: opts.name }),
          ...(opts.templates === undefined ? {} : { templates: opts.templates }),
          ...(opts.runId === undefined ? {} : { runId: opts.runId }),
          ...(opts.detach === true ? { detach: true } : {}),
          spawn: opts.spawn,
          ...(opts.quiet === true ? { quiet: true } : {}),
        }),
      );
    },
  );

  registerRunCommands(program, setExit);
  registerRegistryCommands(program, setExit);
  registerLlmCommands(program, setExit);
  registerApprovalCommands(program, setExit);
  registerServerCommands(program, setExit);
  registerKeysCommands(program, setExit);

  return program;
}

/** Runs the command line; returns the exit code. Never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with code 0; any other commander error is a usage error.
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const known = toCliError(err);
    if (known !== undefined) {
      // An empty message: the command printed what went wrong itself.
      if (known.message !== '') process.stderr.write(`llm-orchestrator: ${known.message}\n`);
      return known.exitCode;
    }
    process.stderr.write(
      `llm-orchestrator: internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return ExitCode.Internal;
  }
}
