/**
 * Errors across the wire: a `ServiceError` becomes a gRPC status (its kind the code, its message
 * the details, its stable code, hint and details in the trailing metadata), and a failed call
 * becomes a `GrpcCallError` (a `ServiceError` again) on the client.
 */
import { Metadata, status as Status, type StatusObject } from '@grpc/grpc-js';
import { ServiceError, type ErrorKind } from '../contract.js';

/** Trailing metadata keys of a failed call. */
export const ERROR_CODE_KEY = 'error-code';
export const ERROR_HINT_KEY = 'error-hint';
/** The ServiceError kind, where the status code alone is ambiguous (RESOURCE_EXHAUSTED). */
export const ERROR_KIND_KEY = 'error-kind';
/** JSON (UTF-8) of the error's details, e.g. every diagnostic of an invalid definition. */
export const ERROR_DETAILS_KEY = 'error-details-bin';

/** Details larger than this are left out of the trailers (the message still names the problem). */
const MAX_DETAILS_BYTES = 4096;

export const GRPC_CODE_OF: Readonly<Record<ErrorKind, Status>> = {
  invalid: Status.INVALID_ARGUMENT,
  unauthenticated: Status.UNAUTHENTICATED,
  forbidden: Status.PERMISSION_DENIED,
  not_found: Status.NOT_FOUND,
  conflict: Status.FAILED_PRECONDITION,
  too_large: Status.RESOURCE_EXHAUSTED,
  rate_limited: Status.RESOURCE_EXHAUSTED,
  unavailable: Status.UNAVAILABLE,
  internal: Status.INTERNAL,
};

export const INTERNAL_MESSAGE = 'internal error';

/** Metadata values must be printable ASCII: anything else is written as `\uXXXX`. */
function ascii(text: string): string {
  return text.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The status a failed call ends with. Only a `ServiceError` of a kind other than `internal` says
 * what went wrong; anything else is `INTERNAL` with a generic message (never a stack or a cause).
 */
export function toGrpcStatus(
  err: unknown,
): Omit<StatusObject, 'metadata'> & { metadata: Metadata } {
  const metadata = new Metadata();
  if (!(err instanceof ServiceError) || err.kind === 'internal') {
    metadata.set(ERROR_CODE_KEY, 'INTERNAL');
    return { code: Status.INTERNAL, details: INTERNAL_MESSAGE, metadata };
  }
  metadata.set(ERROR_CODE_KEY, ascii(err.code));
  metadata.set(ERROR_KIND_KEY, err.kind);
  if (err.hint !== undefined) metadata.set(ERROR_HINT_KEY, ascii(err.hint));
  if (err.details !== undefined) {
    try {
      const json = Buffer.from(JSON.stringify(err.details), 'utf8');
      if (json.length <= MAX_DETAILS_BYTES) metadata.set(ERROR_DETAILS_KEY, json);
    } catch {
      // Details that are not JSON are left out.
    }
  }
  return { code: GRPC_CODE_OF[err.kind], details: err.message, metadata };
}

const KIND_OF: Partial<Record<Status, ErrorKind>> = {
  [Status.INVALID_ARGUMENT]: 'invalid',
  [Status.OUT_OF_RANGE]: 'invalid',
  [Status.UNAUTHENTICATED]: 'unauthenticated',
  [Status.PERMISSION_DENIED]: 'forbidden',
  [Status.NOT_FOUND]: 'not_found',
  [Status.FAILED_PRECONDITION]: 'conflict',
  [Status.ALREADY_EXISTS]: 'conflict',
  [Status.ABORTED]: 'conflict',
  [Status.RESOURCE_EXHAUSTED]: 'too_large',
  [Status.UNAVAILABLE]: 'unavailable',
  [Status.DEADLINE_EXCEEDED]: 'unavailable',
};

/** A failed gRPC call, as the client helper reports it. */
export class GrpcCallError extends ServiceError {
  constructor(
    /** The gRPC status code (`status.NOT_FOUND`...). */
    readonly grpcCode: Status,
    kind: ErrorKind,
    code: string,
    message: string,
    options: { hint?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(kind, code, message, options);
  }
}

function first(metadata: Metadata | undefined, key: string): string | Buffer | undefined {
  return metadata?.get(key)[0];
}

/** The `GrpcCallError` of a failed call (grpc-js rejects with an Error carrying the status). */
export function fromGrpcError(err: unknown): GrpcCallError {
  if (err instanceof GrpcCallError) return err;
  const e = err as Partial<StatusObject> & { message?: unknown };
  const grpcCode = typeof e.code === 'number' ? e.code : Status.UNKNOWN;
  const message =
    typeof e.details === 'string' && e.details !== ''
      ? e.details
      : typeof e.message === 'string'
        ? e.message
        : 'the call failed';
  const metadata = e.metadata instanceof Metadata ? e.metadata : undefined;
  const code = first(metadata, ERROR_CODE_KEY);
  const kind = first(metadata, ERROR_KIND_KEY);
  const hint = first(metadata, ERROR_HINT_KEY);
  const details = first(metadata, ERROR_DETAILS_KEY);
  let parsed: unknown;
  if (Buffer.isBuffer(details)) {
    try {
      parsed = JSON.parse(details.toString('utf8'));
    } catch {
      parsed = undefined;
    }
  }
  return new GrpcCallError(
    grpcCode,
    typeof kind === 'string' && kind in GRPC_CODE_OF && GRPC_CODE_OF[kind as ErrorKind] === grpcCode
      ? (kind as ErrorKind)
      : (KIND_OF[grpcCode] ?? 'internal'),
    typeof code === 'string' ? code : (Status[grpcCode] ?? 'UNKNOWN'),
    message,
    {
      ...(typeof hint === 'string' ? { hint } : {}),
      ...(parsed === undefined ? {} : { details: parsed }),
      cause: err,
    },
  );
}
