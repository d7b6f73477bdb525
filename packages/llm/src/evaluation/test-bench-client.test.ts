/** The Test-Bench client against local node:http servers (no fetch mocks). */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTestBenchClient,
  sendWorkflowResult,
  TestBenchError,
  type TestBenchPayload,
} from './test-bench-client.js';
import { startTestBenchServer, testContext, type TestBenchServer } from './test-helpers.js';

const servers: TestBenchServer[] = [];
async function server(behaviour?: 'ok' | 'error' | 'hang'): Promise<TestBenchServer> {
  const s = await startTestBenchServer(behaviour);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const payload: TestBenchPayload = {
  run_id: 'run-9',
  task_id: 'judge',
  workflow: 'qa',
  evaluator: 'llm-test-bench:exact-match',
  provider: 'openai',
  model: 'gpt-test',
  input: 'What is 2+2?',
  output: '4',
  expected: '4',
  score: 1,
  passed: true,
  metrics: { exact_match: 1 },
};

describe('createTestBenchClient', () => {
  it('POSTs the payload as JSON to <url>/v1/evaluations with a bearer key', async () => {
    const s = await server();
    const client = createTestBenchClient({ url: `${s.url}/`, apiKey: 'tb-secret' });
    expect(client.endpoint).toBe(`${s.url}/v1/evaluations`);
    await client.sendEvaluation(payload);
    expect(s.requests).toHaveLength(1);
    const request = s.requests[0];
    expect(request).toMatchObject({ method: 'POST', path: '/v1/evaluations', body: payload });
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBe('Bearer tb-secret');
    expect(request?.headers['idempotency-key']).toBe('run-9:judge:llm-test-bench:exact-match');
  });

  it('keeps a path prefix and sends no Authorization header without a key', async () => {
    const s = await server();
    await createTestBenchClient({ url: `${s.url}/bench` }).sendEvaluation(payload);
    expect(s.requests[0]?.path).toBe('/bench/v1/evaluations');
    expect(s.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('throws a TestBenchError naming the status on a 5xx, without the key', async () => {
    const s = await server('error');
    const client = createTestBenchClient({ url: s.url, apiKey: 'tb-secret' });
    const err: unknown = await client.sendEvaluation(payload).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TestBenchError);
    expect(err).toMatchObject({ code: 'TestBenchError', status: 500 });
    expect((err as Error).message).toBe(
      `Test-Bench at ${s.url}/v1/evaluations answered 500: {"error":"database down"}`,
    );
    expect((err as Error).message).not.toContain('tb-secret');
  });

  it('gives up after timeoutMs on a server that never answers', async () => {
    const s = await server('hang');
    const client = createTestBenchClient({ url: s.url, timeoutMs: 150 });
    const started = Date.now();
    await expect(client.sendEvaluation(payload)).rejects.toThrow(
      `Test-Bench at ${s.url}/v1/evaluations did not answer within 150 ms`,
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(3000);
    expect(s.requests).toHaveLength(1);
  });

  it('reports a server that is not there', async () => {
    const s = await server();
    const url = s.url;
    await s.close();
    await expect(createTestBenchClient({ url }).sendEvaluation(payload)).rejects.toThrow(
      /^could not reach Test-Bench at http:\/\/127\.0\.0\.1:\d+\/v1\/evaluations: /,
    );
  });

  it('passes the caller abort on as is', async () => {
    const s = await server('hang');
    const controller = new AbortController();
    const pending = createTestBenchClient({ url: s.url }).sendEvaluation(
      payload,
      controller.signal,
    );
    const reason = new Error('cancelled');
    setTimeout(() => {
      controller.abort(reason);
    }, 30);
    await expect(pending).rejects.toBe(reason);
  });

  it('refuses a URL that is not http(s), and keeps URL credentials out of the endpoint', () => {
    expect(() => createTestBenchClient({ url: 'ftp://x' })).toThrow(/http or https/);
    expect(() => createTestBenchClient({ url: 'not a url' })).toThrow(/not a valid URL/);
    expect(() => createTestBenchClient({ url: 'http://x', timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(createTestBenchClient({ url: 'http://user:pw@host:1/' }).endpoint).toBe(
      'http://host:1/v1/evaluations',
    );
  });
});

describe('sendWorkflowResult', () => {
  it('posts the run outcome as evaluator "workflow"', async () => {
    const s = await server();
    const status = await sendWorkflowResult(createTestBenchClient({ url: s.url }), {
      run_id: 'run-9',
      workflow: 'qa',
      status: 'completed',
      outputs: { answer: '4' },
    });
    expect(status).toEqual({ sent: true });
    expect(s.requests[0]?.body).toEqual({
      run_id: 'run-9',
      task_id: null,
      workflow: 'qa',
      evaluator: 'workflow',
      status: 'completed',
      output: { answer: '4' },
      score: 1,
      passed: true,
      metrics: {},
    });
    expect(s.requests[0]?.headers['idempotency-key']).toBe('run-9::workflow');
  });

  it('scores a failed run 0, and reports a Test-Bench failure instead of throwing', async () => {
    const s = await server('error');
    const ctx = testContext();
    const status = await sendWorkflowResult(
      createTestBenchClient({ url: s.url, apiKey: 'tb-secret' }),
      { run_id: 'r', workflow: 'qa', status: 'failed', outputs: {} },
      { logger: ctx.logger },
    );
    expect(status).toEqual({
      sent: false,
      error: expect.stringContaining('answered 500') as string,
    });
    expect(s.requests[0]?.body).toMatchObject({ score: 0, passed: false, status: 'failed' });
    expect(ctx.logs).toHaveLength(1);
    expect(ctx.logs[0]?.level).toBe('warn');
    expect(JSON.stringify(ctx.logs)).not.toContain('tb-secret');
  });
});
