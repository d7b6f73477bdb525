/** The `custom` handler: runs a registered executor with the handler's evaluated inputs. */
import type { EventHandler } from '../../definition/schema.js';
import type { ExecutorContext, TaskLogger } from '../../executors/types.js';
import type { LogLevel } from '../attempt-context.js';
import { compileRecord } from '../values.js';
import { handlerIdempotencyKey, type HandlerCall } from './types.js';

export type CustomHandler = Extract<EventHandler, { type: 'custom' }>;

/**
 * The context the executor gets: attempt 1, `taskId` `events.<event>[<index>]`, idempotency key
 * `<runId>:<event>:<index>`, the handlers' signal (never aborted when none was given), a logger
 * writing to `deps.log` with run, event and handler index attached, the clock, empty config and a
 * no-op `emit`.
 */
export function handlerExecutorContext(call: HandlerCall): ExecutorContext {
  const { deps, summary } = call;
  const fields = { runId: summary.runId, event: call.event, handler: call.index };
  const at =
    (level: LogLevel) =>
    (message: string, extra?: Readonly<Record<string, unknown>>): void => {
      deps.log(level, message, extra === undefined ? fields : { ...fields, ...extra });
    };
  const logger: TaskLogger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return {
    runId: summary.runId,
    workflow: { ...summary.workflow, labels: summary.labels ?? {} },
    taskId: `events.${call.event}[${call.index}]`,
    attempt: 1,
    idempotencyKey: handlerIdempotencyKey(call),
    signal: call.signal ?? new AbortController().signal,
    logger,
    clock: deps.clock,
    config: {},
    emit: () => undefined,
  };
}

/** Fails with `EXECUTOR_NOT_FOUND` for an unknown executor; the executor's result is ignored. */
export async function runCustom(handler: CustomHandler, call: HandlerCall): Promise<void> {
  const executor = call.deps.executors.resolve(handler.executor);
  const inputs = compileRecord(handler.inputs)(call.context);
  const context = handlerExecutorContext(call);
  await Promise.resolve().then(() => executor.execute(inputs, context));
}
