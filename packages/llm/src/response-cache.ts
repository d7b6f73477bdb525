/**
 * The response cache: a model's answer kept in the store under a key made of the provider, the
 * model, every parameter and the whole prompt, for a TTL (the task's `cache_ttl`, else the
 * configured default). A hit is served without a call: no tokens spent, `cached: true`.
 */
import { createHash } from 'node:crypto';
import type { KeyValueCache } from '@llm-orchestrator/core';
import type { ChatRequest } from './chat-request.js';

/** What is kept of an answer (the rest of the output is rebuilt on a hit). */
export interface CachedAnswer {
  readonly text: string;
  readonly value?: unknown;
  readonly stop_reason: string;
  readonly input_tokens: number;
  readonly output_tokens: number;
}

export function cacheKey(r: ChatRequest): string {
  const material = JSON.stringify([
    r.provider,
    r.model,
    r.system ?? null,
    r.prompt ?? null,
    r.messages ?? null,
    r.temperature ?? null,
    r.maxTokens ?? null,
    r.topP ?? null,
    r.stopSequences ?? null,
    r.responseSchema ?? null,
  ]);
  return `llm:${createHash('sha256').update(material).digest('hex')}`;
}

function isAnswer(v: unknown): v is CachedAnswer {
  const a = v as Partial<CachedAnswer> | null;
  return (
    a !== null &&
    typeof a === 'object' &&
    typeof a.text === 'string' &&
    typeof a.input_tokens === 'number' &&
    typeof a.output_tokens === 'number'
  );
}

export async function cachedAnswer(
  cache: KeyValueCache,
  key: string,
  now: number,
): Promise<CachedAnswer | undefined> {
  const hit = await cache.get(key, now);
  return hit !== undefined && isAnswer(hit.value) ? hit.value : undefined;
}
