/** The `test` provider through the AI SDK's own entry points: streamText, Output.object, embedMany. */
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import {
  cosineSimilarity,
  embed,
  embedMany,
  generateText,
  jsonSchema,
  Output,
  streamText,
} from 'ai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { estimateTokens, hashedEmbedding } from './deterministic.js';
import {
  createTestProvider,
  TestLanguageModel,
  type TestProviderOptions,
} from './test-provider.js';

async function chat(options: TestProviderOptions, prompt: string, maxOutputTokens?: number) {
  const result = streamText({
    model: createTestProvider(options)('test-echo'),
    system: 'Be brief.',
    prompt,
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
  });
  const deltas: string[] = [];
  const types: string[] = [];
  for await (const part of result.fullStream) {
    types.push(part.type);
    if (part.type === 'text-delta') deltas.push(part.text);
  }
  return {
    deltas,
    types,
    text: await result.text,
    usage: await result.usage,
    finishReason: await result.finishReason,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the test provider: text', () => {
  it('streams the default reply as word deltas, with usage and finish reason', async () => {
    const result = await chat({}, 'hello there world');
    expect(result.text).toBe('test reply: hello there world');
    expect(result.deltas).toEqual(['test ', 'reply: ', 'hello ', 'there ', 'world']);
    expect(result.types).toEqual([
      'start',
      'start-step',
      'text-start',
      ...result.deltas.map(() => 'text-delta'),
      'text-end',
      'finish-step',
      'finish',
    ]);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBe(estimateTokens('Be brief.\nhello there world'));
    expect(result.usage.outputTokens).toBe(estimateTokens('test reply: hello there world'));
    expect(result.usage.totalTokens).toBe(
      (result.usage.inputTokens ?? 0) + (result.usage.outputTokens ?? 0),
    );
  });

  it('is deterministic: the same input twice gives the same output', async () => {
    const options = { replies: [{ match: 'weather', reply: 'Sunny, 21 degrees, light wind.' }] };
    const first = await chat(options, 'What is the weather like?');
    const second = await chat(options, 'What is the weather like?');
    expect(second).toEqual(first);
    expect(first.text).toBe('Sunny, 21 degrees, light wind.');
  });

  it('answers with the first matching rule: substrings ignore case, /regex/flags are regexes', async () => {
    const replies = [
      { match: '/^hi\\b/i', reply: 'regex hit' },
      { match: 'HELLO', reply: 'substring hit' },
      { match: 'hello', reply: 'never reached' },
      { match: 'data', json: { ok: true } },
    ];
    expect((await chat({ replies }, 'Hi there')).text).toBe('regex hit');
    expect((await chat({ replies }, 'this says hello')).text).toBe('substring hit');
    expect((await chat({ replies }, 'high noon')).text).toBe('test reply: high noon');
    expect((await chat({ replies }, 'give me data')).text).toBe('{"ok":true}');
  });

  it('rejects an invalid rule when the provider is created', () => {
    expect(() => createTestProvider({ replies: [{ match: '/(/', reply: 'x' }] })).toThrow(
      expect.objectContaining({ code: 'INVALID_PROVIDER' }),
    );
    expect(() => createTestProvider({ replies: [{ match: 'x' }] })).toThrow(/reply/);
  });

  it('honours maxOutputTokens by dropping words, with finish reason length', async () => {
    const reply = 'one two three four five six seven eight nine ten';
    const result = await chat({ replies: [{ match: 'count', reply }] }, 'count', 5);
    expect(result.text).toBe('one two three four'); // round(4 * 1.3) = 5
    expect(result.finishReason).toBe('length');
    expect(result.usage.outputTokens).toBeLessThanOrEqual(5);
    const whole = await chat({ replies: [{ match: 'count', reply }] }, 'count', 100);
    expect(whole.finishReason).toBe('stop');
  });

  it('works with generateText too', async () => {
    const result = await generateText({
      model: createTestProvider()('test-echo'),
      prompt: 'ping',
    });
    expect(result.text).toBe('test reply: ping');
    expect(result.finishReason).toBe('stop');
  });
});

