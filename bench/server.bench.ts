/*
 * The server under load over loopback: runs of a one-task workflow (`transform:template`) started
 * through REST, and their status read back, on SQLite (a temporary file) and on PostgreSQL (a
 * schema of its own, dropped afterwards). The server (`createOrchestratorServer` over
 * `createEngine({ store })`) runs on a worker thread (`server-worker.ts`), so that the client's
 * work does not share its event loop; the client is undici (a pool of keep-alive connections), one
 * connection per simulated client.
 *
 * The workflow is registered once (`POST /api/v1/registry`) and started by name, as a service's
 * callers would. `GET /health` first, the HTTP stack alone, gives the scale. Then:
 * - capacity, in closed loops: `CLIENTS` clients start runs back to back for `START_MS` after a
 *   warm-up; once every started run has ended, they read the runs they started
 *   (`GET /api/v1/workflows/:id`, each checked to be completed) back to back for `STATUS_MS`;
 * - latency at the target load, in an open loop: runs started at `MIXED_RATE` a second while status
 *   reads (of the runs started before) arrive at the same rate, each call due at its place in the
 *   schedule whatever the answers' speed. This is where the status p99 target applies. The same
 *   again at half the rate shows the latencies of a server that is not saturated.
 *
 * Latencies are those the client sees, from when the call was due to the response read. In a
 * closed loop they are mostly queueing: with `CLIENTS` in flight the mean latency is `CLIENTS` /
 * throughput. The open loop's are also given as the server measured them (request arrived to
 * response ended): the difference is time spent outside the server's thread, in the client, the
 * kernel, or waiting for a CPU that the client, the server and PostgreSQL share. The CPU figures
 * are this process's (client and server threads, not PostgreSQL's) per request.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { Pool } from 'undici';
import type { Benchmark, Figure } from './harness.js';
import type { ServerWorkerData, Timings } from './server-worker.js';

const PG_URL = process.env.LLMO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Concurrent clients, each with a keep-alive connection of its own. */
const CLIENTS = 64;
const WARM_UP_MS = 1000;
const START_MS = 5000;
const STATUS_WARM_UP_MS = 500;
const STATUS_MS = 3000;
/**
 * Both targets at once, in an open loop: runs started at the target rate while status reads arrive
 * at the same rate; the latencies a service's callers see at that load.
 */
const MIXED_RATE = 2000;
const MIXED_WARM_UP_MS = 1000;
const MIXED_MS = 5000;
/** `GET /health`, the HTTP stack alone. */
const HEALTH_MS = 2000;
/** The longest the started runs may take to end once the starts stop. */
const DRAIN_TIMEOUT_MS = 30_000;

const WORKFLOW = 'bench-hello';
const definition = {
  apiVersion: 'orchestrator.llm/v1',
  kind: 'Workflow',
  metadata: { name: WORKFLOW, version: '1.0.0' },
  spec: {
    inputs: [{ name: 'name', type: 'string', default: 'world' }],
    tasks: [
      {
        id: 'greet',
        executor: 'transform:template',
        inputs: {
          template: 'Hello, {{ name }}!',
          values: { name: '${{ workflow.inputs.name }}' },
        },
      },
    ],
    outputs: { greeting: '${{ tasks.greet.outputs.result }}' },
  },
};
const START_BODY = JSON.stringify({ workflow: `${WORKFLOW}@1.0.0`, inputs: { name: 'bench' } });
const GREETING = 'Hello, bench!';
const JSON_HEADERS = { 'content-type': 'application/json' };

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

async function call(
  pool: Pool,
  method: 'GET' | 'POST',
  path: string,
  body?: string,
): Promise<Reply> {
  const res = await pool.request({
    method,
    path,
    ...(body === undefined ? {} : { body, headers: JSON_HEADERS }),
  });
  return { status: res.statusCode, body: await res.body.json() };
}

