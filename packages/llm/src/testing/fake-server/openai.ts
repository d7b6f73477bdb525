/**
 * OpenAI wire format: `chat.completion` bodies, `chat.completion.chunk` SSE streams, model lists.
 * Structured output (`response_format`) is answered as JSON in the message content, as OpenAI does.
 */
import type { Completion, Json } from './request.js';
import { isRecord } from './request.js';
import { openStream, sendJson, writeEvents, type ReplyContext } from './sse.js';
import type { ServerResponse } from 'node:http';

function usage(c: Completion): Json {
  return {
    prompt_tokens: c.inputTokens,
    completion_tokens: c.outputTokens,
    total_tokens: c.inputTokens + c.outputTokens,
  };
}

export function sendOpenAi(ctx: ReplyContext, c: Completion): void {
  sendJson(
    ctx.res,
    200,
    {
      id: ctx.nextId('chatcmpl-fake'),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: ctx.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: c.text, refusal: null },
          logprobs: null,
          finish_reason: c.stopReason,
        },
      ],
      usage: usage(c),
    },
    { 'x-request-id': ctx.nextId('req_fake') },
  );
}

export async function streamOpenAi(ctx: ReplyContext, body: Json, c: Completion): Promise<void> {
  const streamOptions = body['stream_options'];
  const includeUsage = isRecord(streamOptions) && streamOptions['include_usage'] === true;
  const id = ctx.nextId('chatcmpl-fake');
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Json = {}): string =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model: ctx.model,
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

  openStream(ctx.res, { 'x-request-id': ctx.nextId('req_fake') });
  const events = [chunk([choice({ role: 'assistant', content: '', refusal: null }, null)])];
  for (const delta of c.deltas) events.push(chunk([choice({ content: delta }, null)]));
  events.push(chunk([choice({}, c.stopReason)]));
  if (includeUsage) events.push(chunk([], { usage: usage(c) }));
  events.push('data: [DONE]\n\n');
  await writeEvents(ctx.res, events, c.chunkDelayMs, ctx.gone);
}

/** `GET /v1/models`: the OpenAI list shape, or Anthropic's when `anthropic-version` is sent. */
export function sendModels(
  res: ServerResponse,
  protocol: 'openai' | 'anthropic',
  model: string,
): void {
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
