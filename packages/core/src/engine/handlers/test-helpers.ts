/**
 * Helpers for handler tests: a real HTTP server on 127.0.0.1 (port 0), a recording log sink,
 * fixtures, and a way to drive a FakeClock while real I/O runs. Test-only.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeClock } from '../../clock.js';
import { ExecutorRegistry } from '../../executors/registry.js';
import { MemoryDeadLetterQueue } from '../../resilience/index.js';
import type { LogLevel, LogSink } from '../attempt-context.js';
import type { AlertEvent, HandlerDeps, RunSummary } from './types.js';

export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface TestServer {
  readonly url: string;
  readonly requests: Received[];
  close(): Promise<void>;
}

/** `respond` gets each request and its 0-based number; it may leave the response open. */
export async function startServer(
  respond: (req: Received, n: number, res: ServerResponse) => void,
): Promise<TestServer> {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      respond(received, requests.length - 1, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** One real turn of the event loop (lets sockets make progress). */
export function realTick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}

/** Waits (in real time, up to ~5s) until `condition` holds. */
export async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2500; i++) {
    if (condition()) return;
    await realTick();
  }
  throw new Error('condition not met in time');
}

/** Awaits `promise` while moving `clock` forward `stepMs` per real event-loop turn. */
export async function drive<T>(clock: FakeClock, promise: Promise<T>, stepMs = 50): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; !settled; i++) {
    if (i > 5000) throw new Error('promise did not settle');
    await realTick();
    await clock.advance(stepMs);
  }
  return promise;
}

export interface LogLine {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export function recordingLog(): { lines: LogLine[]; sink: LogSink } {
  const lines: LogLine[] = [];
  return { lines, sink: (level, message, fields) => lines.push({ level, message, fields }) };
}

export interface TestDeps extends HandlerDeps {
  readonly lines: LogLine[];
  readonly alerts: AlertEvent[];
  readonly deadLetters: MemoryDeadLetterQueue;
}

export function testDeps(
  clock: FakeClock,
  overrides: Partial<Omit<HandlerDeps, 'deadLetters'>> = {},
): TestDeps {
  const { lines, sink } = recordingLog();
  const alerts: AlertEvent[] = [];
  let n = 0;
  return {
    clock,
    log: sink,
    alertSink: (a) => {
      alerts.push(a);
    },
    deadLetters: new MemoryDeadLetterQueue(clock, { newId: () => `dl-${++n}` }),
    executors: new ExecutorRegistry(),
    ...overrides,
    lines,
    alerts,
  };
}

export function failedSummary(): RunSummary {
  return {
    runId: 'run-1',
    workflow: { name: 'demo', version: '1.2.3' },
    status: 'failed',
    inputs: { question: 'why?' },
    outputs: null,
    error: { code: 'TASK_FAILED', message: 'task b failed: boom' },
    startedAt: 1000,
    endedAt: 4000,
    tasks: [
      { id: 'a', status: 'completed', attempts: 1 },
      { id: 'b', status: 'failed', attempts: 3, error: { code: 'ExecutorError', message: 'boom' } },
      { id: 'c', status: 'cancelled', attempts: 0 },
    ],
  };
}

/** The expression context the engine builds for a run (see `run.ts`). */
export function contextOf(summary: RunSummary): Record<string, unknown> {
  return {
    workflow: {
      id: summary.runId,
      execution_id: summary.runId,
      inputs: summary.inputs,
      metadata: { name: summary.workflow.name, version: summary.workflow.version },
      outputs: summary.outputs,
      error: summary.error,
    },
    tasks: Object.fromEntries(summary.tasks.map((t) => [t.id, { status: t.status }])),
    env: { HOOK_BASE: 'unused' },
    secrets: { hook: 's3cret' },
    system: {},
  };
}
