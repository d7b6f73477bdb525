/** Reading a request body: the conversation, the structured output asked for, the completion. */
import {
  estimateTokens,
  placeholderFromSchema,
  splitIntoDeltas,
  splitJsonDeltas,
} from '../../deterministic.js';
import type { FakeRoute, ReplyStep, StructuredRequest } from './types.js';

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
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

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function anthropicStructured(body: Json): StructuredRequest | undefined {
  // `output_config.format` (current) or `output_format` (the earlier beta parameter).
  const outputConfig = body['output_config'];
  const format = isRecord(outputConfig) ? outputConfig['format'] : body['output_format'];
  if (isRecord(format) && format['type'] === 'json_schema') {
    return { via: 'anthropic-output-format', schema: format['schema'], name: undefined };
  }
  const tools = Array.isArray(body['tools']) ? body['tools'] : [];
  const jsonTool: unknown = (tools as unknown[]).find(
    (tool) => isRecord(tool) && tool['name'] === 'json',
  );
  const toolChoice = body['tool_choice'];
  const forbidden = isRecord(toolChoice) && toolChoice['type'] === 'none';
  if (isRecord(jsonTool) && !forbidden) {
    return { via: 'anthropic-json-tool', schema: jsonTool['input_schema'], name: 'json' };
  }
  return undefined;
}

function openAiStructured(body: Json): StructuredRequest | undefined {
  const format = body['response_format'];
  if (!isRecord(format)) return undefined;
  if (format['type'] === 'json_object') {
    return { via: 'openai-json-object', schema: undefined, name: undefined };
  }
  if (format['type'] === 'json_schema') {
    const spec = isRecord(format['json_schema']) ? format['json_schema'] : {};
    return {
      via: 'openai-json-schema',
      schema: spec['schema'],
      name: optionalString(spec['name']),
    };
  }
  return undefined;
}

/** The structured output a chat request asks for, if any. */
export function structuredRequest(
  route: FakeRoute | undefined,
  body: unknown,
): StructuredRequest | undefined {
  if (!isRecord(body)) return undefined;
  if (route === 'openai-chat') return openAiStructured(body);
  if (route === 'anthropic-messages') return anthropicStructured(body);
  return undefined;
}

export interface Completion {
  readonly text: string;
  /** `text` split for streaming: word-sized, or 8-character pieces for structured output. */
  readonly deltas: readonly string[];
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly stopReason: 'stop' | 'length';
  readonly chunkDelayMs: number;
  readonly structured: StructuredRequest | undefined;
}

export function resolveCompletion(
  route: FakeRoute,
  body: Json,
  step: ReplyStep | undefined,
  chunkDelayMs: number,
): Completion {
  const conversation = readConversation(body);
  const structured = structuredRequest(route, body);
  let text: string;
  if (step?.json !== undefined) text = JSON.stringify(step.json);
  else if (step?.text !== undefined) text = step.text;
  else if (structured !== undefined)
    text = JSON.stringify(placeholderFromSchema(structured.schema));
  else text = `echo: ${conversation.lastUserText}`;
  return {
    text,
    deltas: structured === undefined ? splitIntoDeltas(text) : splitJsonDeltas(text),
    inputTokens: step?.inputTokens ?? estimateTokens(conversation.allText),
    outputTokens: step?.outputTokens ?? estimateTokens(text),
    stopReason: step?.stopReason ?? 'stop',
    chunkDelayMs: step?.chunkDelayMs ?? chunkDelayMs,
    structured,
  };
}

export function validate(route: FakeRoute, body: Json): string | undefined {
  if (!Array.isArray(body['messages'])) return 'messages: Field required (must be an array)';
  if (route === 'anthropic-messages' && typeof body['max_tokens'] !== 'number') {
    return 'max_tokens: Field required';
  }
  return undefined;
}
