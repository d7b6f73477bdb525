/**
 * The API's values as protobuf messages and back: the server encodes `RunInfo`, `RunDetail` and
 * `RunEvent`; the client helper decodes them. JSON-carrying fields are JSON text, `''` for none.
 */
import type { RunDetail, RunEvent, RunInfo, TaskInfo } from '../contract.js';
import type {
  ExecutionErrorMessage,
  ExecutionEventMessage,
  ExecutionMessage,
  ExecutionStatusMessage,
  TaskMessage,
} from './proto.js';

/** JSON text of a value; `''` for undefined (absent). */
export function toJsonText(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value);
}

/** The value of JSON text; undefined for `''`. */
export function fromJsonText(text: string): unknown {
  return text === '' ? undefined : JSON.parse(text);
}

function toError(
  error: { readonly code: string; readonly message: string } | undefined,
): ExecutionErrorMessage | null {
  return error === undefined ? null : { code: error.code, message: error.message };
}

export function toExecution(run: RunInfo): ExecutionMessage {
  return {
    id: run.id,
    workflow: { name: run.workflow.name, version: run.workflow.version },
    status: run.status,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    owner: run.owner ?? '',
    error: toError(run.error),
  };
}

function toTask(task: TaskInfo): TaskMessage {
  return {
    id: task.id,
    status: task.status,
    attempts: task.attempts,
    error: toError(task.error),
    outputs_json: toJsonText(task.outputs),
    approval:
      task.approval === undefined
        ? null
        : {
            state: task.approval.state,
            reason: task.approval.reason,
            actor: task.approval.actor ?? '',
          },
  };
}

export function toExecutionStatus(run: RunDetail): ExecutionStatusMessage {
  return {
    ...toExecution(run),
    inputs_json: toJsonText(run.inputs),
    outputs_json: toJsonText(run.outputs),
    tasks: run.tasks.map(toTask),
    seq: run.seq,
  };
}

export function toEventMessage(event: RunEvent): ExecutionEventMessage {
  return { id: event.id, type: event.type, data_json: toJsonText(event.data) };
}

// ---- Decoding (client side) ----

function fromError(error: ExecutionErrorMessage | null | undefined): {
  error?: { code: string; message: string };
} {
  return error === null || error === undefined
    ? {}
    : { error: { code: error.code, message: error.message } };
}

export function fromExecution(message: ExecutionMessage): RunInfo {
  return {
    id: message.id,
    workflow: { name: message.workflow?.name ?? '', version: message.workflow?.version ?? '' },
    status: message.status,
    createdAt: message.created_at,
    updatedAt: message.updated_at,
    ...(message.owner === '' ? {} : { owner: message.owner }),
    ...fromError(message.error),
  };
}

function fromTask(task: TaskMessage): TaskInfo {
  const outputs = fromJsonText(task.outputs_json);
  return {
    id: task.id,
    status: task.status,
    attempts: task.attempts,
    ...fromError(task.error),
    ...(outputs === undefined ? {} : { outputs }),
    ...(task.approval === null || task.approval === undefined
      ? {}
      : {
          approval: {
            state: task.approval.state,
            reason: task.approval.reason,
            ...(task.approval.actor === '' ? {} : { actor: task.approval.actor }),
          },
        }),
  };
}

export function fromExecutionStatus(message: ExecutionStatusMessage): RunDetail {
  const outputs = fromJsonText(message.outputs_json);
  const inputs = fromJsonText(message.inputs_json);
  return {
    ...fromExecution(message),
    inputs: isRecord(inputs) ? inputs : {},
    ...(outputs === undefined ? {} : { outputs }),
    tasks: message.tasks.map(fromTask),
    seq: message.seq,
  };
}

export function fromEventMessage(message: ExecutionEventMessage): RunEvent {
  const data = fromJsonText(message.data_json);
  return { id: message.id, type: message.type, data: isRecord(data) ? data : {} };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
