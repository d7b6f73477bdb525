/**
 * LLM-Test-Bench hooks (seed §7.2): evaluation results, and a run's outcome, POSTed as JSON to
 * `<url>/v1/evaluations`. Sending is best effort: the evaluators and `sendWorkflowResult` log a
 * warning and carry on when Test-Bench is down, slow or refuses. The API key goes in the
 * `Authorization` header only; it is never logged and never part of an error message.
 */
import { OrchestratorError, type TaskLogger } from '@llm-orchestrator/core';

/** One evaluation, as Test-Bench receives it. */
export interface TestBenchPayload {
  readonly run_id: string;
  /** The evaluating task; null for a whole run (`evaluator: 'workflow'`). */
  readonly task_id: string | null;
  readonly workflow?: string;
  /** `llm-test-bench:semantic-similarity`, ..., or `workflow`. */
  readonly evaluator: string;
  /** The run's status, for `evaluator: 'workflow'`. */
  readonly status?: string;
  /** The provider and model that produced `output`. */
  readonly provider?: string;
  readonly model?: string;
  /** What the model was asked. */
  readonly input?: unknown;
  /** What was evaluated (the model's response; the run's outputs). */
  readonly output: unknown;
  /** What it was compared with (ground truth, pattern, schema, ...). */
  readonly expected?: unknown;
  readonly score: number;
  readonly passed: boolean;
  readonly metrics: Readonly<Record<string, unknown>>;
}

export interface TestBenchClientOptions {
  /** Test-Bench's base URL, `http(s)://host[:port][/prefix]`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  readonly apiKey?: string;
  /** Per request. Default 5000. */
  readonly timeoutMs?: number;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

export interface TestBenchClient {
  /** Where evaluations are POSTed, without credentials. */
  readonly endpoint: string;
  /** Resolves when Test-Bench accepted the payload (2xx); throws `TestBenchError` otherwise. */
  sendEvaluation(payload: TestBenchPayload, signal?: AbortSignal): Promise<void>;
}

/** Whether a payload reached Test-Bench; added to an evaluator's output as `test_bench`. */
export type TestBenchStatus =
  { readonly sent: true } | { readonly sent: false; readonly error: string };

export const DEFAULT_TEST_BENCH_TIMEOUT_MS = 5000;

/** How much of an error response's body goes into the message. */
const BODY_IN_MESSAGE = 200;

/** Test-Bench could not be reached or refused a payload (retryable: it may be back later). */
export class TestBenchError extends OrchestratorError {
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super('TestBenchError', message, {
      retryable: true,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.status = options.status;
  }
}

export function createTestBenchClient(options: TestBenchClientOptions): TestBenchClient {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new OrchestratorError('INVALID_CONFIG', 'the Test-Bench url is not a valid URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new OrchestratorError('INVALID_CONFIG', 'the Test-Bench url must be http or https');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TEST_BENCH_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new OrchestratorError('INVALID_CONFIG', 'the Test-Bench timeoutMs must be above 0');
  }
  const target = new URL(base.href);
  target.pathname = `${base.pathname.replace(/\/+$/, '')}/v1/evaluations`;
  target.search = '';
  target.hash = '';
  // Credentials in the URL itself are sent as basic auth by fetch; keep them out of messages.
  const shown = new URL(target.href);
  shown.username = '';
  shown.password = '';
  const endpoint = shown.href;
  const apiKey = options.apiKey;
  const doFetch = options.fetch ?? globalThis.fetch;
  const redact = (text: string): string =>
    apiKey === undefined || apiKey === '' ? text : text.split(apiKey).join('[redacted]');

  return {
    endpoint,
    async sendEvaluation(payload, signal) {
      let body: string;
      try {
        body = JSON.stringify(payload);
      } catch (err) {
        throw new TestBenchError(`the evaluation is not JSON: ${(err as Error).message}`);
      }
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json',
        // The same evaluation sent twice (a retried or resumed task) can be recognised.
        'idempotency-key': [payload.run_id, payload.task_id ?? '', payload.evaluator].join(':'),
      };
      if (apiKey !== undefined && apiKey !== '') headers.authorization = `Bearer ${apiKey}`;
      try {
        const response = await doFetch(target, {
          method: 'POST',
          headers,
          body,
          signal: combined,
        });
        const text = await response.text();
        if (!response.ok) {
          const detail = redact(text.trim()).slice(0, BODY_IN_MESSAGE);
          throw new TestBenchError(
            `Test-Bench at ${endpoint} answered ${response.status}${detail === '' ? '' : `: ${detail}`}`,
            { status: response.status },
          );
        }
      } catch (err) {
        if (err instanceof TestBenchError) throw err;
        if (signal?.aborted === true) throw signal.reason;
        if (timeout.aborted) {
          throw new TestBenchError(
            `Test-Bench at ${endpoint} did not answer within ${timeoutMs} ms`,
          );
        }
        const cause =
          err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
        const message = err instanceof Error ? err.message : String(err);
        throw new TestBenchError(
          redact(`could not reach Test-Bench at ${endpoint}: ${message}${cause}`),
          { cause: err },
        );
      }
    },
  };
}

/** Sends a payload; a failure is logged as a warning and reported, never thrown (but an abort is). */
export async function trySend(
  client: TestBenchClient,
  payload: TestBenchPayload,
  options: { readonly signal?: AbortSignal; readonly logger?: Pick<TaskLogger, 'warn'> } = {},
): Promise<TestBenchStatus> {
  try {
    await client.sendEvaluation(payload, options.signal);
    return { sent: true };
  } catch (err) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    const error = err instanceof Error ? err.message : String(err);
    options.logger?.warn('could not send the evaluation to Test-Bench; carrying on', {
      evaluator: payload.evaluator,
      endpoint: client.endpoint,
      error,
    });
    return { sent: false, error };
  }
}

export interface WorkflowResult {
  readonly run_id: string;
  readonly workflow: string;
  /** `completed`, `failed`, `cancelled`, ... */
  readonly status: string;
  readonly outputs: unknown;
  /** Default: 1 when `status` is `completed`, else 0. */
  readonly score?: number;
  /** Default: `status === 'completed'`. */
  readonly passed?: boolean;
  readonly metrics?: Readonly<Record<string, unknown>>;
}

/**
 * Reports a finished run to Test-Bench (`evaluator: 'workflow'`, `task_id: null`, the run's
 * outputs as `output`). Never throws for a Test-Bench failure: it is logged and returned.
 */
export function sendWorkflowResult(
  client: TestBenchClient,
  result: WorkflowResult,
  options: { readonly signal?: AbortSignal; readonly logger?: Pick<TaskLogger, 'warn'> } = {},
): Promise<TestBenchStatus> {
  const completed = result.status === 'completed';
  return trySend(
    client,
    {
      run_id: result.run_id,
      task_id: null,
      workflow: result.workflow,
      evaluator: 'workflow',
      status: result.status,
      output: result.outputs,
      score: result.score ?? (completed ? 1 : 0),
      passed: result.passed ?? completed,
      metrics: result.metrics ?? {},
    },
    options,
  );
}
