/**
 * Bad input end to end: `serve --grpc-port 0` as a child process, sent every kind of bad request
 * over HTTP and gRPC. Each is a 4xx (or its gRPC status) whose body names the problem, never a
 * 500 or a stack trace; each response carries the caller's X-Request-ID, which the server's log
 * lines carry too; and the server serves on afterwards.
 */
import { describe, expect, it } from 'vitest';
import { createGrpcClient } from '@llm-orchestrator/server';
import { tempDir } from './cli-durable-helpers.js';
import { grpcAddress, serve } from './serve-helpers.js';

const task = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  executor: 'transform:template',
  inputs: { template: 'x' },
  ...extra,
});
const workflow = (
  tasks: unknown[],
  spec: Record<string, unknown> = {},
): Record<string, unknown> => ({
  apiVersion: 'orchestrator.llm/v1',
  kind: 'Workflow',
  metadata: { name: 'bad', version: '1.0.0' },
  spec: { ...spec, tasks },
});
const cyclic = workflow([task('a', { dependsOn: ['b'] }), task('b', { dependsOn: ['a'] })]);
const withInput = workflow([task('greet')], { inputs: [{ name: 'count', type: 'integer' }] });
let deep: unknown = 'bottom';
for (let i = 0; i < 70; i++) deep = { deeper: deep };

interface Case {
  readonly what: string;
  readonly method?: string;
  readonly path: string;
  /** Sent as is when a string, else JSON-encoded. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly status: number;
  readonly code: string;
  /** What the message (or hint) must say. */
  readonly says?: string;
}

const runs = '/api/v1/workflows';
const cases: readonly Case[] = [
  {
    what: 'broken JSON',
    method: 'POST',
    path: runs,
    body: '{"definition": ',
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    what: 'a body that is not JSON',
    method: 'POST',
    path: runs,
    body: 'definition=x',
    contentType: 'text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    what: 'an unknown field',
    method: 'POST',
    path: runs,
    body: { definitio: {} },
    status: 400,
    code: 'INVALID_REQUEST',
    says: 'unknown field `body.definitio`',
  },
  {
    what: 'neither definition nor workflow',
    method: 'POST',
    path: runs,
    body: {},
    status: 400,
    code: 'INVALID_REQUEST',
    says: 'either `definition`',
  },
  {
    what: 'a registration without its definition',
    method: 'POST',
    path: '/api/v1/registry',
    body: {},
    status: 400,
    code: 'INVALID_REQUEST',
    says: 'missing field `body.definition`',
  },
  {
    what: 'a cycle',
    method: 'POST',
    path: runs,
    body: { definition: cyclic },
    status: 400,
    code: 'DEFINITION_INVALID',
    says: 'a -> b -> a',
  },
  {
    what: 'YAML that does not parse',
    method: 'POST',
    path: runs,
    body: { definition: 'apiVersion: [' },
    status: 400,
    code: 'DEFINITION_INVALID',
  },
  {
    what: 'an unknown executor',
    method: 'POST',
    path: runs,
    body: { definition: workflow([task('a', { executor: 'nope:nothing' })]) },
    status: 400,
    code: 'DEFINITION_INVALID',
    says: 'nope:nothing',
  },
  {
    what: 'an expression over the length limit',
    method: 'POST',
    path: runs,
    body: {
      definition: workflow([
        task('a', { inputs: { template: `\${{ ${'1 + '.repeat(1200)}1 }}` } }),
      ]),
    },
    status: 400,
    code: 'DEFINITION_INVALID',
  },
  {
    what: 'too many tasks',
    method: 'POST',
    path: runs,
    body: { definition: workflow(Array.from({ length: 1001 }, (_, i) => task(`t${String(i)}`))) },
    status: 413,
    code: 'LIMIT_EXCEEDED',
    says: '1000',
  },
  {
    what: 'an unknown input',
    method: 'POST',
    path: runs,
    body: { definition: withInput, inputs: { cuont: 1 } },
    status: 400,
    code: 'INVALID_INPUTS',
    says: '`cuont` is not an input',
  },
  {
    what: 'an input of the wrong type',
    method: 'POST',
    path: runs,
    body: { definition: withInput, inputs: { count: 'three' } },
    status: 400,
    code: 'INVALID_INPUTS',
    says: 'count',
  },
  {
    what: 'inputs nested too deep',
    method: 'POST',
    path: runs,
    body: { definition: withInput, inputs: { count: 1, deep } },
    status: 400,
    code: 'LIMIT_EXCEEDED',
    says: 'nest',
  },
  {
    what: 'a body over the limit',
    method: 'POST',
    path: runs,
    body: { definition: withInput, inputs: { pad: 'x'.repeat(140_000) } },
    status: 413,
    code: 'BODY_TOO_LARGE',
  },
  {
    what: 'an unregistered workflow',
    method: 'POST',
    path: runs,
    body: { workflow: 'nothing@1.0.0' },
    status: 404,
    code: 'WORKFLOW_NOT_FOUND',
    says: 'nothing',
  },
  {
    what: 'an unknown run',
    path: `${runs}/nope`,
    status: 404,
    code: 'RUN_NOT_FOUND',
    says: 'no run nope',
  },
  {
    what: 'the events of an unknown run',
    path: `${runs}/nope/events`,
    status: 404,
    code: 'RUN_NOT_FOUND',
  },
  {
    what: 'a cancel of an unknown run',
    method: 'DELETE',
    path: `${runs}/nope`,
    status: 404,
    code: 'RUN_NOT_FOUND',
  },
  {
    what: 'an unknown status filter',
    path: `${runs}?status=done`,
    status: 400,
    code: 'INVALID_STATUS',
    says: 'done',
  },
  {
    what: 'a page too long',
    path: `${runs}?limit=501`,
    status: 400,
    code: 'INVALID_REQUEST',
    says: 'limit',
  },
  {
    what: 'a cursor that is not one',
    path: `${runs}?cursor=xyz`,
    status: 400,
    code: 'INVALID_CURSOR',
  },
  { what: 'an unknown route', path: '/api/v2/nothing', status: 404, code: 'NOT_FOUND' },
  {
    what: 'an unknown dead letter',
    method: 'POST',
    path: '/api/v1/dlq/nope/retry',
    status: 404,
    code: 'NOT_FOUND',
  },
];

