import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  estimateTokens,
  fakeEmbedding,
  parseSse,
  splitIntoDeltas,
  startFakeLlmServer,
} from './fake-llm-server.js';
import type { FakeLlmServer } from './fake-llm-server.js';

let server: FakeLlmServer;

beforeEach(async () => {
  server = await startFakeLlmServer();
});

afterEach(async () => {
  await server.close();
});

function post(path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-key' },
    body: JSON.stringify(body),
    ...init,
  });
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

const chatBody = {
  model: 'gpt-test',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: 'first answer' },
    { role: 'user', content: [{ type: 'text', text: 'say hello to the world' }] },
  ],
  max_completion_tokens: 100,
  temperature: 0,
};

const messagesBody = {
  model: 'claude-test',
  max_tokens: 100,
  system: 'You are terse.',
  messages: [
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: [{ type: 'text', text: 'first answer' }] },
    { role: 'user', content: [{ type: 'text', text: 'say hello to the world' }] },
  ],
};

describe('helpers', () => {
  it('estimates tokens as round(words * 1.3) and splits text losslessly', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('one two three')).toBe(4);
    const text = '  leading and   trailing spaces ';
    expect(splitIntoDeltas(text).join('')).toBe(text);
    expect(splitIntoDeltas('a b c')).toEqual(['a ', 'b ', 'c']);
    expect(splitIntoDeltas('')).toEqual([]);
  });

  it('makes normalised embeddings where shared words mean higher similarity', () => {
    const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
    const cat = fakeEmbedding('the cat sat on the mat');
    expect(cat).toHaveLength(16);
    expect(dot(cat, cat)).toBeCloseTo(1, 10);
    expect(fakeEmbedding('the cat sat on the mat')).toEqual(cat);
    const near = dot(cat, fakeEmbedding('the cat sat on a mat'));
    const far = dot(cat, fakeEmbedding('quantum chromodynamics lecture notes'));
    expect(near).toBeGreaterThan(far);
    expect(dot(fakeEmbedding(''), fakeEmbedding(''))).toBeCloseTo(1, 10);
  });
});

describe('OpenAI chat completions', () => {
  it('answers non-streaming requests with the chat.completion shape', async () => {
    const response = await post('/v1/chat/completions', chatBody);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = await json(response);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-test',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'echo: say hello to the world' },
          finish_reason: 'stop',
        },
      ],
    });
    expect(body['id']).toEqual(expect.stringMatching(/^chatcmpl-/));
    expect(body['created']).toEqual(expect.any(Number));
    const input = estimateTokens(
      'You are terse.\nfirst question\nfirst answer\nsay hello to the world',
    );
    const output = estimateTokens('echo: say hello to the world');
    expect(body['usage']).toEqual({
      prompt_tokens: input,
      completion_tokens: output,
      total_tokens: input + output,
    });
  });

  it('streams chunks that reassemble into the text, with usage when asked', async () => {
    server.script({ kind: 'reply', text: 'one two three four', outputTokens: 7, inputTokens: 3 });
    const response = await post('/v1/chat/completions', {
      ...chatBody,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await response.text());
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Record<string, unknown>);
    type Choice = { delta: { role?: string; content?: string }; finish_reason: string | null };
    const choices = chunks.flatMap((c) => c['choices'] as Choice[]);
    expect(choices[0]?.delta.role).toBe('assistant');
    const deltas = choices.map((c) => c.delta.content ?? '');
    expect(deltas.filter((d) => d !== '').length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('one two three four');
    expect(choices.at(-1)?.finish_reason).toBe('stop');
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: 'gpt-test' });
    }
    const last = chunks.at(-1);
    expect(last?.['choices']).toEqual([]);
    expect(last?.['usage']).toEqual({ prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 });
  });

  it('streams without a usage chunk unless include_usage is set', async () => {
    server.script({ kind: 'reply', text: 'cut off', stopReason: 'length' });
    const response = await post('/v1/chat/completions', { ...chatBody, stream: true });
    const events = parseSse(await response.text());
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Record<string, unknown>);
    expect(chunks.every((c) => (c['choices'] as unknown[]).length === 1)).toBe(true);
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: 'length' }] });
  });

  it('returns structured output as JSON text', async () => {
    server.script({ kind: 'reply', json: { answer: 42 } });
    const body = await json(
      await post('/v1/chat/completions', {
        ...chatBody,
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } },
      }),
    );
    const [choice] = body['choices'] as { message: { content: string } }[];
    expect(JSON.parse(choice?.message.content ?? '')).toEqual({ answer: 42 });
  });

  it('lists models and rejects unknown routes with 404', async () => {
    const models = await json(await fetch(`${server.v1BaseUrl}/models`));
    expect(models).toMatchObject({ object: 'list', data: [{ object: 'model' }] });
    const missing = await fetch(`${server.baseUrl}/v1/nope`);
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});

