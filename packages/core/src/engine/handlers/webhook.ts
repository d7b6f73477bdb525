/**
 * The `webhook` handler: one HTTP request (POST by default), retried with backoff on network
 * errors, timeouts, 408, 429 and 5xx (honouring `Retry-After`). 2xx is success; any other status
 * fails at once. Redirects are not followed (a 3xx fails): the URL is where the data goes.
 *
 * Request: the body is the RunSummary as JSON when `body` is absent; a `body` evaluating to a
 * string is sent as `text/plain; charset=utf-8`, anything else as JSON. Headers, lowercase:
 * `content-type`, `user-agent: llm-orchestrator` (both may be overridden by `headers`), then,
 * always set by the engine: `x-orchestrator-event`, `x-orchestrator-run-id`, `idempotency-key`
 * (`<runId>:<event>:<handler index>`, the same on every retry) and, with a `secret`,
 * `x-orchestrator-timestamp` and `x-orchestrator-signature` (scheme in `signature.ts`).
 * Messages and logs name the URL's origin only: paths and queries often carry tokens.
 */
import { sleep } from '../../clock.js';
import type { EventHandler } from '../../definition/schema.js';
import { OrchestratorError } from '../../errors.js';
import { abortReason, nextDelayMs, type RetrySettings } from '../../resilience/index.js';
import { evaluate, evaluateRequiredText, evaluateText } from './evaluate.js';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './signature.js';
import { handlerIdempotencyKey, type HandlerCall } from './types.js';

export type WebhookHandler = Extract<EventHandler, { type: 'webhook' }>;

export const DEFAULT_WEBHOOK_RETRY: RetrySettings = Object.freeze({
  maxAttempts: 3,
  initialIntervalMs: 500,
  backoffMultiplier: 2,
  maxIntervalMs: 10_000,
  jitter: 0,
  retryableErrors: undefined,
});
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const WEBHOOK_USER_AGENT = 'llm-orchestrator';
const RETRYABLE_STATUS = (status: number): boolean =>
  status === 408 || status === 429 || (status >= 500 && status <= 599);
const DETAIL_BYTES = 512;

