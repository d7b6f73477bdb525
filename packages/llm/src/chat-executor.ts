/**
 * `llm:chat` and its aliases (`llm-forge:claude-api`, ...): one model call, streamed. The request
 * is read by `chat-request.ts`. Around the call: the response cache, the budgets (an estimate
 * before, the actual usage after), the per provider/model rate limits and circuit breaker.
 * Text deltas are emitted as they arrive (`chunk` events); the output is recorded once:
 * `{ text, response, value?, provider, model, stop_reason, usage, latency_ms, ttft_ms, cost, cached }`
 * (`response` is `text` under the reference's name; `value` the structured output of a
 * `response_schema`; `cost` in USD, null for a model without a price). Failures have stable codes
 * (`errors.ts`); retries are the engine's, never the SDK's.
 */
import {
  jsonSchema,
  NoObjectGeneratedError,
  Output,
  streamText,
  type LanguageModel,
  type ModelMessage,
} from 'ai';
import {
  OrchestratorError,
  validateWithSchema,
  type Executor,
  type ExecutorContext,
  type Store,
} from '@llm-orchestrator/core';
import { CallGuard } from './call-guard.js';
import {
  DEFAULT_ESTIMATED_OUTPUT_TOKENS,
  parseChatRequest,
  promptTokens,
  type ChatRequest,
} from './chat-request.js';
import type { AliasSettings } from './config.js';
import { LlmError, toLlmError } from './errors.js';
import type { Budgets, SpendScope } from './governance/budgets.js';
import { normaliseUsage, PricingTable, type Usage } from './pricing.js';
import { languageModel, type Env, type ProviderConfig } from './providers.js';
import { cachedAnswer, cacheKey, type CachedAnswer } from './response-cache.js';

export interface ChatExecutorOptions {
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  readonly pricing?: PricingTable;
  /** Where API keys named by `apiKeyEnv` are read from (default `process.env`). */
  readonly env?: Env;
  /** Where responses are cached and usage is recorded (the run's store). */
  readonly store?: Store;
  readonly guard?: CallGuard;
  readonly budgets?: Budgets;
  /** Default TTL of cached responses; unset: only tasks that give `cache_ttl` are cached. */
  readonly cacheTtlMs?: number;
  /** The executor's name (default `llm:chat`) and, for an alias, its provider, model and defaults. */
  readonly name?: string;
  readonly alias?: AliasSettings;
}

interface Answer extends CachedAnswer {
  readonly ttftMs: number | null;
}

/** How long one call may take unless its provider says otherwise. */
export const DEFAULT_CALL_TIMEOUT_MS = 10 * 60_000;

async function callModel(
  model: LanguageModel,
  r: ChatRequest,
  ctx: ExecutorContext,
  timeoutMs: number,
): Promise<Answer> {
  const started = ctx.clock.now();
  const timer = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timer]);
  let ttftMs: number | null = null;
  let text = '';
  // Taken from the stream's `finish` part: reading `result.usage` and `result.finishReason`
  // afterwards would replay the whole buffered stream once per getter (about 1 ms a call).
  let rawUsage: unknown;
  let finishReason = 'unknown';
  try {
    const result = streamText({
      model,
      // System messages in `messages` are the workflow author's to write (else the SDK warns on
      // the console for each call).
      ...(r.prompt === undefined
        ? { messages: r.messages as ModelMessage[], allowSystemInMessages: true }
        : { prompt: r.prompt }),
      ...(r.system === undefined ? {} : { system: r.system }),
      ...(r.temperature === undefined ? {} : { temperature: r.temperature }),
      ...(r.maxTokens === undefined ? {} : { maxOutputTokens: r.maxTokens }),
      ...(r.topP === undefined ? {} : { topP: r.topP }),
      ...(r.stopSequences === undefined ? {} : { stopSequences: [...r.stopSequences] }),
      ...(r.responseSchema === undefined
        ? {}
        : { output: Output.object({ schema: jsonSchema(r.responseSchema) }) }),
      maxRetries: 0,
      abortSignal: signal,
      // Errors arrive as `error` parts below and are thrown from there, not logged.
      onError: () => undefined,
    });
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') {
        ttftMs ??= ctx.clock.now() - started;
        text += part.text;
        ctx.emit({ type: 'chunk', data: part.text });
      } else if (part.type === 'finish') {
        rawUsage = part.totalUsage;
        finishReason = part.finishReason;
      } else if (part.type === 'error') {
        throw toLlmError(part.error, r.provider, r.model, ctx.clock.now());
      } else if (part.type === 'abort') {
        throw signal.reason ?? new Error('aborted');
      }
    }
    const usage: Usage = normaliseUsage(rawUsage) ?? {
      inputTokens: 0,
      outputTokens: 0,
      totalTokens: 0,
    };
    let value: unknown;
    if (r.responseSchema !== undefined) {
      value = await result.output;
      const check = validateWithSchema(value, r.responseSchema, 'response_schema');
      if (!check.valid) {
        throw new OrchestratorError(
          'StructuredOutputError',
          `${r.provider}/${r.model} answered with JSON that does not fit response_schema: ${check.errors
            .slice(0, 3)
            .map((e) => `${e.path || '(root)'} ${e.message}`)
            .join('; ')}`,
          { retryable: true },
        );
      }
      if (text === '') text = JSON.stringify(value);
    }
    return {
      text,
      ...(value === undefined ? {} : { value }),
      stop_reason: finishReason,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      ttftMs,
    };
  } catch (err) {
    if (timer.aborted && !ctx.signal.aborted) {
      throw new LlmError(
        'TimeoutError',
        `${r.provider} model ${r.model} did not finish within ${String(timeoutMs)} ms`,
        { provider: r.provider, model: r.model, retryable: true, cause: err },
      );
    }
    if (NoObjectGeneratedError.isInstance(err)) {
      throw new OrchestratorError(
        'StructuredOutputError',
        `${r.provider}/${r.model} did not answer with JSON that fits response_schema: ${err.message}`,
        { retryable: true, cause: err },
      );
    }
    throw toLlmError(err, r.provider, r.model, ctx.clock.now());
  }
}

