/**
 * A local HTTP server (node:http only) that speaks the wire protocols of the OpenAI chat
 * completions API and the Anthropic messages API, so tests can drive real provider SDKs with no
 * API key and no network.
 *
 * Routes:
 * - `POST /v1/chat/completions` (OpenAI, JSON or SSE with `stream: true`)
 * - `POST /v1/embeddings` (OpenAI, `encoding_format` `float` or `base64`)
 * - `GET /v1/models` (OpenAI list shape; Anthropic list shape when `anthropic-version` is sent)
 * - `POST /v1/messages` (Anthropic, JSON or SSE with `stream: true`)
 * - anything else: 404 with a provider-shaped JSON error.
 *
 * Base URLs: the official Anthropic SDK wants `baseUrl` (it appends `/v1/messages`); the official
 * OpenAI SDK and the Vercel AI SDK providers (`@ai-sdk/openai`, `@ai-sdk/anthropic`) want
 * `v1BaseUrl` (`baseUrl + '/v1'`).
 *
 * Scripting: `script(...steps)` queues behaviours, consumed FIFO, one per request to
 * `/v1/chat/completions`, `/v1/messages` or `/v1/embeddings` (never by `/v1/models` or 404s).
 * With an empty queue, every request gets a normal reply.
 *
 * Defaults (deterministic):
 * - reply text: `echo: <text of the last user message>`;
 * - token counts: `estimateTokens(text) = Math.round(words * 1.3)` where words are runs of
 *   non-whitespace; input tokens count the system prompt and every message's text, output tokens
 *   count the reply text;
 * - embeddings: hashed bag of words (FNV-1a of each lowercased word into signed buckets),
 *   L2-normalised, 16 dimensions unless the request sends `dimensions`. Identical texts give
 *   identical vectors and texts that share words have a higher cosine similarity.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** A normal completion. `json` (structured output) wins over `text`: the text is its JSON. */
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

// ---------------------------------------------------------------------------------------------
// Deterministic helpers (exported for tests)
// ---------------------------------------------------------------------------------------------

/** Deterministic token estimate: `Math.round(words * 1.3)`. */
export function estimateTokens(text: string): number {
  const words = text.match(/\S+/g)?.length ?? 0;
  return Math.round(words * 1.3);
}

/** Splits text into stream deltas, one per word with its surrounding whitespace. */
export function splitIntoDeltas(text: string): string[] {
  if (text === '') return [];
  return text.match(/\s*\S+\s*/g) ?? [text];
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Deterministic, L2-normalised hashed bag-of-words embedding. */
export function fakeEmbedding(text: string, dimensions = 16): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const features = words.length > 0 ? words : [text];
  for (const word of features) {
    for (const salt of ['', '#']) {
      const hash = fnv1a(salt + word);
      const index = hash % dimensions;
      vector[index] = (vector[index] ?? 0) + (hash >>> 31 === 1 ? -1 : 1);
    }
  }
  let norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  if (norm === 0) {
    // Every feature cancelled out: fall back to a single bucket so the vector stays unit length.
    vector[fnv1a(text) % dimensions] = 1;
    norm = 1;
  }
  return vector.map((x) => x / norm);
}

/** One server-sent event: `event` is `undefined` when the block has no `event:` line. */
export interface SseEvent {
  readonly event: string | undefined;
  readonly data: string;
}

/** Parses a complete SSE body (blocks separated by a blank line). */
export function parseSse(body: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of body.replace(/\r\n/g, '\n').split('\n\n')) {
    if (block.trim() === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    events.push({ event, data: data.join('\n') });
  }
  return events;
}

// ---------------------------------------------------------------------------------------------
// Request reading
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text of an OpenAI or Anthropic message content: a string or an array of content parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') parts.push(part);
    else if (isRecord(part)) {
      if (typeof part['text'] === 'string') parts.push(part['text']);
      else if (part['type'] === 'tool_result') parts.push(contentText(part['content']));
    }
  }
  return parts.join('\n');
}

interface Conversation {
  readonly lastUserText: string;
  readonly allText: string;
}

function readConversation(body: Json): Conversation {
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  const texts: string[] = [contentText(body['system'])];
  let lastUserText = '';
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const text = contentText(message['content']);
    texts.push(text);
    if (message['role'] === 'user') lastUserText = text;
  }
  return { lastUserText, allText: texts.filter((t) => t !== '').join('\n') };
}

