/** Provider-shaped error bodies (OpenAI `{ error: {...} }`, Anthropic `{ type: 'error', ... }`). */
import type { Json } from './request.js';
import type { StatusStep } from './types.js';

export type Protocol = 'openai' | 'anthropic';

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

export function errorBody(
  protocol: Protocol,
  status: number,
  model: string,
  step?: StatusStep,
): Json {
  if (protocol === 'openai') return { error: openAiError(status, model, step) };
  const [type, message] = anthropicErrorType(status, step?.contextLength === true);
  return { type: 'error', error: { type, message: step?.message ?? message } };
}
