/**
 * Every failed request ends with `{ error: { code, message, hint?, details? }, requestId }` and a
 * status that says whose fault it is: a ServiceError's kind, fastify's own validation, body-limit
 * and JSON errors as 4xx. Only a bug is a 500, and its body names no internals (the log has them).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServiceError, type ErrorKind } from '../contract.js';

export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly hint?: string;
    readonly details?: unknown;
  };
  readonly requestId: string;
}

interface Reported {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly details?: unknown;
}

/** Fastify's errors of a request (not of the server), by code. */
const FASTIFY_CODES: Readonly<Record<string, { code: string; hint?: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'BODY_TOO_LARGE',
    hint: 'send a smaller request, or raise the server’s body limit',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    hint: 'send JSON with content-type: application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_JSON', hint: 'send a JSON body, or none' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_CONTENT_LENGTH' },
};

function report(err: FastifyError | ServiceError | Error): Reported {
  if (err instanceof ServiceError) {
    return {
      status: STATUS_OF_KIND[err.kind],
      code: err.code,
      message: err.message,
      ...(err.hint === undefined ? {} : { hint: err.hint }),
      ...(err.details === undefined ? {} : { details: err.details }),
    };
  }
  const fe = err as FastifyError;
  if (fe.validation !== undefined) {
    return {
      status: 400,
      code: 'INVALID_REQUEST',
      message: validationMessage(fe.validationContext ?? 'request', fe.validation),
      details: fe.validation.map((v) => ({
        path: v.instancePath,
        message: v.message,
        ...(v.params === undefined ? {} : { params: v.params }),
      })),
    };
  }
  const known = fe.code === undefined ? undefined : FASTIFY_CODES[fe.code];
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      status: 413,
      code: 'BODY_TOO_LARGE',
      message: 'the request body is too large',
      ...(known?.hint === undefined ? {} : { hint: known.hint }),
    };
  }
  // JSON.parse's own SyntaxError for a malformed body (fastify gives it status 400).
  if (fe.statusCode === 400 && err instanceof SyntaxError) {
    return {
      status: 400,
      code: 'INVALID_JSON',
      message: `the body is not valid JSON: ${err.message}`,
    };
  }
  const status = fe.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return {
      status,
      code: known?.code ?? fe.code ?? 'BAD_REQUEST',
      message: fe.message,
      ...(known?.hint === undefined ? {} : { hint: known.hint }),
    };
  }
  return {
    status: 500,
    code: 'INTERNAL',
    message: 'internal error (the server log has the details)',
  };
}

type Violation = NonNullable<FastifyError['validation']>[number];

/**
 * What the schema found wrong, with the field named: "unknown field `body.definitio`", "missing
 * field `body.decision`", "`querystring.limit` must be <= 500".
 */
function validationMessage(context: string, violations: readonly Violation[]): string {
  const field = (path: string, key?: unknown): string => {
    const parts = [context, ...path.split('/').filter((p) => p !== '')];
    if (typeof key === 'string') parts.push(key);
    return `\`${parts.join('.')}\``;
  };
  const said = violations.map((v) => {
    const params = v.params;
    switch (v.keyword) {
      case 'additionalProperties':
        return `unknown field ${field(v.instancePath, params['additionalProperty'])}`;
      case 'required':
        return `missing field ${field(v.instancePath, params['missingProperty'])}`;
      default:
        return `${field(v.instancePath)} ${v.message ?? 'is invalid'}`;
    }
  });
  return [...new Set(said)].join('; ');
}

export function errorBody(requestId: string, r: Omit<Reported, 'status'>): ErrorBody {
  return {
    error: {
      code: r.code,
      message: r.message,
      ...(r.hint === undefined ? {} : { hint: r.hint }),
      ...(r.details === undefined ? {} : { details: r.details }),
    },
    requestId,
  };
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  err: FastifyError | Error,
): FastifyReply {
  const r = report(err);
  if (r.status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: r.code, status: r.status }, r.message);
  const retryAfter = (r.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (r.status === 429 && typeof retryAfter === 'number') {
    void reply.header('retry-after', String(retryAfter));
  }
  return reply
    .status(r.status)
    .type('application/json; charset=utf-8')
    .send(errorBody(request.id, r));
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => sendError(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(
      errorBody(request.id, {
        code: 'NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
        hint: 'GET /openapi.json lists every route',
      }),
    ),
  );
}
