/** The LLM judge with a real AI SDK call against the local fake OpenAI server. */
import { createOpenAI } from '@ai-sdk/openai';
import { generateText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toLlmError } from '../errors.js';
import { normaliseUsage } from '../pricing.js';
import { startFakeLlmServer, type FakeLlmServer } from '../testing/fake-llm-server.js';
import { createLlmJudgeEvaluator, JudgeParseError } from './llm-judge.js';
import { run, testContext } from './test-helpers.js';
import type { JudgeFunction, JudgeRequest } from './types.js';

let server: FakeLlmServer;
beforeAll(async () => {
  server = await startFakeLlmServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
});

/** What the lead wires: generateText on a configured model, usage in llm:chat's shape. */
function sdkJudge(): JudgeFunction {
  const provider = createOpenAI({ baseURL: server.v1BaseUrl, apiKey: 'test' });
  return async ({ system, prompt, signal, model }) => {
    const modelId = model ?? 'judge-model';
    try {
      const result = await generateText({
        model: provider.chat(modelId),
        system,
        prompt,
        temperature: 0,
        maxRetries: 0,
        abortSignal: signal,
      });
      const usage = normaliseUsage(result.usage);
      return {
        text: result.text,
        model: result.response.modelId,
        cost: null,
        ...(usage === undefined
          ? {}
          : {
              usage: {
                input_tokens: usage.inputTokens,
                output_tokens: usage.outputTokens,
                total_tokens: usage.totalTokens,
              },
            }),
      };
    } catch (err) {
      throw toLlmError(err, 'openai', modelId);
    }
  };
}

const inputs = {
  response: 'Paris is the capital of France.',
  rubric: 'The answer names the correct capital city.',
  ground_truth: 'Paris',
  question: 'What is the capital of France?',
};

describe('llm-test-bench:llm-judge', () => {
  it('asks the judge for a JSON grade and normalises it to 0..1', async () => {
    server.script({ kind: 'reply', json: { score: 8, reasoning: 'Correct and concise.' } });
    const out = await run(createLlmJudgeEvaluator(sdkJudge()), inputs);
    expect(out).toMatchObject({
      score: 0.8,
      passed: true,
      reasoning: 'Correct and concise.',
      metrics: { raw_score: 8, scale: 10, judge_model: 'judge-model', parsed_from: 'json' },
      cost: null,
    });
    expect(out.usage).toMatchObject({ input_tokens: expect.any(Number) as number });
    const body = server.requests[0]?.body as { messages: { role: string; content: string }[] };
    expect(body.messages[0]).toMatchObject({ role: 'system' });
    expect(body.messages[0]?.content).toContain('"score"');
    const user = body.messages[1]?.content ?? '';
    expect(user).toContain('<response>\nParis is the capital of France.\n</response>');
    expect(user).toContain('<reference_answer>\nParis\n</reference_answer>');
    expect(user).toContain('<question>\nWhat is the capital of France?\n</question>');
  });

  it('uses scale, threshold and judge_model', async () => {
    server.script({ kind: 'reply', json: { score: 3, reasoning: 'Partly right.' } });
    const out = await run(createLlmJudgeEvaluator(sdkJudge()), {
      ...inputs,
      scale: 5,
      threshold: 0.7,
      judge_model: 'gpt-judge',
    });
    expect(out).toMatchObject({
      score: 0.6,
      passed: false,
      metrics: { raw_score: 3, scale: 5, judge_model: 'gpt-judge' },
    });
    expect(server.requests[0]?.body).toMatchObject({ model: 'gpt-judge' });
  });

  it('accepts the first number when the JSON is malformed', async () => {
    const sloppy: JudgeFunction = () =>
      Promise.resolve({ text: 'Score: 7 — {"reasoning": unquoted, oops' });
    const out = await run(createLlmJudgeEvaluator(sloppy), inputs);
    expect(out).toMatchObject({
      score: 0.7,
      passed: true,
      metrics: { raw_score: 7, judge_model: null, parsed_from: 'text' },
      usage: null,
      cost: null,
    });
    expect(out.reasoning).toContain('Score: 7');
  });

  it('fails with JudgeParseError when the reply holds no score', async () => {
    const mute: JudgeFunction = () => Promise.resolve({ text: 'I would rather not say.' });
    const err: unknown = await run(createLlmJudgeEvaluator(mute), inputs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JudgeParseError);
    expect(err).toMatchObject({
      code: 'JudgeParseError',
      retryable: true,
      message: 'the judge\'s reply holds no score: "I would rather not say."',
    });
  });

  it('clamps a score outside the scale, with a warning', async () => {
    const generous: JudgeFunction = () => Promise.resolve({ text: '{"score": 12}' });
    const ctx = testContext();
    const out = await run(createLlmJudgeEvaluator(generous), inputs, ctx);
    expect(out).toMatchObject({ score: 1, metrics: { raw_score: 12 }, reasoning: '' });
    expect(ctx.logs.some((l) => l.level === 'warn' && l.message.includes('outside'))).toBe(true);
  });

  it('passes the judge call failures on with their codes', async () => {
    server.script({ kind: 'status', status: 429, retryAfterSeconds: 1 });
    await expect(run(createLlmJudgeEvaluator(sdkJudge()), inputs)).rejects.toMatchObject({
      code: 'RateLimitError',
      retryable: true,
    });
  });

  it('passes the task signal to the judge', async () => {
    let seen: JudgeRequest | undefined;
    const spy: JudgeFunction = (request) => {
      seen = request;
      return Promise.resolve({ text: '{"score": 10}' });
    };
    const ctx = testContext();
    await run(createLlmJudgeEvaluator(spy), { response: 'x', rubric: 'y' }, ctx);
    expect(seen?.signal).toBe(ctx.signal);
    expect(seen?.prompt).not.toContain('<question>');
  });

  it('fails clearly without a judge, or without a rubric', async () => {
    await expect(run(createLlmJudgeEvaluator(), inputs)).rejects.toMatchObject({
      code: 'JudgeNotConfigured',
    });
    const judge: JudgeFunction = () => Promise.resolve({ text: '{"score": 1}' });
    await expect(run(createLlmJudgeEvaluator(judge), { response: 'x' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      input: 'rubric',
    });
    await expect(
      run(createLlmJudgeEvaluator(judge), { response: 'x', rubric: 'y', scale: 0 }),
    ).rejects.toMatchObject({ input: 'scale' });
  });
});
