/**
 * Chaos-test helpers: the real CLI as a child process that can be SIGKILLed, and the checks every
 * chaos test makes against the store's journal and the recorder's side file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import type { JournalEntry, Store } from '@llm-orchestrator/core';
import { repoRoot } from '../cli.js';
import type { Recorder } from './recorder.js';

export interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** Starts `llm-orchestrator <args>` from source. */
export function startCli(args: readonly string[], env: Record<string, string>): Child {
  const child = spawn(
    process.execPath,
    [
      '--conditions=llm-orchestrator-source',
      '--import',
      'tsx',
      `${repoRoot}packages/cli/src/bin.ts`,
      ...args,
    ],
    { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: 'pipe' },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      resolve(code);
    });
  });
  return { process: child, exited, output: () => out };
}

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves once the recorder has seen `n` more executions than now (true), or the child exited, or
 * `timeoutMs` passed (false): the runs may have finished meanwhile, and then nothing more comes.
 */
export async function progressed(
  recorder: Recorder,
  n: number,
  child: Child,
  timeoutMs = 5000,
): Promise<boolean> {
  const target = recorder.executions.length + n;
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (recorder.executions.length < target && !exited) {
    if (Date.now() > deadline) return false;
    await pause(5);
  }
  return !exited;
}

/**
 * The checks of every chaos run: the run completed with the right outputs; each task completed
 * exactly once in the journal; no task was executed after its completion was recorded; every
 * execution carried the task's idempotency key.
 */
export async function checkRun(
  store: Store,
  runId: string,
  recorder: Recorder,
  expected: number,
  tasks: number,
): Promise<{ executions: number; reruns: number }> {
  const record = await store.getRun(runId);
  expect(record?.status).toBe('completed');
  expect(record?.outputs).toEqual({ total: expected });
  const entries: JournalEntry[] = (await store.read(runId)).map((e) => e.entry);
  const completedAt = new Map<string, number>();
  for (const e of entries) {
    if (e.type !== 'task.completed') continue;
    expect(completedAt.has(e.taskId), `${e.taskId} completed twice`).toBe(false);
    completedAt.set(e.taskId, e.at);
  }
  expect(completedAt.size).toBe(tasks);
  const mine = recorder.executions.filter((x) => x.key.startsWith(`${runId}:`));
  for (const x of mine) {
    expect(x.key).toBe(`${runId}:${x.task}`);
    const done = completedAt.get(x.task);
    expect(done, `${x.task} has no completion`).toBeDefined();
    expect(x.at <= (done ?? 0), `${x.task} ran again after it completed`).toBe(true);
  }
  return { executions: mine.length, reruns: mine.length - tasks };
}
