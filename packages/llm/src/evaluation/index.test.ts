/** The evaluators as registered executors: through the engine, and reporting to Test-Bench. */
import { createOpenAI } from '@ai-sdk/openai';
import { embedMany } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, workflow, type LogLevel } from '@llm-orchestrator/core';
import { toLlmError } from '../errors.js';
import { startFakeLlmServer, type FakeLlmServer } from '../testing/fake-llm-server.js';
import { createEvaluators, createTestBenchClient, type EmbedFunction } from './index.js';
import { run, startTestBenchServer, testContext, type TestBenchServer } from './test-helpers.js';

let llm: FakeLlmServer;
beforeAll(async () => {
  llm = await startFakeLlmServer();
});
afterAll(async () => {
  await llm.close();
});

const benches: TestBenchServer[] = [];
async function bench(behaviour?: 'ok' | 'error' | 'hang'): Promise<TestBenchServer> {
  const s = await startTestBenchServer(behaviour);
  benches.push(s);
  return s;
}
afterEach(async () => {
  llm.reset();
  await Promise.all(benches.splice(0).map((s) => s.close()));
});

function embedder(): EmbedFunction {
  const model = createOpenAI({ baseURL: llm.v1BaseUrl, apiKey: 'test' }).embedding(
    'text-embedding-3-small',
  );
  return async (values, abortSignal) => {
    try {
      return (await embedMany({ model, values, maxRetries: 0, abortSignal })).embeddings;
    } catch (err) {
      throw toLlmError(err, 'openai', 'text-embedding-3-small');
    }
  };
}

function find(executors: ReturnType<typeof createEvaluators>, name: string) {
  const executor = executors.find((e) => e.name === name);
  if (executor === undefined) throw new Error(`no ${name}`);
  return executor;
}

describe('createEvaluators', () => {
  it('makes every llm-test-bench executor, each with a description', () => {
    const executors = createEvaluators();
    expect(executors.map((e) => e.name)).toEqual([
      'llm-test-bench:exact-match',
      'llm-test-bench:contains',
      'llm-test-bench:regex',
      'llm-test-bench:json-schema-valid',
      'llm-test-bench:semantic-similarity',
      'llm-test-bench:llm-judge',
      'llm-test-bench:multi-metric',
    ]);
    for (const e of executors) expect(e.description).toMatch(/\w/);
  });
});

describe('evaluators in a workflow', () => {
  const evaluate = (executor: string, inputs: Record<string, unknown>) =>
    workflow('evaluate')
      .input('answer', 'string', { required: true })
      .input('expected', 'string', { required: true })
      .task('check', {
        executor,
        inputs: {
          response: '${{ workflow.inputs.answer }}',
          ground_truth: '${{ workflow.inputs.expected }}',
          ...inputs,
        },
        retryPolicy: { maxAttempts: 2, initialInterval: '10ms' },
      })
      .output('score', '${{ tasks.check.outputs.score }}')
      .output('passed', '${{ tasks.check.outputs.passed }}')
      .output('method', '${{ tasks.check.outputs.metrics.method }}')
      .build();

  function engine(executors: ReturnType<typeof createEvaluators>, logs?: string[]) {
    const e = createEngine({
      circuitBreaker: false,
      log: (level: LogLevel, message: string) => logs?.push(`${level}: ${message}`),
    });
    for (const executor of executors) e.registerExecutor(executor.name, executor);
    return e;
  }

  it('exposes score and passed to expressions as tasks.<id>.outputs', async () => {
    const result = await engine(createEvaluators()).run(
      evaluate('llm-test-bench:exact-match', {}),
      { answer: ' Paris ', expected: 'Paris' },
    );
    expect(result.status).toBe('completed');
    expect(result.outputs).toMatchObject({ score: 1, passed: true });
  });

  it('retries a retryable embedder failure, then scores with embeddings', async () => {
    llm.script({ kind: 'status', status: 500 });
    const result = await engine(createEvaluators({ embed: embedder() })).run(
      evaluate('llm-test-bench:semantic-similarity', {}),
      { answer: 'the cat sat on the mat', expected: 'the cat sat on the mat' },
    );
    expect(result.status).toBe('completed');
    expect(result.tasks[0]?.attempts.map((a) => a.error?.code ?? 'ok')).toEqual([
      'ServerError',
      'ok',
    ]);
    expect(result.outputs).toEqual({ score: 1, passed: true, method: 'embeddings' });
  });

  it('falls back to lexical similarity for good on a refused embedder, with a warning', async () => {
    llm.script({ kind: 'status', status: 401 });
    const logs: string[] = [];
    const result = await engine(createEvaluators({ embed: embedder() }), logs).run(
      evaluate('llm-test-bench:semantic-similarity', {}),
      { answer: 'the cat sat', expected: 'the cat sat' },
    );
    expect(result.status).toBe('completed');
    expect(result.tasks[0]?.attempts).toHaveLength(1);
    expect(result.outputs).toEqual({ score: 1, passed: true, method: 'lexical' });
    expect(logs.some((l) => l.startsWith('warn: semantic similarity'))).toBe(true);
  });
});

