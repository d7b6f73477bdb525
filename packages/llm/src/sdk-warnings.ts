/**
 * The AI SDK reports warnings (a setting a model does not support, say) through a global hook,
 * printing them with `console.info`/`console.warn` by default: that would write into the CLI's
 * standard output. While a plugin is live, they go to its structured log instead (unless the
 * program set the hook itself).
 */
import type { LogSink } from '@llm-orchestrator/core';

interface WarningReport {
  readonly warnings: readonly unknown[];
  readonly provider?: string;
  readonly model?: string;
}

const sinks = new Set<LogSink>();
let installed = false;

function forward(report: WarningReport): void {
  for (const sink of sinks) {
    for (const warning of report.warnings) {
      sink('warn', 'the AI SDK warned about a call', {
        provider: report.provider,
        model: report.model,
        warning,
      });
    }
  }
}

/** Routes the SDK's warnings to `log` until the returned function is called. */
export function routeSdkWarnings(log: LogSink): () => void {
  const g = globalThis as { AI_SDK_LOG_WARNINGS?: unknown };
  if (!installed && g.AI_SDK_LOG_WARNINGS === undefined) {
    g.AI_SDK_LOG_WARNINGS = forward;
    installed = true;
  }
  sinks.add(log);
  return () => {
    sinks.delete(log);
  };
}