function expect(reply: Reply, status: number, what: string): Record<string, unknown> {
  if (reply.status !== status) {
    throw new Error(`${what}: HTTP ${String(reply.status)} ${JSON.stringify(reply.body)}`);
  }
  return reply.body as Record<string, unknown>;
}

/** The `p` quantile (0–1) of `sorted`, nearest rank. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

interface Load {
  readonly perSecond: number;
  /** CPU time of this process (the client's thread and the server's) per call, in ms. */
  readonly cpuMs: number;
  readonly p50: number;
  readonly p99: number;
  /** The server thread's event-loop utilization over the run, 0–1. */
  readonly serverBusy: number;
  /** The client thread's, 0–1. */
  readonly clientBusy: number;
}

/** A stream of calls issued at a fixed rate, whatever the answers' speed (an open loop). */
interface Stream {
  readonly perSecond: number;
  readonly op: () => Promise<void>;
}

interface StreamLoad {
  /** The calls answered per second (below `perSecond` when the server falls behind). */
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * The `streams` side by side for `ms`: each call is due at its place in its stream's schedule and
 * its latency counts from then, so that time spent queued behind a slow server (in the client's
 * pool or the server's) is counted, not hidden by issuing fewer calls.
 */
async function openLoop(ms: number, streams: readonly Stream[]): Promise<StreamLoad[]> {
  const start = performance.now();
  const latencies = streams.map((): number[] => []);
  const issued = streams.map(() => 0);
  const inFlight: Promise<void>[] = [];
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= ms) break;
    streams.forEach((stream, i) => {
      const interval = 1000 / stream.perSecond;
      const due = Math.floor(elapsed / interval) + 1;
      for (; (issued[i] as number) < due; issued[i] = (issued[i] as number) + 1) {
        const at = start + (issued[i] as number) * interval;
        inFlight.push(
          stream.op().then(() => {
            latencies[i]?.push(performance.now() - at);
          }),
        );
      }
    });
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  const elapsed = performance.now() - start;
  return latencies.map((l) => {
    const sorted = Float64Array.from(l).sort();
    return {
      perSecond: (l.length / elapsed) * 1000,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
    };
  });
}

/** `clients` clients calling `op` back to back for `ms`; the rate and latencies of the calls. */
async function closedLoop(
  worker: Worker,
  ms: number,
  op: () => Promise<void>,
  clients = CLIENTS,
): Promise<Load> {
  const latencies: number[] = [];
  const serverElu = worker.performance.eventLoopUtilization();
  const clientElu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + ms;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await op();
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const elapsed = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  const sorted = Float64Array.from(latencies).sort();
  return {
    perSecond: (latencies.length / elapsed) * 1000,
    cpuMs: (user + system) / 1000 / latencies.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    serverBusy: worker.performance.eventLoopUtilization(serverElu).utilization,
    clientBusy: performance.eventLoopUtilization(clientElu).utilization,
  };
}

/** The request durations the server measured since `'record'`, as percentiles. */
async function serverTimings(
  worker: Worker,
): Promise<{ start: { p50: number; p99: number }; read: { p50: number; p99: number } }> {
  const reply = once(worker, 'message');
  worker.postMessage('report');
  const [timings] = (await reply) as [Timings];
  const of = (values: number[]): { p50: number; p99: number } => {
    const sorted = Float64Array.from(values).sort();
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  };
  return { start: of(timings.starts), read: of(timings.reads) };
}

async function startServer(data: ServerWorkerData): Promise<{ worker: Worker; url: string }> {
  const worker = new Worker(new URL('./server-worker.js', import.meta.url), { workerData: data });
  try {
    const [url] = (await once(worker, 'message')) as [string];
    return { worker, url };
  } catch (err) {
    await worker.terminate();
    throw err;
  }
}

async function stopServer(worker: Worker): Promise<void> {
  const closed = once(worker, 'message');
  worker.postMessage('close');
  await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000).unref())]);
  await worker.terminate();
}

