/**
 * Anthropic wire format: `message` bodies and the messages SSE event sequence. A request that
 * forces the `json` tool (the AI SDK's structured output for older models) is answered with a
 * `tool_use` block (streamed as `input_json_delta` events) and `stop_reason: 'tool_use'`;
 * everything else, native `output_config.format` structured output included, with a text block.
 */
import type { Completion, Json } from './request.js';
import { openStream, sendJson, writeEvents, type ReplyContext } from './sse.js';

function stopReason(c: Completion, tool: boolean): string {
  if (c.stopReason === 'length') return 'max_tokens';
  return tool ? 'tool_use' : 'end_turn';
}

function usesJsonTool(c: Completion): boolean {
  return c.structured?.via === 'anthropic-json-tool';
}

/** The tool input: the reply parsed as JSON (a scripted non-JSON `text` is sent as a string). */
function toolInput(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function sendAnthropic(ctx: ReplyContext, c: Completion): void {
  const tool = usesJsonTool(c);
  const content = tool
    ? [{ type: 'tool_use', id: ctx.nextId('toolu_fake'), name: 'json', input: toolInput(c.text) }]
    : [{ type: 'text', text: c.text }];
  sendJson(
    ctx.res,
    200,
    {
      id: ctx.nextId('msg_fake'),
      type: 'message',
      role: 'assistant',
      model: ctx.model,
      content,
      stop_reason: stopReason(c, tool),
      stop_sequence: null,
      usage: { input_tokens: c.inputTokens, output_tokens: c.outputTokens },
    },
    { 'request-id': ctx.nextId('req_fake') },
  );
}

export async function streamAnthropic(ctx: ReplyContext, c: Completion): Promise<void> {
  const tool = usesJsonTool(c);
  const event = (name: string, data: Json): string =>
    `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
  openStream(ctx.res, { 'request-id': ctx.nextId('req_fake') });
  const events = [
    event('message_start', {
      message: {
        id: ctx.nextId('msg_fake'),
        type: 'message',
        role: 'assistant',
        model: ctx.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: c.inputTokens, output_tokens: 1 },
      },
    }),
  ];
  if (tool) {
    events.push(
      event('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: ctx.nextId('toolu_fake'), name: 'json', input: {} },
      }),
      // The real API opens a tool_use block with an empty partial_json delta.
      event('content_block_delta', {
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '' },
      }),
    );
    for (const partial_json of c.deltas) {
      events.push(
        event('content_block_delta', {
          index: 0,
          delta: { type: 'input_json_delta', partial_json },
        }),
      );
    }
  } else {
    events.push(
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('ping', {}),
    );
    for (const text of c.deltas) {
      events.push(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }));
    }
  }
  events.push(
    event('content_block_stop', { index: 0 }),
    event('message_delta', {
      delta: { stop_reason: stopReason(c, tool), stop_sequence: null },
      usage: { output_tokens: c.outputTokens },
    }),
    event('message_stop', {}),
  );
  await writeEvents(ctx.res, events, c.chunkDelayMs, ctx.gone);
}
