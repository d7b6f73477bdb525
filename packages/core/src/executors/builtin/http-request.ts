/**
 * `http:request`: one HTTP call with the global `fetch`.
 * Inputs: `url` (http/https), `method` (GET), `headers` (object of strings), `query` (object:
 * appended to the URL; arrays repeat the key), `body` (string as is; other JSON values as JSON
 * with `content-type: application/json`), `timeout` (duration; a number is milliseconds),
 * `expectStatus` (status or list of statuses that count as success; default: any status < 400),
 * `maxBytes` (response body cap, default 10 MiB). Sends `Idempotency-Key: <run id>:<task id>` unless
 * the headers set one: the same for every attempt of the task, so the server can drop repeats.
 * Output: `{ status, headers, body (parsed JSON for a JSON content type, else text), ok }`.
 * Errors: see `http-errors.ts`. An abort of the context's signal rejects with its reason as is.
 */
import {
  HttpRequestError,
  bodySnippet,
  networkDetail,
  parseRetryAfter,
  statusError,
} from './http-errors.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  decodeText,
  headersObject,
  parseBody,
  readBodyBytes,
} from './http-response.js';
import { optionalDurationMs } from './duration.js';
import {
  ExecutorInputError,
  type Inputs,
  describeType,
  optionalInteger,
  optionalObject,
  optionalString,
  requireString,
} from '../errors.js';
import type { Executor, ExecutorContext } from '../types.js';

export const HTTP_REQUEST_EXECUTOR = 'http:request';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

interface HttpRequestSpec {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly expectStatus: readonly number[] | undefined;
  readonly maxBytes: number;
}

function scalar(value: unknown, input: string): string {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') {
    return String(value);
  }
  throw new ExecutorInputError(
    `input \`${input}\` must be a string, number or boolean, got ${describeType(value)}`,
    { input },
  );
}

function readUrl(inputs: Inputs): URL {
  const text = requireString(inputs, 'url');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ExecutorInputError(`input \`url\` is not a valid absolute URL: '${text}'`, {
      input: 'url',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ExecutorInputError(`input \`url\` must use http or https, got '${url.protocol}'`, {
      input: 'url',
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new ExecutorInputError(
      'input `url` must not carry credentials: use an Authorization header',
      {
        input: 'url',
      },
    );
  }
  for (const [key, value] of Object.entries(optionalObject(inputs, 'query') ?? {})) {
    if (value === null || value === undefined) continue;
    const values: unknown[] = Array.isArray(value) ? value : [value];
    for (const v of values) url.searchParams.append(key, scalar(v, `query.${key}`));
  }
  return url;
}

function readHeaders(inputs: Inputs): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(optionalObject(inputs, 'headers') ?? {})) {
    if (value === null || value === undefined) continue;
    try {
      headers.set(name, scalar(value, `headers.${name}`));
    } catch (err) {
      if (err instanceof ExecutorInputError) throw err;
      throw new ExecutorInputError(`input \`headers\` has an invalid header '${name}'`, {
        input: 'headers',
        cause: err,
      });
    }
  }
  return headers;
}

function readExpectStatus(inputs: Inputs): readonly number[] | undefined {
  const value = inputs['expectStatus'];
  if (value === undefined || value === null) return undefined;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map((s, i) => {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 100 || s > 599) {
      throw new ExecutorInputError(
        `input \`expectStatus\`${Array.isArray(value) ? `[${i}]` : ''} must be an HTTP status (100–599), got ${JSON.stringify(s) ?? describeType(s)}`,
        { input: 'expectStatus' },
      );
    }
    return s;
  });
}