/** Why a webhook attempt failed. `retryAfterMs` (from `Retry-After`) is read by `nextDelayMs`. */
export class WebhookError extends OrchestratorError {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: 'WEBHOOK_HTTP_ERROR' | 'WEBHOOK_TIMEOUT' | 'WEBHOOK_NETWORK_ERROR' | 'WEBHOOK_INVALID',
    message: string,
    options: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    const { retryable, cause } = options;
    super(code, message, cause === undefined ? { retryable } : { retryable, cause });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

interface PreparedRequest {
  readonly url: string;
  /** What messages show of the URL. */
  readonly origin: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly secret: string | undefined;
}

function prepare(handler: WebhookHandler, call: HandlerCall): PreparedRequest {
  const { context, summary } = call;
  const url = evaluateRequiredText(handler.url, context, 'webhook url');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookError('WEBHOOK_INVALID', 'webhook url is not a valid URL', {
      retryable: false,
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new WebhookError('WEBHOOK_INVALID', 'webhook url must be http or https', {
      retryable: false,
    });
  }
  let body: string;
  let contentType = 'application/json';
  if (handler.body === undefined) {
    body = JSON.stringify(summary);
  } else {
    const value = evaluate(handler.body, context);
    if (typeof value === 'string') {
      body = value;
      contentType = 'text/plain; charset=utf-8';
    } else {
      body = JSON.stringify(value ?? null);
    }
  }
  const headers: Record<string, string> = {
    'content-type': contentType,
    'user-agent': WEBHOOK_USER_AGENT,
  };
  for (const [name, raw] of Object.entries(handler.headers ?? {})) {
    const value = evaluateText(raw, context);
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  headers['x-orchestrator-event'] = call.event;
  headers['x-orchestrator-run-id'] = summary.runId;
  headers['idempotency-key'] = handlerIdempotencyKey(call);
  try {
    new Headers(headers); // invalid names or values: fail now, not as a retried network error
  } catch (err) {
    throw new WebhookError('WEBHOOK_INVALID', `invalid webhook header: ${String(err)}`, {
      retryable: false,
    });
  }
  const secret =
    handler.secret === undefined
      ? undefined
      : evaluateRequiredText(handler.secret, context, 'webhook secret');
  const method = handler.method ?? 'POST';
  return { url, origin: parsed.origin, method, headers, body, secret };
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function readDetail(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < DETAIL_BYTES) {
      const chunk = await reader.read();
      if (chunk.done) break;
      chunks.push(chunk.value);
      size += chunk.value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, DETAIL_BYTES).toString('utf8').trim();
}

async function attemptOnce(req: PreparedRequest, call: HandlerCall): Promise<void> {
  const { clock } = call.deps;
  const timeoutMs = call.deps.webhookTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const timeout = new AbortController();
  const timedOut = new WebhookError(
    'WEBHOOK_TIMEOUT',
    `webhook ${req.method} ${req.origin} timed out after ${timeoutMs}ms`,
    { retryable: true },
  );
  const cancelTimer = clock.setTimer(timeoutMs, () => {
    timeout.abort(timedOut);
  });
  const signal =
    call.signal === undefined ? timeout.signal : AbortSignal.any([timeout.signal, call.signal]);
  const failed = (err: unknown): Error => {
    if (call.signal !== undefined && call.signal.aborted) return abortReason(call.signal);
    if (timeout.signal.aborted) return timedOut;
    const message = `webhook ${req.method} ${req.origin} failed: ${errorMessage(err)}`;
    return new WebhookError('WEBHOOK_NETWORK_ERROR', message, { retryable: true, cause: err });
  };
  try {
    const headers: Record<string, string> = { ...req.headers };
    if (req.secret !== undefined) {
      const timestamp = String(clock.now());
      headers[TIMESTAMP_HEADER] = timestamp;
      headers[SIGNATURE_HEADER] = signWebhook(req.secret, timestamp, req.body);
    }
    const fetchFn = call.deps.fetch ?? globalThis.fetch;
    let response: Response;
    try {
      response = await fetchFn(req.url, {
        method: req.method,
        headers,
        body: req.body,
        signal,
        redirect: 'manual',
      });
    } catch (err) {
      throw failed(err);
    }
    const { status } = response;
    if (status >= 200 && status <= 299) {
      await response.body?.cancel().catch(() => undefined);
      return;
    }
    let detail: string;
    try {
      detail = await readDetail(response);
    } catch (err) {
      throw failed(err);
    }
    const retryable = RETRYABLE_STATUS(status);
    const after = parseRetryAfter(response.headers.get('retry-after'), clock.now());
    const message =
      `webhook ${req.method} ${req.origin} answered HTTP ${status}` +
      (detail === '' ? '' : `: ${detail}`);
    throw new WebhookError('WEBHOOK_HTTP_ERROR', message, {
      retryable,
      status,
      ...(retryable && after !== undefined ? { retryAfterMs: after } : {}),
    });
  } finally {
    cancelTimer();
  }
}

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici reports `fetch failed` with the useful part (ECONNREFUSED...) in `cause`.
  const cause: unknown = err.cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}

/** Sends the webhook, retrying as configured; throws the last error when it gives up. */
export async function runWebhook(handler: WebhookHandler, call: HandlerCall): Promise<void> {
  const req = prepare(handler, call);
  const settings: RetrySettings = { ...DEFAULT_WEBHOOK_RETRY, ...call.deps.webhookRetry };
  for (let attempt = 1; ; attempt++) {
    if (call.signal !== undefined && call.signal.aborted) throw abortReason(call.signal);
    try {
      await attemptOnce(req, call);
      return;
    } catch (err) {
      const retryable = err instanceof WebhookError && err.retryable;
      if (!retryable || attempt >= settings.maxAttempts || aborted(call.signal)) throw err;
      const delayMs = nextDelayMs(settings, attempt, err);
      call.deps.log('warn', 'webhook attempt failed, retrying', {
        runId: call.summary.runId,
        event: call.event,
        handler: call.index,
        attempt,
        delayMs,
        error: err.message,
        code: err.code,
      });
      await sleep(call.deps.clock, delayMs, call.signal);
    }
  }
}
