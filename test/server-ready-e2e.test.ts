/**
 * `llm-orchestrator serve` on PostgreSQL when the store goes away and comes back: the real server
 * process reaches PostgreSQL through a TCP proxy of the test (on 127.0.0.1), which is cut (its
 * connections destroyed, no more accepted) and restored on the same port. /ready follows the store
 * (503 while it is unreachable, /health staying 200), API calls in the outage answer 503 with a
 * JSON error, and once the store is back the server is ready again and completes a new run.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import {
  describePostgres,
  TEST_DATABASE_URL,
  useTestDatabase,
} from '../packages/postgres/src/test-database.js';
import { tempDir } from './cli-durable-helpers.js';
import { serve, slow } from './serve-helpers.js';

/** A TCP proxy on 127.0.0.1 to PostgreSQL that can be cut and restored on the same port. */
class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listens (on the port of the first start when restored); the port. */
  async start(): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** The store goes away: live connections are destroyed, new ones refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

interface Reply {
  status?: string;
  id?: string;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string; hint?: string };
  requestId?: string;
}

async function call(
  url: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; type: string; text: string; body: Reply }> {
  const res = await fetch(url, {
    method,
    signal: AbortSignal.timeout(10_000),
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text,
    body: JSON.parse(text) as Reply,
  };
}

/** Calls `url` every 200 ms until `done` holds of the answer; the answer. */
async function pollUntil(
  url: string,
  done: (r: Awaited<ReturnType<typeof call>>) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<Awaited<ReturnType<typeof call>>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await call(url);
    if (done(r)) return r;
    if (Date.now() > end) throw new Error(`${what}: still ${String(r.status)} ${r.text}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const proxies: TcpProxy[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.cut();
});

describePostgres('llm-orchestrator serve on PostgreSQL', () => {
  const db = useTestDatabase();

  it('is not ready while the store is unreachable, and recovers when it comes back', async () => {
    const target = new URL(TEST_DATABASE_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port === '' ? 5432 : target.port));
    proxies.push(proxy);
    const schema = db.schema();
    const store = new URL(TEST_DATABASE_URL);
    store.hostname = '127.0.0.1';
    store.port = String(await proxy.start());
    store.searchParams.set('schema', schema);
    const server = await serve(tempDir('llmo-serve-ready-'), ['--store', store.toString()]);
    expect(server.stderr()).toContain(`@127.0.0.1:${String(proxy.port)}/test?schema=${schema};`);

    expect((await call(`${server.url}/ready`)).body).toEqual({ status: 'ready' });

    // The store goes away.
    await proxy.cut();
    const down = await pollUntil(`${server.url}/ready`, (r) => r.status === 503, 'not ready');
    expect(down.type).toMatch(/^application\/json/);
    expect(down.body.error).toMatchObject({ code: 'NOT_READY' });
    expect(down.body.error?.message).toMatch(/store/);
    const health = await call(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });

    // An API call in the outage: a 503 with a JSON error body, no stack trace.
    for (const path of ['/api/v1/workflows', '/api/v1/workflows/no-such-run']) {
      const failed = await call(`${server.url}${path}`);
      expect(failed.status, `${path}: ${failed.text}`).toBe(503);
      expect(failed.type).toMatch(/^application\/json/);
      expect(failed.body.error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(failed.body.error?.message).toMatch(/store/);
      expect(failed.body.requestId).toEqual(expect.any(String));
      expect(failed.text).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/);
    }
    // Still not ready: an outage does not end by itself.
    expect((await call(`${server.url}/ready`)).status).toBe(503);

    // The store comes back on the same address.
    await proxy.start();
    await pollUntil(`${server.url}/ready`, (r) => r.status === 200, 'ready again');
    expect((await call(`${server.url}/api/v1/workflows`)).status).toBe(200);

    const started = await call(`${server.url}/api/v1/workflows`, 'POST', {
      definition: slow(300),
    });
    expect(started.status, started.text).toBe(201);
    const id = started.body.id ?? '';
    const done = await pollUntil(
      `${server.url}/api/v1/workflows/${id}`,
      (r) => r.status !== 200 || ['completed', 'failed', 'cancelled'].includes(r.body.status ?? ''),
      `run ${id}`,
      20_000,
    );
    expect(done.body).toMatchObject({ status: 'completed', outputs: { result: 'done' } });
    // It is in the test's schema, through the proxy.
    const { rows } = await db.pool.query<{ status: string }>(
      `SELECT status FROM "${schema}".runs WHERE id = $1`,
      [id],
    );
    expect(rows).toEqual([{ status: 'completed' }]);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 60_000);
});
