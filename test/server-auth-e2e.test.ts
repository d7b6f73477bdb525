/**
 * The secured service end to end: `serve --auth api-keys --grpc-port 0` as a child process on a
 * SQLite store holding a viewer's and an operator's keys. Each role's limits over REST and gRPC,
 * a call without credentials, the metrics of what ran, and an address refused after too many
 * failed attempts.
 */
import { describe, expect, it } from 'vitest';
import { createGrpcClient } from '@llm-orchestrator/server';
import { tempDir } from './cli-durable-helpers.js';
import { call, createKeys, grpcAddress, serve } from './serve-helpers.js';

const hello = {
  apiVersion: 'orchestrator.llm/v1',
  kind: 'Workflow',
  metadata: { name: 'hello', version: '1.0.0' },
  spec: {
    tasks: [{ id: 'greet', executor: 'transform:template', inputs: { template: 'hi' } }],
    outputs: { greeting: '${{ tasks.greet.outputs.result }}' },
  },
};

describe('the secured service', () => {
  it('enforces API keys and roles over REST and gRPC, and counts what ran', async () => {
    const dir = tempDir('llmo-secure-');
    const { viewer, operator } = await createKeys(dir, { viewer: 'viewer', operator: 'operator' });
    const server = await serve(dir, ['--auth', 'api-keys', '--grpc-port', '0']);
    const grpc = await grpcAddress(server);
    const api = `${server.url}/api/v1/workflows`;

    // REST: no key, a wrong key, a viewer starting, an operator starting, a viewer reading.
    expect((await call(api, undefined)).status).toBe(401);
    expect((await call(api, 'llmo_nope_nope')).status).toBe(401);
    const denied = await call(api, viewer, 'POST', { definition: hello });
    expect(denied.status).toBe(403);
    expect(JSON.stringify(denied.body)).not.toContain(viewer);
    const started = await call(api, operator, 'POST', { definition: hello });
    expect(started.status).toBeLessThan(300);
    const id = started.body.id as string;
    let view = await call(`${api}/${id}`, viewer);
    for (let i = 0; i < 50 && view.body.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = await call(`${api}/${id}`, viewer);
    }
    expect(view.body).toMatchObject({ status: 'completed', outputs: { greeting: 'hi' } });
    expect((await call(`${server.url}/health`, undefined)).status).toBe(200);

    // gRPC: the same service, the same keys.
    const asOperator = createGrpcClient(grpc, { apiKey: operator });
    const asViewer = createGrpcClient(grpc, { apiKey: viewer });
    const anonymous = createGrpcClient(grpc);
    try {
      const run = await asOperator.execute({ definition: hello });
      let detail = await asViewer.status(run.id);
      for (let i = 0; i < 50 && detail.status !== 'completed'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        detail = await asViewer.status(run.id);
      }
      expect(detail.status).toBe('completed');
      await expect(asViewer.execute({ definition: hello })).rejects.toMatchObject({
        kind: 'forbidden',
      });
      await expect(anonymous.status(run.id)).rejects.toMatchObject({ kind: 'unauthenticated' });
    } finally {
      asOperator.close();
      asViewer.close();
      anonymous.close();
    }

    // Metrics: what ran, in Prometheus' format (a viewer may read them).
    const metrics = await call(`${server.url}/metrics`, viewer);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(
      /llm_orchestrator_workflow_executions_total\{[^}]*status="completed"[^}]*\} 2/,
    );
    const list = await call(`${api}?limit=10`, viewer);
    expect(list.body.runs).toHaveLength(2);

    // Guessing: after 10 failed attempts from an address (three above: REST without a key and
    // with a wrong one, gRPC without), it is refused for a while, good credentials included, over
    // REST and gRPC alike.
    for (let i = 0; i < 7; i++) {
      expect((await call(api, `llmo_x${String(i)}_guess`)).status).toBe(401);
    }
    const limited = await fetch(api, { headers: { authorization: `Bearer ${viewer}` } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: { code: 'TOO_MANY_FAILED_ATTEMPTS' } });
    const blocked = createGrpcClient(grpc, { apiKey: viewer });
    try {
      await expect(blocked.list({})).rejects.toMatchObject({
        kind: 'rate_limited',
        code: 'TOO_MANY_FAILED_ATTEMPTS',
      });
    } finally {
      blocked.close();
    }
    expect((await call(`${server.url}/health`, undefined)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 120_000);
});
