/** The LLM configuration: what it accepts, and errors that name the bad field. */
import { describe, expect, it } from 'vitest';
import { parseLlmConfig } from './config.js';
import { periodStart } from './governance/budgets.js';

describe('parseLlmConfig', () => {
  it('accepts a full configuration and turns durations into ms and labels into pairs', () => {
    const config = parseLlmConfig({
      providers: { local: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1' } },
      aliases: { 'my:fast': { provider: 'local', model: 'llama3', defaults: { max_tokens: 64 } } },
      cache: { ttl: '1h' },
      rateLimits: { openai: { requestsPerMinute: 60 }, 'openai/gpt-4': { tokensPerMinute: 1000 } },
      circuitBreaker: { failureThreshold: 3, resetTimeout: '30s' },
      budgets: [{ scope: 'label', label: 'team=ml', period: 'month', maxCostUsd: 100 }],
      policies: [{ name: 'p', action: 'deny', when: { model: 'gpt-4*' } }],
      embeddings: { provider: 'openai', model: 'text-embedding-3-small' },
      judge: { provider: 'anthropic', model: 'claude-3-haiku' },
      testBench: { url: 'http://127.0.0.1:9000', apiKeyEnv: 'TB_KEY' },
    });
    expect(config.cache?.ttl).toBe(3_600_000);
    expect(config.circuitBreaker).toEqual({ failureThreshold: 3, resetTimeout: 30_000 });
    expect(config.budgets?.[0]?.label).toEqual(['team', 'ml']);
    expect(config.policies?.[0]?.when?.model).toEqual(['gpt-4*']);
  });

  it('names every bad field with its path', () => {
    expect(() =>
      parseLlmConfig(
        { providers: { x: { kind: 'gemini' } }, cache: { ttl: 'soon' }, extra: 1 },
        'my.yaml',
      ),
    ).toThrow(/my\.yaml: .*providers\.x\.kind.*cache\.ttl: not a duration.*extra/s);
  });

  it('refuses references to providers that are not configured', () => {
    expect(() =>
      parseLlmConfig({ aliases: { 'a:b': { provider: 'nowhere', model: 'm' } } }),
    ).toThrow(/aliases\.a:b\.provider: no provider named `nowhere`/);
  });

  it('refuses a budget without a limit and a reply rule without an answer', () => {
    expect(() => parseLlmConfig({ budgets: [{ scope: 'run' }] })).toThrow(
      /budgets\.0: a budget needs maxCostUsd or maxTokens/,
    );
    expect(() =>
      parseLlmConfig({ providers: { t: { kind: 'test', replies: [{ match: 'x' }] } } }),
    ).toThrow(/providers\.t\.replies\.0/);
  });
});

describe('parseLlmConfig catches at load what would fail a call later', () => {
  it('half a price, an openai-compatible provider without baseUrl, a bad reply regex', () => {
    expect(() =>
      parseLlmConfig({ pricing: [{ provider: 'a', model: 'b', inputPer1K: 1 }] }),
    ).toThrow(/pricing\.0: give the output price once/);
    expect(() => parseLlmConfig({ providers: { l: { kind: 'openai-compatible' } } })).toThrow(
      /providers\.l: an openai-compatible provider needs `baseUrl`/,
    );
    expect(() =>
      parseLlmConfig({
        providers: { t: { kind: 'test', replies: [{ match: '/(/', reply: 'x' }] } },
      }),
    ).toThrow(/providers\.t\.replies\.0\.match: not a valid regex/);
  });

  it('reads bare numbers as seconds, as workflow files do', () => {
    expect(parseLlmConfig({ cache: { ttl: 90 } }).cache?.ttl).toBe(90_000);
  });
});

describe('budget periods', () => {
  it('start at the UTC day or month, or never', () => {
    const at = Date.UTC(2026, 11, 4, 17, 30);
    expect(periodStart('day', at)).toBe(Date.UTC(2026, 11, 4));
    expect(periodStart('month', at)).toBe(Date.UTC(2026, 11, 1));
    expect(periodStart('total', at)).toBeUndefined();
  });
});
