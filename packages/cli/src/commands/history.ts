/** `llm-orchestrator history <id>`: a run's journal, entry by entry; `--follow` keeps reading. */
import type { JournalEntry, StoredEntry } from '@llm-orchestrator/core';
import { ExitCode } from '../exit-codes.js';
import { errorText, iso, jsonSize, size } from '../format.js';
import { serialise, table, type OutputFormat } from '../output.js';
import { getRecord, isTerminal } from '../run-view.js';
import { withSession, type StoreOptions } from '../session.js';
import { poller } from '../watch.js';

export interface HistoryCommandOptions extends StoreOptions {
  readonly output: OutputFormat;
  readonly follow?: boolean;
}

export interface HistoryRow {
  readonly seq: number;
  readonly time: string;
  readonly type: JournalEntry['type'];
  readonly task?: string;
  readonly attempt?: number;
  readonly detail: string;
}

const FOLLOW_MS = 500;

function detailOf(e: JournalEntry): string {
  switch (e.type) {
    case 'run.created':
      return `${e.workflow.name}@${e.workflow.version}`;
    case 'run.status':
      return e.error === undefined ? e.status : `${e.status}: ${errorText(e.error)}`;
    case 'run.outputs':
      return `outputs ${size(jsonSize(e.outputs))}`;
    case 'task.started':
      return '';
    case 'task.completed':
      return `output ${size(jsonSize(e.output))}${e.fallback === undefined ? '' : ` (fallback: ${e.fallback})`}`;
    case 'task.failed': {
      const state = e.status === 'failed' ? '' : `${e.status}: `;
      const retry = e.retryAt === undefined ? '' : `; retry at ${iso(e.retryAt)}`;
      return `${state}${errorText(e.error)}${retry}`;
    }
    case 'task.skipped':
      return e.reason;
    case 'task.cancelled':
      return 'cancelled';
    case 'task.reset':
      return 'reset: the run was retried';
    case 'task.waiting':
      return `waiting for approval: ${e.reason}`;
    case 'task.decided': {
      const by = e.actor === undefined ? '' : ` by ${e.actor}`;
      return `${e.decision}${by}${e.comment === undefined ? '' : `: ${e.comment}`}`;
    }
  }
}

export function historyRow({ seq, entry }: StoredEntry): HistoryRow {
  return {
    seq,
    time: iso(entry.at),
    type: entry.type,
    ...('taskId' in entry ? { task: entry.taskId } : {}),
    ...('attempt' in entry ? { attempt: entry.attempt } : {}),
    detail: detailOf(entry),
  };
}

function line(row: HistoryRow, format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(row);
  const task = row.task === undefined ? '' : ` ${row.task}`;
  const attempt = row.attempt === undefined ? '' : ` #${row.attempt}`;
  const detail = row.detail === '' ? '' : ` ${row.detail}`;
  return `${String(row.seq).padStart(4)} ${row.time} ${row.type}${task}${attempt}${detail}`;
}

export async function historyCommand(
  runId: string,
  options: HistoryCommandOptions,
): Promise<number> {
  return withSession(options, async ({ store }) => {
    await getRecord(store, runId);
    if (options.follow !== true) {
      const rows = (await store.read(runId)).map(historyRow);
      if (options.output === 'json' || options.output === 'yaml') {
        process.stdout.write(serialise(rows, options.output));
      } else {
        process.stdout.write(
          table(
            ['seq', 'time', 'type', 'task', 'attempt', 'detail'],
            rows.map((r) => [r.seq, r.time, r.type, r.task ?? '', r.attempt ?? '', r.detail]),
          ),
        );
      }
      return ExitCode.Ok;
    }
    // Following: one line per entry (a JSON object per line with -o json) until the run ends.
    const poll = poller();
    try {
      let seq = 0;
      for (;;) {
        const record = await getRecord(store, runId);
        const entries = await store.read(runId, seq);
        for (const e of entries) process.stdout.write(`${line(historyRow(e), options.output)}\n`);
        seq = entries.at(-1)?.seq ?? seq;
        const held = record.owner !== undefined && (record.leaseExpiresAt ?? 0) > Date.now();
        if (isTerminal(record.status) && !held && seq >= record.lastSeq) return ExitCode.Ok;
        if (!(await poll.wait(FOLLOW_MS))) return ExitCode.Interrupted;
      }
    } finally {
      poll.dispose();
    }
  });
}
