/** The commands on policy decisions: `approve`, `reject`, and `audit` (the audit log). */
import type { Command } from 'commander';
import { auditCommand } from './commands/audit.js';
import { decideCommand, type DecisionKind } from './commands/decide.js';
import {
  parseCount,
  storeOptions,
  withExecutionOptions,
  withOutputOption,
  withStoreOptions,
  type StoreFlags,
} from './options.js';
import { parseOutputFormat } from './output.js';

type SetExit = (code: number) => void;

interface DecideFlags extends StoreFlags {
  as?: string;
  comment?: string;
  output?: string;
  quiet?: boolean;
  detach?: boolean;
  spawn: boolean;
}

const DECISIONS: readonly { kind: DecisionKind; description: string }[] = [
  { kind: 'approve', description: 'let a task that waits for approval (a policy holds it) run' },
  {
    kind: 'reject',
    description: 'fail a task that waits for approval (ApprovalRejected; its fallback applies)',
  },
];

export function registerApprovalCommands(program: Command, setExit: SetExit): void {
  for (const { kind, description } of DECISIONS) {
    const command = program
      .command(kind)
      .description(description)
      .argument('<run>', 'the run id')
      .argument('<task>', 'the task id')
      .option('--as <name>', 'who decides, for the audit log (default: your login name)')
      .option('--comment <text>', 'why (kept in the journal and the audit log)')
      .option('-o, --output <format>', 'json, yaml or table, if the run finishes here')
      .option('--detach', 'if the run is taken over here: leave it to a background worker')
      .option('--no-spawn', 'with --detach: start no worker')
      .option('-q, --quiet', 'no live progress');
    withExecutionOptions(withStoreOptions(command)).action(
      async (run: string, task: string, opts: DecideFlags) => {
        setExit(
          await decideCommand(kind, run, task, {
            ...storeOptions(opts),
            ...(opts.as === undefined ? {} : { actor: opts.as }),
            ...(opts.comment === undefined ? {} : { comment: opts.comment }),
            output:
              opts.output === undefined
                ? undefined
                : parseOutputFormat(opts.output, ['json', 'yaml', 'table']),
            ...(opts.quiet === true ? { quiet: true } : {}),
            ...(opts.detach === true ? { detach: true } : {}),
            spawn: opts.spawn,
          }),
        );
      },
    );
  }

  const audit = program
    .command('audit')
    .description('the audit log: policy decisions, approvals, budget refusals; oldest first')
    .option('--run <id>', 'only this run')
    .option(
      '--action <name>',
      'only this action (policy.decision, task.approve, budget.check, ...)',
    )
    .option('--limit <n>', 'at most this many entries', '100');
  withStoreOptions(withOutputOption(audit)).action(
    async (opts: StoreFlags & { run?: string; action?: string; limit: string; output: string }) => {
      setExit(
        await auditCommand({
          ...storeOptions(opts),
          ...(opts.run === undefined ? {} : { runId: opts.run }),
          ...(opts.action === undefined ? {} : { action: opts.action }),
          limit: parseCount(opts.limit, '--limit'),
          output: parseOutputFormat(opts.output, ['json', 'yaml', 'table']),
        }),
      );
    },
  );
}
