/**
 * `llm-orchestrator serve` end to end: the real CLI as a child process on 127.0.0.1 with a SQLite
 * store, driven over HTTP and Server-Sent Events, killed mid-run and restarted on the same store.
 */
import { describe, expect, it } from 'vitest';
import { readSse, type SseEvent } from '../packages/server/src/rest/test-helpers.js';
import { tempDir } from './cli-durable-helpers.js';
import { serve, slow, spawnCli } from './serve-helpers.js';

async function call(
  url: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; body: Reply }> {
  const res = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Reply };
}

interface Run {
  id: string;
  status: string;
  outputs?: Record<string, unknown>;
}

/** What the calls of these tests answer: a run, a list of runs, or a status. */
interface Reply extends Run {
  runs: Run[];
}

async function waitForStatus(
  url: string,
  id: string,
  wanted: string,
  timeoutMs = 30_000,
): Promise<Run> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(`${url}/api/v1/workflows/${id}`);
    if (body.status === wanted) return body;
    if (Date.now() > end) throw new Error(`run ${id} is ${body.status}, not ${wanted}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('llm-orchestrator serve', () => {
  it('starts a run over HTTP and streams it to completion across a reconnect', async () => {
    const server = await serve(tempDir('llmo-serve-'));
    const health = await call(`${server.url}/health`);
    expect(health.body.status).toBe('ok');
    expect((await call(`${server.url}/ready`)).status).toBe(200);
    const started = await call(`${server.url}/api/v1/workflows`, 'POST', {
      definition: slow(1000),
    });
    expect(started.status).toBe(201);
    const id = started.body.id;
    const events = `${server.url}/api/v1/workflows/${id}/events`;
    const first = await readSse(events, { stop: (e) => e.event === 'task.started' });
    const lastId = first.events.at(-1)?.id ?? '';
    const rest = await readSse(events, { lastEventId: lastId });
    const all: SseEvent[] = [...first.events, ...rest.events];
    expect(all.map((e) => Number(e.id))).toEqual(all.map((_, i) => i + 1));
    expect(JSON.parse(all.at(-1)?.data ?? '{}')).toMatchObject({
      type: 'run.status',
      status: 'completed',
    });
    const done = await call(`${server.url}/api/v1/workflows/${id}`);
    expect(done.body.outputs).toEqual({ result: 'done' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toMatch(/"requestId"/);
  });

  it('pauses, resumes and cancels a slow run', async () => {
    const server = await serve(tempDir('llmo-serve-'));
    const { body: run } = await call(`${server.url}/api/v1/workflows`, 'POST', {
      definition: slow(60_000),
    });
    await waitForStatus(server.url, run.id, 'running');
    const base = `${server.url}/api/v1/workflows/${run.id}`;
    expect((await call(`${base}/pause`, 'POST')).body.status).toBe('paused');
    expect((await call(`${base}/resume`, 'POST')).body.status).toBe('running');
    expect((await call(base, 'DELETE')).body.status).toBe('cancelled');
    expect((await call(base, 'DELETE')).status).toBe(409);
    const list = await call(`${server.url}/api/v1/workflows?status=cancelled`);
    expect(list.body.runs.map((r) => r.id)).toEqual([run.id]);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  /** `serve` with these arguments on a fresh state dir: its exit code and standard error. */
  async function serveRefused(
    args: readonly string[],
  ): Promise<{ code: number | null; stderr: string }> {
    const s = spawnCli(['serve', '--port', '0', ...args], {
      LLM_ORCHESTRATOR_HOME: tempDir('llmo-serve-'),
      LLM_ORCHESTRATOR_STORE: '',
    });
    s.ready.catch(() => undefined);
    return { code: await s.exited, stderr: s.stderr() };
  }

  it('refuses a non-loopback host without authentication', async () => {
    const { code, stderr } = await serveRefused(['--host', '0.0.0.0']);
    expect(code).toBe(2);
    expect(stderr).toContain('refusing to listen on 0.0.0.0 without authentication');
  });

  it('refuses a --trust-proxy entry that is not an address or a range', async () => {
    const { code, stderr } = await serveRefused(['--trust-proxy', '10.0.0.0/8,proxy.local']);
    expect(code).toBe(2);
    expect(stderr).toContain('not an IP address or CIDR range: "proxy.local"');
  });

  it('finishes a run after the server is killed mid-run and restarted on the same store', async () => {
    const dir = tempDir('llmo-serve-');
    const first = await serve(dir);
    const { body: run } = await call(`${first.url}/api/v1/workflows`, 'POST', {
      definition: slow(1500),
    });
    await waitForStatus(first.url, run.id, 'running');
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await serve(dir);
    const done = await waitForStatus(second.url, run.id, 'completed', 45_000);
    expect(done.outputs).toEqual({ result: 'done' });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