export function readHttpRequest(inputs: Inputs): HttpRequestSpec {
  const url = readUrl(inputs);
  const method = (optionalString(inputs, 'method') ?? 'GET').toUpperCase();
  if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    throw new ExecutorInputError(
      `input \`method\` must be one of ${HTTP_METHODS.join(', ')}, got '${method}'`,
      { input: 'method' },
    );
  }
  const headers = readHeaders(inputs);
  const raw = inputs['body'];
  let body: string | undefined;
  if (raw !== undefined && raw !== null) {
    if (method === 'GET' || method === 'HEAD') {
      throw new ExecutorInputError(`input \`body\` cannot be sent with ${method}`, {
        input: 'body',
      });
    }
    if (typeof raw === 'string') body = raw;
    else {
      body = JSON.stringify(raw);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
  }
  const timeoutMs = optionalDurationMs(inputs, 'timeout');
  if (timeoutMs === 0) {
    throw new ExecutorInputError('input `timeout` must be longer than 0', { input: 'timeout' });
  }
  return {
    url,
    method,
    headers,
    body,
    timeoutMs,
    expectStatus: readExpectStatus(inputs),
    maxBytes: optionalInteger(inputs, 'maxBytes', 0) ?? DEFAULT_MAX_RESPONSE_BYTES,
  };
}

/** The error for a response whose status the request does not accept. */
async function rejection(
  res: Response,
  spec: HttpRequestSpec,
  what: string,
  nowMs: number,
): Promise<HttpRequestError> {
  let snippet = '';
  try {
    const bytes = await readBodyBytes(res, 64 * 1024, what);
    snippet = bodySnippet(decodeText(bytes, res.headers.get('content-type')));
  } catch {
    // The status says what went wrong; a body we cannot read adds nothing.
  }
  if (res.status < 400) {
    const expected = spec.expectStatus?.join(', ') ?? '< 400';
    return new HttpRequestError(
      'HttpError',
      `${what} returned status ${res.status}, expected ${expected}`,
      { status: res.status, retryable: false },
    );
  }
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), nowMs);
  return statusError(res.status, what, retryAfterMs, snippet);
}

export async function performHttpRequest(
  spec: HttpRequestSpec,
  context: ExecutorContext,
): Promise<{ status: number; headers: Record<string, string>; body: unknown; ok: boolean }> {
  // Messages show origin and path only: query strings often carry keys.
  const what = `${spec.method} ${spec.url.origin}${spec.url.pathname}`;
  const timeout = new AbortController();
  const cancelTimer =
    spec.timeoutMs === undefined
      ? () => undefined
      : context.clock.setTimer(spec.timeoutMs, () => {
          timeout.abort(new DOMException('request timed out', 'TimeoutError'));
        });
  const signal = AbortSignal.any([context.signal, timeout.signal]);
  const failure = (err: unknown): unknown => {
    if (err instanceof HttpRequestError) return err;
    if (context.signal.aborted) return context.signal.reason;
    if (timeout.signal.aborted) {
      return new HttpRequestError('TimeoutError', `${what} timed out after ${spec.timeoutMs}ms`, {
        retryable: true,
        cause: err,
      });
    }
    return new HttpRequestError('NetworkError', `${what} failed: ${networkDetail(err)}`, {
      retryable: true,
      cause: err,
    });
  };
  try {
    context.logger.debug('http request', {
      method: spec.method,
      url: `${spec.url.origin}${spec.url.pathname}`,
    });
    const init: RequestInit = {
      method: spec.method,
      headers: spec.headers,
      signal,
      redirect: 'follow',
    };
    if (spec.body !== undefined) init.body = spec.body;
    const res = await fetch(spec.url, init);
    const contentType = res.headers.get('content-type');
    const accepted =
      spec.expectStatus === undefined ? res.status < 400 : spec.expectStatus.includes(res.status);
    if (!accepted) throw await rejection(res, spec, what, context.clock.now());
    const text = decodeText(await readBodyBytes(res, spec.maxBytes, what), contentType);
    return {
      status: res.status,
      headers: headersObject(res.headers),
      body: parseBody(text, contentType, what),
      ok: res.ok,
    };
  } catch (err) {
    throw failure(err);
  } finally {
    cancelTimer();
  }
}

export const httpRequestExecutor: Executor = {
  name: HTTP_REQUEST_EXECUTOR,
  description: 'Send an HTTP request and return status, headers and body',
  async execute(inputs, context) {
    const spec = readHttpRequest(inputs);
    // The same key for every attempt of the task, in every process: the server can drop repeats.
    if (!spec.headers.has('idempotency-key'))
      spec.headers.set('idempotency-key', context.idempotencyKey);
    return performHttpRequest(spec, context);
  },
};
