/**
 * The `test` provider: a deterministic, offline AI SDK provider for demos and tests (no network,
 * no key, no timers unless delays are configured). It implements `LanguageModelV3` and
 * `EmbeddingModelV3` from `@ai-sdk/provider`, so it runs through `streamText`, `generateText`,
 * `Output.object` and `embedMany` like any real provider.
 *
 * Behaviour:
 * - Reply text: the first rule of `replies` whose `match` is a case-insensitive substring of the
 *   last user message (or, written `/regex/flags`, a regular expression that matches it) gives
 *   its `reply` (or its `json` as JSON text); with no matching rule, `test reply: <last user
 *   message text>`.
 * - Structured output (a `json` response format, e.g. `Output.object`): the first matching rule's
 *   `json` value when it has one, else `placeholderFromSchema(schema)` (the schema's required
 *   properties with placeholder values `""`, `0`, `false`, `[]`, ...: see `deterministic.ts`),
 *   the same rule as the fake LLM server.
 * - Streaming: `stream-start`, `response-metadata`, `text-start`, one `text-delta` per word (JSON
 *   in 8-character pieces), `text-end`, `finish` with usage and finish reason `stop`, or `length`
 *   when `maxOutputTokens` cut the reply (whole words are dropped until the estimate fits).
 * - Tokens: `estimateTokens` (`Math.round(words * 1.3)`); input counts the system prompt and the
 *   text of every message, output the text sent.
 * - `latencyMs` waits before the first content part, `chunkDelayMs` between deltas; both stop
 *   at once when the abort signal fires (the stream errors with the signal's reason, as `fetch`
 *   does). Tools are ignored (with a warning).
 * - Embeddings: `hashedEmbedding` (the fake server's `/v1/embeddings` vectors), 16 dimensions
 *   unless `embeddingDimensions` says otherwise.
 */
import {
  NoSuchModelError,
  type EmbeddingModelV3,
  type EmbeddingModelV3CallOptions,
  type EmbeddingModelV3Result,
  type LanguageModelV3,
  type LanguageModelV3CallOptions,
  type LanguageModelV3FinishReason,
  type LanguageModelV3GenerateResult,
  type LanguageModelV3Prompt,
  type LanguageModelV3StreamPart,
  type LanguageModelV3StreamResult,
  type LanguageModelV3Usage,
  type ProviderV3,
  type SharedV3Warning,
} from '@ai-sdk/provider';
import { OrchestratorError } from '@llm-orchestrator/core';
import {
  estimateTokens,
  hashedEmbedding,
  placeholderFromSchema,
  splitIntoDeltas,
  splitJsonDeltas,
  truncateToTokens,
} from './deterministic.js';

export const TEST_PROVIDER_ID = 'test';

/** One reply rule of the `test` provider. */
export interface TestReplyRule {
  /** A case-insensitive substring of the last user message, or `/regex/flags`. */
  readonly match: string;
  /** The reply text (default: `json` as JSON text). */
  readonly reply?: string;
  /** The reply to a structured-output request. */
  readonly json?: unknown;
}

export interface TestProviderOptions {
  /** Tried in order; the first that matches the last user message answers. */
  readonly replies?: readonly TestReplyRule[];
  /** Delay before the first streamed content part, in ms (default 0). */
  readonly latencyMs?: number;
  /** Delay between streamed deltas, in ms (default 0). */
  readonly chunkDelayMs?: number;
  /** Embedding size (default 16). */
  readonly embeddingDimensions?: number;
}

interface CompiledRule {
  readonly rule: TestReplyRule;
  readonly test: (text: string) => boolean;
}

