/**
 * The gRPC transport: `llm_orchestrator.v1.Orchestrator` (proto/orchestrator.proto) over an
 * `OrchestratorApi`. Every call authenticates from its metadata (`authorization: Bearer ...` or
 * `x-api-key`), then calls the API with that principal (which checks the role); a `ServiceError`
 * ends the call with the status of its kind and its message, anything else with `INTERNAL`.
 */
import {
  Server,
  ServerCredentials,
  status as Status,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { LogSink } from '@llm-orchestrator/core';
import { assertSafeBind } from '../auth/index.js';
import {
  ServiceError,
  type Authenticator,
  type ListRequest,
  type OrchestratorApi,
  type Principal,
  type StartRequest,
} from '../contract.js';
import { isRecord, toEventMessage, toExecution, toExecutionStatus } from './messages.js';
import {
  loadOrchestratorService,
  type CancelExecutionRequestMessage,
  type ExecuteWorkflowRequestMessage,
  type ExecutionEventMessage,
  type ExecutionIdMessage,
  type ListExecutionsRequestMessage,
  type MethodName,
  type RetryExecutionRequestMessage,
  type StreamExecutionEventsRequestMessage,
  type TaskDecisionRequestMessage,
} from './proto.js';
import { toGrpcStatus } from './status.js';
import { clientAddress, TRUST_NO_PROXY, type ProxyTrust } from '../auth/client-address.js';

export interface GrpcServerOptions {
  readonly api: OrchestratorApi;
  readonly authenticator: Authenticator;
  /** The address to listen on (`127.0.0.1`, `0.0.0.0`, `::`): loopback only without authentication. */
  readonly host: string;
  /** 0: any free port (see `GrpcServer.port`). */
  readonly port: number;
  /** TLS (`ServerCredentials.createSsl(...)`); default: plaintext, for a TLS-terminating proxy. */
  readonly credentials?: ServerCredentials;
  /** Where proto/orchestrator.proto is; default: found from this module (see proto.ts). */
  readonly protoPath?: string;
  /** The largest request accepted; default 4 MiB (gRPC's default). */
  readonly maxMessageBytes?: number;
  /** Where unexpected (INTERNAL) errors are logged, with their stack. */
  readonly log?: LogSink;
  /** The proxies whose `x-forwarded-for` metadata gives the caller's address (default: none). */
  readonly trustProxy?: ProxyTrust;
}

export interface GrpcServer {
  /** The port listened on (the one chosen when `port` was 0). */
  readonly port: number;
  /**
   * Stops: event streams end with UNAVAILABLE (clients reconnect with `after_seq`), calls in
   * flight may finish for `graceMs` (default 5000), then whatever is left is cut.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** Why an event stream was stopped from this side. */
type StreamStop = 'client' | 'shutdown';

/**
 * Listens on `host:port` and serves the API. Like the REST server, refuses a non-loopback host
 * when authentication is off (AuthConfigError).
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  assertSafeBind(options.host, options.authenticator);
  const service = loadOrchestratorService(options.protoPath);
  const streams = new Set<(why: StreamStop) => void>();
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes ?? 4 * 1024 * 1024,
  });
  server.addService(service, implementation(options, streams));
  const host =
    options.host.includes(':') && !options.host.startsWith('[')
      ? `[${options.host}]`
      : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${host}:${options.port}`,
      options.credentials ?? ServerCredentials.createInsecure(),
      (err, bound) => {
        if (err === null) {
          resolve(bound);
        } else {
          server.forceShutdown();
          reject(err);
        }
      },
    );
  });
  let closing: Promise<void> | undefined;
  return {
    port,
    close({ graceMs = 5000 } = {}) {
      closing ??= new Promise<void>((resolve) => {
        for (const stop of streams) stop('shutdown');
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
  };
}

/** The call's metadata as headers: text values only (`-bin` values are not credentials). */
export function headersOf(metadata: Metadata): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata.getMap()).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

function invalid(message: string): ServiceError {
  return new ServiceError('invalid', 'INVALID_REQUEST', message);
}

function required(value: string, field: string): string {
  if (value === '') throw invalid(`${field} is required`);
  return value;
}

function optional(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** `inputs_json`: a JSON object, or empty for none. */
export function parseInputs(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(`inputs_json is not valid JSON: ${err instanceof Error ? err.message : ''}`);
  }
  if (!isRecord(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw invalid(`inputs_json must be a JSON object of input values, got ${got}`);
  }
  return value;
}

function startRequest(request: ExecuteWorkflowRequestMessage): StartRequest {
  const definition = optional(request.definition);
  const workflow = optional(request.workflow);
  if (definition === undefined && workflow === undefined) {
    throw invalid(
      'one of definition (a workflow as YAML or JSON text) or workflow (a registered ' +
        'workflow: name or name@version) is required',
    );
  }
  const inputs = parseInputs(request.inputs_json);
  const runId = optional(request.run_id);
  return {
    ...(definition === undefined ? {} : { definition }),
    ...(workflow === undefined ? {} : { workflow }),
    ...(inputs === undefined ? {} : { inputs }),
    ...(runId === undefined ? {} : { runId }),
  };
}

function listRequest(request: ListExecutionsRequestMessage): ListRequest {
  const status = request.status.filter((s) => s !== '');
  const workflow = optional(request.workflow);
  const cursor = optional(request.page_token);
  return {
    ...(status.length === 0 ? {} : { status }),
    ...(workflow === undefined ? {} : { workflow }),
    ...(request.page_size === 0 ? {} : { limit: request.page_size }),
    ...(cursor === undefined ? {} : { cursor }),
  };
}

/** The address of a peer (`127.0.0.1:5000`, `[::1]:5000`, `ipv4:…`) without its port. */
export function peerHost(peer: string): string {
  if (peer.startsWith('unix:')) return peer;
  const bare = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\]/.exec(bare);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const colons = bare.split(':').length - 1;
  return colons === 1 ? bare.slice(0, bare.lastIndexOf(':')) : bare;
}

function implementation(
  options: GrpcServerOptions,
  streams: Set<(why: StreamStop) => void>,
): UntypedServiceImplementation {
  const { api, authenticator, log } = options;

  const trust = options.trustProxy ?? TRUST_NO_PROXY;
  const authenticate = (call: { metadata: Metadata; getPeer(): string }): Promise<Principal> => {
    const headers = headersOf(call.metadata);
    const peer = peerHost(call.getPeer());
    return authenticator.authenticate(
      headers,
      clientAddress(peer, headers['x-forwarded-for'], trust),
    );
  };

  const failure = (method: MethodName, err: unknown): ReturnType<typeof toGrpcStatus> => {
    const status = toGrpcStatus(err);
    if (status.code === Status.INTERNAL) {
      log?.('error', 'a gRPC call failed unexpectedly', {
        method,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
    return status;
  };

  function unary<Req>(
    method: MethodName,
    handle: (principal: Principal, request: Req) => Promise<object>,
  ): (call: ServerUnaryCall<Req, object>, callback: sendUnaryData<object>) => void {
    return (call, callback) => {
      void (async () => {
        let response: object;
        try {
          response = await handle(await authenticate(call), call.request);
        } catch (err) {
          callback(failure(method, err));
          return;
        }
        callback(null, response);
      })();
    };
  }

  const id = (request: ExecutionIdMessage): string =>
    required(request.execution_id, 'execution_id');

  const decision = (request: TaskDecisionRequestMessage) => {
    const comment = optional(request.comment);
    return [
      id(request),
      required(request.task_id, 'task_id'),
      comment === undefined ? {} : { comment },
    ] as const;
  };

  async function streamEvents(
    call: ServerWritableStream<StreamExecutionEventsRequestMessage, ExecutionEventMessage>,
  ): Promise<void> {
    const controller = new AbortController();
    let stopped: StreamStop | undefined;
    const stop = (why: StreamStop): void => {
      stopped ??= why;
      controller.abort(new Error(why === 'client' ? 'the client went away' : 'shutting down'));
    };
    const onCancelled = (): void => {
      stop('client');
    };
    call.on('cancelled', onCancelled);
    streams.add(stop);
    let error: unknown;
    let failed = false;
    try {
      if (call.cancelled) {
        stop('client');
        return;
      }
      const principal = await authenticate(call);
      const runId = id(call.request);
      const events = api.events(principal, runId, call.request.after_seq, controller.signal);
      for await (const event of events) {
        if (stopped !== undefined) break;
        await write(call, toEventMessage(event), controller.signal);
      }
    } catch (err) {
      failed = true;
      error = err;
    } finally {
      streams.delete(stop);
      call.off('cancelled', onCancelled);
    }
    if (stopped === 'client') return;
    if (stopped === 'shutdown') {
      call.emit('error', {
        code: Status.UNAVAILABLE,
        details: 'the server is shutting down: reconnect with after_seq set to the last event id',
      });
    } else if (failed) {
      call.emit('error', failure('StreamExecutionEvents', error));
    } else {
      call.end();
    }
  }

  return {
    ExecuteWorkflow: unary('ExecuteWorkflow', async (p, r: ExecuteWorkflowRequestMessage) =>
      toExecution(await api.start(p, startRequest(r))),
    ),
    GetExecutionStatus: unary('GetExecutionStatus', async (p, r: ExecutionIdMessage) =>
      toExecutionStatus(await api.get(p, id(r))),
    ),
    ListExecutions: unary('ListExecutions', async (p, r: ListExecutionsRequestMessage) => {
      const page = await api.list(p, listRequest(r));
      return { executions: page.runs.map(toExecution), next_page_token: page.next ?? '' };
    }),
    CancelExecution: unary('CancelExecution', async (p, r: CancelExecutionRequestMessage) =>
      toExecution(await api.cancel(p, id(r), optional(r.reason))),
    ),
    PauseExecution: unary('PauseExecution', async (p, r: ExecutionIdMessage) =>
      toExecution(await api.pause(p, id(r))),
    ),
    ResumeExecution: unary('ResumeExecution', async (p, r: ExecutionIdMessage) =>
      toExecution(await api.resume(p, id(r))),
    ),
    RetryExecution: unary('RetryExecution', async (p, r: RetryExecutionRequestMessage) =>
      toExecution(await api.retry(p, id(r), optional(r.from_task))),
    ),
    ApproveTask: unary('ApproveTask', async (p, r: TaskDecisionRequestMessage) =>
      toExecution(await api.approve(p, ...decision(r))),
    ),
    RejectTask: unary('RejectTask', async (p, r: TaskDecisionRequestMessage) =>
      toExecution(await api.reject(p, ...decision(r))),
    ),
    StreamExecutionEvents: (
      call: ServerWritableStream<StreamExecutionEventsRequestMessage, ExecutionEventMessage>,
    ) => {
      void streamEvents(call);
    },
  };
}

/** Writes one message, waiting for the client to drain a full buffer (or for the stream to stop). */
async function write(
  call: ServerWritableStream<StreamExecutionEventsRequestMessage, ExecutionEventMessage>,
  message: ExecutionEventMessage,
  signal: AbortSignal,
): Promise<void> {
  if (call.write(message) || signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
