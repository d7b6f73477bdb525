import type { FastifyServerOptions } from 'fastify';
/** What the REST tests share: workflows, an engine on an in-memory store, the app over it. */
import {
  createEngine,
  MemoryStore,
  OrchestratorError,
  type Engine,
  type Store,
} from '@llm-orchestrator/core';
import { createOrchestratorServer, type OrchestratorServer } from '../server.js';

export function workflow(
  name: string,
  tasks: readonly Record<string, unknown>[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'orchestrator.llm/v1',
    kind: 'Workflow',
    metadata: { name, version: '1.0.0' },
    spec: { ...extra, tasks },
  };
}

export const hello = workflow(
  'hello',
  [
    {
      id: 'greet',
      executor: 'transform:template',
      inputs: { template: 'Hello, {{ name }}!', values: { name: '${{ workflow.inputs.name }}' } },
    },
  ],
  {
    inputs: [{ name: 'name', type: 'string', default: 'world' }],
    outputs: { greeting: '${{ tasks.greet.outputs.result }}' },
  },
);

export const slow = workflow(
  'slow',
  [
    { id: 'wait', executor: 'sleep', inputs: { duration: '${{ workflow.inputs.ms }}' } },
    {
      id: 'after',
      executor: 'transform:template',
      dependsOn: ['wait'],
      inputs: { template: 'done' },
    },
  ],
  { inputs: [{ name: 'ms', type: 'number', default: 60000 }] },
);

export const cyclic = workflow('cyclic', [
  { id: 'a', executor: 'transform:template', dependsOn: ['b'], inputs: { template: 'a' } },
  { id: 'b', executor: 'transform:template', dependsOn: ['a'], inputs: { template: 'b' } },
]);

/** Fails its first call (of each run), then works: for retry. */
export const flaky = workflow('flaky', [{ id: 'try', executor: 'test:flaky', inputs: {} }]);

/** Its `gated` task waits for an approval. */
export const gated = workflow('gated', [
  { id: 'gated', executor: 'transform:template', inputs: { template: 'approved' } },
]);

export interface TestServer {
  readonly engine: Engine;
  readonly store: Store;
  readonly server: OrchestratorServer;
}

export async function testServer(
  options: { store?: Store; bodyLimit?: number; logger?: FastifyServerOptions['logger'] } = {},
): Promise<TestServer> {
  const store = options.store ?? new MemoryStore();
  const failed = new Set<string>();
  const engine = createEngine({
    store,
    taskGate: (r) =>
      r.taskId === 'gated'
        ? { kind: 'require-approval', reason: 'a person must look at it' }
        : { kind: 'allow' },
  });
  engine.registerExecutor('test:flaky', (_inputs, context) => {
    if (!failed.has(context.runId)) {
      failed.add(context.runId);
      throw new OrchestratorError('FLAKY', 'the first call fails', { retryable: false });
    }
    return { ok: true };
  });
  const server = await createOrchestratorServer({
    engine,
    store,
    claim: false,
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  return { engine, store, server };
}

/** Polls `check` until it returns a value (not undefined). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface SseEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

/**
 * Reads a Server-Sent Events response: yields each event (comments skipped) until the stream ends
 * or `stop` returns true for the last one (the connection is then dropped).
 */
export async function readSse(
  url: string,
  options: {
    lastEventId?: string;
    stop?: (e: SseEvent) => boolean;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; headers: Headers; events: SseEvent[] }> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: {
      accept: 'text/event-stream',
      ...(options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId }),
      ...options.headers,
    },
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  if (res.body === null || !res.ok) return { status: res.status, headers: res.headers, events };
  const decoder = new TextDecoder();
  let buffer = '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const e: { id?: string; event?: string; data: string[] } = { data: [] };
        for (const line of block.split('\n')) {
          if (line.startsWith(':') || line === '') continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') e.id = text;
          else if (field === 'event') e.event = text;
          else if (field === 'data') e.data.push(text);
        }
        if (e.data.length === 0 && e.event === undefined) continue;
        const event: SseEvent = {
          ...(e.id === undefined ? {} : { id: e.id }),
          ...(e.event === undefined ? {} : { event: e.event }),
          data: e.data.join('\n'),
        };
        events.push(event);
        if (options.stop?.(event) === true) {
          abort.abort();
          return { status: res.status, headers: res.headers, events };
        }
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  }
  return { status: res.status, headers: res.headers, events };
}