function compileRules(rules: readonly TestReplyRule[]): CompiledRule[] {
  return rules.map((rule, index) => {
    if (typeof rule.match !== 'string') {
      throw new OrchestratorError(
        'INVALID_PROVIDER',
        `test provider: replies[${index}] has no match`,
      );
    }
    if (rule.reply === undefined && rule.json === undefined) {
      throw new OrchestratorError(
        'INVALID_PROVIDER',
        `test provider: replies[${index}] needs a \`reply\` or a \`json\``,
      );
    }
    const regex = /^\/(.+)\/([a-z]*)$/s.exec(rule.match);
    if (regex === null) {
      const needle = rule.match.toLowerCase();
      return { rule, test: (text) => text.toLowerCase().includes(needle) };
    }
    let pattern: RegExp;
    try {
      // `g` and `y` would make `test` stateful: dropped.
      pattern = new RegExp(regex[1] ?? '', (regex[2] ?? '').replace(/[gy]/g, ''));
    } catch (cause) {
      throw new OrchestratorError(
        'INVALID_PROVIDER',
        `test provider: replies[${index}].match is not a valid regular expression`,
        { cause, hint: 'write it as /pattern/flags, or as plain text to match a substring' },
      );
    }
    return { rule, test: (text) => pattern.test(text) };
  });
}

/** What `fetch` rejects with: the signal's reason (an `AbortError` unless one was given). */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(
    typeof reason === 'string' ? reason : 'This operation was aborted',
    'AbortError',
  );
}

/** Waits `ms` (no timer when 0); rejects with the signal's reason as soon as it aborts. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(abortError(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function promptTexts(prompt: LanguageModelV3Prompt): { lastUser: string; all: string } {
  const all: string[] = [];
  let lastUser = '';
  for (const message of prompt) {
    if (message.role === 'system') {
      all.push(message.content);
      continue;
    }
    const texts: string[] = [];
    for (const part of message.content) {
      if (part.type === 'text' || part.type === 'reasoning') texts.push(part.text);
      else if (part.type === 'tool-result') {
        const { output } = part;
        if ('value' in output) {
          texts.push(
            typeof output.value === 'string' ? output.value : JSON.stringify(output.value),
          );
        }
      }
    }
    const text = texts.join('\n');
    all.push(text);
    if (message.role === 'user') lastUser = text;
  }
  return { lastUser, all: all.filter((t) => t !== '').join('\n') };
}

interface Reply {
  readonly text: string;
  readonly deltas: readonly string[];
  readonly usage: LanguageModelV3Usage;
  readonly finishReason: LanguageModelV3FinishReason;
  readonly warnings: SharedV3Warning[];
}

export class TestLanguageModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = TEST_PROVIDER_ID;
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]> = {};
  private readonly rules: readonly CompiledRule[];
  private readonly latencyMs: number;
  private readonly chunkDelayMs: number;

  constructor(modelId: string, options: TestProviderOptions = {}) {
    this.modelId = modelId;
    this.rules = compileRules(options.replies ?? []);
    this.latencyMs = options.latencyMs ?? 0;
    this.chunkDelayMs = options.chunkDelayMs ?? 0;
  }

  /** The whole reply for `options`, computed up front (it depends on nothing else). */
  reply(options: LanguageModelV3CallOptions): Reply {
    const { lastUser, all } = promptTexts(options.prompt);
    const rule = this.rules.find((r) => r.test(lastUser))?.rule;
    const format = options.responseFormat;
    const json = format?.type === 'json';
    let full: string;
    if (json) {
      full = JSON.stringify(
        rule?.json !== undefined ? rule.json : placeholderFromSchema(format.schema),
      );
    } else if (rule !== undefined) full = rule.reply ?? JSON.stringify(rule.json);
    else full = `test reply: ${lastUser}`;
    const max = options.maxOutputTokens;
    const { text, truncated } =
      max === undefined ? { text: full, truncated: false } : truncateToTokens(full, max);
    const inputTokens = estimateTokens(all);
    const outputTokens = estimateTokens(text);
    const warnings: SharedV3Warning[] = [];
    if (options.tools !== undefined && options.tools.length > 0) {
      warnings.push({
        type: 'unsupported',
        feature: 'tools',
        details: 'the test provider ignores tools',
      });
    }
    const reason = truncated ? 'length' : 'stop';
    return {
      text,
      deltas: json ? splitJsonDeltas(text) : splitIntoDeltas(text),
      usage: {
        inputTokens: {
          total: inputTokens,
          noCache: inputTokens,
          cacheRead: undefined,
          cacheWrite: undefined,
        },
        outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
      },
      finishReason: { unified: reason, raw: reason },
      warnings,
    };
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const reply = this.reply(options);
    await wait(this.latencyMs, options.abortSignal);
    return {
      content: reply.text === '' ? [] : [{ type: 'text', text: reply.text }],
      finishReason: reply.finishReason,
      usage: reply.usage,
      response: { modelId: this.modelId },
      warnings: reply.warnings,
    };
  }

  doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const signal = options.abortSignal;
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    const reply = this.reply(options);
    const id = 'text-0';
    const parts: LanguageModelV3StreamPart[] = [
      { type: 'stream-start', warnings: reply.warnings },
      { type: 'response-metadata', modelId: this.modelId },
      { type: 'text-start', id },
      ...reply.deltas.map((delta): LanguageModelV3StreamPart => ({
        type: 'text-delta',
        id,
        delta,
      })),
      { type: 'text-end', id },
      { type: 'finish', usage: reply.usage, finishReason: reply.finishReason },
    ];
    const firstContent = 2;
    let next = 0;
    // Cancelling the stream also cuts a pending delay short.
    const cancelled = new AbortController();
    const stop =
      signal === undefined ? cancelled.signal : AbortSignal.any([signal, cancelled.signal]);
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      pull: async (controller) => {
        const part = parts[next];
        if (part === undefined) {
          controller.close();
          return;
        }
        try {
          if (next === firstContent) await wait(this.latencyMs, stop);
          else if (part.type === 'text-delta' && next > firstContent + 1) {
            await wait(this.chunkDelayMs, stop);
          } else if (stop.aborted) throw abortError(stop);
        } catch (error) {
          controller.error(error);
          return;
        }
        next += 1;
        controller.enqueue(part);
      },
      cancel: (reason: unknown) => {
        cancelled.abort(reason);
      },
    });
    return Promise.resolve({ stream });
  }
}

