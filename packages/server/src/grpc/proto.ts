/**
 * The `llm_orchestrator.v1.Orchestrator` service, loaded from `proto/orchestrator.proto`, and the
 * shapes of its messages as proto-loader gives and takes them.
 *
 * The `.proto` file lives at the repository root (one source for every language). It is found
 * relative to this module: `packages/server/src/grpc/` and `packages/server/dist/grpc/` are at the
 * same depth, so `../../../../proto/orchestrator.proto` is the same file from the sources (tests,
 * tsx) and from the build. It is not copied into the package (one copy, never a stale one); a
 * deployment without the repository checkout passes `protoPath`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { MethodDefinition } from '@grpc/proto-loader';

export const SERVICE_NAME = 'llm_orchestrator.v1.Orchestrator';

/** Where the `.proto` is looked for when no path is given. */
export function defaultProtoPath(): string {
  return fileURLToPath(new URL('../../../../proto/orchestrator.proto', import.meta.url));
}

/**
 * `keepCase`: field names as in the `.proto` (`execution_id`); `longs: Number`: `uint64` seqs are
 * numbers (a journal never nears 2^53 entries); `defaults`: absent scalars decode as `''`/`0`;
 * `oneofs`: the request's `source` names which of `definition`/`workflow` is set.
 */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export const METHOD_NAMES = [
  'ExecuteWorkflow',
  'GetExecutionStatus',
  'ListExecutions',
  'CancelExecution',
  'PauseExecution',
  'ResumeExecution',
  'RetryExecution',
  'ApproveTask',
  'RejectTask',
  'StreamExecutionEvents',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export type OrchestratorService = Readonly<Record<MethodName, MethodDefinition<object, object>>>;

const loaded = new Map<string, OrchestratorService>();

/** The service definition (loaded once per path). */
export function loadOrchestratorService(protoPath = defaultProtoPath()): OrchestratorService {
  const cached = loaded.get(protoPath);
  if (cached !== undefined) return cached;
  if (!existsSync(protoPath)) {
    throw new Error(
      `the gRPC service definition was not found at ${protoPath}: pass protoPath, the path ` +
        'of proto/orchestrator.proto',
    );
  }
  const definition = loadSync(protoPath, LOADER_OPTIONS)[SERVICE_NAME];
  if (definition === undefined || !('ExecuteWorkflow' in definition)) {
    throw new Error(`${protoPath} does not define the service ${SERVICE_NAME}`);
  }
  const service = definition as Record<string, MethodDefinition<object, object> | undefined>;
  const missing = METHOD_NAMES.filter((name) => service[name] === undefined);
  if (missing.length > 0) {
    throw new Error(`${protoPath}: ${SERVICE_NAME} lacks ${missing.join(', ')}`);
  }
  const result = service as OrchestratorService;
  loaded.set(protoPath, result);
  return result;
}

// ---- Messages, as decoded (every scalar present, absent messages null) and as encoded. ----

export interface WorkflowRefMessage {
  name: string;
  version: string;
}

export interface ExecutionErrorMessage {
  code: string;
  message: string;
}

export interface ExecutionMessage {
  id: string;
  workflow: WorkflowRefMessage | null;
  status: string;
  created_at: string;
  updated_at: string;
  owner: string;
  error: ExecutionErrorMessage | null;
}

export interface ApprovalMessage {
  state: string;
  reason: string;
  actor: string;
}

export interface TaskMessage {
  id: string;
  status: string;
  attempts: number;
  error: ExecutionErrorMessage | null;
  outputs_json: string;
  approval: ApprovalMessage | null;
}

export interface ExecutionStatusMessage extends ExecutionMessage {
  inputs_json: string;
  outputs_json: string;
  tasks: TaskMessage[];
  seq: number;
}

export interface ExecuteWorkflowRequestMessage {
  definition?: string;
  workflow?: string;
  source?: 'definition' | 'workflow';
  inputs_json: string;
  run_id: string;
}

export interface ExecutionIdMessage {
  execution_id: string;
}

export interface ListExecutionsRequestMessage {
  status: string[];
  workflow: string;
  page_size: number;
  page_token: string;
}

export interface ListExecutionsResponseMessage {
  executions: ExecutionMessage[];
  next_page_token: string;
}

export interface CancelExecutionRequestMessage extends ExecutionIdMessage {
  reason: string;
}

export interface RetryExecutionRequestMessage extends ExecutionIdMessage {
  from_task: string;
}

export interface TaskDecisionRequestMessage extends ExecutionIdMessage {
  task_id: string;
  comment: string;
}

export interface StreamExecutionEventsRequestMessage extends ExecutionIdMessage {
  after_seq: number;
}

export interface ExecutionEventMessage {
  id: string;
  type: string;
  data_json: string;
}
