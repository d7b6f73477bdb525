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
 *
 * Structured output: a request with `response_format` (OpenAI), `output_config.format`
 * (Anthropic native) or a forced `json` tool (Anthropic, older models) is answered with the
 * scripted `json` value or, with nothing scripted, `placeholderFromSchema(schema)` (the schema's
 * required properties with placeholder values: `""`, `0`, `false`, `[]`, ...). The forced `json`
 * tool is answered with a `tool_use` block (`input_json_delta` events when streaming); the rest
 * with the JSON as text. Structured replies stream in 8-character pieces. `requests[i].structured`
 * records what was asked (see `StructuredRequest`).
 *
 * The implementation lives in `./fake-server/`; the deterministic helpers in `../deterministic.ts`
 * (shared with the shipped `test` provider).
 */
export { startFakeLlmServer } from './fake-server/server.js';
export type {
  DelayStep,
  DisconnectStep,
  FakeErrorStatus,
  FakeLlmServer,
  FakeLlmServerOptions,
  FakeRoute,
  FakeStep,
  HangStep,
  RecordedRequest,
  ReplyStep,
  StatusStep,
  StructuredRequest,
} from './fake-server/types.js';
export { parseSse, type SseEvent } from './fake-server/sse.js';
export {
  estimateTokens,
  hashedEmbedding as fakeEmbedding,
  placeholderFromSchema,
  splitIntoDeltas,
  splitJsonDeltas,
} from '../deterministic.js';