export class TestEmbeddingModel implements EmbeddingModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = TEST_PROVIDER_ID;
  readonly modelId: string;
  readonly maxEmbeddingsPerCall = 2048;
  readonly supportsParallelCalls = true;
  readonly dimensions: number;

  constructor(modelId: string, options: TestProviderOptions = {}) {
    this.modelId = modelId;
    this.dimensions = options.embeddingDimensions ?? 16;
  }

  doEmbed(options: EmbeddingModelV3CallOptions): Promise<EmbeddingModelV3Result> {
    const signal = options.abortSignal;
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    let tokens = 0;
    const embeddings = options.values.map((value) => {
      tokens += estimateTokens(value);
      return hashedEmbedding(value, this.dimensions);
    });
    return Promise.resolve({ embeddings, usage: { tokens }, warnings: [] });
  }
}

export interface TestProvider extends ProviderV3 {
  (modelId: string): TestLanguageModel;
  languageModel(modelId: string): TestLanguageModel;
  embeddingModel(modelId: string): TestEmbeddingModel;
}

/** The `test` provider: `provider('test-echo')` or `provider.embeddingModel('test-embed')`. */
export function createTestProvider(options: TestProviderOptions = {}): TestProvider {
  compileRules(options.replies ?? []); // fail fast on an invalid rule
  const languageModel = (modelId: string): TestLanguageModel =>
    new TestLanguageModel(modelId, options);
  return Object.assign(languageModel, {
    specificationVersion: 'v3' as const,
    languageModel,
    embeddingModel: (modelId: string) => new TestEmbeddingModel(modelId, options),
    imageModel: (modelId: string): never => {
      throw new NoSuchModelError({ modelId, modelType: 'imageModel' });
    },
  });
}