export function createChatExecutor(options: ChatExecutorOptions): Executor {
  const o = options;
  const pricing = o.pricing ?? new PricingTable();
  const env = o.env ?? process.env;
  const name = o.name ?? 'llm:chat';
  // The SDK model of each provider/model, made once (the configuration does not change).
  const models = new Map<string, LanguageModel>();
  const modelFor = (r: ChatRequest): LanguageModel => {
    const key = `${r.provider}\u0000${r.model}`;
    let model = models.get(key);
    if (model === undefined) {
      model = languageModel(r.provider, o.providers[r.provider], r.model, env);
      models.set(key, model);
    }
    return model;
  };
  return {
    name,
    description:
      o.alias === undefined
        ? 'one LLM call (provider, model, prompt or messages), streamed'
        : (o.alias.description ?? `${o.alias.provider}/${o.alias.model} through llm:chat`),
    async execute(inputs, ctx) {
      const r = parseChatRequest(inputs, o.alias);
      const model = modelFor(r); // an unknown provider or a missing key fails here, first
      const started = ctx.clock.now();
      const scope: SpendScope = { runId: ctx.runId, taskId: ctx.taskId, workflow: ctx.workflow };
      const ttl = r.cacheTtlMs ?? o.cacheTtlMs;
      const cache = ttl !== undefined && ttl > 0 ? o.store?.cache : undefined;
      const key = cache === undefined ? undefined : cacheKey(r);
      let answer: Answer | undefined;
      const hit =
        cache === undefined || key === undefined
          ? undefined
          : await cachedAnswer(cache, key, started);
      if (hit !== undefined) {
        answer = { ...hit, ttftMs: 0 };
        if (hit.text !== '') ctx.emit({ type: 'chunk', data: hit.text });
      } else {
        const inTokens = promptTokens(r);
        const outTokens = r.maxTokens ?? DEFAULT_ESTIMATED_OUTPUT_TOKENS;
        await o.budgets?.check(scope, {
          costUsd:
            pricing.cost(r.provider, r.model, {
              inputTokens: inTokens,
              outputTokens: outTokens,
              totalTokens: inTokens + outTokens,
            }) ?? 0,
          tokens: inTokens + outTokens,
        });
        const permit = await o.guard?.acquire(
          r.provider,
          r.model,
          inTokens + outTokens,
          ctx.signal,
        );
        try {
          answer = await callModel(
            model,
            r,
            ctx,
            o.providers[r.provider]?.timeout ?? DEFAULT_CALL_TIMEOUT_MS,
          );
          permit?.done(undefined, answer.input_tokens + answer.output_tokens);
        } catch (err) {
          permit?.done(err);
          throw err;
        }
        if (cache !== undefined && key !== undefined) {
          const kept: CachedAnswer = {
            text: answer.text,
            ...(answer.value === undefined ? {} : { value: answer.value }),
            stop_reason: answer.stop_reason,
            input_tokens: answer.input_tokens,
            output_tokens: answer.output_tokens,
          };
          await cache.put(key, kept, ctx.clock.now(), ttl);
        }
      }
      const cached = hit !== undefined;
      const usage = {
        inputTokens: answer.input_tokens,
        outputTokens: answer.output_tokens,
        totalTokens: answer.input_tokens + answer.output_tokens,
      };
      const price = pricing.cost(r.provider, r.model, usage);
      const cost = cached ? 0 : (price ?? null);
      const latency = ctx.clock.now() - started;
      await o.store?.usage.record([
        {
          id: `${ctx.idempotencyKey}:${String(ctx.attempt)}`,
          at: ctx.clock.now(),
          runId: ctx.runId,
          taskId: ctx.taskId,
          workflow: ctx.workflow.name,
          labels: ctx.workflow.labels,
          provider: r.provider,
          model: r.model,
          inputTokens: cached ? 0 : usage.inputTokens,
          outputTokens: cached ? 0 : usage.outputTokens,
          costUsd: cost ?? 0,
          latencyMs: latency,
          quality: undefined,
          cached,
        },
      ]);
      if (!cached) await o.budgets?.afterCall(scope);
      return {
        text: answer.text,
        response: answer.text,
        ...(answer.value === undefined ? {} : { value: answer.value }),
        provider: r.provider,
        model: r.model,
        stop_reason: answer.stop_reason,
        usage: {
          input_tokens: usage.inputTokens,
          output_tokens: usage.outputTokens,
          total_tokens: usage.totalTokens,
          prompt_tokens: usage.inputTokens,
          completion_tokens: usage.outputTokens,
          provider: r.provider,
          model: r.model,
          // Served from the cache: the tokens are the original call's; nothing was spent now.
          cached,
        },
        latency_ms: latency,
        ttft_ms: answer.ttftMs,
        cost,
        cached,
      };
    },
  };
}
