/**
 * A small typed client of the gRPC service: promise methods that take and give the API's own
 * values (`RunInfo`, `RunDetail`, `RunEvent`), and the event stream as an async iterable. A failed
 * call rejects with a `GrpcCallError`: a `ServiceError` whose `kind` comes from the status code,
 * `code`/`hint`/`details` from the trailers, plus the `grpcCode`.
 */
import {
  Client,
  credentials as grpcCredentials,
  Metadata,
  type CallOptions,
  type ChannelCredentials,
} from '@grpc/grpc-js';
import type { ListRequest, RunDetail, RunEvent, RunInfo, StartRequest } from '../contract.js';
import { fromEventMessage, fromExecution, fromExecutionStatus, toJsonText } from './messages.js';
import {
  loadOrchestratorService,
  type ExecutionEventMessage,
  type ExecutionMessage,
  type ExecutionStatusMessage,
  type ListExecutionsResponseMessage,
  type MethodName,
} from './proto.js';
import { fromGrpcError } from './status.js';

export interface GrpcClientOptions {
  /** Sent as `x-api-key`. */
  readonly apiKey?: string;
  /** An API key or a JWT, sent as `authorization: Bearer <token>` (not with `apiKey`). */
  readonly token?: string;
  /** Default: plaintext. `credentials.createSsl(...)` for TLS. */
  readonly credentials?: ChannelCredentials;
  /** Metadata sent with every call besides the credentials (`x-request-id`, tracing headers...). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Deadline of each unary call, in ms; default none. */
  readonly timeoutMs?: number;
  /** Where proto/orchestrator.proto is; default: found from this module. */
  readonly protoPath?: string;
}

export interface EventStreamOptions {
  /** Resume after this journal seq (0, the default: from the start). */
  readonly afterSeq?: number;
  /** Aborting it ends the stream (the iteration simply stops). */
  readonly signal?: AbortSignal;
}

export interface GrpcClient {
  /** Starts a run: `definition` as YAML/JSON text or a document object, or `workflow`. */
  execute(request: StartRequest): Promise<RunInfo>;
  status(executionId: string): Promise<RunDetail>;
  list(request?: ListRequest): Promise<{ runs: RunInfo[]; next?: string }>;
  cancel(executionId: string, reason?: string): Promise<RunInfo>;
  pause(executionId: string): Promise<RunInfo>;
  resume(executionId: string): Promise<RunInfo>;
  retry(executionId: string, fromTask?: string): Promise<RunInfo>;
  approve(executionId: string, taskId: string, comment?: string): Promise<RunInfo>;
  reject(executionId: string, taskId: string, comment?: string): Promise<RunInfo>;
  /** The run's events until it ends; breaking out of the loop cancels the call. */
  events(executionId: string, options?: EventStreamOptions): AsyncIterable<RunEvent>;
  close(): void;
}

/** `address`: `host:port` (`127.0.0.1:50051`, `[::1]:50051`, `dns:///orchestrator:50051`). */
export function createGrpcClient(address: string, options: GrpcClientOptions = {}): GrpcClient {
  if (options.apiKey !== undefined && options.token !== undefined) {
    // The server refuses a call with both (CREDENTIALS_AMBIGUOUS).
    throw new TypeError('createGrpcClient: give apiKey or token, not both');
  }
  const service = loadOrchestratorService(options.protoPath);
  const client = new Client(address, options.credentials ?? grpcCredentials.createInsecure());

  const metadata = (): Metadata => {
    const m = new Metadata();
    for (const [key, value] of Object.entries(options.metadata ?? {})) m.set(key, value);
    if (options.apiKey !== undefined) m.set('x-api-key', options.apiKey);
    if (options.token !== undefined) m.set('authorization', `Bearer ${options.token}`);
    return m;
  };

  const callOptions = (): CallOptions =>
    options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs };

  function unary<Res>(name: MethodName, request: object): Promise<Res> {
    const method = service[name];
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        metadata(),
        callOptions(),
        (err, response) => {
          if (err !== null) reject(fromGrpcError(err));
          else resolve(response as Res);
        },
      );
    });
  }

  const execution = async (name: MethodName, request: object): Promise<RunInfo> =>
    fromExecution(await unary<ExecutionMessage>(name, request));

  async function* events(
    executionId: string,
    { afterSeq = 0, signal }: EventStreamOptions = {},
  ): AsyncGenerator<RunEvent> {
    if (signal?.aborted) return;
    const method = service.StreamExecutionEvents;
    const call = client.makeServerStreamRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      { execution_id: executionId, after_seq: afterSeq },
      metadata(),
    );
    const onAbort = (): void => {
      call.cancel();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const message of call as AsyncIterable<ExecutionEventMessage>) {
        yield fromEventMessage(message);
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw fromGrpcError(err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // Ends the call when the loop was left early; nothing once the server has ended it.
      call.cancel();
    }
  }

  return {
    execute: (request) =>
      execution('ExecuteWorkflow', {
        ...(request.definition === undefined
          ? {}
          : {
              definition:
                typeof request.definition === 'string'
                  ? request.definition
                  : toJsonText(request.definition),
            }),
        ...(request.workflow === undefined ? {} : { workflow: request.workflow }),
        inputs_json: request.inputs === undefined ? '' : toJsonText(request.inputs),
        run_id: request.runId ?? '',
      }),
    status: async (executionId) =>
      fromExecutionStatus(
        await unary<ExecutionStatusMessage>('GetExecutionStatus', { execution_id: executionId }),
      ),
    list: async (request = {}) => {
      const page = await unary<ListExecutionsResponseMessage>('ListExecutions', {
        status: request.status ?? [],
        workflow: request.workflow ?? '',
        page_size: request.limit ?? 0,
        page_token: request.cursor ?? '',
      });
      const runs = page.executions.map(fromExecution);
      return page.next_page_token === '' ? { runs } : { runs, next: page.next_page_token };
    },
    cancel: (executionId, reason) =>
      execution('CancelExecution', { execution_id: executionId, reason: reason ?? '' }),
    pause: (executionId) => execution('PauseExecution', { execution_id: executionId }),
    resume: (executionId) => execution('ResumeExecution', { execution_id: executionId }),
    retry: (executionId, fromTask) =>
      execution('RetryExecution', { execution_id: executionId, from_task: fromTask ?? '' }),
    approve: (executionId, taskId, comment) =>
      execution('ApproveTask', {
        execution_id: executionId,
        task_id: taskId,
        comment: comment ?? '',
      }),
    reject: (executionId, taskId, comment) =>
      execution('RejectTask', {
        execution_id: executionId,
        task_id: taskId,
        comment: comment ?? '',
      }),
    events,
    close: () => {
      client.close();
    },
  };
}
