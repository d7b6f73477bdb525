/** Provider configuration: language and embedding models by kind, keys, and the `test` kind. */
import { embedMany, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingModel, languageModel } from './providers.js';
import { startFakeLlmServer, type FakeLlmServer } from './testing/fake-llm-server.js';

describe('providers', () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await startFakeLlmServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('builds the test provider from its configuration, with no key', async () => {
    const model = languageModel(
      'demo',
      { kind: 'test', replies: [{ match: 'capital', reply: 'Paris.' }] },
      'test-echo',
      {},
    );
    const result = streamText({ model, prompt: 'The capital of France?' });
    expect(await result.text).toBe('Paris.');
  });

  it('makes embedding models for openai, openai-compatible and test', async () => {
    const values = ['alpha beta', 'gamma'];
    const viaOpenAi = await embedMany({
      model: embeddingModel(
        'openai',
        { kind: 'openai', baseUrl: server.v1BaseUrl, apiKey: 'k' },
        'text-embedding-3-small',
        {},
      ),
      values,
      maxRetries: 0,
    });
    const viaCompatible = await embedMany({
      model: embeddingModel(
        'local',
        { kind: 'openai-compatible', baseUrl: server.v1BaseUrl },
        'nomic-embed-text',
        {},
      ),
      values,
      maxRetries: 0,
    });
    const viaTest = await embedMany({
      model: embeddingModel('demo', { kind: 'test' }, 'test-embed', {}),
      values,
    });
    // The fake server and the test provider share one embedding function.
    expect(viaOpenAi.embeddings).toEqual(viaTest.embeddings);
    expect(viaCompatible.embeddings).toEqual(viaTest.embeddings);
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/embeddings', '/v1/embeddings']);
  });

  it('refuses embeddings on anthropic, even without a key', () => {
    expect(() => embeddingModel('claude', { kind: 'anthropic' }, 'claude-x', {})).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED', hint: expect.any(String) as string }),
    );
  });

  it('still needs a key for openai and anthropic, and a configured provider', () => {
    expect(() => languageModel('openai', { kind: 'openai' }, 'gpt-x', {})).toThrow(
      expect.objectContaining({ code: 'AuthError' }),
    );
    expect(() => embeddingModel('nope', undefined, 'm', {})).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_PROVIDER' }),
    );
    expect(() => embeddingModel('local', { kind: 'openai-compatible' }, 'm', {})).toThrow(
      expect.objectContaining({ code: 'INVALID_PROVIDER' }),
    );
  });
});
