/**
 * OpenTelemetry tracing (seed §11.2): a trace per run, with a span for the run (each time it
 * runs: a retried run, or one continued by another process, adds a span to the same trace) and a
 * child span per task attempt. Spans are built from the engine's events, timed by the engine's
 * clock, and exported over OTLP/HTTP (JSON) when an endpoint is configured; without one nothing
 * is recorded or exported.
 *
 * A run's trace id is derived from its id (`traceIdOf`), so that log lines can carry it and every
 * process working on the run adds to the same trace.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type IdGenerator,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import {
  OrchestratorError,
  TERMINAL_RUN_STATES,
  type Engine,
  type EngineEvent,
} from '@llm-orchestrator/core';
import { Executors, llmCallsOf, type LlmCall } from './llm-usage.js';

/** The span attributes set, by name. */
export const ATTR = {
  runId: 'orchestrator.run.id',
  runStatus: 'orchestrator.run.status',
  workflow: 'orchestrator.workflow.name',
  workflowVersion: 'orchestrator.workflow.version',
  taskId: 'orchestrator.task.id',
  attempt: 'orchestrator.task.attempt',
  executor: 'orchestrator.task.executor',
  taskStatus: 'orchestrator.task.status',
  /** How a completed task got its outputs after a failure: `default`, `cached` or `executor`. */
  fallback: 'orchestrator.task.fallback',
  /** The error's code (OTel's semantic convention for the class of an error). */
  errorCode: 'error.type',
  llmProvider: 'gen_ai.provider.name',
  llmModel: 'gen_ai.request.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  llmCost: 'orchestrator.llm.cost_usd',
  llmCached: 'orchestrator.llm.cached',
  llmLatency: 'orchestrator.llm.latency_ms',
  /** For a fan-out: the number of model answers its items gave. */
  llmCalls: 'orchestrator.llm.calls',
} as const;

export interface TracingOptions {
  /**
   * The OTLP/HTTP endpoint: a collector's base URL (`http://collector:4318`, to which
   * `/v1/traces` is added) or the full traces URL (ending in `/v1/traces`). None: no tracing.
   */
  readonly otlpEndpoint?: string;
  /** `service.name` of the spans. Default `llm-orchestrator`. */
  readonly serviceName?: string;
  /** Headers of each export request (an API key for a hosted collector, ...). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Export to this exporter instead of OTLP (tests: `InMemorySpanExporter`); each span is
   * exported as it ends.
   */
  readonly exporter?: SpanExporter;
}

export interface Tracing {
  /** False without an endpoint or exporter: nothing is recorded. */
  readonly enabled: boolean;
  /** The trace id of a run's spans (32 hex digits), recorded or not. */
  traceIdOf(runId: string): string;
  /** Exports what has ended so far. Never rejects. */
  flush(): Promise<void>;
  /** Stops listening, ends the spans of runs still open here, exports them and shuts down. */
  close(): Promise<void>;
}

/** The trace id of a run: derived from its id, the same in every process. */
export function traceIdOf(runId: string): string {
  const id = createHash('sha256').update(runId).digest('hex').slice(0, 32);
  // All zeros is not a valid trace id.
  return /^0+$/.test(id) ? `${id.slice(0, 31)}1` : id;
}

function randomSpanId(): string {
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (id !== '0000000000000000') return id;
  }
}