describe('Test-Bench hooks', () => {
  const inputs = {
    response: 'Paris',
    ground_truth: 'Paris',
    provider: 'openai',
    model: 'gpt-test',
    input: 'What is the capital of France?',
  };

  it('sends each evaluation after scoring and says so in the output', async () => {
    const s = await bench();
    const testBench = createTestBenchClient({ url: s.url, apiKey: 'tb-key' });
    const executors = createEvaluators({ testBench });
    const out = await run(find(executors, 'llm-test-bench:exact-match'), inputs);
    expect(out).toMatchObject({ score: 1, passed: true, test_bench: { sent: true } });
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]?.body).toEqual({
      run_id: 'run-1',
      task_id: 'eval-1',
      workflow: 'eval-workflow',
      evaluator: 'llm-test-bench:exact-match',
      provider: 'openai',
      model: 'gpt-test',
      input: 'What is the capital of France?',
      output: 'Paris',
      expected: 'Paris',
      score: 1,
      passed: true,
      metrics: { exact_match: 1, case_sensitive: true, trim: true },
    });
    expect(s.requests[0]?.headers.authorization).toBe('Bearer tb-key');
  });

  it('sends what each evaluator compared with, and the judge its question', async () => {
    const s = await bench();
    const executors = createEvaluators({
      testBench: createTestBenchClient({ url: s.url }),
      judge: () => Promise.resolve({ text: '{"score": 9, "reasoning": "right"}', model: 'j' }),
    });
    await run(find(executors, 'llm-test-bench:regex'), { response: 'a1', pattern: '\\d' });
    await run(find(executors, 'llm-test-bench:llm-judge'), {
      response: 'Paris',
      rubric: 'names the capital',
      question: 'Capital of France?',
    });
    expect(s.requests.map((r) => r.body)).toMatchObject([
      { evaluator: 'llm-test-bench:regex', expected: { pattern: '\\d', flags: '' }, score: 1 },
      {
        evaluator: 'llm-test-bench:llm-judge',
        input: 'Capital of France?',
        score: 0.9,
        metrics: { raw_score: 9, judge_model: 'j' },
      },
    ]);
    expect(s.requests[0]?.body).not.toHaveProperty('provider');
  });

  it('carries on when Test-Bench answers 500: a warning, and sent: false', async () => {
    const s = await bench('error');
    const testBench = createTestBenchClient({ url: s.url, apiKey: 'tb-key' });
    const ctx = testContext();
    const out = await run(
      find(createEvaluators({ testBench }), 'llm-test-bench:contains'),
      inputs,
      ctx,
    );
    expect(out).toMatchObject({
      score: 1,
      passed: true,
      test_bench: { sent: false, error: expect.stringContaining('answered 500') as string },
    });
    const warnings = ctx.logs.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toMatchObject({ evaluator: 'llm-test-bench:contains' });
    expect(JSON.stringify(ctx.logs)).not.toContain('tb-key');
  });

  it('carries on when Test-Bench hangs, after the client timeout', async () => {
    const s = await bench('hang');
    const testBench = createTestBenchClient({ url: s.url, timeoutMs: 100 });
    const out = await run(
      find(createEvaluators({ testBench }), 'llm-test-bench:semantic-similarity'),
      inputs,
    );
    expect(out).toMatchObject({
      score: 1,
      metrics: { method: 'lexical' },
      test_bench: { sent: false, error: expect.stringContaining('within 100 ms') as string },
    });
  });

  it('sends nothing when the task fails on its inputs', async () => {
    const s = await bench();
    const executors = createEvaluators({ testBench: createTestBenchClient({ url: s.url }) });
    await expect(
      run(find(executors, 'llm-test-bench:regex'), { response: 'x', pattern: '(' }),
    ).rejects.toMatchObject({ code: 'InvalidInputError' });
    await expect(
      run(find(executors, 'llm-test-bench:exact-match'), { ...inputs, model: 3 }),
    ).rejects.toMatchObject({ input: 'model' });
    expect(s.requests).toHaveLength(0);
  });
});
