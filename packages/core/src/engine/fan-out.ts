/**
 * Fan-out (seed §2.4): a task that maps its `task_template` over `items`, at most `maxParallel`
 * at a time, each item with its own retries and timeout. Outputs, in item order: `result`, each
 * item's primary output (its `result`, or the whole value when it has none), and `items`, each
 * item's full outputs. The first item that fails for good fails the task and stops the others.
 */
import { sleep } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import type { ExecutorRegistry } from '../executors/registry.js';
import { nextDelayMs, shouldRetry } from '../resilience/index.js';
import type { AttemptContext } from './attempt-context.js';
import type { FanOutPlan, PlanTask } from './plan.js';
import type { RunState } from './run.js';

const MAX_ITEMS = 100_000;

export async function runFanOut(
  task: PlanTask,
  plan: FanOutPlan,
  run: RunState,
  ctx: AttemptContext,
  executors: ExecutorRegistry,
): Promise<{ result: unknown[]; items: unknown[] }> {
  const items = plan.items.build(run.context);
  if (!Array.isArray(items)) {
    throw new OrchestratorError(
      'InvalidInputError',
      `fan-out \`${task.id}\`: items must be a list, got ${items === null ? 'null' : typeof items}`,
    );
  }
  if (items.length > MAX_ITEMS) {
    throw new OrchestratorError(
      'InvalidInputError',
      `fan-out \`${task.id}\`: ${items.length} items is more than ${MAX_ITEMS}`,
    );
  }
  const executor = executors.get(plan.executor);
  if (executor === undefined) {
    throw new OrchestratorError(
      'UNKNOWN_EXECUTOR',
      `fan-out \`${task.id}\`: no executor named \`${plan.executor}\``,
    );
  }
  const results: unknown[] = new Array<unknown>(items.length).fill(null);
  const signal = ctx.signal;
  const inner = new AbortController();
  const stop = (): void => {
    inner.abort(signal.reason);
  };
  signal.addEventListener('abort', stop, { once: true });
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !inner.signal.aborted) {
      const index = next++;
      const inputs = plan.inputs({ ...run.context, item: items[index] ?? null, index });
      for (let attempt = 1; ; attempt++) {
        // Each item attempt has its own signal: aborted by the fan-out's, or by its own timeout.
        const item = new AbortController();
        const forward = (): void => {
          item.abort(inner.signal.reason);
        };
        inner.signal.addEventListener('abort', forward, { once: true });
        try {
          const itemCtx = Object.create(ctx, {
            signal: { value: item.signal },
            attempt: { value: attempt },
            idempotencyKey: { value: `${run.id}:${task.id}:${index}` },
          }) as AttemptContext;
          const call = Promise.resolve(executor.execute(inputs, itemCtx));
          results[index] = await (plan.timeoutMs === undefined
            ? call
            : withTimeout(call, plan.timeoutMs, ctx, task.id, index, item));
          break;
        } catch (err) {
          if (inner.signal.aborted || !shouldRetry(plan.retry, attempt, err)) throw err;
          await sleep(ctx.clock, nextDelayMs(plan.retry, attempt, err), inner.signal);
        } finally {
          inner.signal.removeEventListener('abort', forward);
        }
      }
      done++;
      ctx.emit({
        type: 'progress',
        progress: done / items.length,
        message: `${done}/${items.length} items`,
      });
    }
  };
  const width = Math.max(1, Math.min(plan.maxParallel, items.length));
  try {
    await Promise.all(
      Array.from({ length: width }, () =>
        worker().catch((err: unknown) => {
          inner.abort(err);
          throw err;
        }),
      ),
    );
  } finally {
    signal.removeEventListener('abort', stop);
  }
  const primary = results.map((r) =>
    r !== null && typeof r === 'object' && !Array.isArray(r) && Object.hasOwn(r, 'result')
      ? (r as { result: unknown }).result
      : r,
  );
  return { result: primary, items: results };
}

function withTimeout(
  call: Promise<unknown>,
  ms: number,
  ctx: AttemptContext,
  taskId: string,
  index: number,
  item: AbortController,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const cancel = ctx.clock.setTimer(ms, () => {
      const err = new OrchestratorError(
        'TimeoutError',
        `fan-out \`${taskId}\` item ${index} took longer than ${ms} ms`,
        { retryable: true },
      );
      // Stop the item before its retry starts, so two calls of one item never overlap.
      item.abort(err);
      reject(err);
    });
    call.then(
      (v) => {
        cancel();
        resolve(v);
      },
      (e: unknown) => {
        cancel();
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
