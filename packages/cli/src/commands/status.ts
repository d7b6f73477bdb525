/** `llm-orchestrator status <id>`: a run and its tasks, from the store; `--watch` follows it. */
import { ExitCode } from '../exit-codes.js';
import { cell, duration, errorText, iso } from '../format.js';
import { serialise, table, type OutputFormat } from '../output.js';
import { isTerminal, loadRunView, type RunView, type TaskView } from '../run-view.js';
import { withSession, type StoreOptions } from '../session.js';
import { poller } from '../watch.js';

export interface StatusCommandOptions extends StoreOptions {
  readonly output: OutputFormat;
  readonly watch?: boolean;
}

const WATCH_MS = 500;

function detail(t: TaskView): string {
  if (t.error !== undefined) return errorText(t.error);
  if (t.skipReason !== undefined) return t.skipReason;
  if (t.fallback !== undefined) return `fallback: ${t.fallback}`;
  if (t.approval?.state === 'waiting') return `waits for approval: ${t.approval.reason}`;
  if (t.approval !== undefined)
    return `${t.approval.state}${t.approval.actor === undefined ? '' : ` by ${t.approval.actor}`}`;
  return '';
}

function cost(value: number | undefined): string {
  return value === undefined ? '' : `$${value.toFixed(4)}`;
}

/** The run as text: its fields, the task table, then its outputs. */
export function renderRun(view: RunView): string {
  const lines: [string, string][] = [
    ['run', view.id],
    ['workflow', `${view.workflow.name}@${view.workflow.version}`],
    ['status', view.owner === undefined ? view.status : `${view.status} (held by ${view.owner})`],
    ['created', iso(view.createdAt)],
  ];
  if (view.startedAt !== undefined) lines.push(['started', iso(view.startedAt)]);
  if (view.endedAt !== undefined) lines.push(['ended', iso(view.endedAt)]);
  if (view.durationMs !== undefined) lines.push(['duration', duration(view.durationMs)]);
  if (view.error !== undefined) lines.push(['error', errorText(view.error)]);
  if (view.tokens !== undefined) lines.push(['tokens', String(view.tokens)]);
  if (view.cost !== undefined) lines.push(['cost', cost(view.cost)]);
  const width = Math.max(...lines.map(([k]) => k.length));
  let out = lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
  const usage = view.tasks.some((t) => t.tokens !== undefined || t.cost !== undefined);
  if (view.tasks.length > 0) {
    out += table(
      ['task', 'state', 'attempts', 'duration', ...(usage ? ['tokens', 'cost'] : []), 'detail'],
      view.tasks.map((t) => [
        t.id,
        t.status,
        t.attempts,
        duration(t.durationMs),
        ...(usage ? [t.tokens === undefined ? '' : String(t.tokens), cost(t.cost)] : []),
        detail(t),
      ]),
    );
  }
  if (view.outputs !== undefined) {
    const rows = Object.entries(view.outputs).map(([k, v]) => [k, cell(v)]);
    out += rows.length === 0 ? '(no outputs)\n' : table(['output', 'value'], rows);
  }
  return out;
}

const TIMES = new Set(['createdAt', 'startedAt', 'endedAt', 'leaseExpiresAt']);

/** Times as ISO strings, and without the journal seq the view is as of. */
function isoTimes(value: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'seq')
      .map(([k, v]) => [k, TIMES.has(k) && typeof v === 'number' ? iso(v) : v]),
  );
}

/** The view as data, for JSON and YAML. */
function data(view: RunView): Record<string, unknown> {
  return { ...isoTimes(view), tasks: view.tasks.map(isoTimes) };
}

function print(view: RunView, format: OutputFormat): void {
  if (format === 'json' || format === 'yaml') {
    process.stdout.write(serialise(data(view), format));
  } else {
    process.stdout.write(renderRun(view));
  }
}

/** What changed between two views, one line each (watching without a terminal). */
function changes(before: RunView | undefined, after: RunView, format: OutputFormat): string[] {
  const at = new Date().toISOString();
  const lines: string[] = [];
  const line = (fields: Record<string, unknown>, text: string): void => {
    lines.push(format === 'json' ? JSON.stringify({ time: at, ...fields }) : `${at} ${text}`);
  };
  const runChanged = before?.status !== after.status;
  const runLine = (): void => {
    const why = after.error === undefined ? '' : `: ${errorText(after.error)}`;
    line({ run: after.id, status: after.status }, `run ${after.id} ${after.status}${why}`);
  };
  // A run that starts is told before its tasks; one that ends, after them.
  if (runChanged && !isTerminal(after.status)) runLine();
  const old = new Map(before?.tasks.map((t) => [t.id, t]));
  for (const t of after.tasks) {
    const o = old.get(t.id);
    if (o?.status === t.status && o.attempts === t.attempts) continue;
    if (o === undefined && t.status === 'pending') continue;
    const attempt = t.attempts > 1 ? ` (attempt ${t.attempts})` : '';
    line(
      { run: after.id, task: t.id, status: t.status, attempt: t.attempts },
      `${t.id} ${t.status}${attempt}${t.error === undefined ? '' : `: ${errorText(t.error)}`}`,
    );
  }
  if (runChanged && isTerminal(after.status)) runLine();
  return lines;
}

export async function statusCommand(runId: string, options: StatusCommandOptions): Promise<number> {
  return withSession(options, async ({ store }) => {
    let view = await loadRunView(store, runId);
    if (options.watch !== true) {
      print(view, options.output);
      return ExitCode.Ok;
    }
    const redraw = process.stdout.isTTY && options.output === 'table';
    const poll = poller();
    try {
      let previous: RunView | undefined;
      for (;;) {
        if (redraw) {
          // Like watch(1): clear the screen, then draw the run as it is now.
          process.stdout.write(`\u001b[H\u001b[2J${renderRun(view)}`);
        } else {
          for (const l of changes(previous, view, options.output)) process.stdout.write(`${l}\n`);
        }
        if (isTerminal(view.status) && view.owner === undefined) break;
        if (!(await poll.wait(WATCH_MS))) return ExitCode.Interrupted;
        previous = view;
        view = await loadRunView(store, runId);
      }
    } finally {
      poll.dispose();
    }
    if (!redraw) {
      if (options.output === 'json') {
        process.stdout.write(`${JSON.stringify(data(view))}\n`);
      } else print(view, options.output);
    }
    return view.status === 'completed' ? ExitCode.Ok : ExitCode.RunFailed;
  });
}
