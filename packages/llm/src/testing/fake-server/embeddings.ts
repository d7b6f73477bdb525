/** `POST /v1/embeddings` (OpenAI shape): hashed bag-of-words vectors, `float` or `base64`. */
import { estimateTokens, hashedEmbedding } from '../../deterministic.js';
import type { Json } from './request.js';
import { sendJson, type ReplyContext } from './sse.js';

export function sendEmbeddings(ctx: ReplyContext, body: Json, defaultDimensions: number): void {
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
    const vector = hashedEmbedding(text, dimensions);
    const embedding = base64
      ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
      : vector;
    return { object: 'embedding', index, embedding };
  });
  sendJson(ctx.res, 200, {
    object: 'list',
    data,
    model: ctx.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}