describe('the test provider: timing and abort', () => {
  async function read(stream: ReadableStream<LanguageModelV3StreamPart>) {
    const parts: LanguageModelV3StreamPart[] = [];
    for await (const part of stream) parts.push(part);
    return parts;
  }
  const call = {
    prompt: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'a b c' }] }],
  };

  it('uses no timer when no delay is configured', async () => {
    vi.useFakeTimers();
    const { stream } = await new TestLanguageModel('test-echo').doStream(call);
    const parts = await read(stream); // would hang if a timer were awaited
    expect(parts.at(-1)?.type).toBe('finish');
  });

  it('waits latencyMs before the first delta and chunkDelayMs between deltas', async () => {
    vi.useFakeTimers();
    const model = new TestLanguageModel('test-echo', { latencyMs: 1000, chunkDelayMs: 100 });
    const { stream } = await model.doStream(call);
    const reader = stream.getReader();
    expect((await reader.read()).value?.type).toBe('stream-start');
    expect((await reader.read()).value?.type).toBe('response-metadata');
    let settled = false;
    const textStart = reader.read().then((r) => {
      settled = true;
      return r;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await textStart).value?.type).toBe('text-start');
    expect((await reader.read()).value).toMatchObject({ type: 'text-delta', delta: 'test ' });
    const second = reader.read();
    await vi.advanceTimersByTimeAsync(100);
    expect((await second).value).toMatchObject({ type: 'text-delta', delta: 'reply: ' });
    reader.releaseLock();
  });

  it('stops at once when aborted, during the latency or between chunks', async () => {
    const slow = createTestProvider({ latencyMs: 60_000 })('test-echo');
    const controller = new AbortController();
    const started = Date.now();
    const result = streamText({ model: slow, prompt: 'hello', abortSignal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 20);
    const types: string[] = [];
    for await (const part of result.fullStream) types.push(part.type);
    expect(types).toContain('abort');
    expect(types).not.toContain('text-delta');
    expect(Date.now() - started).toBeLessThan(5_000);

    const chunked = createTestProvider({ chunkDelayMs: 50 })('test-echo');
    const second = new AbortController();
    const deltas: string[] = [];
    const stream = streamText({
      model: chunked,
      prompt: 'one two three four five six seven eight',
      abortSignal: second.signal,
    });
    for await (const part of stream.fullStream) {
      if (part.type === 'text-delta') {
        deltas.push(part.text);
        if (deltas.length === 2) second.abort();
      }
    }
    expect(deltas).toEqual(['test ', 'reply: ']);
  });

  it('clears a pending delay when the consumer cancels the stream', async () => {
    vi.useFakeTimers();
    const model = new TestLanguageModel('test-echo', { latencyMs: 60_000 });
    const { stream } = await model.doStream(call);
    const reader = stream.getReader();
    await reader.read(); // stream-start
    await reader.read(); // response-metadata
    void reader.read(); // waits for the latency
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    await reader.cancel();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a call whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const model = new TestLanguageModel('test-echo');
    await expect(model.doStream({ ...call, abortSignal: controller.signal })).rejects.toMatchObject(
      { name: 'AbortError' },
    );
  });
});

describe('the test provider: structured output', () => {
  const schema = jsonSchema<{ title: string; pages: number; tags: string[]; read: boolean }>({
    type: 'object',
    properties: {
      title: { type: 'string' },
      pages: { type: 'integer' },
      tags: { type: 'array', items: { type: 'string' } },
      read: { type: 'boolean' },
      note: { type: 'string' },
    },
    required: ['title', 'pages', 'tags', 'read'],
  });

  async function object(options: TestProviderOptions, prompt: string) {
    const result = streamText({
      model: createTestProvider(options)('test-echo'),
      prompt,
      output: Output.object({ schema }),
    });
    const partials: unknown[] = [];
    for await (const partial of result.partialOutputStream) partials.push(partial);
    return { output: await result.output, partials };
  }

  it('answers with the matching rule’s json, streamed as partial objects', async () => {
    const book = { title: 'Dune', pages: 412, tags: ['sf'], read: true };
    const result = await object(
      { replies: [{ match: 'book', reply: 'not used for JSON', json: book }] },
      'recommend a book',
    );
    expect(result.output).toEqual(book);
    expect(result.partials.length).toBeGreaterThan(2);
    expect(result.partials.at(-1)).toEqual(book);
  });

  it('otherwise builds a placeholder from the required properties', async () => {
    const result = await object(
      { replies: [{ match: 'recommend', reply: 'a text-only rule' }] },
      'recommend a book',
    );
    expect(result.output).toEqual({ title: '', pages: 0, tags: [], read: false });
  });
});

describe('the test provider: embeddings', () => {
  const model = createTestProvider().embeddingModel('test-embed');

  it('embeds like the fake server: same text, same vector; shared words, closer vectors', async () => {
    const texts = [
      'the cat sat on the mat',
      'the cat sat on the mat',
      'a cat sat on a rug',
      'quantum chromodynamics lecture notes',
    ];
    const { embeddings, usage } = await embedMany({ model, values: texts });
    expect(embeddings[0]).toHaveLength(16);
    expect(embeddings[0]).toEqual(embeddings[1]);
    expect(embeddings[0]).toEqual(hashedEmbedding(texts[0] ?? ''));
    const [a, , b, c] = embeddings as [number[], number[], number[], number[]];
    expect(cosineSimilarity(a, b)).toBeGreaterThan(cosineSimilarity(a, c));
    expect(usage.tokens).toBe(texts.reduce((n, t) => n + estimateTokens(t), 0));
  });

  it('honours embeddingDimensions', async () => {
    const wide = createTestProvider({ embeddingDimensions: 64 }).embeddingModel('test-embed');
    const { embedding } = await embed({ model: wide, value: 'hello' });
    expect(embedding).toHaveLength(64);
  });
});
