import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../clock.js';
import type { EventHandler } from '../../definition/schema.js';
import { defaultAlertSink, runEventHandlers, type AlertEvent, type RunSummary } from './index.js';
import { contextOf, failedSummary, recordingLog, testDeps } from './test-helpers.js';

const NOW = 50_000;

function succeeded(): RunSummary {
  return {
    ...failedSummary(),
    status: 'completed',
    error: null,
    outputs: { answer: 42 },
    tasks: [{ id: 'a', status: 'completed', attempts: 1 }],
  };
}

describe('alert handler', () => {
  it('applies the defaults: channel log, severity by event, a message from the summary', async () => {
    const deps = testDeps(new FakeClock(NOW));
    const alert: EventHandler = { type: 'alert' };
    const failed = failedSummary();
    const cancelled = { ...failed, status: 'cancelled', error: null };
    await runEventHandlers('onFailure', [alert], failed, contextOf(failed), deps);
    await runEventHandlers('onTimeout', [alert], failed, contextOf(failed), deps);
    await runEventHandlers('onCancel', [alert], cancelled, contextOf(cancelled), deps);
    await runEventHandlers('onSuccess', [alert], succeeded(), contextOf(succeeded()), deps);

    expect(deps.alerts.map((a) => [a.event, a.severity, a.channel])).toEqual([
      ['onFailure', 'high', 'log'],
      ['onTimeout', 'high', 'log'],
      ['onCancel', 'medium', 'log'],
      ['onSuccess', 'low', 'log'],
    ]);
    expect(deps.alerts[0]).toEqual<AlertEvent>({
      runId: 'run-1',
      workflow: { name: 'demo', version: '1.2.3' },
      event: 'onFailure',
      channel: 'log',
      severity: 'high',
      message: 'workflow demo@1.2.3 run run-1 failed: task b failed: boom',
      at: NOW,
    });
    expect(deps.alerts[2]?.message).toBe('workflow demo@1.2.3 run run-1 cancelled');
    expect(deps.alerts[3]?.message).toBe('workflow demo@1.2.3 run run-1 completed');
  });

  it('evaluates the message and keeps the given channel and severity', async () => {
    const deps = testDeps(new FakeClock(NOW));
    const summary = failedSummary();
    const handler: EventHandler = {
      type: 'alert',
      channel: 'slack',
      severity: 'critical',
      message:
        "${{ format('run {0} failed: {1}', workflow.execution_id, workflow.error.message) }}",
    };
    const outcomes = await runEventHandlers(
      'onFailure',
      [handler],
      summary,
      contextOf(summary),
      deps,
    );
    expect(outcomes).toEqual([{ type: 'alert', ok: true }]);
    expect(deps.alerts[0]).toMatchObject({
      channel: 'slack',
      severity: 'critical',
      message: 'run run-1 failed: task b failed: boom',
    });
  });

  it('awaits an asynchronous sink and reports its failure', async () => {
    const seen: string[] = [];
    const deps = testDeps(new FakeClock(NOW), {
      alertSink: async (a) => {
        await Promise.resolve();
        seen.push(a.message);
        throw new Error('slack is down');
      },
    });
    const outcomes = await runEventHandlers(
      'onFailure',
      [{ type: 'alert', message: 'm' }],
      failedSummary(),
      {},
      deps,
    );
    expect(seen).toEqual(['m']);
    expect(outcomes).toEqual([{ type: 'alert', ok: false, error: 'slack is down' }]);
  });

  it('the default sink logs error for high and critical, warn below', () => {
    const { lines, sink } = recordingLog();
    const alertSink = defaultAlertSink(sink);
    const base: AlertEvent = {
      runId: 'r',
      workflow: { name: 'w', version: '1.0.0' },
      event: 'onFailure',
      channel: 'log',
      severity: 'high',
      message: 'it broke',
      at: 7,
    };
    for (const severity of ['low', 'medium', 'high', 'critical'] as const) {
      void alertSink({ ...base, severity });
    }
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'error', 'error']);
    expect(lines[2]).toEqual({
      level: 'error',
      message: 'it broke',
      fields: {
        alert: true,
        runId: 'r',
        workflow: { name: 'w', version: '1.0.0' },
        event: 'onFailure',
        channel: 'log',
        severity: 'high',
        at: 7,
      },
    });
  });
});