describe('bad input to the service', () => {
  it('is a 4xx naming the problem, over HTTP and gRPC, never a 500 or a stack trace', async () => {
    const dir = tempDir('llmo-bad-input-');
    const server = await serve(dir, ['--grpc-port', '0', '--body-limit', '128kb']);
    const grpc = await grpcAddress(server);

    // Every case is checked before any is judged: a failure shows all the differences at once.
    const seen: Record<string, unknown>[] = [];
    for (const [i, c] of cases.entries()) {
      const requestId = `bad-${String(i)}`;
      const res = await fetch(`${server.url}${c.path}`, {
        method: c.method ?? 'GET',
        headers: {
          'x-request-id': requestId,
          ...(c.body === undefined ? {} : { 'content-type': c.contentType ?? 'application/json' }),
        },
        ...(c.body === undefined
          ? {}
          : { body: typeof c.body === 'string' ? c.body : JSON.stringify(c.body) }),
      });
      const text = await res.text();
      let error: { code?: string; message?: string; hint?: string } = {};
      try {
        error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
      } catch {
        // not JSON: the comparison below shows it
      }
      const said = `${error.message ?? ''} ${error.hint ?? ''}`;
      seen.push({
        what: c.what,
        status: res.status,
        code: error.code ?? text.slice(0, 200),
        requestId: res.headers.get('x-request-id'),
        stackTrace: /\n\s+at /.test(text),
        says: c.says === undefined || said.includes(c.says) ? true : said,
      });
    }
    expect(seen).toEqual(
      cases.map((c, i) => ({
        what: c.what,
        status: c.status,
        code: c.code,
        requestId: `bad-${String(i)}`,
        stackTrace: false,
        says: true,
      })),
    );

    // gRPC: the same checks, as statuses.
    const client = createGrpcClient(grpc);
    try {
      await expect(client.execute({ definition: cyclic })).rejects.toMatchObject({
        kind: 'invalid',
        code: 'DEFINITION_INVALID',
        message: expect.stringContaining('a -> b -> a') as unknown,
      });
      await expect(
        client.execute({ definition: withInput, inputs: { count: 'three' } }),
      ).rejects.toMatchObject({ kind: 'invalid', code: 'INVALID_INPUTS' });
      await expect(client.execute({ workflow: 'nothing@1.0.0' })).rejects.toMatchObject({
        kind: 'not_found',
      });
      await expect(client.status('nope')).rejects.toMatchObject({
        kind: 'not_found',
        code: 'RUN_NOT_FOUND',
      });
      await expect(client.cancel('nope')).rejects.toMatchObject({ kind: 'not_found' });
    } finally {
      client.close();
    }

    // Still serving; the log lines of the bad requests carry their ids, and hold no stack trace.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const log = server.stderr();
    for (const i of [0, 5, 15]) expect(log).toContain(`"requestId":"bad-${String(i)}"`);
    expect(log).not.toMatch(/\n\s+at /);
    expect(log).not.toContain('"statusCode":500');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 120_000);
});
