/** `llm:chat` through the engine, against local servers speaking the providers' wire protocols. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, workflow, type EngineEvent } from '@llm-orchestrator/core';
import { createChatExecutor } from './chat-executor.js';
import { startFakeLlmServer, type FakeLlmServer } from './testing/fake-llm-server.js';

describe('llm:chat', () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await startFakeLlmServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const engine = () =>
    createEngine({ circuitBreaker: false }).registerExecutor(
      'llm:chat',
      createChatExecutor({
        providers: {
          openai: { kind: 'openai', baseUrl: server.v1BaseUrl, apiKeyEnv: 'TEST_OPENAI_KEY' },
          anthropic: { kind: 'anthropic', baseUrl: server.v1BaseUrl, apiKey: 'secret-key' },
        },
        env: { TEST_OPENAI_KEY: 'sk-test' },
      }),
    );

  const ask = (provider: string, model: string) =>
    workflow('ask')
      .input('question', 'string', { required: true })
      .task('answer', {
        executor: 'llm:chat',
        inputs: { provider, model, prompt: '${{ workflow.inputs.question }}', max_tokens: 100 },
        retryPolicy: {
          maxAttempts: 2,
          initialInterval: '10ms',
          retryableErrors: ['RateLimitError'],
        },
      })
      .output('text', '${{ tasks.answer.outputs.text }}')
      .output('cost', '${{ tasks.answer.outputs.cost }}')
      .output('tokens', '${{ tasks.answer.outputs.usage.total_tokens }}')
      .build();

  it('streams deltas as events and records one normalised output, with its cost', async () => {
    const e = engine();
    const chunks: string[] = [];
    e.on((event: EngineEvent) => {
      if (event.type === 'task.chunk') chunks.push(event.data);
    });
    const result = await e.run(ask('anthropic', 'claude-3-opus-test'), {
      question: 'why is the sky blue',
    });
    expect(result.status).toBe('completed');
    expect(result.outputs.text).toBe('echo: why is the sky blue');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe('echo: why is the sky blue');
    const out = result.tasks[0]?.outputs as {
      usage: { input_tokens: number; output_tokens: number };
      cost: number;
    };
    expect(out.usage.input_tokens).toBeGreaterThan(0);
    // claude-3-opus* is priced at the design's $0.015 / 1K input and $0.075 / 1K output.
    expect(out.cost).toBeCloseTo(
      (out.usage.input_tokens * 0.015 + out.usage.output_tokens * 0.075) / 1000,
      9,
    );
    const request = server.requests.at(-1);
    expect(request?.headers['x-api-key']).toBe('secret-key');
  });

  it('retries a 429 as a RateLimitError, then succeeds; a model without a price costs null', async () => {
    server.script({ kind: 'status', status: 429, retryAfterSeconds: 0 });
    const result = await engine().run(ask('openai', 'gpt-test'), { question: 'again' });
    expect(result.status).toBe('completed');
    expect(result.tasks[0]?.attempts.map((a) => a.error?.code ?? 'ok')).toEqual([
      'RateLimitError',
      'ok',
    ]);
    expect(result.outputs.cost).toBeNull();
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer sk-test');
  });

  it('fails for good on an authentication error, without retrying', async () => {
    server.script({ kind: 'status', status: 401 });
    const result = await engine().run(ask('openai', 'gpt-test'), { question: 'x' });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('AuthError');
    expect(result.tasks[0]?.attempts).toHaveLength(1);
    expect(result.error?.message).not.toContain('sk-test');
  });

  it('fails at once, without retrying, on messages that are not {role, content}', async () => {
    const def = workflow('bad')
      .task('answer', {
        executor: 'llm:chat',
        inputs: {
          provider: 'openai',
          model: 'gpt-test',
          messages: [{ role: 'robot', content: 1 }],
        },
        retryPolicy: { maxAttempts: 3, initialInterval: '10ms' },
      })
      .build();
    const result = await engine().run(def);
    expect(result.error?.code).toBe('InvalidInputError');
    expect(result.error?.message).toContain('messages');
    expect(result.tasks[0]?.attempts).toHaveLength(1);
  });

  it('names a provider that is not configured', async () => {
    const result = await engine().run(ask('mystery', 'm'), { question: 'x' });
    expect(result.error?.code).toBe('UNKNOWN_PROVIDER');
  });
});
