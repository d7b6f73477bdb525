/** The commands on runs in the store: list, status, history, cancel, pause, resume, retry, worker. */
import type { Command } from 'commander';
import { controlCommand, type ControlKind } from './commands/control.js';
import { parseAge } from './commands/dlq.js';
import { historyCommand } from './commands/history.js';
import { listCommand } from './commands/list.js';
import { statusCommand } from './commands/status.js';
import { workerCommand } from './commands/worker.js';
import {
  collect,
  dataFormat,
  parseCount,
  storeOptions,
  withExecutionOptions,
  withOutputOption,
  withStoreOptions,
  type StoreFlags,
} from './options.js';
import { parseOutputFormat } from './output.js';

type SetExit = (code: number) => void;

interface ForegroundFlags extends StoreFlags {
  output?: string;
  quiet?: boolean;
  detach?: boolean;
  spawn: boolean;
  timeout: string;
}

const CONTROL: readonly { kind: ControlKind; description: string }[] = [
  { kind: 'cancel', description: 'cancel a run, wherever it runs' },
  { kind: 'pause', description: 'pause a run: nothing new starts until it is resumed' },
  {
    kind: 'resume',
    description:
      'resume a paused run, or continue one whose process died (here, unless a live process holds it)',
  },
  {
    kind: 'retry',
    description: 'run a run that ended again, from what did not complete or --from a task',
  },
];

function registerControl(
  program: Command,
  setExit: SetExit,
  kind: ControlKind,
  description: string,
): void {
  const command = program
    .command(kind)
    .description(description)
    .argument('<id>', 'the run id')
    .option(
      '--timeout <duration>',
      'how long to wait for the process holding the run to take the request',
      '30s',
    );
  if (kind === 'cancel') command.option('--reason <text>', 'why (kept as the run error message)');
  if (kind === 'retry')
    command.option('--from <task>', 'run again from this task and what depends on it');
  if (kind === 'resume' || kind === 'retry') {
    command
      .option(
        '-o, --output <format>',
        'json, yaml or table (default: table on a terminal, json when piped)',
      )
      .option('--detach', 'leave the run to a background worker instead of running it here')
      .option('--no-spawn', 'with --detach: start no worker (one already running picks the run up)')
      .option('-q, --quiet', 'no live progress');
  }
  withExecutionOptions(withStoreOptions(command)).action(
    async (id: string, opts: ForegroundFlags & { reason?: string; from?: string }) => {
      setExit(
        await controlCommand(kind, id, {
          ...storeOptions(opts),
          timeoutMs: parseAge(opts.timeout, '--timeout'),
          output:
            opts.output === undefined
              ? undefined
              : parseOutputFormat(opts.output, ['json', 'yaml', 'table']),
          ...(opts.quiet === true ? { quiet: true } : {}),
          ...(opts.detach === true ? { detach: true } : {}),
          spawn: opts.spawn,
          ...(opts.reason === undefined ? {} : { reason: opts.reason }),
          ...(opts.from === undefined ? {} : { from: opts.from }),
        }),
      );
    },
  );
}

export function registerRunCommands(program: Command, setExit: SetExit): void {
  const list = program
    .command('list')
    .description('list the runs in the store, newest first')
    .option(
      '--status <status>',
      'only runs in this status (repeatable, or comma-separated)',
      collect,
    )
    .option('--workflow <name>', 'only runs of this workflow')
    .option('--limit <n>', 'at most this many runs', '20');
  withStoreOptions(withOutputOption(list)).action(
    async (
      opts: StoreFlags & { status?: string[]; workflow?: string; limit: string; output: string },
    ) => {
      setExit(
        await listCommand({
          ...storeOptions(opts),
          output: dataFormat(opts.output),
          limit: parseCount(opts.limit, '--limit'),
          ...(opts.status === undefined ? {} : { status: opts.status }),
          ...(opts.workflow === undefined ? {} : { workflow: opts.workflow }),
        }),
      );
    },
  );

  const status = program
    .command('status')
    .description('show a run and its tasks')
    .argument('<id>', 'the run id')
    .option('--watch', 'follow the run until it ends (redrawn every 500 ms on a terminal)');
  withStoreOptions(withOutputOption(status)).action(
    async (id: string, opts: StoreFlags & { output: string; watch?: boolean }) => {
      setExit(
        await statusCommand(id, {
          ...storeOptions(opts),
          output: dataFormat(opts.output),
          ...(opts.watch === true ? { watch: true } : {}),
        }),
      );
    },
  );

  const history = program
    .command('history')
    .description("print a run's journal, entry by entry")
    .argument('<id>', 'the run id')
    .option('--follow', 'keep printing new entries until the run ends');
  withStoreOptions(withOutputOption(history)).action(
    async (id: string, opts: StoreFlags & { output: string; follow?: boolean }) => {
      setExit(
        await historyCommand(id, {
          ...storeOptions(opts),
          output: dataFormat(opts.output),
          ...(opts.follow === true ? { follow: true } : {}),
        }),
      );
    },
  );

  for (const { kind, description } of CONTROL) registerControl(program, setExit, kind, description);

  const worker = program
    .command('worker')
    .description('execute runs from the store until stopped (SIGINT, SIGTERM)')
    .option('--concurrency <n>', 'runs executed at once, at most', '100')
    .option('--poll <ms>', 'how often to look for runs to claim', '500')
    .option('--run <id>', 'execute this run only, and exit when it ends');
  withExecutionOptions(withStoreOptions(worker)).action(
    async (opts: StoreFlags & { concurrency: string; poll: string; run?: string }) => {
      setExit(
        await workerCommand({
          ...storeOptions(opts),
          concurrency: parseCount(opts.concurrency, '--concurrency'),
          pollMs: parseCount(opts.poll, '--poll', 10),
          ...(opts.run === undefined ? {} : { run: opts.run }),
        }),
      );
    },
  );
}
