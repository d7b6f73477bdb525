/**
 * Helpers for the evaluator tests: an executor context with a recording logger, and a local
 * Test-Bench stand-in (node:http on 127.0.0.1) that records what it receives. Test-only: nothing
 * in the library imports this file.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock, type Executor, type ExecutorContext } from '@llm-orchestrator/core';

export interface LogEntry {
  readonly level: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

export interface TestContext extends ExecutorContext {
  readonly logs: LogEntry[];
}

export function testContext(options: { signal?: AbortSignal } = {}): TestContext {
  const logs: LogEntry[] = [];
  const log =
    (level: string) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      logs.push({ level, message, fields });
    };
  return {
    runId: 'run-1',
    workflow: { name: 'eval-workflow', version: '1.0.0', labels: {} },
    taskId: 'eval-1',
    attempt: 1,
    idempotencyKey: 'run-1:eval-1',
    signal: options.signal ?? new AbortController().signal,
    clock: new FakeClock(1_700_000_000_000),
    config: {},
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    emit: () => undefined,
    logs,
  };
}

/** Runs an executor; a synchronous throw becomes a rejection, as the engine sees it. */
export async function run(
  executor: Executor,
  inputs: Readonly<Record<string, unknown>>,
  ctx: ExecutorContext = testContext(),
): Promise<Record<string, unknown>> {
  return (await Promise.resolve().then(() => executor.execute(inputs, ctx))) as Record<
    string,
    unknown
  >;
}

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

export type TestBenchBehaviour = 'ok' | 'error' | 'hang';

export interface TestBenchServer {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** `ok`: 201 with `{ id }`; `error`: 500 with a JSON error; `hang`: never answers. */
export async function startTestBenchServer(
  behaviour: TestBenchBehaviour = 'ok',
): Promise<TestBenchServer> {
  const requests: ReceivedRequest[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: raw === '' ? undefined : (JSON.parse(raw) as unknown),
    });
    if (behaviour === 'hang') return;
    const status = behaviour === 'ok' ? 201 : 500;
    const body =
      behaviour === 'ok' ? { id: `eval-${requests.length}` } : { error: 'database down' };
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
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
