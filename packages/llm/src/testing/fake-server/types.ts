/** Public types of the fake LLM server (re-exported from `../fake-llm-server.ts`). */

/**
 * A normal completion. `json` (structured output) wins over `text`: the text is its JSON. For a
 * structured-output request (see `StructuredRequest`) with neither, the reply is a placeholder
 * built from the requested schema (`placeholderFromSchema`); `text` is sent verbatim, so a test can
 * script invalid JSON.
 */
export interface ReplyStep {
  readonly kind: 'reply';
  readonly text?: string;
  readonly json?: unknown;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** `length` maps to OpenAI `finish_reason: 'length'` and Anthropic `stop_reason: 'max_tokens'`. */
  readonly stopReason?: 'stop' | 'length';
  /** Pause between streamed chunks (overrides the server option). */
  readonly chunkDelayMs?: number;
}

export type FakeErrorStatus = 400 | 401 | 429 | 500 | 503 | 529;

/** An HTTP error with the provider's error body shape (or `body` verbatim when given). */
export interface StatusStep {
  readonly kind: 'status';
  readonly status: FakeErrorStatus;
  /** Sent as the `retry-after` header. */
  readonly retryAfterSeconds?: number;
  /** Replaces the generated error body (sent as JSON). */
  readonly body?: unknown;
  /** Replaces the generated error message. */
  readonly message?: string;
  /** With status 400: a context-length error (OpenAI code `context_length_exceeded`). */
  readonly contextLength?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Waits `ms`, then behaves as `then` (default: a normal reply). Stops if the client goes away. */
export interface DelayStep {
  readonly kind: 'delay';
  readonly ms: number;
  readonly then?: FakeStep;
}

/** Never answers, until the client disconnects or the server closes. */
export interface HangStep {
  readonly kind: 'hang';
}

/** Destroys the socket without answering (the client sees a network error). */
export interface DisconnectStep {
  readonly kind: 'disconnect';
}

export type FakeStep = ReplyStep | StatusStep | DelayStep | HangStep | DisconnectStep;

export type FakeRoute = 'openai-chat' | 'openai-embeddings' | 'models' | 'anthropic-messages';

/**
 * How a request asked for structured output, as the AI SDK providers send it:
 * - `openai-json-schema`: `response_format: { type: 'json_schema', json_schema: { name, schema,
 *   strict } }` (`@ai-sdk/openai` chat; `@ai-sdk/openai-compatible` with `supportsStructuredOutputs`);
 * - `openai-json-object`: `response_format: { type: 'json_object' }`, no schema (openai-compatible
 *   without `supportsStructuredOutputs`, or `Output.json()`);
 * - `anthropic-output-format`: native `output_config: { format: { type: 'json_schema', schema } }`
 *   (`@ai-sdk/anthropic` for models it knows support it, e.g. `claude-sonnet-4-5` or any unknown
 *   `claude-*` id); answered with the JSON as text;
 * - `anthropic-json-tool`: a tool named `json` whose `input_schema` is the schema, with
 *   `tool_choice: { type: 'any' }` (older models, e.g. `claude-3-*`, or `structuredOutputMode:
 *   'jsonTool'`); answered with a `tool_use` block (streamed as `input_json_delta` events).
 */
export interface StructuredRequest {
  readonly via:
    'openai-json-schema' | 'openai-json-object' | 'anthropic-output-format' | 'anthropic-json-tool';
  /** The JSON schema sent, `undefined` for `openai-json-object`. */
  readonly schema: unknown;
  /** The schema or tool name, when the request gave one. */
  readonly name: string | undefined;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Raw request target, query string included. */
  readonly url: string;
  /** Header names lowercased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON body; `undefined` when the body is empty or not JSON. */
  readonly body: unknown;
  readonly rawBody: string;
  /** `Date.now()` when the request arrived. */
  readonly time: number;
  readonly route: FakeRoute | undefined;
  /** The scripted step consumed by this request, if any. */
  readonly step: FakeStep | undefined;
  /** What structured output the request asked for, if any. */
  readonly structured: StructuredRequest | undefined;
}

export interface FakeLlmServerOptions {
  /** Default 0 (a random free port). */
  readonly port?: number;
  /** Model name echoed when the request names none. Default `fake-model`. */
  readonly model?: string;
  /** Pause between streamed chunks. Default 0. */
  readonly chunkDelayMs?: number;
  /** Embedding size when the request sends no `dimensions`. Default 16. */
  readonly embeddingDimensions?: number;
}

export interface FakeLlmServer {
  /** `http://127.0.0.1:<port>` (for the official Anthropic SDK). */
  readonly baseUrl: string;
  /** `baseUrl + '/v1'` (for the official OpenAI SDK and the AI SDK providers). */
  readonly v1BaseUrl: string;
  /** Every request received, in arrival order (live array). */
  readonly requests: readonly RecordedRequest[];
  /** Scripted steps not yet consumed. */
  readonly pendingSteps: number;
  /** Queues behaviours, consumed one per model request (FIFO). */
  script(...steps: FakeStep[]): void;
  /** Clears the queue and the recorded requests. */
  reset(): void;
  /** Stops the server; hanging or delayed requests are cut off. */
  close(): Promise<void>;
}
