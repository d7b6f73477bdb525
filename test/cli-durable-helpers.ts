/**
 * What the durable-CLI tests share: a state directory per test (removed afterwards), the CLI run in
 * it (synchronously, or as a long-running child process), and waiting for a run to get somewhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { repoRoot, runCli, type CliRun } from './cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'llmo-durable-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface RunStatusView {
  id: string;
  status: string;
  owner?: string;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  tasks: { id: string; status: string; attempts: number }[];
}

export interface HistoryRow {
  seq: number;
  type: string;
  task?: string;
  attempt?: number;
  detail: string;
}

/** The CLI against one state directory (or the store in `env`). */
export class StateDir {
  readonly dir = tempDir();
  readonly env: Record<string, string>;

  constructor(env: Record<string, string> = {}) {
    this.env = { LLM_ORCHESTRATOR_HOME: this.dir, LLM_ORCHESTRATOR_STORE: '', ...env };
  }

  cli(args: readonly string[]): CliRun {
    return runCli(args, { env: this.env });
  }

  /** Starts the CLI and returns at once; `done` settles when the process exits. */
  start(args: readonly string[]): { child: ChildProcess; done: Promise<CliRun> } {
    const child = spawn(
      process.execPath,
      [
        '--conditions=llm-orchestrator-source',
        '--import',
        'tsx',
        `${repoRoot}packages/cli/src/bin.ts`,
        ...args,
      ],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...this.env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const done = new Promise<CliRun>((resolve) => {
      child.on('close', (code) => {
        resolve({ code, stdout, stderr });
      });
    });
    return { child, done };
  }

  status(id: string): RunStatusView {
    const run = this.cli(['status', id, '-o', 'json']);
    if (run.code !== 0) throw new Error(`status ${id} failed (${String(run.code)}): ${run.stderr}`);
    return JSON.parse(run.stdout) as RunStatusView;
  }

  history(id: string): HistoryRow[] {
    const run = this.cli(['history', id, '-o', 'json']);
    if (run.code !== 0)
      throw new Error(`history ${id} failed (${String(run.code)}): ${run.stderr}`);
    return JSON.parse(run.stdout) as HistoryRow[];
  }

  /** Polls `status` until `done` holds; the last view. */
  async waitFor(
    id: string,
    done: (view: RunStatusView) => boolean,
    timeoutMs = 60_000,
  ): Promise<RunStatusView> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const run = this.cli(['status', id, '-o', 'json']);
      if (run.code === 0) {
        const view = JSON.parse(run.stdout) as RunStatusView;
        if (done(view)) return view;
        if (Date.now() > end)
          throw new Error(`run ${id} is still ${view.status}: ${JSON.stringify(view.tasks)}`);
      } else if (run.code !== 5 || Date.now() > end) {
        throw new Error(`status ${id} failed (${String(run.code)}): ${run.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Counts history entries of `type` per task. */
export function countPerTask(rows: readonly HistoryRow[], type: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows)
    if (r.type === type && r.task !== undefined) counts[r.task] = (counts[r.task] ?? 0) + 1;
  return counts;
}

/** Four `sleep` tasks in a chain, `step` each (default 1s); output `total`: the ms slept. */
export const SLOW = [
  'apiVersion: orchestrator.llm/v1',
  'kind: Workflow',
  'metadata: {name: slow, version: 1.0.0}',
  'spec:',
  '  inputs:',
  '    - {name: step, type: string, default: 1s}',
  '  tasks:',
  '    - {id: a, executor: sleep, inputs: {duration: "${{ workflow.inputs.step }}"}}',
  '    - {id: b, executor: sleep, dependsOn: [a], inputs: {duration: "${{ workflow.inputs.step }}"}}',
  '    - {id: c, executor: sleep, dependsOn: [b], inputs: {duration: "${{ workflow.inputs.step }}"}}',
  '    - {id: d, executor: sleep, dependsOn: [c], inputs: {duration: "${{ workflow.inputs.step }}"}}',
  '  outputs:',
  '    total: "${{ tasks.a.outputs.slept + tasks.b.outputs.slept + tasks.c.outputs.slept + tasks.d.outputs.slept }}"',
  '',
].join('\n');
