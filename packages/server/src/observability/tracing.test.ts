import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  createEngine,
  FakeClock,
  OrchestratorError,
  workflow,
  type Engine,
  type EngineOptions,
} from '@llm-orchestrator/core';
import { ATTR, createTracing, traceIdOf, tracesUrl, type Tracing } from './tracing.js';
import { fakeLlm } from './test-helpers.js';

const open: Tracing[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

function engine(options: EngineOptions = {}): Engine {
  return createEngine({ circuitBreaker: false, random: () => 0.5, ...options }).registerExecutor(
    'test:llm',
    fakeLlm,
  );
}

function tracing(e: Engine, options: Parameters<typeof createTracing>[1] = {}): Tracing {
  const t = createTracing(e, options);
  open.push(t);
  return t;
}

function byTrace(spans: readonly ReadableSpan[]): Map<string, ReadableSpan[]> {
  const traces = new Map<string, ReadableSpan[]>();
  for (const s of spans) {
    const id = s.spanContext().traceId;
    traces.set(id, [...(traces.get(id) ?? []), s]);
  }
  return traces;
}

function rootOf(spans: readonly ReadableSpan[]): ReadableSpan {
  const roots = spans.filter((s) => s.parentSpanContext === undefined);
  expect(roots).toHaveLength(1);
  return roots[0] as ReadableSpan;
}

const T0 = 1_700_000_000_000;

describe('tracing', () => {
  it('records one trace per run, with a span per task attempt', async () => {
    const clock = new FakeClock(T0);
    const failedOnce = new Set<string>();
    const e = engine({ clock }).registerExecutor('test:flaky', (_inputs, ctx) => {
      if (!failedOnce.has(ctx.runId)) {
        failedOnce.add(ctx.runId);
        throw new OrchestratorError('RateLimitError', 'slow down', { retryable: true });
      }
      return { result: 'ok' };
    });
    const exporter = new InMemorySpanExporter();
    const t = tracing(e, { exporter });
    expect(t.enabled).toBe(true);
    const def = workflow('traced')
      .task('flaky', {
        executor: 'test:flaky',
        retryPolicy: { maxAttempts: 2, initialInterval: '1s', retryableErrors: ['RateLimitError'] },
      })
      .task('ask', {
        executor: 'test:llm',
        dependsOn: ['flaky'],
        inputs: { provider: 'openai', model: 'gpt-4o', in: 10, out: 20, cost: 0.5, latency: 80 },
      })
      .build();
    const a = e.start(def);
    const b = e.start(def);
    await clock.advance(5000);
    expect((await a.wait()).status).toBe('completed');
    expect((await b.wait()).status).toBe('completed');
    await t.flush();

    const traces = byTrace(exporter.getFinishedSpans());
    expect([...traces.keys()].sort()).toEqual([traceIdOf(a.id), traceIdOf(b.id)].sort());
    for (const [runId, spans] of [
      [a.id, traces.get(traceIdOf(a.id)) ?? []],
      [b.id, traces.get(traceIdOf(b.id)) ?? []],
    ] as const) {
      const root = rootOf(spans);
      expect(root.name).toBe('run traced');
      expect(root.attributes).toMatchObject({
        [ATTR.runId]: runId,
        [ATTR.workflow]: 'traced',
        [ATTR.workflowVersion]: '1.0.0',
        [ATTR.runStatus]: 'completed',
      });
      expect(root.status.code).toBe(SpanStatusCode.UNSET);
      expect(root.startTime[0]).toBe(T0 / 1000);

      const attempts = spans.filter((s) => s !== root);
      for (const s of attempts) {
        expect(s.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
        expect(s.attributes[ATTR.runId]).toBe(runId);
        expect(s.attributes[ATTR.workflow]).toBe('traced');
      }
      const flaky = attempts
        .filter((s) => s.attributes[ATTR.taskId] === 'flaky')
        .sort((x, y) => Number(x.attributes[ATTR.attempt]) - Number(y.attributes[ATTR.attempt]));
      expect(flaky.map((s) => s.name)).toEqual(['task flaky', 'task flaky']);
      expect(flaky.map((s) => s.attributes[ATTR.attempt])).toEqual([1, 2]);
      expect(flaky.map((s) => s.attributes[ATTR.taskStatus])).toEqual(['retrying', 'completed']);
      expect(flaky.map((s) => s.attributes[ATTR.executor])).toEqual(['test:flaky', 'test:flaky']);
      expect(flaky[0]?.attributes[ATTR.errorCode]).toBe('RateLimitError');
      expect(flaky[0]?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'slow down' });
      expect(flaky[1]?.attributes[ATTR.errorCode]).toBeUndefined();

      const ask = attempts.filter((s) => s.attributes[ATTR.taskId] === 'ask');
      expect(ask).toHaveLength(1);
      expect(ask[0]?.attributes).toMatchObject({
        [ATTR.executor]: 'test:llm',
        [ATTR.attempt]: 1,
        [ATTR.taskStatus]: 'completed',
        [ATTR.llmProvider]: 'openai',
        [ATTR.llmModel]: 'gpt-4o',
        [ATTR.inputTokens]: 10,
        [ATTR.outputTokens]: 20,
        [ATTR.llmCost]: 0.5,
        [ATTR.llmCached]: false,
        [ATTR.llmLatency]: 80,
      });
    }
  });

  it('marks a failed run and the attempts it cancels', async () => {
    const clock = new FakeClock(T0);
    const e = engine({ clock })
      .registerExecutor('test:hang', () => new Promise(() => undefined))
      .registerExecutor('test:broken', (_inputs, ctx) => {
        return new Promise((_resolve, reject) => {
          ctx.clock.setTimer(100, () => {
            reject(new OrchestratorError('AuthError', 'bad key'));
          });
        });
      });
    const exporter = new InMemorySpanExporter();
    const t = tracing(e, { exporter });
    const def = workflow('failing')
      .task('hang', { executor: 'test:hang' })
      .task('broken', { executor: 'test:broken' })
      .build();
    const handle = e.start(def);
    await clock.advance(1000);
    expect((await handle.wait()).status).toBe('failed');
    await t.flush();

    const spans = exporter.getFinishedSpans();
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(
      new Set([traceIdOf(handle.id)]),
    );
    const root = rootOf(spans);
    expect(root.attributes).toMatchObject({
      [ATTR.runStatus]: 'failed',
      [ATTR.errorCode]: 'AuthError',
    });
    expect(root.status.code).toBe(SpanStatusCode.ERROR);
    const task = (id: string) => spans.find((s) => s.attributes[ATTR.taskId] === id);
    expect(task('broken')?.attributes).toMatchObject({
      [ATTR.taskStatus]: 'failed',
      [ATTR.errorCode]: 'AuthError',
      [ATTR.executor]: 'test:broken',
    });
    expect(task('broken')?.status.code).toBe(SpanStatusCode.ERROR);
    expect(task('hang')?.attributes[ATTR.taskStatus]).toBe('cancelled');
    expect(task('hang')?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records nothing without an endpoint, and derives trace ids from run ids', async () => {
    const e = engine();
    const t = tracing(e);
    expect(t.enabled).toBe(false);
    const def = workflow('quiet')
      .task('t', { executor: 'expression', inputs: { value: 1 } })
      .build();
    expect((await e.run(def)).status).toBe('completed');
    await t.flush();

    expect(traceIdOf('run-1')).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf('run-1')).toBe(t.traceIdOf('run-1'));
    expect(traceIdOf('run-1')).not.toBe(traceIdOf('run-2'));
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/otlp/')).toBe('http://collector:4318/otlp/v1/traces');
    expect(tracesUrl('https://x.example/v1/traces')).toBe('https://x.example/v1/traces');
    expect(() => tracesUrl('not a url')).toThrow(/no URL/);
  });

  it('exports over OTLP/HTTP to the configured endpoint', async () => {
    const received: { method: string; url: string; type: string; body: string }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        chunks.push(c);
      });
      req.on('end', () => {
        received.push({
          method: req.method ?? '',
          url: req.url ?? '',
          type: req.headers['content-type'] ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const e = engine();
      const t = createTracing(e, {
        otlpEndpoint: `http://127.0.0.1:${port}`,
        serviceName: 'orchestrator-test',
      });
      const def = workflow('exported')
        .task('t', { executor: 'expression', inputs: { value: 1 } })
        .build();
      const result = await e.run(def);
      await t.close();

      expect(received.length).toBeGreaterThan(0);
      const post = received[0];
      expect(post?.method).toBe('POST');
      expect(post?.url).toBe('/v1/traces');
      // exporter-trace-otlp-http speaks OTLP/JSON: ids in hex.
      expect(post?.type).toMatch(/^application\/json/);
      expect(post?.body).toContain(traceIdOf(result.runId));
      expect(post?.body).toContain('orchestrator-test');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  });
});