/** `http://host:4318` → `http://host:4318/v1/traces`; a URL ending in `/v1/traces` is kept. */
export function tracesUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (err) {
    throw new OrchestratorError('INVALID_CONFIG', `the OTLP endpoint ${endpoint} is no URL`, {
      cause: err,
      hint: 'give the collector URL, e.g. http://localhost:4318',
    });
  }
  if (!url.pathname.endsWith('/v1/traces')) {
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/traces`;
  }
  return url.toString();
}

/** Runs with open spans kept at most (a run given up by this process emits no end). */
const MAX_OPEN_RUNS = 10_000;

interface OpenRun {
  readonly span: Span;
  readonly context: Context;
  readonly workflow: string;
  /** Open attempt spans, by task id. */
  readonly attempts: Map<string, Span>;
  /** Attempts that streamed a chunk already (their first chunk is marked). */
  readonly streamed: Set<string>;
}

function llmAttributes(calls: readonly LlmCall[]): Attributes {
  const first = calls[0];
  if (first === undefined) return {};
  const one = calls.length === 1;
  const same = calls.every((c) => c.provider === first.provider && c.model === first.model);
  const cost = calls.reduce<number | undefined>(
    (sum, c) => (c.cost === null ? sum : (sum ?? 0) + (c.cached ? 0 : c.cost)),
    undefined,
  );
  return {
    ...(same ? { [ATTR.llmProvider]: first.provider, [ATTR.llmModel]: first.model } : {}),
    [ATTR.inputTokens]: calls.reduce((n, c) => n + c.inputTokens, 0),
    [ATTR.outputTokens]: calls.reduce((n, c) => n + c.outputTokens, 0),
    ...(cost === undefined ? {} : { [ATTR.llmCost]: cost }),
    ...(one ? { [ATTR.llmCached]: first.cached } : { [ATTR.llmCalls]: calls.length }),
    ...(one && first.latencyMs !== undefined ? { [ATTR.llmLatency]: first.latencyMs } : {}),
  };
}

const ERROR_STATES = new Set(['failed', 'timed_out', 'retrying']);

export function createTracing(engine: Engine, options: TracingOptions = {}): Tracing {
  const endpoint = options.otlpEndpoint?.trim() ?? '';
  const exporter =
    options.exporter ??
    (endpoint === ''
      ? undefined
      : new OTLPTraceExporter({
          url: tracesUrl(endpoint),
          ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
        }));
  if (exporter === undefined) {
    return {
      enabled: false,
      traceIdOf,
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }

  // The next root span's trace id: set just before the run's span is started (synchronously).
  let nextTraceId: string | undefined;
  const ids: IdGenerator = {
    generateTraceId: () => nextTraceId ?? randomBytes(16).toString('hex'),
    generateSpanId: randomSpanId,
  };
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ 'service.name': options.serviceName ?? 'llm-orchestrator' }),
    ),
    idGenerator: ids,
    spanProcessors: [
      options.exporter === undefined
        ? new BatchSpanProcessor(exporter)
        : new SimpleSpanProcessor(exporter),
    ],
  });
  const tracer = provider.getTracer('@llm-orchestrator/server');
  const executors = new Executors(engine);
  const runs = new Map<string, OpenRun>();

  const endAttempt = (
    run: OpenRun,
    taskId: string,
    status: string,
    at: number,
    error?: { readonly code: string; readonly message: string },
    extra: Attributes = {},
  ): void => {
    const span = run.attempts.get(taskId);
    if (span === undefined) return;
    run.attempts.delete(taskId);
    run.streamed.delete(taskId);
    span.setAttributes({
      [ATTR.taskStatus]: status,
      ...(error === undefined ? {} : { [ATTR.errorCode]: error.code }),
      ...extra,
    });
    if (ERROR_STATES.has(status)) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message ?? status });
    }
    span.end(new Date(at));
  };

  const endRun = (
    runId: string,
    status: string,
    at: number,
    error?: { readonly code: string; readonly message: string },
  ): void => {
    const run = runs.get(runId);
    if (run === undefined) return;
    runs.delete(runId);
    // Attempts still open (none, normally: a stopping run cancels its tasks first).
    for (const taskId of [...run.attempts.keys()]) endAttempt(run, taskId, status, at);
    run.span.setAttributes({
      [ATTR.runStatus]: status,
      ...(error === undefined ? {} : { [ATTR.errorCode]: error.code }),
    });
    if (status === 'failed' || status === 'timed_out') {
      run.span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message ?? status });
    }
    run.span.end(new Date(at));
  };

  const openRun = (runId: string, at: number): OpenRun => {
    const found = runs.get(runId);
    if (found !== undefined) return found;
    const workflow = engine.get(runId)?.workflow;
    nextTraceId = traceIdOf(runId);
    let span: Span;
    try {
      span = tracer.startSpan(
        `run ${workflow?.name ?? 'unknown'}`,
        {
          kind: SpanKind.INTERNAL,
          root: true,
          startTime: new Date(at),
          attributes: {
            [ATTR.runId]: runId,
            ...(workflow === undefined
              ? {}
              : { [ATTR.workflow]: workflow.name, [ATTR.workflowVersion]: workflow.version }),
          },
        },
        ROOT_CONTEXT,
      );
    } finally {
      nextTraceId = undefined;
    }
    const run: OpenRun = {
      span,
      context: trace.setSpan(ROOT_CONTEXT, span),
      workflow: workflow?.name ?? 'unknown',
      attempts: new Map(),
      streamed: new Set(),
    };
    runs.set(runId, run);
    if (runs.size > MAX_OPEN_RUNS) {
      const oldest = runs.keys().next().value;
      if (oldest !== undefined) endRun(oldest, 'abandoned', at);
    }
    return run;
  };

  const onRun = (e: Extract<EngineEvent, { type: 'run.status' }>): void => {
    if (TERMINAL_RUN_STATES.has(e.status)) {
      endRun(e.runId, e.status, e.at, e.error);
      return;
    }
    const open = runs.get(e.runId);
    if (e.status === 'running') {
      if (open === undefined) openRun(e.runId, e.at);
      else open.span.addEvent('resumed', new Date(e.at));
    } else if (e.status === 'paused') {
      open?.span.addEvent('paused', new Date(e.at));
    }
  };

  const onTask = (e: Extract<EngineEvent, { type: 'task.status' }>): void => {
    if (e.status === 'running') {
      const run = openRun(e.runId, e.at);
      endAttempt(run, e.taskId, 'abandoned', e.at); // a stale one, should there be any
      const handle = engine.get(e.runId);
      const executor = executors.now(handle, e.taskId);
      const span = tracer.startSpan(
        `task ${e.taskId}`,
        {
          kind: SpanKind.INTERNAL,
          startTime: new Date(e.at),
          attributes: {
            [ATTR.runId]: e.runId,
            [ATTR.workflow]: run.workflow,
            [ATTR.taskId]: e.taskId,
            [ATTR.attempt]: e.attempt,
            ...(executor === undefined ? {} : { [ATTR.executor]: executor }),
          },
        },
        run.context,
      );
      run.attempts.set(e.taskId, span);
      if (executor === undefined) {
        void executors.later(e.runId, e.taskId).then((name) => {
          if (span.isRecording()) span.setAttribute(ATTR.executor, name);
        });
      }
      return;
    }
    const run = runs.get(e.runId);
    if (run === undefined) return;
    if (e.status === 'waiting_approval') {
      run.span.addEvent('waiting_approval', { [ATTR.taskId]: e.taskId }, new Date(e.at));
      return;
    }
    let extra: Attributes = {};
    if (e.status === 'completed' && run.attempts.has(e.taskId)) {
      const task = engine
        .get(e.runId)
        ?.result()
        .tasks.find((t) => t.id === e.taskId);
      if (task !== undefined) {
        const executor = executors.now(engine.get(e.runId), e.taskId) ?? '';
        extra = {
          ...llmAttributes(llmCallsOf(task.outputs, executor, task.fallback)),
          ...(task.fallback === undefined ? {} : { [ATTR.fallback]: task.fallback }),
        };
      }
    }
    endAttempt(run, e.taskId, e.status, e.at, e.error, extra);
  };

  const onChunk = (e: Extract<EngineEvent, { type: 'task.chunk' }>): void => {
    const run = runs.get(e.runId);
    const span = run?.attempts.get(e.taskId);
    if (run === undefined || span === undefined || run.streamed.has(e.taskId)) return;
    run.streamed.add(e.taskId);
    span.addEvent('first_chunk', new Date(e.at));
  };

  const off = engine.on((e) => {
    if (e.type === 'run.status') onRun(e);
    else if (e.type === 'task.status') onTask(e);
    else if (e.type === 'task.chunk') onChunk(e);
  });

  const flush = (): Promise<void> => provider.forceFlush().catch(() => undefined);

  return {
    enabled: true,
    traceIdOf,
    flush,
    async close() {
      off();
      const now = engine.clock.now();
      for (const runId of [...runs.keys()]) endRun(runId, 'abandoned', now);
      await flush();
      await provider.shutdown().catch(() => undefined);
    },
  };
}
