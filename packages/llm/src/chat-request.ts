/**
 * What an LLM task asks for, read from its inputs: `provider`, `model`, `prompt` or `messages`,
 * `system`, `temperature`, `max_tokens`, `top_p`, `stop_sequences`, `response_schema` (a JSON
 * Schema: structured output) and `cache_ttl`. The reference's `config` object (`model`,
 * `temperature`, `max_tokens`, `top_p`, `stop_sequences`) may carry the parameters too; inputs
 * given directly win over it, and it wins over an alias's defaults.
 */
import { ExecutorInputError, parseDuration } from '@llm-orchestrator/core';
import type { AliasSettings } from './config.js';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface ChatRequest {
  readonly provider: string;
  readonly model: string;
  readonly prompt: string | undefined;
  readonly messages: readonly ChatMessage[] | undefined;
  readonly system: string | undefined;
  readonly temperature: number | undefined;
  readonly maxTokens: number | undefined;
  readonly topP: number | undefined;
  readonly stopSequences: readonly string[] | undefined;
  readonly responseSchema: Readonly<Record<string, unknown>> | undefined;
  /** ms; 0 turns caching off for this call, undefined takes the configured default. */
  readonly cacheTtlMs: number | undefined;
}

type Inputs = Readonly<Record<string, unknown>>;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function pick(sources: readonly Inputs[], name: string): unknown {
  for (const s of sources) {
    const v = s[name];
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

function str(sources: readonly Inputs[], name: string): string | undefined {
  const v = pick(sources, name);
  if (v === undefined) return undefined;
  if (typeof v !== 'string')
    throw new ExecutorInputError(`input \`${name}\` must be a string`, { input: name });
  return v;
}

function num(sources: readonly Inputs[], name: string, integer = false): number | undefined {
  const v = pick(sources, name);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < 0) {
    throw new ExecutorInputError(
      `input \`${name}\` must be a non-negative ${integer ? 'integer' : 'number'}`,
      { input: name },
    );
  }
  return v;
}

function messagesOf(v: unknown): ChatMessage[] {
  const bad = (): never => {
    throw new ExecutorInputError(
      'input `messages` must be a list of {role: system|user|assistant, content: string}',
      { input: 'messages' },
    );
  };
  if (!Array.isArray(v) || v.length === 0) return bad();
  return v.map((m): ChatMessage => {
    if (!isObject(m) || typeof m.content !== 'string') return bad();
    if (m.role !== 'system' && m.role !== 'user' && m.role !== 'assistant') return bad();
    return { role: m.role, content: m.content };
  });
}

function cacheTtl(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === false || v === 0 || v === '0') return 0;
  const ms = parseDuration(v);
  if (ms === undefined) {
    throw new ExecutorInputError(
      'input `cache_ttl` must be a duration (30s, 10m, 1h, seconds) or 0',
      {
        input: 'cache_ttl',
      },
    );
  }
  return ms;
}

/** The request of an `llm:chat` task, or of an alias (whose provider and model are fixed). */
export function parseChatRequest(inputs: Inputs, alias?: AliasSettings): ChatRequest {
  const config = inputs.config;
  if (config !== undefined && config !== null && !isObject(config)) {
    throw new ExecutorInputError('input `config` must be an object', { input: 'config' });
  }
  const sources: Inputs[] = [inputs, config ?? {}, alias?.defaults ?? {}];
  const provider = alias?.provider ?? str([inputs], 'provider');
  const model = str([inputs, config ?? {}], 'model') ?? alias?.model;
  if (provider === undefined || model === undefined) {
    throw new ExecutorInputError('inputs `provider` and `model` are required', {
      input: provider === undefined ? 'provider' : 'model',
    });
  }
  const prompt = str([inputs], 'prompt');
  const rawMessages = inputs.messages;
  const hasMessages = rawMessages !== undefined && rawMessages !== null;
  if ((prompt === undefined) === !hasMessages) {
    throw new ExecutorInputError('give either `prompt` or `messages`', { input: 'prompt' });
  }
  const stop = pick(sources, 'stop_sequences');
  if (stop !== undefined && (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string'))) {
    throw new ExecutorInputError('input `stop_sequences` must be a list of strings', {
      input: 'stop_sequences',
    });
  }
  const schema = pick([inputs, config ?? {}], 'response_schema');
  if (schema !== undefined && !isObject(schema)) {
    throw new ExecutorInputError('input `response_schema` must be a JSON Schema object', {
      input: 'response_schema',
    });
  }
  return {
    provider,
    model,
    prompt,
    messages: hasMessages ? messagesOf(rawMessages) : undefined,
    system: str(sources, 'system'),
    temperature: num(sources, 'temperature'),
    maxTokens: num(sources, 'max_tokens', true),
    topP: num(sources, 'top_p'),
    stopSequences: stop as string[] | undefined,
    responseSchema: schema,
    cacheTtlMs: cacheTtl(pick([inputs, config ?? {}], 'cache_ttl')),
  };
}

/** A rough token count for estimates (about 4 characters a token). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The prompt tokens a request will likely use. */
export function promptTokens(r: ChatRequest): number {
  let chars = (r.system ?? '').length + (r.prompt ?? '').length;
  for (const m of r.messages ?? []) chars += m.content.length + 4;
  return Math.ceil(chars / 4);
}

/** The output tokens assumed for an estimate when a request sets no `max_tokens`. */
export const DEFAULT_ESTIMATED_OUTPUT_TOKENS = 1024;
