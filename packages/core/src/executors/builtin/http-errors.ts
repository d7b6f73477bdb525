/**
 * Errors of `http:request`, with stable codes a retry policy can name:
 * `NetworkError`, `TimeoutError`, `RateLimitError`, `ServerError` (retryable); `HttpError`,
 * `ResponseTooLarge`, `InvalidResponseError` (not retryable). A `Retry-After` header, when the
 * response has one, is carried as `retryAfterMs` for the engine's retry delay.
 */
import { OrchestratorError } from '../../errors.js';

export class HttpRequestError extends OrchestratorError {
  /** The response status, when there was a response. */
  readonly status: number | undefined;
  /** How long the server asked to wait (`Retry-After`), in milliseconds from now. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: string,
    message: string,
    options: {
      readonly retryable: boolean;
      readonly status?: number;
      readonly retryAfterMs?: number | undefined;
      readonly cause?: unknown;
      readonly hint?: string;
    },
  ) {
    const { status, retryAfterMs, ...rest } = options;
    super(code, message, rest);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** `Retry-After` as milliseconds from `nowMs`: delta seconds or an HTTP date (never negative). */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Error for a status the request did not accept. */
export function statusError(
  status: number,
  what: string,
  retryAfterMs: number | undefined,
  snippet: string,
): HttpRequestError {
  const detail = snippet === '' ? '' : `: ${snippet}`;
  const opts = { status, retryAfterMs };
  if (status === 429) {
    return new HttpRequestError(
      'RateLimitError',
      `${what} was rate limited (status 429)${detail}`,
      {
        ...opts,
        retryable: true,
        hint: 'retry later; a retryPolicy honours the Retry-After header',
      },
    );
  }
  if (status >= 500) {
    return new HttpRequestError('ServerError', `${what} failed with status ${status}${detail}`, {
      ...opts,
      retryable: true,
    });
  }
  return new HttpRequestError('HttpError', `${what} failed with status ${status}${detail}`, {
    ...opts,
    retryable: false,
  });
}

/** The first line-ish of a body, for error messages. */
export function bodySnippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max)}…`;
}

/** Why `fetch` failed, from its error's cause chain: `fetch failed: other side closed (UND_ERR_SOCKET)`. */
export function networkDetail(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e !== undefined && e !== null; depth++) {
    const rec = e as { code?: unknown; message?: unknown; cause?: unknown };
    const message = typeof rec.message === 'string' ? rec.message : '';
    const code = typeof rec.code === 'string' ? rec.code : '';
    const part = code === '' || message.includes(code) ? message : `${message} (${code})`.trim();
    if (part !== '' && !parts.includes(part)) parts.push(part);
    e = rec.cause;
  }
  return parts.length === 0 ? String(err) : parts.join(': ');
}
