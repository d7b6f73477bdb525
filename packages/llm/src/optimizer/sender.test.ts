/** The optimizer sender against a real local HTTP server. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOptimizerSender, type OptimizerMetric, type OptimizerSender } from './sender.js';

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: { metrics: OptimizerMetric[] };
}

interface TestServer {
  readonly url: string;
  readonly requests: Received[];
  /** The most requests the server was answering at once. */
  readonly maxInFlight: () => number;
  close(): Promise<void>;
}

/** Records every request; answers with the next status of `statuses` (200 once they run out). */
async function startServer(statuses: number[] = [], delayMs = 0): Promise<TestServer> {
  const requests: Received[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => {
      requests.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: JSON.parse(text) as { metrics: OptimizerMetric[] },
      });
      const status = statuses.shift() ?? 200;
      setTimeout(() => {
        inFlight--;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 200 ? '{"accepted":true}' : '{"error":"boom"}');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function metric(n: number): OptimizerMetric {
  return {
    run_id: 'run-1',
    workflow: 'wf',
    workflow_version: '1.0.0',
    labels: {},
    task_id: `t${n}`,
    collector_task_id: 'collect',
    timestamp: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    provider: 'openai',
    model: 'gpt-4o',
    quality_score: 0.5,
    cost_usd: null,
    input_tokens: null,
    output_tokens: null,
    latency_ms: null,
    custom: { n },
    context: {},
  };
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(
  statuses: number[] = [],
  options: Partial<Parameters<typeof createOptimizerSender>[0]> = {},
  delayMs = 0,
): Promise<{
  server: TestServer;
  sender: OptimizerSender;
  logs: { level: string; message: string; fields: Record<string, unknown> }[];
}> {
  const server = await startServer(statuses, delayMs);
  cleanup.push(() => server.close());
  const logs: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const sender = createOptimizerSender({
    url: server.url,
    flushIntervalMs: 60_000,
    log: (level, message, fields) => {
      logs.push({ level, message, fields: { ...fields } });
    },
    ...options,
  });
  cleanup.push(() => sender.close());
  return { server, sender, logs };
}

describe('createOptimizerSender', () => {
  it('POSTs buffered metrics as {metrics: [...]} to <url>/v1/metrics, with the bearer key', async () => {
    const { server, sender, logs } = await setup([], { apiKey: 'sk-secret-123' });
    sender.push(metric(1));
    sender.push(metric(2));
    expect(sender.pending).toBe(2);
    expect(await sender.flush()).toBe(true);
    expect(sender.pending).toBe(0);
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/v1/metrics');
    expect(req?.headers.authorization).toBe('Bearer sk-secret-123');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.body).toEqual({ metrics: [metric(1), metric(2)] });
    expect(JSON.stringify(logs)).not.toContain('sk-secret-123');
    // Nothing buffered: no request.
    expect(await sender.flush()).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('sends no Authorization header without a key, and accepts a trailing slash', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const sender = createOptimizerSender({ url: `${server.url}/`, flushIntervalMs: 60_000 });
    cleanup.push(() => sender.close());
    sender.push(metric(1));
    expect(await sender.flush()).toBe(true);
    expect(server.requests[0]?.url).toBe('/v1/metrics');
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('keeps a batch the optimizer refused (500) and sends it again, in order, at the next flush', async () => {
    const { server, sender, logs } = await setup([500], { apiKey: 'sk-secret-123' });
    sender.push(metric(1));
    expect(await sender.flush()).toBe(false);
    expect(sender.pending).toBe(1);
    expect(logs.find((l) => l.level === 'warn')?.fields).toMatchObject({ status: 500, metrics: 1 });
    sender.push(metric(2));
    expect(await sender.flush()).toBe(true);
    expect(sender.pending).toBe(0);
    expect(server.requests.map((r) => r.body.metrics.map((m) => m.task_id))).toEqual([
      ['t1'],
      ['t1', 't2'],
    ]);
    expect(JSON.stringify(logs)).not.toContain('sk-secret-123');
  });

  it('keeps the batch when the optimizer cannot be reached', async () => {
    const server = await startServer();
    const url = server.url;
    await server.close();
    const logs: string[] = [];
    const sender = createOptimizerSender({
      url,
      flushIntervalMs: 60_000,
      log: (level, message) => logs.push(`${level} ${message}`),
    });
    cleanup.push(() => sender.close());
    sender.push(metric(1));
    expect(await sender.flush()).toBe(false);
    expect(sender.pending).toBe(1);
    expect(logs[0]).toMatch(/^warn sending optimizer metrics failed/);
  });

  it('gives up on a POST after timeoutMs and keeps its batch', async () => {
    const { sender, logs } = await setup([], { timeoutMs: 50 }, 1000);
    sender.push(metric(1));
    expect(await sender.flush()).toBe(false);
    expect(sender.pending).toBe(1);
    expect(logs.find((l) => l.level === 'warn')?.fields).toMatchObject({ error: 'timed out' });
  });

  it('sends at most maxBatch metrics per POST', async () => {
    const { server, sender } = await setup([], { maxBatch: 2 });
    for (let i = 1; i <= 5; i++) sender.push(metric(i));
    expect(await sender.flush()).toBe(true);
    expect(server.requests.map((r) => r.body.metrics.length)).toEqual([2, 2, 1]);
  });

  it('drops the oldest metrics beyond 10 × maxBatch, with a warning', async () => {
    const { server, sender, logs } = await setup([500], { maxBatch: 2 });
    for (let i = 1; i <= 25; i++) sender.push(metric(i));
    expect(sender.pending).toBe(20);
    const drops = logs.filter((l) => l.message.includes('dropped'));
    expect(drops).toHaveLength(5);
    expect(drops[0]?.fields).toMatchObject({ dropped: 1, capacity: 20 });
    expect(await sender.flush()).toBe(false);
    expect(await sender.flush()).toBe(true);
    const sent = server.requests.slice(1).flatMap((r) => r.body.metrics.map((m) => m.task_id));
    expect(sent[0]).toBe('t6');
    expect(sent).toHaveLength(20);
  });

  it('flushes on its interval', async () => {
    const { server, sender } = await setup([], { flushIntervalMs: 20 });
    sender.push(metric(1));
    await expect.poll(() => server.requests.length, { timeout: 2000 }).toBe(1);
    expect(sender.pending).toBe(0);
  });

  it('flushes on close, and drops what is pushed after', async () => {
    const { server, sender, logs } = await setup();
    sender.push(metric(1));
    const closing = sender.close();
    expect(sender.close()).toBe(closing);
    expect(await closing).toBe(true);
    expect(server.requests).toHaveLength(1);
    sender.push(metric(2));
    expect(sender.pending).toBe(0);
    expect(logs.at(-1)?.message).toMatch(/closed/);
  });

  it('does not overlap flushes', async () => {
    const { server, sender } = await setup([], {}, 30);
    sender.push(metric(1));
    const first = sender.flush();
    await expect.poll(() => server.requests.length).toBe(1);
    // The first POST is under way: a second flush waits for it.
    sender.push(metric(2));
    const second = sender.flush();
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(server.requests.map((r) => r.body.metrics.map((m) => m.task_id))).toEqual([
      ['t1'],
      ['t2'],
    ]);
    expect(server.maxInFlight()).toBe(1);
  });

  it('refuses bad options', () => {
    expect(() => createOptimizerSender({ url: 'not a url' })).toThrow(/http\(s\) URL/);
    expect(() => createOptimizerSender({ url: 'ftp://x' })).toThrow(/http\(s\) URL/);
    expect(() => createOptimizerSender({ url: 'http://x', maxBatch: 0 })).toThrow(/maxBatch/);
  });
});