interface Completion {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly stopReason: 'stop' | 'length';
  readonly chunkDelayMs: number;
}

function resolveCompletion(body: Json, step: ReplyStep | undefined, chunkDelayMs: number) {
  const conversation = readConversation(body);
  const text =
    step?.json !== undefined
      ? JSON.stringify(step.json)
      : (step?.text ?? `echo: ${conversation.lastUserText}`);
  const completion: Completion = {
    text,
    inputTokens: step?.inputTokens ?? estimateTokens(conversation.allText),
    outputTokens: step?.outputTokens ?? estimateTokens(text),
    stopReason: step?.stopReason ?? 'stop',
    chunkDelayMs: step?.chunkDelayMs ?? chunkDelayMs,
  };
  return completion;
}

// ---------------------------------------------------------------------------------------------
// Error bodies
// ---------------------------------------------------------------------------------------------

type Protocol = 'openai' | 'anthropic';

function openAiError(status: number, model: string, step?: StatusStep): Json {
  const custom = step?.message;
  switch (status) {
    case 400:
      return step?.contextLength === true
        ? {
            message:
              custom ??
              `This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.`,
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          }
        : {
            message: custom ?? 'Invalid request.',
            type: 'invalid_request_error',
            param: null,
            code: null,
          };
    case 401:
      return {
        message: custom ?? 'Incorrect API key provided.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      };
    case 404:
      return {
        message: custom ?? 'Not found.',
        type: 'invalid_request_error',
        param: null,
        code: 'not_found',
      };
    case 429:
      return {
        message: custom ?? `Rate limit reached for ${model} on requests per min (RPM).`,
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      };
    default:
      return {
        message:
          custom ??
          (status === 500
            ? 'The server had an error while processing your request. Sorry about that!'
            : 'The server is overloaded or not ready yet.'),
        type: 'server_error',
        param: null,
        code: null,
      };
  }
}

function anthropicErrorType(status: number, contextLength: boolean): [string, string] {
  switch (status) {
    case 400:
      return [
        'invalid_request_error',
        contextLength ? 'prompt is too long: 250000 tokens > 200000 maximum' : 'Invalid request.',
      ];
    case 401:
      return ['authentication_error', 'invalid x-api-key'];
    case 404:
      return ['not_found_error', 'Not found.'];
    case 429:
      return [
        'rate_limit_error',
        'Number of request tokens has exceeded your per-minute rate limit',
      ];
    case 500:
      return ['api_error', 'Internal server error'];
    default:
      return ['overloaded_error', 'Overloaded'];
  }
}

function errorBody(protocol: Protocol, status: number, model: string, step?: StatusStep): Json {
  if (protocol === 'openai') return { error: openAiError(status, model, step) };
  const [type, message] = anthropicErrorType(status, step?.contextLength === true);
  return { type: 'error', error: { type, message: step?.message ?? message } };
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload).toString(),
    ...headers,
  });
  res.end(payload);
}

function routeOf(method: string, path: string): FakeRoute | undefined {
  if (method === 'POST' && path === '/v1/chat/completions') return 'openai-chat';
  if (method === 'POST' && path === '/v1/embeddings') return 'openai-embeddings';
  if (method === 'POST' && path === '/v1/messages') return 'anthropic-messages';
  if (method === 'GET' && path === '/v1/models') return 'models';
  return undefined;
}

