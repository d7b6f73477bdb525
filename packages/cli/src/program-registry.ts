/** The commands on what the store keeps besides runs: the dead-letter queue and the workflow registry. */
import type { Command } from 'commander';
import { dlqListCommand, dlqPurgeCommand, dlqRetryCommand, parseAge } from './commands/dlq.js';
import { registerCommand, workflowsListCommand } from './commands/workflows.js';
import { CONFIG_ENV } from './llm-config.js';
import {
  collect,
  dataFormat,
  storeOptions,
  withExecutionOptions,
  withOutputOption,
  withStoreOptions,
  type StoreFlags,
} from './options.js';
import { parseOutputFormat } from './output.js';

type SetExit = (code: number) => void;

export function registerRegistryCommands(program: Command, setExit: SetExit): void {
  const dlq = program
    .command('dlq')
    .description('the dead-letter queue: tasks and runs that failed for good');

  const list = dlq
    .command('list')
    .description('list dead letters, oldest first')
    .option('--queue <name>', 'only this queue')
    .option('--run <id>', 'only the dead letters of this run');
  withStoreOptions(withOutputOption(list)).action(
    async (opts: StoreFlags & { queue?: string; run?: string; output: string }) => {
      setExit(
        await dlqListCommand({
          ...storeOptions(opts),
          output: dataFormat(opts.output),
          ...(opts.queue === undefined ? {} : { queue: opts.queue }),
          ...(opts.run === undefined ? {} : { run: opts.run }),
        }),
      );
    },
  );

  const retry = dlq
    .command('retry')
    .description("run a dead letter's run again from its task, and remove the dead letter")
    .argument('<id>', 'the dead letter id')
    .option(
      '-o, --output <format>',
      'json, yaml or table (default: table on a terminal, json when piped)',
    )
    .option('--detach', 'leave the run to a background worker instead of running it here')
    .option('--no-spawn', 'with --detach: start no worker (one already running picks the run up)')
    .option('-q, --quiet', 'no live progress')
    .option(
      '--timeout <duration>',
      'how long to wait for a process holding the run to take the request',
      '30s',
    );
  withExecutionOptions(withStoreOptions(retry)).action(
    async (
      id: string,
      opts: StoreFlags & {
        output?: string;
        detach?: boolean;
        spawn: boolean;
        quiet?: boolean;
        timeout: string;
      },
    ) => {
      setExit(
        await dlqRetryCommand(id, {
          ...storeOptions(opts),
          timeoutMs: parseAge(opts.timeout, '--timeout'),
          output:
            opts.output === undefined
              ? undefined
              : parseOutputFormat(opts.output, ['json', 'yaml', 'table']),
          ...(opts.detach === true ? { detach: true } : {}),
          spawn: opts.spawn,
          ...(opts.quiet === true ? { quiet: true } : {}),
        }),
      );
    },
  );

  const purge = dlq
    .command('purge')
    .description('remove dead letters; prints how many')
    .option('--queue <name>', 'only this queue')
    .option('--older-than <duration>', 'only those at least this old: 7d, 12h, 30m...');
  withStoreOptions(purge).action(
    async (opts: StoreFlags & { queue?: string; olderThan?: string }) => {
      setExit(
        await dlqPurgeCommand({
          ...storeOptions(opts),
          ...(opts.queue === undefined ? {} : { queue: opts.queue }),
          ...(opts.olderThan === undefined ? {} : { olderThan: opts.olderThan }),
        }),
      );
    },
  );

  const workflows = program
    .command('workflows')
    .description('the workflow registry: definitions kept as name@version');

  const register = workflows
    .command('register')
    .description('validate a workflow file and register it as name@version')
    .argument('<file>', 'the workflow file')
    .option('-n, --name <name>', 'which workflow, when the file holds several')
    .option('-t, --templates <file>', 'a file of Template documents (repeatable)', collect)
    .option(
      '--allow-env <name>',
      'an environment variable expressions may read (repeatable)',
      collect,
    )
    .option(
      '--config <file>',
      `the LLM configuration, for the aliases it defines (env ${CONFIG_ENV})`,
    );
  withStoreOptions(register).action(
    async (file: string, opts: StoreFlags & { name?: string; templates?: string[] }) => {
      setExit(
        await registerCommand(file, {
          ...storeOptions(opts),
          ...(opts.name === undefined ? {} : { name: opts.name }),
          ...(opts.templates === undefined ? {} : { templates: opts.templates }),
        }),
      );
    },
  );

  const wlist = workflows
    .command('list')
    .description('list registered workflows and their versions')
    .argument('[name]', 'only the versions of this workflow');
  withStoreOptions(withOutputOption(wlist)).action(
    async (name: string | undefined, opts: StoreFlags & { output: string }) => {
      setExit(
        await workflowsListCommand(name, {
          ...storeOptions(opts),
          output: dataFormat(opts.output),
        }),
      );
    },
  );
}
