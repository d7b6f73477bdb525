/** `llm-orchestrator audit`: the store's audit log (policy decisions, approvals, budget refusals). */
import { ExitCode } from '../exit-codes.js';
import { iso } from '../format.js';
import { serialise, table, type OutputFormat } from '../output.js';
import { withSession, type StoreOptions } from '../session.js';

export interface AuditCommandOptions extends StoreOptions {
  readonly output: OutputFormat;
  readonly runId?: string;
  readonly action?: string;
  readonly limit: number;
}

export async function auditCommand(options: AuditCommandOptions): Promise<number> {
  return withSession(options, async ({ store }) => {
    const entries = await store.audit.list({
      limit: options.limit,
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      ...(options.action === undefined ? {} : { action: options.action }),
    });
    if (options.output === 'json' || options.output === 'yaml') {
      process.stdout.write(
        serialise(
          entries.map((e) => ({ ...e, at: iso(e.at) })),
          options.output,
        ),
      );
      return ExitCode.Ok;
    }
    if (entries.length === 0) {
      process.stdout.write('(no audit entries)\n');
      return ExitCode.Ok;
    }
    process.stdout.write(
      table(
        ['time', 'actor', 'action', 'run', 'task', 'outcome', 'details'],
        entries.map((e) => [
          iso(e.at),
          e.actor,
          e.action,
          e.runId ?? '',
          e.taskId ?? '',
          e.outcome,
          JSON.stringify(e.details),
        ]),
      ),
    );
    return ExitCode.Ok;
  });
}