export async function startFakeLlmServer(
  options: FakeLlmServerOptions = {},
): Promise<FakeLlmServer> {
  const defaultModel = options.model ?? 'fake-model';
  const defaultChunkDelayMs = options.chunkDelayMs ?? 0;
  const defaultDimensions = options.embeddingDimensions ?? 16;
  const queue: FakeStep[] = [];
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  let sequence = 0;

  const nextId = (prefix: string): string => {
    sequence += 1;
    return `${prefix}${sequence.toString().padStart(6, '0')}`;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const time = Date.now();
    // Aborted when the client goes away before the response is complete, or the server closes.
    const gone = new AbortController();
    res.on('close', () => {
      gone.abort();
    });
    const onClosing = (): void => {
      gone.abort();
    };
    closing.signal.addEventListener('abort', onClosing, { once: true });
    res.on('close', () => {
      closing.signal.removeEventListener('abort', onClosing);
    });
    res.on('error', () => undefined);

    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client aborted while sending the body
    }
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = rawBody === '' ? undefined : JSON.parse(rawBody);
    } catch {
      body = undefined;
    }

    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const route = routeOf(method, path);
    const consumes =
      route === 'openai-chat' || route === 'anthropic-messages' || route === 'openai-embeddings';
    const step = consumes ? queue.shift() : undefined;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    requests.push({ method, path, url, headers, body, rawBody, time, route, step });

    const protocol: Protocol =
      route === 'anthropic-messages' || headers['anthropic-version'] !== undefined
        ? 'anthropic'
        : 'openai';
    const json: Json = isRecord(body) ? body : {};
    const model = typeof json['model'] === 'string' ? json['model'] : defaultModel;

    if (route === undefined) {
      sendJson(
        res,
        404,
        errorBody(protocol, 404, model, {
          kind: 'status',
          status: 400,
          message: `Unknown route: ${method} ${path}`,
        }),
      );
      return;
    }
    if (route === 'models') {
      sendModels(res, protocol, model);
      return;
    }
    if (consumes && rawBody !== '' && !isRecord(body)) {
      sendJson(
        res,
        400,
        errorBody(protocol, 400, model, {
          kind: 'status',
          status: 400,
          message: 'Request body is not a valid JSON object.',
        }),
      );
      return;
    }

    await perform(step, route, json, model, protocol, res, gone.signal);
  }

  async function perform(
    step: FakeStep | undefined,
    route: FakeRoute,
    body: Json,
    model: string,
    protocol: Protocol,
    res: ServerResponse,
    gone: AbortSignal,
  ): Promise<void> {
    switch (step?.kind) {
      case 'delay':
        await sleep(step.ms, gone);
        if (gone.aborted) {
          res.destroy();
          return;
        }
        await perform(step.then, route, body, model, protocol, res, gone);
        return;
      case 'hang':
        await sleep(2 ** 31 - 1, gone);
        res.destroy();
        return;
      case 'disconnect':
        res.socket?.destroy();
        return;
      case 'status': {
        const headers: Record<string, string> = { ...step.headers };
        if (step.retryAfterSeconds !== undefined) {
          headers['retry-after'] = step.retryAfterSeconds.toString();
        }
        sendJson(
          res,
          step.status,
          step.body !== undefined ? step.body : errorBody(protocol, step.status, model, step),
          headers,
        );
        return;
      }
      case 'reply':
      case undefined:
        break;
    }

    if (route === 'openai-embeddings') {
      sendEmbeddings(res, body, model);
      return;
    }
    const invalid = validate(route, body);
    if (invalid !== undefined) {
      sendJson(
        res,
        400,
        errorBody(protocol, 400, model, { kind: 'status', status: 400, message: invalid }),
      );
      return;
    }
    const completion = resolveCompletion(body, step, defaultChunkDelayMs);
    const stream = body['stream'] === true;
    if (route === 'openai-chat') {
      if (stream) await streamOpenAi(res, body, model, completion, gone);
      else sendOpenAi(res, model, completion);
    } else if (stream) await streamAnthropic(res, model, completion, gone);
    else sendAnthropic(res, model, completion);
  }

  function validate(route: FakeRoute, body: Json): string | undefined {
    if (!Array.isArray(body['messages'])) return 'messages: Field required (must be an array)';
    if (route === 'anthropic-messages' && typeof body['max_tokens'] !== 'number') {
      return 'max_tokens: Field required';
    }
    return undefined;
  }

  function sendModels(res: ServerResponse, protocol: Protocol, model: string): void {
    const created = Math.floor(Date.now() / 1000);
    if (protocol === 'anthropic') {
      sendJson(res, 200, {
        data: [
          {
            type: 'model',
            id: model,
            display_name: model,
            created_at: new Date(created * 1000).toISOString(),
          },
        ],
        has_more: false,
        first_id: model,
        last_id: model,
      });
      return;
    }
    sendJson(res, 200, {
      object: 'list',
      data: [{ id: model, object: 'model', created, owned_by: 'fake-llm' }],
    });
  }

  function sendEmbeddings(res: ServerResponse, body: Json, model: string): void {
    const input = body['input'];
    const inputs: unknown[] = Array.isArray(input) ? input : [input];
    const dimensions =
      typeof body['dimensions'] === 'number' && body['dimensions'] > 0
        ? Math.floor(body['dimensions'])
        : defaultDimensions;
    const base64 = body['encoding_format'] === 'base64';
    let tokens = 0;
    const data = inputs.map((item, index) => {
      const text = typeof item === 'string' ? item : JSON.stringify(item);
      tokens += estimateTokens(text);
      const vector = fakeEmbedding(text, dimensions);
      const embedding = base64
        ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
        : vector;
      return { object: 'embedding', index, embedding };
    });
    sendJson(res, 200, {
      object: 'list',
      data,
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  function sendOpenAi(res: ServerResponse, model: string, c: Completion): void {
    sendJson(
      res,
      200,
      {
        id: nextId('chatcmpl-fake'),
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: c.text, refusal: null },
            logprobs: null,
            finish_reason: c.stopReason,
          },
        ],
        usage: {
          prompt_tokens: c.inputTokens,
          completion_tokens: c.outputTokens,
          total_tokens: c.inputTokens + c.outputTokens,
        },
      },
      { 'x-request-id': nextId('req_fake') },
    );
  }

  function openStream(res: ServerResponse, headers: Record<string, string>): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    });
    res.flushHeaders();
  }

  async function streamOpenAi(
    res: ServerResponse,
    body: Json,
    model: string,
    c: Completion,
    gone: AbortSignal,
  ): Promise<void> {
    const streamOptions = body['stream_options'];
    const includeUsage = isRecord(streamOptions) && streamOptions['include_usage'] === true;
    const id = nextId('chatcmpl-fake');
    const created = Math.floor(Date.now() / 1000);
    const chunk = (choices: unknown[], extra: Json = {}): string =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices,
        ...(includeUsage ? { usage: null } : {}),
        ...extra,
      })}\n\n`;
    const choice = (delta: Json, finishReason: string | null): Json => ({
      index: 0,
      delta,
      logprobs: null,
      finish_reason: finishReason,
    });

    openStream(res, { 'x-request-id': nextId('req_fake') });
    const events = [chunk([choice({ role: 'assistant', content: '', refusal: null }, null)])];
    for (const delta of splitIntoDeltas(c.text))
      events.push(chunk([choice({ content: delta }, null)]));
    events.push(chunk([choice({}, c.stopReason)]));
    if (includeUsage) {
      events.push(
        chunk([], {
          usage: {
            prompt_tokens: c.inputTokens,
            completion_tokens: c.outputTokens,
            total_tokens: c.inputTokens + c.outputTokens,
          },
        }),
      );
    }
    events.push('data: [DONE]\n\n');
    await writeEvents(res, events, c.chunkDelayMs, gone);
  }

  function sendAnthropic(res: ServerResponse, model: string, c: Completion): void {
    sendJson(
      res,
      200,
      {
        id: nextId('msg_fake'),
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: c.text }],
        stop_reason: c.stopReason === 'length' ? 'max_tokens' : 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: c.inputTokens, output_tokens: c.outputTokens },
      },
      { 'request-id': nextId('req_fake') },
    );
  }

  async function streamAnthropic(
    res: ServerResponse,
    model: string,
    c: Completion,
    gone: AbortSignal,
  ): Promise<void> {
    const event = (name: string, data: Json): string =>
      `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
    openStream(res, { 'request-id': nextId('req_fake') });
    const events = [
      event('message_start', {
        message: {
          id: nextId('msg_fake'),
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: c.inputTokens, output_tokens: 1 },
        },
      }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('ping', {}),
    ];
    for (const text of splitIntoDeltas(c.text)) {
      events.push(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }));
    }
    events.push(
      event('content_block_stop', { index: 0 }),
      event('message_delta', {
        delta: {
          stop_reason: c.stopReason === 'length' ? 'max_tokens' : 'end_turn',
          stop_sequence: null,
        },
        usage: { output_tokens: c.outputTokens },
      }),
      event('message_stop', {}),
    );
    await writeEvents(res, events, c.chunkDelayMs, gone);
  }

  async function writeEvents(
    res: ServerResponse,
    events: readonly string[],
    delayMs: number,
    gone: AbortSignal,
  ): Promise<void> {
    for (const [index, text] of events.entries()) {
      if (gone.aborted) return;
      if (index > 0 && delayMs > 0) await sleep(delayMs, gone);
      if (gone.aborted) return;
      res.write(text);
    }
    res.end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, 500, {
        error: { message: `fake-llm-server bug: ${String(error)}`, type: 'server_error' },
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;

  return {
    baseUrl,
    v1BaseUrl: `${baseUrl}/v1`,
    requests,
    get pendingSteps() {
      return queue.length;
    },
    script(...steps) {
      queue.push(...steps);
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
