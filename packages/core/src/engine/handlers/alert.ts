/** The `alert` handler, and the default sink that turns alerts into log lines. */
import type { EventHandler } from '../../definition/schema.js';
import type { LogSink } from '../attempt-context.js';
import { evaluateText } from './evaluate.js';
import type { AlertEvent, AlertSeverity, AlertSink, HandlerCall, RunEventName } from './types.js';

export type AlertHandler = Extract<EventHandler, { type: 'alert' }>;

export const DEFAULT_ALERT_CHANNEL = 'log';

/** `high` for failures and timeouts, `medium` for cancellations, `low` for successes. */
export const DEFAULT_ALERT_SEVERITY: Readonly<Record<RunEventName, AlertSeverity>> = {
  onSuccess: 'low',
  onFailure: 'high',
  onTimeout: 'high',
  onCancel: 'medium',
};

/** `workflow <name>@<version> run <id> <status>: <error message>` (no `: ...` without error). */
export function defaultAlertMessage(call: HandlerCall): string {
  const { summary } = call;
  const head = `workflow ${summary.workflow.name}@${summary.workflow.version} run ${summary.runId} ${summary.status}`;
  return summary.error === null ? head : `${head}: ${summary.error.message}`;
}

/** Builds the alert (message expressions evaluated) and hands it to `deps.alertSink`. */
export async function runAlert(handler: AlertHandler, call: HandlerCall): Promise<void> {
  const { summary, deps } = call;
  const message = evaluateText(handler.message, call.context) ?? defaultAlertMessage(call);
  const alert: AlertEvent = {
    runId: summary.runId,
    workflow: { name: summary.workflow.name, version: summary.workflow.version },
    event: call.event,
    channel: handler.channel ?? DEFAULT_ALERT_CHANNEL,
    severity: handler.severity ?? DEFAULT_ALERT_SEVERITY[call.event],
    message,
    at: deps.clock.now(),
  };
  await deps.alertSink(alert);
}

/**
 * A sink that writes one structured log line per alert: `error` for `high` and `critical`,
 * `warn` for `low` and `medium`. The line's message is the alert's message.
 */
export const defaultAlertSink =
  (log: LogSink): AlertSink =>
  (alert) => {
    const level = alert.severity === 'high' || alert.severity === 'critical' ? 'error' : 'warn';
    log(level, alert.message, {
      alert: true,
      runId: alert.runId,
      workflow: alert.workflow,
      event: alert.event,
      channel: alert.channel,
      severity: alert.severity,
      at: alert.at,
    });
  };
