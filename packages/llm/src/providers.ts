/**
 * Providers (seed §7.1): OpenAI, Anthropic and any OpenAI-compatible server (Ollama, vLLM, LM
 * Studio), through the AI SDK, plus the deterministic offline `test` provider
 * (`test-provider.ts`). A provider is configured by name; its API key comes from the
 * configuration or an environment variable, and is never logged or journalled.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { EmbeddingModel, LanguageModel } from 'ai';
import { OrchestratorError } from '@llm-orchestrator/core';
import { createTestProvider, type TestReplyRule } from './test-provider.js';

export interface ProviderConfig {
  readonly kind: 'openai' | 'anthropic' | 'openai-compatible' | 'test';
  /** The API's base URL, `/v1` included (default: the provider's own). */
  readonly baseUrl?: string;
  readonly apiKey?: string;
  /** Where to read the key from (default `OPENAI_API_KEY` / `ANTHROPIC_API_KEY`). */
  readonly apiKeyEnv?: string;
  /** How long one call may take, in ms, before it fails with `TimeoutError` (default 10 minutes). */
  readonly timeout?: number;
  /**
   * openai-compatible only: send the JSON schema of a structured-output request
   * (`response_format: { type: 'json_schema' }`, understood by Ollama, vLLM and LM Studio);
   * `false` sends `{ type: 'json_object' }` without the schema. Default `true`.
   */
  readonly structuredOutputs?: boolean;
  /** test only: reply rules, the first matching the last user message answers. */
  readonly replies?: readonly TestReplyRule[];
  /** test only: delay before the first streamed delta, in ms (default 0). */
  readonly latencyMs?: number;
  /** test only: delay between streamed deltas, in ms (default 0). */
  readonly chunkDelayMs?: number;
  /** test only: embedding size (default 16). */
  readonly embeddingDimensions?: number;
}

const DEFAULT_KEY_ENV: Record<ProviderConfig['kind'], string | undefined> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  'openai-compatible': undefined,
  test: undefined,
};

export type Env = Readonly<Record<string, string | undefined>>;

interface Resolved {
  readonly config: ProviderConfig;
  readonly apiKey: string | undefined;
  readonly baseURL: string | undefined;
  readonly settings: { apiKey?: string; baseURL?: string };
}

function resolve(name: string, config: ProviderConfig | undefined, env: Env): Resolved {
  if (config === undefined) {
    throw new OrchestratorError(
      'UNKNOWN_PROVIDER',
      `no LLM provider named \`${name}\` is configured`,
      {
        hint: 'configure it under `providers` (kind openai, anthropic, openai-compatible or test)',
      },
    );
  }
  const keyEnv = config.apiKeyEnv ?? DEFAULT_KEY_ENV[config.kind];
  const apiKey = config.apiKey ?? (keyEnv === undefined ? undefined : env[keyEnv]);
  if (apiKey === undefined && (config.kind === 'openai' || config.kind === 'anthropic')) {
    throw new OrchestratorError('AuthError', `provider \`${name}\` has no API key`, {
      hint: `set ${keyEnv ?? 'its apiKeyEnv variable'} or give apiKey in the configuration`,
    });
  }
  const baseURL = config.baseUrl;
  const settings = {
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(baseURL === undefined ? {} : { baseURL }),
  };
  return { config, apiKey, baseURL, settings };
}

function compatible(name: string, { config, apiKey, baseURL }: Resolved) {
  if (baseURL === undefined) {
    throw new OrchestratorError('INVALID_PROVIDER', `provider \`${name}\` needs a baseUrl`);
  }
  return createOpenAICompatible({
    name,
    baseURL,
    ...(apiKey === undefined ? {} : { apiKey }),
    // Ask for the usage chunk when streaming, so tokens and cost are known.
    includeUsage: true,
    supportsStructuredOutputs: config.structuredOutputs ?? true,
  });
}

function testProvider(config: ProviderConfig) {
  return createTestProvider({
    ...(config.replies === undefined ? {} : { replies: config.replies }),
    ...(config.latencyMs === undefined ? {} : { latencyMs: config.latencyMs }),
    ...(config.chunkDelayMs === undefined ? {} : { chunkDelayMs: config.chunkDelayMs }),
    ...(config.embeddingDimensions === undefined
      ? {}
      : { embeddingDimensions: config.embeddingDimensions }),
  });
}

/** The AI SDK model for `model` on the provider configured as `name`. */
export function languageModel(
  name: string,
  config: ProviderConfig | undefined,
  model: string,
  env: Env,
): LanguageModel {
  const resolved = resolve(name, config, env);
  switch (resolved.config.kind) {
    case 'openai':
      return createOpenAI(resolved.settings).chat(model);
    case 'anthropic':
      return createAnthropic(resolved.settings)(model);
    case 'openai-compatible':
      return compatible(name, resolved)(model);
    case 'test':
      return testProvider(resolved.config)(model);
  }
}

/**
 * The AI SDK embedding model for `model` on the provider configured as `name`: OpenAI
 * (`/v1/embeddings`), OpenAI-compatible servers, and `test` (hashed bag-of-words vectors).
 * Anthropic has no embeddings API: `UNSUPPORTED`.
 */
export function embeddingModel(
  name: string,
  config: ProviderConfig | undefined,
  model: string,
  env: Env,
): EmbeddingModel {
  const unsupported = (): OrchestratorError =>
    new OrchestratorError('UNSUPPORTED', `provider \`${name}\` (anthropic) has no embeddings API`, {
      hint: 'embed with an openai, openai-compatible (e.g. Ollama, vLLM) or test provider',
    });
  // Before the key check: a key would not help.
  if (config?.kind === 'anthropic') throw unsupported();
  const resolved = resolve(name, config, env);
  switch (resolved.config.kind) {
    case 'openai':
      return createOpenAI(resolved.settings).embedding(model);
    case 'anthropic':
      throw unsupported();
    case 'openai-compatible':
      return compatible(name, resolved).embeddingModel(model);
    case 'test':
      return testProvider(resolved.config).embeddingModel(model);
  }
}
