/**
 * The seed's §2.1.1 pipeline (the corrected copy in examples/) end to end, with its real
 * executors against local servers speaking the Anthropic and OpenAI wire protocols: the answer,
 * its semantic score from embeddings, its cost from the seed's prices, the optimizer's record, the
 * fallback branch on a low score, a 429 with Retry-After honoured, and the onSuccess webhook.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createEngine, MemoryStore } from '@llm-orchestrator/core';
import { parseLlmConfig } from './config.js';
import { createLlmPlugin } from './plugin.js';
import { startFakeLlmServer, type FakeLlmServer } from './testing/fake-llm-server.js';

const EXAMPLE = new URL('../../../examples/llm-inference-pipeline.yaml', import.meta.url);

describe('the seed example pipeline', () => {
  let anthropic: FakeLlmServer;
  let openai: FakeLlmServer;
  let hooks: Server;
  let hookUrl: string;
  const delivered: unknown[] = [];
  beforeAll(async () => {
    anthropic = await startFakeLlmServer();
    openai = await startFakeLlmServer();
    hooks = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        delivered.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${String((hooks.address() as AddressInfo).port)}/done`;
  });
  afterAll(async () => {
    await anthropic.close();
    await openai.close();
    await new Promise((r) => hooks.close(r));
  });
  beforeEach(() => {
    anthropic.reset();
    openai.reset();
    delivered.length = 0;
  });

  /** The example as written, its onSuccess webhook pointed at the local server. */
  function example(): Record<string, unknown> {
    const doc = parse(readFileSync(EXAMPLE, 'utf8')) as {
      spec: { events: { onSuccess: { url: string }[] } };
    };
    doc.spec.events.onSuccess[0] = { ...doc.spec.events.onSuccess[0], url: hookUrl };
    return doc;
  }

  function engine(extra: Record<string, unknown> = {}) {
    const store = new MemoryStore();
    const config = parseLlmConfig({
      providers: {
        anthropic: { kind: 'anthropic', baseUrl: anthropic.v1BaseUrl, apiKey: 'test-key' },
        openai: { kind: 'openai', baseUrl: openai.v1BaseUrl, apiKey: 'test-key' },
      },
      embeddings: { provider: 'openai', model: 'text-embedding-3-small' },
      ...extra,
    });
    const llm = createLlmPlugin({ config, store });
    const e = createEngine({ store, circuitBreaker: false, taskGate: llm.taskGate });
    llm.install(e);
    return { engine: e, store, llm };
  }

  const inputs = {
    user_prompt: '  What is the capital of France?  ',
    expected_response: 'Paris is the capital of France.',
  };

  it('answers, scores, prices at the seed figures and records the feedback', async () => {
    const { engine: e, store } = engine();
    anthropic.script({
      kind: 'reply',
      text: 'Paris is the capital of France.',
      inputTokens: 1000,
      outputTokens: 500,
    });
    const result = await e.start(example(), inputs).wait();
    expect(result.status).toBe('completed');
    expect(result.outputs).toEqual({
      final_response: 'Paris is the capital of France.',
      quality_score: 1,
      // 1000 input tokens at $0.015/1K + 500 output tokens at $0.075/1K.
      total_cost: 0.0525,
    });
    const byId = new Map(result.tasks.map((t) => [t.id, t]));
    expect(byId.get('fallback_inference')?.status).toBe('skipped');
    expect(byId.get('response_evaluation')?.outputs).toMatchObject({
      metrics: { method: 'embeddings' },
    });
    // The call went to Anthropic's messages API with the seed's model, and was streamed.
    const call = anthropic.requests.find((r) => r.route === 'anthropic-messages');
    expect(call?.body).toMatchObject({ model: 'claude-3-opus-20240229', stream: true });
    expect(openai.requests.map((r) => r.route)).toEqual(['openai-embeddings']);
    const usage = await store.usage.list({ runId: result.runId });
    expect(usage.find((u) => u.quality !== undefined)?.quality).toBe(1);
    expect(usage.find((u) => u.model === 'claude-3-opus-20240229')?.costUsd).toBe(0.0525);
    await e.close();
    expect(delivered).toHaveLength(1);
  });

  it('takes the fallback branch on a low score, and its answer is the final response', async () => {
    const { engine: e } = engine();
    anthropic.script({ kind: 'reply', text: 'Bananas are rich in potassium.' });
    openai.script(
      { kind: 'reply' }, // the embeddings
      { kind: 'reply', text: 'Paris.' },
    );
    const result = await e.start(example(), inputs).wait();
    expect(result.status).toBe('completed');
    expect(result.outputs.quality_score as number).toBeLessThan(0.7);
    expect(result.outputs.final_response).toBe('Paris.');
    const fallback = result.tasks.find((t) => t.id === 'fallback_inference');
    expect(fallback?.status).toBe('completed');
    expect(openai.requests.at(-1)?.body).toMatchObject({ model: 'gpt-4' });
  });

  it('reports the evaluation and the finished run to a configured Test-Bench', async () => {
    const testBench = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          auth: req.headers.authorization,
          body: JSON.parse(body) as Record<string, unknown>,
        });
        res.writeHead(202).end();
      });
    });
    const received: { path: string; auth: string | undefined; body: Record<string, unknown> }[] =
      [];
    await new Promise<void>((r) => testBench.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${String((testBench.address() as AddressInfo).port)}`;
    try {
      const { engine: e, llm } = engine({ testBench: { url, apiKey: 'tb-key' } });
      anthropic.script({ kind: 'reply', text: 'Paris is the capital of France.' });
      const result = await e.start(example(), inputs).wait();
      await e.close();
      await llm.close();
      expect(result.status).toBe('completed');
      expect(received.every((r) => r.path === '/v1/evaluations')).toBe(true);
      expect(received.every((r) => r.auth === 'Bearer tb-key')).toBe(true);
      const evaluation = received.find(
        (r) => r.body.evaluator === 'llm-test-bench:semantic-similarity',
      );
      expect(evaluation?.body).toMatchObject({
        run_id: result.runId,
        task_id: 'response_evaluation',
        output: 'Paris is the capital of France.',
        expected: 'Paris is the capital of France.',
        score: 1,
      });
      const run = received.find((r) => r.body.evaluator === 'workflow');
      expect(run?.body).toMatchObject({
        run_id: result.runId,
        workflow: 'llm-inference-pipeline',
        status: 'completed',
        output: result.outputs,
      });
    } finally {
      await new Promise((r) => testBench.close(r));
    }
  });

  it('honours a 429 Retry-After and retries RateLimitError, as the task says', async () => {
    const { engine: e } = engine();
    anthropic.script(
      { kind: 'status', status: 429, retryAfterSeconds: 1 },
      { kind: 'reply', text: 'Paris is the capital of France.' },
    );
    const result = await e.start(example(), inputs).wait();
    expect(result.status).toBe('completed');
    const calls = anthropic.requests.filter((r) => r.route === 'anthropic-messages');
    expect(calls).toHaveLength(2);
    expect((calls[1]?.time ?? 0) - (calls[0]?.time ?? 0)).toBeGreaterThanOrEqual(950);
    const attempts = result.tasks.find((t) => t.id === 'model_inference')?.attempts;
    expect(attempts?.[0]?.error?.code).toBe('RateLimitError');
  });
});
