/** The fake server speaks the wire protocols the AI SDK's providers expect. */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlmServer, type FakeLlmServer } from './fake-llm-server.js';

describe('the AI SDK against the fake server', () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await startFakeLlmServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('OpenAI chat completions: text, usage and streamed deltas', async () => {
    const openai = createOpenAI({ baseURL: server.v1BaseUrl, apiKey: 'test-key' });
    const model = openai.chat('gpt-test');
    const result = await generateText({ model, prompt: 'hello there', maxRetries: 0 });
    expect(result.text).toBe('echo: hello there');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    const stream = streamText({ model, prompt: 'one two three', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const d of stream.textStream) deltas.push(d);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('echo: one two three');
    expect((await stream.usage).outputTokens).toBeGreaterThan(0);
  });

  it('Anthropic messages: text, usage and streamed deltas', async () => {
    const anthropic = createAnthropic({ baseURL: server.v1BaseUrl, apiKey: 'test-key' });
    const model = anthropic('claude-test');
    const result = await generateText({
      model,
      prompt: 'hi claude',
      maxRetries: 0,
      maxOutputTokens: 100,
    });
    expect(result.text).toBe('echo: hi claude');
    const stream = streamText({ model, prompt: 'a b c', maxRetries: 0, maxOutputTokens: 100 });
    let text = '';
    for await (const d of stream.textStream) text += d;
    expect(text).toBe('echo: a b c');
    expect((await stream.usage).inputTokens).toBeGreaterThan(0);
  });

  it('a 429 reaches the caller as an APICallError with its Retry-After', async () => {
    server.script({ kind: 'status', status: 429, retryAfterSeconds: 3 });
    const openai = createOpenAI({ baseURL: server.v1BaseUrl, apiKey: 'test-key' });
    const err = await generateText({
      model: openai.chat('gpt-test'),
      prompt: 'x',
      maxRetries: 0,
    }).catch((e: unknown) => e);
    expect(APICallError.isInstance(err)).toBe(true);
    if (APICallError.isInstance(err)) {
      expect(err.statusCode).toBe(429);
      expect(err.responseHeaders?.['retry-after']).toBe('3');
    }
  });
});
