/**
 * `llm:chat`: one model call, streamed. Inputs: `provider`, `model`, `prompt` or `messages`,
 * `system`, `temperature`, `max_tokens`. Text deltas are emitted as they arrive (`chunk` events);
 * the output is recorded once: `{ text, provider, model, stop_reason, usage: { input_tokens,
 * output_tokens, total_tokens }, latency_ms, cost }` (`cost` in USD, null for a model without a
 * price). Failures have stable codes (`errors.ts`); retries are the engine's, never the SDK's.
 */
import { streamText, type ModelMessage } from 'ai';
import { ExecutorInputError, type Executor } from '@llm-orchestrator/core';
import { toLlmError } from './errors.js';
import { normaliseUsage, PricingTable } from './pricing.js';
import { languageModel, type Env, type ProviderConfig } from './providers.js';

export interface ChatExecutorOptions {
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  readonly pricing?: PricingTable;
  /** Where API keys named by `apiKeyEnv` are read from (default `process.env`). */
  readonly env?: Env;
}

function text(inputs: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = inputs[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    throw new ExecutorInputError(`input \`${name}\` must be a string`, { input: name });
  }
  return v;
}

function number(inputs: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const v = inputs[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ExecutorInputError(`input \`${name}\` must be a number`, { input: name });
  }
  return v;
}

export function createChatExecutor(options: ChatExecutorOptions): Executor {
  const pricing = options.pricing ?? new PricingTable();
  const env = options.env ?? process.env;
  return {
    name: 'llm:chat',
    async execute(inputs, ctx) {
      const provider = text(inputs, 'provider');
      const model = text(inputs, 'model');
      if (provider === undefined || model === undefined) {
        throw new ExecutorInputError('inputs `provider` and `model` are required', {
          input: provider === undefined ? 'provider' : 'model',
        });
      }
      const prompt = text(inputs, 'prompt');
      const messages = inputs.messages;
      if ((prompt === undefined) === (messages === undefined || messages === null)) {
        throw new ExecutorInputError('give either `prompt` or `messages`', { input: 'prompt' });
      }
      if (messages !== undefined && messages !== null && !Array.isArray(messages)) {
        throw new ExecutorInputError('input `messages` must be a list of {role, content}', {
          input: 'messages',
        });
      }
      const system = text(inputs, 'system');
      const temperature = number(inputs, 'temperature');
      const maxOutputTokens = number(inputs, 'max_tokens');
      const started = ctx.clock.now();
      let result: ReturnType<typeof streamText>;
      let out = '';
      try {
        result = streamText({
          model: languageModel(provider, options.providers[provider], model, env),
          ...(prompt === undefined ? { messages: messages as ModelMessage[] } : { prompt }),
          ...(system === undefined ? {} : { system }),
          ...(temperature === undefined ? {} : { temperature }),
          ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
          maxRetries: 0,
          abortSignal: ctx.signal,
          // Errors arrive as `error` parts below and are thrown from there, not logged.
          onError: () => undefined,
        });
        for await (const part of result.fullStream) {
          if (part.type === 'text-delta') {
            out += part.text;
            ctx.emit({ type: 'chunk', data: part.text });
          } else if (part.type === 'error') {
            throw toLlmError(part.error, provider, model, ctx.clock.now());
          } else if (part.type === 'abort') {
            throw ctx.signal.reason ?? new Error('aborted');
          }
        }
      } catch (err) {
        throw toLlmError(err, provider, model, ctx.clock.now());
      }
      const usage = normaliseUsage(await result.usage) ?? {
        inputTokens: 0,
        outputTokens: 0,
        totalTokens: 0,
      };
      return {
        text: out,
        provider,
        model,
        stop_reason: await result.finishReason,
        usage: {
          input_tokens: usage.inputTokens,
          output_tokens: usage.outputTokens,
          total_tokens: usage.totalTokens,
        },
        latency_ms: ctx.clock.now() - started,
        cost: pricing.cost(provider, model, usage) ?? null,
      };
    },
  };
}
