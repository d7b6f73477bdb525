import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { traceIdOf } from '../observability/tracing.js';
import type { ErrorBody } from './error-reply.js';
import {
  cyclic,
  eventually,
  flaky,
  gated,
  hello,
  slow,
  testServer,
  type TestServer,
} from './test-helpers.js';

let t: TestServer;
let app: FastifyInstance;

async function setUp(options: Parameters<typeof testServer>[0] = {}): Promise<void> {
  t = await testServer(options);
  app = t.server.app;
}

afterEach(async () => {
  await t.server.close();
});

interface Run {
  id: string;
  status: string;
  outputs?: Record<string, unknown>;
  tasks: { id: string; status: string }[];
}

async function start(body: unknown): Promise<Run> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/workflows',
    payload: body as object,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function status(id: string, wanted: string): Promise<Run> {
  return eventually(async () => {
    const run: Run = (await app.inject({ url: `/api/v1/workflows/${id}` })).json();
    return run.status === wanted ? run : undefined;
  });
}

describe('the REST API', () => {
  it('starts a run from an inline definition and shows it to completion', async () => {
    await setUp();
    const started = await start({ definition: hello, inputs: { name: 'API' } });
    expect(started).toMatchObject({ workflow: { name: 'hello', version: '1.0.0' } });
    const done = await status(started.id, 'completed');
    expect(done.outputs).toEqual({ greeting: 'Hello, API!' });
    expect(done.tasks).toEqual([expect.objectContaining({ id: 'greet', status: 'completed' })]);
  });

  it('registers a definition and starts runs of it by name@version and by name', async () => {
    await setUp();
    const reg = await app.inject({
      method: 'POST',
      url: '/api/v1/registry',
      payload: { definition: hello },
    });
    expect(reg.statusCode).toBe(201);
    expect(reg.json()).toMatchObject({ name: 'hello', version: '1.0.0' });
    const list = await app.inject({ url: '/api/v1/registry' });
    expect(list.json<{ workflows: unknown[] }>().workflows).toHaveLength(1);
    for (const workflow of ['hello@1.0.0', 'hello']) {
      const run = await start({ workflow });
      await status(run.id, 'completed');
    }
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/registry',
      payload: { definition: { ...hello, spec: { tasks: [] } } },
    });
    expect(again.statusCode).toBe(400);
    const missing = await app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      payload: { workflow: 'nope@1' },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<ErrorBody>().error.code).toBe('WORKFLOW_NOT_FOUND');
  });

  it('refuses another definition under a registered version with a 409', async () => {
    await setUp();
    await app.inject({ method: 'POST', url: '/api/v1/registry', payload: { definition: hello } });
    const other = { ...hello, spec: { ...(hello.spec as object), outputs: {} } };
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/registry',
      payload: { definition: other },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json<ErrorBody>().error.code).toBe('VERSION_EXISTS');
  });

  it('pauses, resumes and cancels a run; a second cancel is a 409', async () => {
    await setUp();
    const run = await start({ definition: slow });
    await status(run.id, 'running');
    const paused = await app.inject({ method: 'POST', url: `/api/v1/workflows/${run.id}/pause` });
    expect(paused.json<Run>().status).toBe('paused');
    const resumed = await app.inject({ method: 'POST', url: `/api/v1/workflows/${run.id}/resume` });
    expect(resumed.json<Run>().status).toBe('running');
    const again = await app.inject({ method: 'POST', url: `/api/v1/workflows/${run.id}/resume` });
    expect(again.statusCode).toBe(409);
    const cancelled = await app.inject({
      method: 'DELETE',
      url: `/api/v1/workflows/${run.id}?reason=test`,
    });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json<Run>().status).toBe('cancelled');
    const twice = await app.inject({ method: 'DELETE', url: `/api/v1/workflows/${run.id}` });
    expect(twice.statusCode).toBe(409);
    expect(twice.json<ErrorBody>().error).toMatchObject({ code: 'INVALID_RUN_STATE' });
    expect(twice.json<ErrorBody>().error.message).toContain('has ended (cancelled)');
  });

  it('retries a failed run', async () => {
    await setUp();
    const run = await start({ definition: flaky });
    await status(run.id, 'failed');
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/workflows/${run.id}/retry`,
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(200);
    await status(run.id, 'completed');
    const bad = await app.inject({
      method: 'POST',
      url: `/api/v1/workflows/${run.id}/retry`,
      payload: { fromTask: 'nope' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<ErrorBody>().error.message).toContain('no task `nope`');
  });

  it('approves and rejects tasks waiting for approval', async () => {
    await setUp();
    const yes = await start({ definition: gated });
    const no = await start({ definition: gated });
    await eventually(async () => {
      const r: Run = (await app.inject({ url: `/api/v1/workflows/${yes.id}` })).json();
      return r.tasks.some((x) => x.status === 'waiting_approval') ? r : undefined;
    });
    const ok = await app.inject({
      method: 'POST',
      url: `/api/v1/workflows/${yes.id}/tasks/gated/approve`,
      payload: { comment: 'fine' },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    await status(yes.id, 'completed');
    await eventually(async () => {
      const r: Run = (await app.inject({ url: `/api/v1/workflows/${no.id}` })).json();
      return r.tasks.some((x) => x.status === 'waiting_approval') ? r : undefined;
    });
    const rejected = await app.inject({
      method: 'POST',
      url: `/api/v1/workflows/${no.id}/tasks/gated/reject`,
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    await status(no.id, 'failed');
    const late = await app.inject({
      method: 'POST',
      url: `/api/v1/workflows/${yes.id}/tasks/gated/approve`,
    });
    expect(late.statusCode).toBe(409);
  });

  it('lists runs with filters and pages through them', async () => {
    await setUp();
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) ids.add((await start({ definition: hello })).id);
    const slowRun = await start({ definition: slow });
    await status(slowRun.id, 'running');
    for (const id of ids) await status(id, 'completed');
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const url = `/api/v1/workflows?status=completed&limit=3${cursor === undefined ? '' : `&cursor=${cursor}`}`;
      const res = await app.inject({ url });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ runs: Run[]; next?: string }>();
      expect(body.runs.length).toBeLessThanOrEqual(3);
      seen.push(...body.runs.map((r) => r.id));
      cursor = body.next;
      if (cursor === undefined) break;
    }
    expect(seen.sort()).toEqual([...ids].sort());
    const running = await app.inject({
      url: '/api/v1/workflows?status=running,paused&workflow=slow',
    });
    expect(running.json<{ runs: Run[] }>().runs.map((r) => r.id)).toEqual([slowRun.id]);
    const none = await app.inject({ url: '/api/v1/workflows?workflow=other' });
    expect(none.json<{ runs: Run[] }>().runs).toEqual([]);
    const badStatus = await app.inject({ url: '/api/v1/workflows?status=done' });
    expect(badStatus.statusCode).toBe(400);
    const badLimit = await app.inject({ url: '/api/v1/workflows?limit=501' });
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json<ErrorBody>().error.message).toBe('`querystring.limit` must be <= 500');
    const badCursor = await app.inject({ url: '/api/v1/workflows?cursor=xyz' });
    expect(badCursor.json<ErrorBody>().error.code).toBe('INVALID_CURSOR');
  });
});

describe('REST errors', () => {
  it('a definition with a cycle is a 400 naming the cycle', async () => {
    await setUp();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      payload: { definition: cyclic },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorBody>();
    expect(body.error.code).toBe('DEFINITION_INVALID');
    expect(body.error.message).toContain('a -> b -> a');
    expect(body.error.hint).toContain('dependsOn');
    expect(res.body).not.toContain('    at ');
  });

  it('invalid JSON, unknown fields, bad inputs and both/neither definition are 400s', async () => {
    await setUp();
    const json = await app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: { 'content-type': 'application/json' },
      payload: '{"definition": ',
    });
    expect(json.statusCode).toBe(400);
    expect(json.json<ErrorBody>().error.code).toBe('INVALID_JSON');
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      payload: { definitio: {} },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<ErrorBody>().error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'unknown field `body.definitio`',
    });
    const notJson = await app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: { 'content-type': 'text/plain' },
      payload: 'definition: x',
    });
    expect(notJson.statusCode).toBe(415);
    expect(notJson.json<ErrorBody>().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const neither = await app.inject({ method: 'POST', url: '/api/v1/workflows', payload: {} });
    expect(neither.json<ErrorBody>().error.message).toContain('either `definition`');
    const inputs = await app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      payload: { definition: hello, inputs: { nme: 'x' } },
    });
    expect(inputs.statusCode).toBe(400);
    expect(inputs.json<ErrorBody>().error.message).toContain('`nme` is not an input');
    const yaml = await app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      payload: { definition: 'apiVersion: [' },
    });
    expect(yaml.statusCode).toBe(400);
  });

  it('a body over the limit is a 413', async () => {
    await setUp({ bodyLimit: 1024 });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      payload: { definition: hello, inputs: { name: 'x'.repeat(2000) } },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json<ErrorBody>().error.code).toBe('BODY_TOO_LARGE');
  });

  it('an unknown run is a 404, a taken run id a 409, an unknown route a 404', async () => {
    await setUp();
    const res = await app.inject({ url: '/api/v1/workflows/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json<ErrorBody>().error).toMatchObject({
      code: 'RUN_NOT_FOUND',
      message: 'no run nope',
    });
    for (const [method, url] of [
      ['DELETE', '/api/v1/workflows/nope'],
      ['POST', '/api/v1/workflows/nope/pause'],
      ['GET', '/api/v1/workflows/nope/events'],
      ['POST', '/api/v1/dlq/nope/retry'],
    ] as const) {
      expect((await app.inject({ method, url })).statusCode, `${method} ${url}`).toBe(404);
    }
    await start({ definition: hello, runId: 'mine' });
    const taken = await app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      payload: { definition: hello, runId: 'mine' },
    });
    expect(taken.statusCode).toBe(409);
    expect((await app.inject({ url: '/api/v2/nothing' })).statusCode).toBe(404);
  });

  it('echoes X-Request-ID, or makes one, on every response', async () => {
    await setUp();
    const given = await app.inject({
      url: '/api/v1/workflows/nope',
      headers: { 'x-request-id': 'req-42' },
    });
    expect(given.headers['x-request-id']).toBe('req-42');
    expect(given.json<ErrorBody>().requestId).toBe('req-42');
    const made = await app.inject({ url: '/health' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const odd = await app.inject({ url: '/health', headers: { 'x-request-id': 'a\u0001b' } });
    expect(odd.headers['x-request-id']).not.toBe('a\u0001b');
  });

  it('logs the run id and trace id on the lines of a call about a run', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = {
      write(line: string): void {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    };
    await setUp({ logger: { level: 'info', stream } });
    const run = await start({ definition: hello, runId: 'logged-run' });
    await app.inject({ url: `/api/v1/workflows/${run.id}`, headers: { 'x-request-id': 'r-1' } });
    const traceId = traceIdOf('logged-run');
    const completed = lines.filter((l) => l['msg'] === 'request completed');
    expect(completed).toEqual([
      expect.objectContaining({ runId: 'logged-run', traceId }),
      expect.objectContaining({ runId: 'logged-run', traceId, requestId: 'r-1' }),
    ]);
    await app.inject({ url: '/health' });
    expect(lines.at(-1)).not.toHaveProperty('traceId');
  });
});

describe('audit, health and the OpenAPI document', () => {
  it('audits every mutating call: who, what, outcome', async () => {
    await setUp();
    const run = await start({ definition: hello });
    await app.inject({ method: 'POST', url: '/api/v1/workflows', payload: { definition: cyclic } });
    await status(run.id, 'completed');
    await app.inject({ method: 'DELETE', url: `/api/v1/workflows/${run.id}` });
    const entries = await t.store.audit.list();
    const api = entries.filter((e) => e.action.startsWith('api.'));
    expect(api.map((e) => [e.action, e.outcome, e.actor])).toEqual([
      ['api.start', 'ok', 'local'],
      ['api.start', 'error', 'local'],
      ['api.cancel', 'error', 'local'],
    ]);
    expect(api[0]?.runId).toBe(run.id);
    expect(api[1]?.details).toMatchObject({ error: { code: 'DEFINITION_INVALID' } });
  });

  it('serves /health, /ready and the OpenAPI document', async () => {
    await setUp();
    expect((await app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/ready' })).statusCode).toBe(200);
    const doc = await app.inject({ url: '/openapi.json' });
    const paths = Object.keys(doc.json<{ paths: Record<string, unknown> }>().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/workflows',
        '/api/v1/workflows/{id}',
        '/api/v1/workflows/{id}/events',
        '/api/v1/workflows/{id}/tasks/{task}/approve',
        '/api/v1/registry',
        '/api/v1/dlq',
        '/api/v1/dlq/{id}/retry',
        '/health',
        '/ready',
      ]),
    );
  });
});
