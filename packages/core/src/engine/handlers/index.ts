/**
 * Event handlers (`spec.events`): what runs when a run ends. The engine calls
 * {@link runEventHandlers} once per ended run, with the handlers of the matching event.
 */
import type { EventHandler } from '../../definition/schema.js';
import { errorCode } from '../../resilience/index.js';
import type { LogSink } from '../attempt-context.js';
import { runAlert } from './alert.js';
import { runCustom } from './custom.js';
import { runDeadLetter } from './dead-letter.js';
import type {
  HandlerCall,
  HandlerDeps,
  HandlerOutcome,
  RunEventName,
  RunSummary,
} from './types.js';
import { runWebhook } from './webhook.js';

export type {
  AlertEvent,
  AlertSeverity,
  AlertSink,
  ErrorSummary,
  HandlerDeps,
  HandlerOutcome,
  RunEventName,
  RunSummary,
} from './types.js';
export {
  DEFAULT_ALERT_CHANNEL,
  DEFAULT_ALERT_SEVERITY,
  defaultAlertMessage,
  defaultAlertSink,
} from './alert.js';
export { DEFAULT_DEAD_LETTER_QUEUE } from './dead-letter.js';
export {
  DEFAULT_WEBHOOK_RETRY,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  WEBHOOK_USER_AGENT,
  WebhookError,
} from './webhook.js';
export {
  DEFAULT_SIGNATURE_TOLERANCE_MS,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhook,
  type VerifyOptions,
} from './signature.js';

function runHandler(handler: EventHandler, call: HandlerCall): Promise<void> {
  switch (handler.type) {
    case 'webhook':
      return runWebhook(handler, call);
    case 'alert':
      return runAlert(handler, call);
    case 'deadletter':
      return runDeadLetter(handler, call);
    case 'custom':
      return runCustom(handler, call);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs the handlers of one event, one after the other, in order. A handler that fails (expression
 * error, HTTP failure after retries, throwing sink or executor...) is logged at `error` with the
 * run id, event and handler index, and neither fails the run nor stops the next handlers. Never
 * rejects. Once `signal` is aborted, the handlers not yet started are skipped (outcome not ok,
 * `error: 'aborted'`) and a webhook in progress stops; it is for engine shutdown, not for the
 * run's own cancellation (an `onCancel` handler must still run). Returns one outcome per handler.
 */
export async function runEventHandlers(
  event: RunEventName,
  handlers: readonly EventHandler[],
  summary: RunSummary,
  context: Readonly<Record<string, unknown>>,
  deps: HandlerDeps,
  signal?: AbortSignal,
): Promise<HandlerOutcome[]> {
  // A broken log sink must not fail the handlers: their lines are dropped instead.
  const log: LogSink = (level, text, fields) => {
    try {
      deps.log(level, text, fields);
    } catch {
      // dropped
    }
  };
  const safeDeps: HandlerDeps = { ...deps, log };
  const outcomes: HandlerOutcome[] = [];
  for (const [index, handler] of handlers.entries()) {
    const fields = { runId: summary.runId, event, handler: index, type: handler.type };
    if (signal?.aborted === true) {
      log('warn', 'event handler skipped: aborted', fields);
      outcomes.push({ type: handler.type, ok: false, error: 'aborted' });
      continue;
    }
    const call: HandlerCall = { event, index, summary, context, deps: safeDeps, signal };
    try {
      await runHandler(handler, call);
      log('debug', 'event handler done', fields);
      outcomes.push({ type: handler.type, ok: true });
    } catch (err) {
      const error = message(err);
      log('error', 'event handler failed', { ...fields, error, code: errorCode(err) });
      outcomes.push({ type: handler.type, ok: false, error });
    }
  }
  return outcomes;
}
