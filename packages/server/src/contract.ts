/**
 * The service's contract, independent of transport: who calls (a principal with a role), what they
 * may do (permissions per operation), the operations (`OrchestratorApi`, served by REST and gRPC
 * alike), their errors (a kind each transport maps to its status), and the pluggable parts the
 * server is composed of (authentication, metrics).
 */
import { OrchestratorError } from '@llm-orchestrator/core';

/** How `serve` authenticates callers (`--auth`). */
export const AUTH_MODES = ['api-keys', 'jwt', 'both', 'none'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** RBAC roles, each allowed what the one before it is. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** Stable id: an API key's id, a JWT's `sub`, or `local` when authentication is off. */
  readonly id: string;
  /** For the audit log and the logs. */
  readonly name: string;
  readonly role: Role;
  /** How the caller authenticated. */
  readonly via: 'api-key' | 'jwt' | 'none';
}

/** The caller when authentication is off (allowed on a loopback address only). */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({
  id: 'local',
  name: 'local',
  role: 'admin',
  via: 'none',
});

/**
 * What each operation needs: `read` (viewer and up), `operate` (operator and up: start and control
 * runs, decide approvals, retry dead letters), `admin` (register definitions, purge dead letters,
 * manage keys).
 */
export type Permission = 'read' | 'operate' | 'admin';

const RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };
const NEEDS: Readonly<Record<Permission, number>> = { read: 0, operate: 1, admin: 2 };

export function allows(role: Role, permission: Permission): boolean {
  return RANK[role] >= NEEDS[permission];
}

/** How a failed call ends, whatever the transport: REST status, gRPC status code. */
export type ErrorKind =
  | 'invalid' // 400 / INVALID_ARGUMENT
  | 'unauthenticated' // 401 / UNAUTHENTICATED
  | 'forbidden' // 403 / PERMISSION_DENIED
  | 'not_found' // 404 / NOT_FOUND
  | 'conflict' // 409 / FAILED_PRECONDITION
  | 'too_large' // 413 / RESOURCE_EXHAUSTED
  | 'rate_limited' // 429 / RESOURCE_EXHAUSTED
  | 'unavailable' // 503 / UNAVAILABLE
  | 'internal'; // 500 / INTERNAL

export class ServiceError extends OrchestratorError {
  constructor(
    readonly kind: ErrorKind,
    code: string,
    message: string,
    options: { hint?: string; cause?: unknown; details?: unknown } = {},
  ) {
    super(code, message, {
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.details = options.details;
  }

  readonly details: unknown;
}

/** A run as the API shows it. */
export interface RunInfo {
  readonly id: string;
  readonly workflow: { readonly name: string; readonly version: string };
  readonly status: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly owner?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface TaskInfo {
  readonly id: string;
  readonly status: string;
  readonly attempts: number;
  readonly error?: { readonly code: string; readonly message: string };
  readonly outputs?: unknown;
  readonly approval?: { readonly state: string; readonly reason: string; readonly actor?: string };
}

export interface RunDetail extends RunInfo {
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs?: unknown;
  readonly tasks: readonly TaskInfo[];
  /** The journal seq this view is as of (an event stream can resume after it). */
  readonly seq: number;
}

export interface StartRequest {
  /** An inline definition: a workflow document (object) or its YAML/JSON text. */
  readonly definition?: unknown;
  /** Or a registered workflow: `name` (its latest version) or `name@version`. */
  readonly workflow?: string;
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** Choose the run's id (idempotent start: a second start with it is a conflict). */
  readonly runId?: string;
}

export interface ListRequest {
  readonly status?: readonly string[];
  readonly workflow?: string;
  /** 1..500, default 50. */
  readonly limit?: number;
  /** The `next` of the previous page. */
  readonly cursor?: string;
}

/**
 * One event of a run's stream: a journal entry (`id` is its seq: a reconnect resumes after it) or
 * a streamed LLM token delta (`id` is `<seq>.<n>`: live only, not replayed).
 */
export interface RunEvent {
  readonly id: string;
  /** `run.status`, `task.started`, `task.completed`, ..., or `task.chunk`. */
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface DecisionRequest {
  readonly comment?: string;
}

/** Every operation the service offers; each checks the principal's role and audits what it changes. */
export interface OrchestratorApi {
  start(p: Principal, request: StartRequest): Promise<RunInfo>;
  get(p: Principal, runId: string): Promise<RunDetail>;
  list(p: Principal, request: ListRequest): Promise<{ runs: RunInfo[]; next?: string }>;
  cancel(p: Principal, runId: string, reason?: string): Promise<RunInfo>;
  pause(p: Principal, runId: string): Promise<RunInfo>;
  resume(p: Principal, runId: string): Promise<RunInfo>;
  retry(p: Principal, runId: string, fromTask?: string): Promise<RunInfo>;
  approve(p: Principal, runId: string, taskId: string, d: DecisionRequest): Promise<RunInfo>;
  reject(p: Principal, runId: string, taskId: string, d: DecisionRequest): Promise<RunInfo>;
  /** Journal entries after `afterSeq` (0: from the start), then live ones, until the run ends. */
  events(
    p: Principal,
    runId: string,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncIterable<RunEvent>;
  registerWorkflow(
    p: Principal,
    definition: unknown,
  ): Promise<{ name: string; version: string; hash: string }>;
  listWorkflows(
    p: Principal,
    name?: string,
  ): Promise<{ name: string; version: string; hash: string; registeredAt: string }[]>;
  listDeadLetters(p: Principal): Promise<unknown[]>;
  retryDeadLetter(p: Principal, id: string): Promise<RunInfo>;
  purgeDeadLetters(p: Principal): Promise<{ purged: number }>;
  /** True while the store answers. */
  ready(): Promise<boolean>;
}

/** Who is calling, from the request's headers (REST) or metadata (gRPC). */
export interface Authenticator {
  /** False: no authentication configured; every caller is LOCAL_PRINCIPAL. */
  readonly enabled: boolean;
  /**
   * The principal for these credentials (`authorization: Bearer <api key or JWT>`, or
   * `x-api-key`); rejects with a ServiceError of kind `unauthenticated` when they are missing or
   * wrong. `client`: the caller's network address, which limits on failed attempts count by.
   */
  authenticate(
    headers: Readonly<Record<string, string | undefined>>,
    client?: string,
  ): Promise<Principal>;
}

/** The Prometheus exposition of the service's metrics. */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}
