/** The fake LLM server itself: routing, the script queue, recording, and the public handle. */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendAnthropic, streamAnthropic } from './anthropic.js';
import { sendEmbeddings } from './embeddings.js';
import { errorBody, type Protocol } from './errors.js';
import { sendModels, sendOpenAi, streamOpenAi } from './openai.js';
import { isRecord, resolveCompletion, structuredRequest, validate, type Json } from './request.js';
import { sendJson, sleep, type ReplyContext } from './sse.js';
import type {
  FakeLlmServer,
  FakeLlmServerOptions,
  FakeRoute,
  FakeStep,
  RecordedRequest,
} from './types.js';

function routeOf(method: string, path: string): FakeRoute | undefined {
  if (method === 'POST' && path === '/v1/chat/completions') return 'openai-chat';
  if (method === 'POST' && path === '/v1/embeddings') return 'openai-embeddings';
  if (method === 'POST' && path === '/v1/messages') return 'anthropic-messages';
  if (method === 'GET' && path === '/v1/models') return 'models';
  return undefined;
}

function parseBody(rawBody: string): unknown {
  try {
    return rawBody === '' ? undefined : (JSON.parse(rawBody) as unknown);
  } catch {
    return undefined;
  }
}

function badRequest(ctx: ReplyContext, protocol: Protocol, status: number, message: string): void {
  sendJson(
    ctx.res,
    status,
    errorBody(protocol, status, ctx.model, { kind: 'status', status: 400, message }),
  );
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
    const body = parseBody(rawBody);

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
    const structured = structuredRequest(route, body);
    requests.push({ method, path, url, headers, body, rawBody, time, route, step, structured });

    const protocol: Protocol =
      route === 'anthropic-messages' || headers['anthropic-version'] !== undefined
        ? 'anthropic'
        : 'openai';
    const json: Json = isRecord(body) ? body : {};
    const model = typeof json['model'] === 'string' ? json['model'] : defaultModel;
    const ctx: ReplyContext = { res, model, gone: gone.signal, nextId };

    if (route === undefined) {
      badRequest(ctx, protocol, 404, `Unknown route: ${method} ${path}`);
      return;
    }
    if (route === 'models') {
      sendModels(res, protocol, model);
      return;
    }
    if (consumes && rawBody !== '' && !isRecord(body)) {
      badRequest(ctx, protocol, 400, 'Request body is not a valid JSON object.');
      return;
    }
    await perform(ctx, step, route, json, protocol);
  }

  async function perform(
    ctx: ReplyContext,
    step: FakeStep | undefined,
    route: FakeRoute,
    body: Json,
    protocol: Protocol,
  ): Promise<void> {
    const { res, gone } = ctx;
    switch (step?.kind) {
      case 'delay':
        await sleep(step.ms, gone);
        if (gone.aborted) {
          res.destroy();
          return;
        }
        await perform(ctx, step.then, route, body, protocol);
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
          step.body !== undefined ? step.body : errorBody(protocol, step.status, ctx.model, step),
          headers,
        );
        return;
      }
      case 'reply':
      case undefined:
        break;
    }

    if (route === 'openai-embeddings') {
      sendEmbeddings(ctx, body, defaultDimensions);
      return;
    }
    const invalid = validate(route, body);
    if (invalid !== undefined) {
      badRequest(ctx, protocol, 400, invalid);
      return;
    }
    const completion = resolveCompletion(route, body, step, defaultChunkDelayMs);
    const stream = body['stream'] === true;
    if (route === 'openai-chat') {
      if (stream) await streamOpenAi(ctx, body, completion);
      else sendOpenAi(ctx, completion);
    } else if (stream) await streamAnthropic(ctx, completion);
    else sendAnthropic(ctx, completion);
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