describe('Anthropic messages', () => {
  it('answers non-streaming requests with the message shape', async () => {
    const response = await post('/v1/messages', messagesBody, {
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text: 'echo: say hello to the world' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: estimateTokens(
          'You are terse.\nfirst question\nfirst answer\nsay hello to the world',
        ),
        output_tokens: estimateTokens('echo: say hello to the world'),
      },
    });
    expect(body['id']).toEqual(expect.stringMatching(/^msg_/));
  });

  it('streams the real event sequence', async () => {
    server.script({
      kind: 'reply',
      text: 'alpha beta gamma',
      outputTokens: 5,
      stopReason: 'length',
    });
    const response = await post('/v1/messages', { ...messagesBody, stream: true });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await response.text());
    const names = events.map((e) => e.event);
    const deltaCount = names.filter((n) => n === 'content_block_delta').length;
    expect(deltaCount).toBe(3);
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array<string>(deltaCount).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const data = events.map((e) => JSON.parse(e.data) as Record<string, unknown>);
    for (const [i, d] of data.entries()) expect(d['type']).toBe(names[i]);
    expect(data[0]).toMatchObject({
      message: { type: 'message', role: 'assistant', content: [], model: 'claude-test' },
    });
    expect(data[1]).toEqual({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    });
    const text = data
      .filter((d) => d['type'] === 'content_block_delta')
      .map((d) => {
        expect(d).toMatchObject({ index: 0, delta: { type: 'text_delta' } });
        return (d['delta'] as { text: string }).text;
      })
      .join('');
    expect(text).toBe('alpha beta gamma');
    expect(data.at(-2)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'max_tokens', stop_sequence: null },
      usage: { output_tokens: 5 },
    });
  });

  it('requires max_tokens like the real API', async () => {
    const response = await post('/v1/messages', { messages: messagesBody.messages });
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
  });
});

describe('scripted failures', () => {
  it('sends a 429 with retry-after, then recovers (FIFO)', async () => {
    server.script(
      { kind: 'status', status: 429, retryAfterSeconds: 2 },
      { kind: 'status', status: 429 },
    );
    expect(server.pendingSteps).toBe(2);
    const openai = await post('/v1/chat/completions', chatBody);
    expect(openai.status).toBe(429);
    expect(openai.headers.get('retry-after')).toBe('2');
    expect(await json(openai)).toMatchObject({ error: { code: 'rate_limit_exceeded' } });

    const anthropic = await post('/v1/messages', messagesBody);
    expect(anthropic.status).toBe(429);
    expect(anthropic.headers.get('retry-after')).toBeNull();
    expect(await json(anthropic)).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.any(String) as string },
    });

    expect(server.pendingSteps).toBe(0);
    expect((await post('/v1/chat/completions', chatBody)).status).toBe(200);
  });

  it('sends 500 and provider-specific error types', async () => {
    server.script(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 400, contextLength: true },
      { kind: 'status', status: 503 },
      { kind: 'status', status: 401, body: { custom: true } },
    );
    const r1 = await post('/v1/chat/completions', chatBody);
    expect(r1.status).toBe(500);
    expect(await json(r1)).toMatchObject({ error: { type: 'server_error' } });
    const r2 = await post('/v1/messages', messagesBody);
    expect(r2.status).toBe(500);
    expect(await json(r2)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    const r3 = await post('/v1/chat/completions', chatBody);
    expect(await json(r3)).toMatchObject({
      error: { type: 'invalid_request_error', code: 'context_length_exceeded' },
    });
    const r4 = await post('/v1/messages', messagesBody);
    expect(r4.status).toBe(503);
    expect(await json(r4)).toMatchObject({ error: { type: 'overloaded_error' } });
    const r5 = await post('/v1/messages', messagesBody);
    expect(r5.status).toBe(401);
    expect(await json(r5)).toEqual({ custom: true });
  });

  it('delays, and stays healthy after the client aborts a delayed request', async () => {
    server.script({ kind: 'delay', ms: 5_000 });
    const controller = new AbortController();
    const started = Date.now();
    const pending = post('/v1/chat/completions', chatBody, { signal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 50);
    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);

    server.script({ kind: 'delay', ms: 30, then: { kind: 'reply', text: 'late' } });
    const late = await json(await post('/v1/chat/completions', chatBody));
    expect(late).toMatchObject({ choices: [{ message: { content: 'late' } }] });
    expect((await post('/v1/messages', messagesBody)).status).toBe(200);
  });

  it('hangs until the client gives up, and close() cuts hanging requests off', async () => {
    server.script({ kind: 'hang' }, { kind: 'hang' });
    await expect(
      post('/v1/messages', messagesBody, { signal: AbortSignal.timeout(50) }),
    ).rejects.toThrow();
    const hanging = post('/v1/messages', messagesBody);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await server.close();
    await expect(hanging).rejects.toThrow();
  });

  it('aborts a slow stream midway without breaking the server', async () => {
    server.script({ kind: 'reply', text: 'a b c d e f g h', chunkDelayMs: 40 });
    const controller = new AbortController();
    const response = await post(
      '/v1/chat/completions',
      { ...chatBody, stream: true },
      { signal: controller.signal },
    );
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    await expect(reader?.read()).rejects.toThrow();
    expect((await post('/v1/chat/completions', chatBody)).status).toBe(200);
  });

  it('can drop the connection', async () => {
    server.script({ kind: 'disconnect' });
    await expect(post('/v1/chat/completions', chatBody)).rejects.toThrow();
    expect((await post('/v1/chat/completions', chatBody)).status).toBe(200);
  });
});

