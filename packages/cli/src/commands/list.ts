/** `llm-orchestrator list`: the runs in the store, newest first. */
import { RunStatus, type RunRecord } from '@llm-orchestrator/core';
import { CliError, ExitCode } from '../exit-codes.js';
import { duration, iso } from '../format.js';
import { serialise, table, type OutputFormat } from '../output.js';
import { isTerminal } from '../run-view.js';
import { withSession, type StoreOptions } from '../session.js';

export interface ListCommandOptions extends StoreOptions {
  readonly output: OutputFormat;
  readonly status?: readonly string[];
  readonly workflow?: string;
  readonly limit: number;
}

const STATUSES: readonly string[] = Object.values(RunStatus);

function parseStatuses(given: readonly string[]): RunStatus[] {
  const all = given
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of all) {
    if (!STATUSES.includes(s)) {
      throw new CliError(
        `--status must be one of ${STATUSES.join(', ')}; got "${s}"`,
        ExitCode.Usage,
      );
    }
  }
  return all as RunStatus[];
}

/** The process holding the run's lease now, or its last holder marked `(expired)`. */
function owner(r: RunRecord, now: number): string {
  if (r.owner === undefined) return '';
  return (r.leaseExpiresAt ?? 0) > now ? r.owner : `${r.owner} (expired)`;
}

/** From creation to the last entry of a run that ended; to now for one that has not. */
function took(r: RunRecord, now: number): number | undefined {
  if (r.status === 'pending') return undefined;
  return (isTerminal(r.status) ? r.updatedAt : now) - r.createdAt;
}

export async function listCommand(options: ListCommandOptions): Promise<number> {
  const statuses = parseStatuses(options.status ?? []);
  return withSession(options, async ({ store }) => {
    const records = await store.listRuns({
      limit: options.limit,
      ...(statuses.length === 0 ? {} : { status: statuses }),
      ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
    });
    const now = Date.now();
    if (options.output === 'json' || options.output === 'yaml') {
      const data = records.map((r) => ({
        id: r.id,
        workflow: r.workflow,
        status: r.status,
        createdAt: iso(r.createdAt),
        updatedAt: iso(r.updatedAt),
        durationMs: took(r, now) ?? null,
        owner: owner(r, now) === '' ? null : owner(r, now),
        ...(r.error === undefined
          ? {}
          : { error: { code: r.error.code, message: r.error.message } }),
      }));
      process.stdout.write(serialise(data, options.output));
      return ExitCode.Ok;
    }
    if (records.length === 0) {
      process.stdout.write('(no runs)\n');
      return ExitCode.Ok;
    }
    process.stdout.write(
      table(
        ['id', 'workflow', 'status', 'created', 'duration', 'owner'],
        records.map((r) => [
          r.id,
          `${r.workflow.name}@${r.workflow.version}`,
          r.status,
          iso(r.createdAt),
          duration(took(r, now)),
          owner(r, now),
        ]),
      ),
    );
    return ExitCode.Ok;
  });
}
