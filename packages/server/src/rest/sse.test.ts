import { MemoryStore, type Store } from '@llm-orchestrator/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceError, type Authenticator, type Principal } from '../contract.js';
import { createOrchestratorServer } from '../server.js';
import { createEngine } from '@llm-orchestrator/core';
import { hello, readSse, slow, testServer, type TestServer } from './test-helpers.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function listening(
  options: Parameters<typeof testServer>[0] = {},
): Promise<TestServer & { url: string }> {
  const t = await testServer(options);
  closers.push(() => t.server.close());
  const { url } = await t.server.listen({ host: '127.0.0.1', port: 0 });
  return { ...t, url };
}

async function startRun(url: string, body: unknown): Promise<string> {
  const res = await fetch(`${url}/api/v1/workflows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('the event stream (SSE)', () => {
  it('replays a run’s journal, follows it to the end, and resumes after Last-Event-ID', async () => {
    const { url } = await listening();
    const id = await startRun(url, { definition: hello });
    const all = await readSse(`${url}/api/v1/workflows/${id}/events`, {
      headers: { 'x-request-id': 'sse-1' },
    });
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toContain('text/event-stream');
    expect(all.headers.get('x-accel-buffering')).toBe('no');
    expect(all.headers.get('x-request-id')).toBe('sse-1');
    const types = all.events.map((e) => e.event);
    expect(types[0]).toBe('run.created');
    expect(types).toContain('task.completed');
    const last = all.events.at(-1);
    expect(last?.event).toBe('run.status');
    expect(JSON.parse(last?.data ?? '{}')).toMatchObject({ status: 'completed' });
    expect(all.events.map((e) => Number(e.id))).toEqual(all.events.map((_, i) => i + 1));

    const third = all.events[2]?.id ?? '';
    const rest = await readSse(`${url}/api/v1/workflows/${id}/events`, { lastEventId: third });
    expect(rest.events.map((e) => e.id)).toEqual(all.events.slice(3).map((e) => e.id));
    const query = await readSse(`${url}/api/v1/workflows/${id}/events?after=${third}`);
    expect(query.events).toEqual(rest.events);
    const none = await readSse(`${url}/api/v1/workflows/${id}/events`, {
      lastEventId: last?.id ?? '',
    });
    expect(none.events).toEqual([]);
  });

  it('follows a live run across a reconnect and ends with its cancellation', async () => {
    const { url } = await listening();
    const id = await startRun(url, { definition: slow });
    const first = await readSse(`${url}/api/v1/workflows/${id}/events`, {
      stop: (e) => e.event === 'task.started',
    });
    const lastId = first.events.at(-1)?.id ?? '';
    setTimeout(() => {
      void fetch(`${url}/api/v1/workflows/${id}`, { method: 'DELETE' });
    }, 300);
    const second = await readSse(`${url}/api/v1/workflows/${id}/events`, { lastEventId: lastId });
    expect(Number(second.events[0]?.id)).toBe(Number(lastId) + 1);
    const end = second.events.at(-1);
    expect(JSON.parse(end?.data ?? '{}')).toMatchObject({
      type: 'run.status',
      status: 'cancelled',
    });
  });

  it('sends token deltas of runs executing here as task.chunk events', async () => {
    const t = await listening();
    t.engine.registerExecutor('test:stream', async (_inputs, context) => {
      // Token deltas are live only: give the stream time to connect.
      await new Promise((r) => setTimeout(r, 400));
      for (const token of ['Hel', 'lo']) {
        context.emit({ type: 'chunk', data: token });
        await new Promise((r) => setTimeout(r, 150));
      }
      return { text: 'Hello' };
    });
    const id = await startRun(t.url, {
      definition: {
        ...hello,
        spec: { tasks: [{ id: 'llm', executor: 'test:stream', inputs: {} }] },
      },
    });
    const { events } = await readSse(`${t.url}/api/v1/workflows/${id}/events`);
    const chunks = events.filter((e) => e.event === 'task.chunk');
    expect(chunks.map((c) => (JSON.parse(c.data) as { data: string }).data).join('')).toBe('Hello');
    expect(chunks[0]?.id).toMatch(/^\d+\.1$/);
  });

  it('answers an unknown run with a 404, not a stream; a bad Last-Event-ID with a 400', async () => {
    const { url } = await listening();
    expect((await readSse(`${url}/api/v1/workflows/nope/events`)).status).toBe(404);
    const id = await startRun(url, { definition: hello });
    const bad = await readSse(`${url}/api/v1/workflows/${id}/events`, { lastEventId: 'x' });
    expect(bad.status).toBe(400);
  });
});

/** A store whose every method throws, as one whose database is unreachable. */
function unreachable(store: Store): Store {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || property === 'close') return value;
      return () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      };
    },
  });
}

describe('readiness, failures and authentication', () => {
  it('is not ready, and answers 503s, while the store is unreachable', async () => {
    const store = new MemoryStore();
    let broken = false;
    const flaky = new Proxy(store, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (!broken || typeof value !== 'function') return value;
        return Reflect.get(unreachable(target), property) as unknown;
      },
    });
    const engine = createEngine({ store: flaky });
    const server = await createOrchestratorServer({ engine, claim: false });
    closers.push(() => server.close());
    expect((await server.app.inject({ url: '/ready' })).statusCode).toBe(200);
    broken = true;
    const ready = await server.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ error: { code: 'NOT_READY' } });
    expect((await server.app.inject({ url: '/health' })).statusCode).toBe(200);
    const list = await server.app.inject({ url: '/api/v1/workflows' });
    expect(list.statusCode).toBe(503);
    expect(list.body).toContain('ECONNREFUSED');
    broken = false;
  });

  it('asks the authenticator: 401 without credentials, 403 for a role without the permission', async () => {
    const viewer: Principal = { id: 'k1', name: 'alice', role: 'viewer', via: 'api-key' };
    const authenticator: Authenticator = {
      enabled: true,
      authenticate: (headers) =>
        headers['x-api-key'] === 'good'
          ? Promise.resolve(viewer)
          : Promise.reject(
              new ServiceError('unauthenticated', 'UNAUTHENTICATED', 'no valid API key'),
            ),
    };
    const engine = createEngine({ store: new MemoryStore() });
    const server = await createOrchestratorServer({ engine, authenticator, claim: false });
    closers.push(() => server.close());
    const app = server.app;
    expect((await app.inject({ url: '/api/v1/workflows' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    const good = { 'x-api-key': 'good' };
    expect((await app.inject({ url: '/api/v1/workflows', headers: good })).statusCode).toBe(200);
    const start = await app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: good,
      payload: { definition: hello },
    });
    expect(start.statusCode).toBe(403);
    expect(start.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const audit = await engine.store.audit.list();
    expect(audit.map((e) => [e.action, e.actor, e.outcome])).toEqual([
      ['api.start', 'alice', 'denied'],
    ]);
  });

  it('refuses to listen on a non-loopback address without authentication', async () => {
    const engine = createEngine({ store: new MemoryStore() });
    const server = await createOrchestratorServer({ engine, claim: false });
    closers.push(() => server.close());
    await expect(server.listen({ host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /without authentication/,
    );
  });
});
