/**
 * Providers (seed §7.1): OpenAI, Anthropic and any OpenAI-compatible server (Ollama, vLLM, LM
 * Studio), through the AI SDK. A provider is configured by name; its API key comes from the
 * configuration or an environment variable, and is never logged or journalled.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { OrchestratorError } from '@llm-orchestrator/core';

export interface ProviderConfig {
  readonly kind: 'openai' | 'anthropic' | 'openai-compatible';
  /** The API's base URL, `/v1` included (default: the provider's own). */
  readonly baseUrl?: string;
  readonly apiKey?: string;
  /** Where to read the key from (default `OPENAI_API_KEY` / `ANTHROPIC_API_KEY`). */
  readonly apiKeyEnv?: string;
}

const DEFAULT_KEY_ENV: Record<ProviderConfig['kind'], string | undefined> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  'openai-compatible': undefined,
};

export type Env = Readonly<Record<string, string | undefined>>;

/** The AI SDK model for `model` on the provider configured as `name`. */
export function languageModel(
  name: string,
  config: ProviderConfig | undefined,
  model: string,
  env: Env,
): LanguageModel {
  if (config === undefined) {
    throw new OrchestratorError(
      'UNKNOWN_PROVIDER',
      `no LLM provider named \`${name}\` is configured`,
      {
        hint: 'configure it under `providers` (kind openai, anthropic or openai-compatible)',
      },
    );
  }
  const keyEnv = config.apiKeyEnv ?? DEFAULT_KEY_ENV[config.kind];
  const apiKey = config.apiKey ?? (keyEnv === undefined ? undefined : env[keyEnv]);
  if (apiKey === undefined && config.kind !== 'openai-compatible') {
    throw new OrchestratorError('AuthError', `provider \`${name}\` has no API key`, {
      hint: `set ${keyEnv ?? 'its apiKeyEnv variable'} or give apiKey in the configuration`,
    });
  }
  const baseURL = config.baseUrl;
  const settings = {
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(baseURL === undefined ? {} : { baseURL }),
  };
  switch (config.kind) {
    case 'openai':
      return createOpenAI(settings).chat(model);
    case 'anthropic':
      return createAnthropic(settings)(model);
    case 'openai-compatible':
      if (baseURL === undefined) {
        throw new OrchestratorError('INVALID_PROVIDER', `provider \`${name}\` needs a baseUrl`);
      }
      return createOpenAICompatible({ name, baseURL, ...(apiKey === undefined ? {} : { apiKey }) })(
        model,
      );
  }
}
