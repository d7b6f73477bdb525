/**
 * Helpers for executor tests: a context with a FakeClock and a recording logger, and typed
 * asymmetric matchers. Test-only: nothing in the library imports this file.
 */
import { expect } from 'vitest';
import { FakeClock, type Clock } from '../clock.js';
import type { Executor, ExecutorContext, TaskEmission } from './types.js';

export interface TestContext extends ExecutorContext {
  readonly emitted: TaskEmission[];
  readonly logs: { level: string; message: string }[];
}

export function testContext(
  options: { clock?: Clock; signal?: AbortSignal; config?: Record<string, unknown> } = {},
): TestContext {
  const emitted: TaskEmission[] = [];
  const logs: { level: string; message: string }[] = [];
  const log =
    (level: string) =>
    (message: string): void => {
      logs.push({ level, message });
    };
  return {
    runId: 'run-1',
    workflow: { name: 'test-workflow', version: '1.0.0', labels: {} },
    taskId: 'task-1',
    attempt: 1,
    idempotencyKey: 'run-1:task-1',
    signal: options.signal ?? new AbortController().signal,
    clock: options.clock ?? new FakeClock(),
    config: options.config ?? {},
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    emit: (e) => {
      emitted.push(e);
    },
    emitted,
    logs,
  };
}

/** Runs an executor; a synchronous throw becomes a rejection, like the engine sees it. */
export async function run(
  executor: Executor,
  inputs: Readonly<Record<string, unknown>>,
  context: ExecutorContext = testContext(),
): Promise<Record<string, unknown>> {
  return (await Promise.resolve().then(() => executor.execute(inputs, context))) as Record<
    string,
    unknown
  >;
}

/** `expect.stringContaining`, typed for use inside `toMatchObject`. */
export function containing(text: string): string {
  return expect.stringContaining(text) as string;
}

/** `expect.stringMatching`, typed for use inside `toMatchObject`. */
export function matching(re: RegExp): string {
  return expect.stringMatching(re) as string;
}