describe('embeddings and recording', () => {
  it('returns deterministic normalised embeddings in float and base64', async () => {
    const body = { model: 'embed-test', input: ['hello world', 'goodbye moon'] };
    const first = await json(await post('/v1/embeddings', body));
    const second = await json(await post('/v1/embeddings', body));
    expect(first).toEqual(second);
    expect(first).toMatchObject({
      object: 'list',
      model: 'embed-test',
      usage: { prompt_tokens: 6, total_tokens: 6 },
    });
    const data = first['data'] as { object: string; index: number; embedding: number[] }[];
    expect(data.map((d) => [d.object, d.index])).toEqual([
      ['embedding', 0],
      ['embedding', 1],
    ]);
    const [hello] = data;
    expect(hello?.embedding).toHaveLength(16);
    expect(hello?.embedding).toEqual(fakeEmbedding('hello world'));
    expect(Math.hypot(...(hello?.embedding ?? []))).toBeCloseTo(1, 10);

    const b64 = await json(
      await post('/v1/embeddings', {
        input: 'hello world',
        encoding_format: 'base64',
        dimensions: 8,
      }),
    );
    const [item] = b64['data'] as { embedding: string }[];
    const bytes = Buffer.from(item?.embedding ?? '', 'base64');
    const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    expect(floats).toHaveLength(8);
    const expected = fakeEmbedding('hello world', 8);
    for (const [i, x] of floats.entries()) expect(x).toBeCloseTo(expected[i] ?? NaN, 6);
  });

  it('records every request with lowercased headers and parsed bodies', async () => {
    server.script({ kind: 'status', status: 500 });
    await post('/v1/chat/completions', chatBody, {
      headers: { 'Content-Type': 'application/json', 'X-Custom-Header': 'Yes' },
    });
    await fetch(`${server.baseUrl}/v1/models?limit=1`);
    await post('/v1/messages', 'not json{');
    expect(server.requests.map((r) => [r.method, r.path, r.route])).toEqual([
      ['POST', '/v1/chat/completions', 'openai-chat'],
      ['GET', '/v1/models', 'models'],
      ['POST', '/v1/messages', 'anthropic-messages'],
    ]);
    const [first, second, third] = server.requests;
    expect(first?.headers['x-custom-header']).toBe('Yes');
    expect(first?.body).toEqual(chatBody);
    expect(first?.step).toEqual({ kind: 'status', status: 500 });
    expect(first?.time).toBeLessThanOrEqual(Date.now());
    expect(second?.url).toBe('/v1/models?limit=1');
    expect(third?.body).toBe('not json{');
    server.reset();
    expect(server.requests).toHaveLength(0);
  });
});