/** Waits until no run is pending or running; the time that took, in ms. */
async function drain(pool: Pool): Promise<number> {
  const start = performance.now();
  for (;;) {
    const reply = await call(pool, 'GET', '/api/v1/workflows?status=pending,running&limit=1');
    const { runs } = expect(reply, 200, 'list active runs') as { runs: unknown[] };
    if (runs.length === 0) return performance.now() - start;
    if (performance.now() - start > DRAIN_TIMEOUT_MS) {
      throw new Error(`runs still active ${String(DRAIN_TIMEOUT_MS)} ms after the last start`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts and status reads at `rate` a second each, in an open loop, after a warm-up at that rate:
 * the latencies the client saw, and the server's own request times. The status p99 has its target
 * at the target rate.
 */
async function mixedLoad(
  worker: Worker,
  rate: number,
  [startOne, readOne]: readonly [() => Promise<void>, () => Promise<void>],
): Promise<Figure[]> {
  const streams = [
    { perSecond: rate, op: startOne },
    { perSecond: rate, op: readOne },
  ];
  await openLoop(MIXED_WARM_UP_MS, streams);
  worker.postMessage('record');
  const [starts, reads] = (await openLoop(MIXED_MS, streams)) as [StreamLoad, StreamLoad];
  const server = await serverTimings(worker);
  const r = rate.toLocaleString('en-US');
  const mix = `${r} starts/s + ${r} reads/s`;
  return [
    { name: `${mix}: runs started/s`, value: starts.perSecond, unit: 'runs/s' },
    { name: `${mix}: start latency p50`, value: starts.p50, unit: 'ms' },
    { name: `${mix}: start latency p99`, value: starts.p99, unit: 'ms' },
    { name: `${mix}: start p99, server side`, value: server.start.p99, unit: 'ms' },
    { name: `${mix}: status reads/s`, value: reads.perSecond, unit: 'reads/s' },
    { name: `${mix}: status latency p50`, value: reads.p50, unit: 'ms' },
    {
      name: `${mix}: status latency p99`,
      value: reads.p99,
      unit: 'ms',
      ...(rate === MIXED_RATE ? { target: 10, better: 'lower' as const } : {}),
    },
    { name: `${mix}: status p50, server side`, value: server.read.p50, unit: 'ms' },
    { name: `${mix}: status p99, server side`, value: server.read.p99, unit: 'ms' },
  ];
}

async function loadTest(data: ServerWorkerData): Promise<Figure[]> {
  const { worker, url } = await startServer(data);
  const pool = new Pool(url, { connections: CLIENTS, pipelining: 1 });
  const startPool = new Pool(url, { connections: CLIENTS, pipelining: 1 });
  const readPool = new Pool(url, { connections: CLIENTS, pipelining: 1 });
  try {
    // The HTTP stack alone (fastify, loopback, this client), for scale.
    const healthOne = async (): Promise<void> => {
      expect(await call(pool, 'GET', '/health'), 200, 'health');
    };
    await closedLoop(worker, WARM_UP_MS, healthOne);
    const health = await closedLoop(worker, HEALTH_MS, healthOne);

    expect(
      await call(pool, 'POST', '/api/v1/registry', JSON.stringify({ definition })),
      201,
      'register the workflow',
    );
    const ids: string[] = [];
    let recording = false;
    const startOne = async (via = pool): Promise<void> => {
      const run = expect(await call(via, 'POST', '/api/v1/workflows', START_BODY), 201, 'start');
      if (recording) ids.push(run['id'] as string);
    };
    await closedLoop(worker, WARM_UP_MS, () => startOne());
    recording = true;
    const starts = await closedLoop(worker, START_MS, () => startOne());
    recording = false;
    const drained = await drain(pool);

    const first = expect(
      await call(pool, 'GET', `/api/v1/workflows/${ids[0] ?? ''}`),
      200,
      'read a run',
    );
    const outputs = first['outputs'] as Record<string, unknown> | undefined;
    if (outputs?.['greeting'] !== GREETING) {
      throw new Error(`run ${ids[0] ?? ''}: ${JSON.stringify(first)}`);
    }
    let next = 0;
    const readOne = async (via = pool): Promise<void> => {
      const id = ids[next++ % ids.length] as string;
      const run = expect(await call(via, 'GET', `/api/v1/workflows/${id}`), 200, 'status');
      if (run['status'] !== 'completed') throw new Error(`run ${id}: ${JSON.stringify(run)}`);
    };
    await closedLoop(worker, STATUS_WARM_UP_MS, () => readOne());
    const reads = await closedLoop(worker, STATUS_MS, () => readOne());
    // Callers of their own, each with its connections: a read never waits for a connection that
    // a start holds. At the target rate, then at half of it (the same box, not saturated).
    const mixed = async (rate: number): Promise<Figure[]> =>
      mixedLoad(worker, rate, [() => startOne(startPool), () => readOne(readPool)]);
    const atTarget = await mixed(MIXED_RATE);
    const atHalf = await mixed(MIXED_RATE / 2);
    await drain(pool);

    const c = `${String(CLIENTS)} clients`;
    const cpu = 'CPU, client and server threads';
    return [
      { name: `baseline: GET /health/s (${c})`, value: health.perSecond, unit: 'req/s' },
      { name: 'baseline: GET /health p99', value: health.p99, unit: 'ms' },
      { name: `baseline: ${cpu}, per request`, value: health.cpuMs, unit: 'ms' },
      {
        name: `runs started/s (POST by name, ${c})`,
        value: starts.perSecond,
        unit: 'runs/s',
        target: 2000,
        better: 'higher',
      },
      { name: 'start latency p50', value: starts.p50, unit: 'ms' },
      { name: 'start latency p99', value: starts.p99, unit: 'ms' },
      { name: `start: ${cpu}, per start`, value: starts.cpuMs, unit: 'ms' },
      { name: 'start: server thread busy', value: starts.serverBusy * 100, unit: '%' },
      { name: 'start: client thread busy', value: starts.clientBusy * 100, unit: '%' },
      { name: 'started runs all ended, after the last start', value: drained, unit: 'ms' },
      { name: `status reads/s (GET, ${c})`, value: reads.perSecond, unit: 'reads/s' },
      { name: 'status latency p50', value: reads.p50, unit: 'ms' },
      { name: 'status latency p99', value: reads.p99, unit: 'ms' },
      { name: `status: ${cpu}, per read`, value: reads.cpuMs, unit: 'ms' },
      { name: 'status: server thread busy', value: reads.serverBusy * 100, unit: '%' },
      ...atTarget,
      ...atHalf,
    ];
  } finally {
    await Promise.all([pool.close(), startPool.close(), readPool.close()]);
    await stopServer(worker);
  }
}

/** Why PostgreSQL cannot be used (undefined: it can). */
async function postgresUnreachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export const benchmarks: Benchmark[] = [
  {
    name: 'server (REST over loopback, SQLite)',
    async run(): Promise<Figure[]> {
      const dir = mkdtempSync(join(tmpdir(), 'llmo-bench-server-'));
      try {
        return await loadTest({ kind: 'sqlite', path: join(dir, 'state.db') });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'server (REST over loopback, PostgreSQL)',
    async run(): Promise<Figure[]> {
      const why = await postgresUnreachable();
      if (why !== undefined) {
        let where = PG_URL;
        try {
          where = new URL(PG_URL).host;
        } catch {
          // not a URL: shown as given
        }
        console.log(`  skipped: PostgreSQL at ${where} unreachable (${why})`);
        return [];
      }
      const schema = `llmo_bench_server_${String(process.pid)}_${String(Date.now() % 100_000)}`;
      try {
        return await loadTest({ kind: 'postgres', connectionString: PG_URL, schema });
      } finally {
        await dropSchema(schema);
      }
    },
  },
];
