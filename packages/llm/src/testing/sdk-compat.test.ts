/** The fake server speaks the wire protocols the AI SDK's providers expect. */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import {
  APICallError,
  generateText,
  jsonSchema,
  Output,
  streamText,
  type JSONSchema7,
  type LanguageModel,
} from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { languageModel } from '../providers.js';
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

describe('structured output: streamText with Output.object against the fake server', () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await startFakeLlmServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const schema = {
    type: 'object',
    properties: {
      title: { type: 'string' },
      score: { type: 'number' },
      tags: { type: 'array', items: { type: 'string' } },
      done: { type: 'boolean' },
    },
    required: ['title', 'score', 'tags', 'done'],
    additionalProperties: false,
  } satisfies JSONSchema7;
  const book = { title: 'Dune', score: 9.5, tags: ['sf', 'classic'], done: true };

  /** What `llm:chat` does with `response_schema`: stream, then read the parsed object. */
  async function structured(model: LanguageModel) {
    const result = streamText({
      model,
      prompt: 'rate the book',
      maxRetries: 0,
      maxOutputTokens: 200,
      output: Output.object({ schema: jsonSchema<Record<string, unknown>>(schema) }),
    });
    const partials: unknown[] = [];
    for await (const partial of result.partialOutputStream) partials.push(partial);
    return {
      output: await result.output,
      partials,
      finishReason: await result.finishReason,
      usage: await result.usage,
    };
  }

  function lastRequest() {
    const request = server.requests.at(-1);
    expect(request?.body).toMatchObject({ stream: true });
    return request;
  }

  it('OpenAI chat: response_format json_schema, streamed JSON text', async () => {
    server.script({ kind: 'reply', json: book });
    const openai = createOpenAI({ baseURL: server.v1BaseUrl, apiKey: 'test-key' });
    const result = await structured(openai.chat('gpt-test'));
    expect(result.output).toEqual(book);
    expect(result.partials.length).toBeGreaterThan(2);
    expect(result.partials.at(-1)).toEqual(book);
    expect(result.finishReason).toBe('stop');
    const request = lastRequest();
    expect(request?.structured).toEqual({ via: 'openai-json-schema', schema, name: 'response' });
    expect(request?.body).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'response', strict: true } },
    });
  });

  it('Anthropic, recent model: native output_config.format, answered as JSON text', async () => {
    server.script({ kind: 'reply', json: book });
    const anthropic = createAnthropic({ baseURL: server.v1BaseUrl, apiKey: 'test-key' });
    const result = await structured(anthropic('claude-sonnet-4-5'));
    expect(result.output).toEqual(book);
    expect(result.partials.length).toBeGreaterThan(2);
    const request = lastRequest();
    expect(request?.structured?.via).toBe('anthropic-output-format');
    expect(request?.body).toMatchObject({
      output_config: { format: { type: 'json_schema', schema: { required: schema.required } } },
    });
    expect(request?.body).not.toHaveProperty('tools');
  });

  it('Anthropic, older model: forced `json` tool, answered with streamed tool_use input', async () => {
    server.script({ kind: 'reply', json: book });
    const anthropic = createAnthropic({ baseURL: server.v1BaseUrl, apiKey: 'test-key' });
    const result = await structured(anthropic('claude-3-haiku-20240307'));
    expect(result.output).toEqual(book);
    expect(result.partials.length).toBeGreaterThan(2);
    // The SDK maps `stop_reason: tool_use` on its own JSON tool back to `stop`.
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    const request = lastRequest();
    expect(request?.structured).toEqual({ via: 'anthropic-json-tool', schema, name: 'json' });
    expect(request?.body).toMatchObject({
      tools: [{ name: 'json', input_schema: schema }],
      tool_choice: { type: 'any' },
    });
  });

  it('Anthropic json tool without streaming (generateText) reads the tool_use block', async () => {
    server.script({ kind: 'reply', json: book });
    const anthropic = createAnthropic({ baseURL: server.v1BaseUrl, apiKey: 'test-key' });
    const result = await generateText({
      model: anthropic('claude-3-haiku-20240307'),
      prompt: 'rate the book',
      maxRetries: 0,
      maxOutputTokens: 200,
      output: Output.object({ schema: jsonSchema<Record<string, unknown>>(schema) }),
    });
    expect(result.output).toEqual(book);
    expect(result.finishReason).toBe('stop');
  });

  it('OpenAI-compatible as providers.ts configures it: json_schema sent, placeholder reply', async () => {
    const model = languageModel(
      'local',
      { kind: 'openai-compatible', baseUrl: server.v1BaseUrl },
      'llama-test',
      {},
    );
    // Nothing scripted: the required properties with placeholder values.
    const result = await structured(model);
    expect(result.output).toEqual({ title: '', score: 0, tags: [], done: false });
    expect(result.usage.inputTokens).toBeGreaterThan(0); // includeUsage is on
    const request = lastRequest();
    expect(request?.structured).toEqual({ via: 'openai-json-schema', schema, name: 'response' });
    expect(request?.body).toMatchObject({ stream_options: { include_usage: true } });
  });
});
