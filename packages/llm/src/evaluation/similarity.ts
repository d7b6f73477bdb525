/**
 * Semantic similarity of two texts: the cosine of their embeddings, or, when no embedder is
 * configured or it fails for good, the lexical similarity (`lexical.ts`) with the reason said.
 * A retryable embedder failure (`retryable: true`, or an AI SDK `APICallError` that the provider
 * error mapping calls retryable: 429, 5xx, no response) is thrown for the engine to retry; so is a
 * cancellation or timeout of the task.
 */
import { APICallError } from 'ai';
import type { ExecutorContext } from '@llm-orchestrator/core';
import { toLlmError } from '../errors.js';
import { lexicalSimilarity } from './lexical.js';
import { roundScore } from './score.js';
import type { EmbedFunction } from './types.js';

export type SimilarityMethod = 'embeddings' | 'lexical';

export interface Similarity {
  /** -1..1 for embeddings (0..1 for lexical). */
  readonly cosine: number;
  readonly method: SimilarityMethod;
  /** Why the lexical measure was used. */
  readonly fallbackReason?: string;
}

/** The cosine of two vectors; undefined when they differ in length or one is all zeros. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number | undefined {
  if (a.length !== b.length || a.length === 0) return undefined;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return undefined;
  return Math.max(-1, Math.min(1, roundScore(dot / Math.sqrt(na * nb))));
}

function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((x) => typeof x === 'number' && Number.isFinite(x));
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && code !== '' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** The embedder's error (an AI SDK call error given a stable code) and whether to retry it. */
function classify(err: unknown, now: number): { readonly error: unknown; readonly retry: boolean } {
  const error = APICallError.isInstance(err)
    ? toLlmError(err, 'embedding provider', 'embeddings', now)
    : err;
  const retry =
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === true;
  return { error, retry };
}

async function embeddingSimilarity(
  a: string,
  b: string,
  embed: EmbedFunction,
  ctx: ExecutorContext,
): Promise<Similarity | string> {
  let vectors: unknown;
  try {
    vectors = await embed([a, b], ctx.signal);
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason ?? err;
    const { error, retry } = classify(err, ctx.clock.now());
    if (retry) throw error;
    return `the embedder failed: ${describeError(err)}`;
  }
  if (!Array.isArray(vectors) || vectors.length !== 2 || !vectors.every(isVector)) {
    return 'the embedder did not return two vectors of finite numbers';
  }
  const [va, vb] = vectors as [number[], number[]];
  const cosine = cosineSimilarity(va, vb);
  if (cosine === undefined) {
    return va.length !== vb.length
      ? `the embedder returned vectors of different sizes (${va.length} and ${vb.length})`
      : 'the embedder returned an empty or all-zero vector';
  }
  return { cosine, method: 'embeddings' };
}

export async function semanticSimilarity(
  a: string,
  b: string,
  embed: EmbedFunction | undefined,
  ctx: ExecutorContext,
): Promise<Similarity> {
  const result =
    embed === undefined ? 'no embedder is configured' : await embeddingSimilarity(a, b, embed, ctx);
  if (typeof result !== 'string') return result;
  ctx.logger.warn('semantic similarity: using lexical similarity instead of embeddings', {
    reason: result,
  });
  return { cosine: lexicalSimilarity(a, b), method: 'lexical', fallbackReason: result };
}
