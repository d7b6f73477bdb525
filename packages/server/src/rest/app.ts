/**
 * The REST app: fastify with an OpenAPI document built from the route schemas (`/openapi.json`),
 * a request id on every response and log line (and the run id and trace id on those of a call
 * about a run), JSON errors, authentication, health, readiness and metrics. It serves any `OrchestratorApi`.
 */
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Authenticator, MetricsSource, OrchestratorApi } from '../contract.js';
import { installAuthentication, NO_AUTHENTICATION } from './authentication.js';
import { errorBody, installErrorHandlers } from './error-reply.js';
import { registerRegistryRoutes } from './routes-registry.js';
import { registerRunRoutes } from './routes-runs.js';
import { logRun } from './run-log.js';
import { errorBody as errorBodySchema, runDetail, runInfo } from './schemas.js';
import type { ProxyTrust } from '../auth/client-address.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface RestAppOptions {
  readonly api: OrchestratorApi;
  /** Default: authentication off (every caller is the local admin). */
  readonly authenticator?: Authenticator;
  /** Serves `GET /metrics` when given. */
  readonly metrics?: MetricsSource;
  /** Largest request body, in bytes (default 1 MiB); larger ones get a 413. */
  readonly bodyLimit?: number;
  /** Fastify's logger option: false (default), true, or pino options / an instance. */
  readonly logger?: FastifyServerOptions['logger'];
  /** How often an idle event stream sends a keep-alive comment (default 15 s). */
  readonly sseKeepAliveMs?: number;
  /** The proxies whose X-Forwarded-For gives the caller's address (default: none). */
  readonly trustProxy?: ProxyTrust;
}

const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The caller's X-Request-ID when it is a sane one, else a new UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}

export async function buildRestApp(options: RestAppOptions): Promise<FastifyInstance> {
  const { api } = options;
  const app = fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // `request.ip`, which the failed-attempt limit counts by and the logs show.
    trustProxy: options.trustProxy ?? false,
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // A call about a run logs its id and trace id, as the engine's lines about the run do.
    if (request.routeOptions.url?.startsWith('/api/v1/workflows/:id') === true) {
      const { id } = request.params as { id?: string };
      if (id !== undefined) logRun(request, reply, id);
    }
  });
  // A POST without a body is an empty request: its schema then names what is missing.
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined && request.method !== 'GET') request.body = {};
    done();
  });
  // Bodies are JSON only: any other type (fastify also parses text/plain) is a 415 that says so.
  app.removeContentTypeParser('text/plain');
  installErrorHandlers(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'LLM-Orchestrator API',
        version: '1.0.0',
        description:
          'Start, follow and control workflow runs; the definition registry, dead letters and approvals.',
      },
      tags: [
        { name: 'runs' },
        { name: 'approvals' },
        { name: 'registry' },
        { name: 'dead letters' },
        { name: 'service' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  app.addSchema(errorBodySchema);
  app.addSchema(runInfo);
  app.addSchema(runDetail);
  installAuthentication(app, options.authenticator ?? NO_AUTHENTICATION);

  const open = new Set<AbortController>();
  app.addHook('preClose', (done) => {
    for (const stream of open) stream.abort();
    done();
  });
  registerRunRoutes(app, api, { keepAliveMs: options.sseKeepAliveMs ?? 15_000, open });
  registerRegistryRoutes(app, api);

  app.get(
    '/health',
    {
      schema: {
        tags: ['service'],
        summary: 'Liveness: 200 while the process runs',
        security: [],
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    () => Promise.resolve({ status: 'ok' }),
  );
  app.get(
    '/ready',
    {
      schema: {
        tags: ['service'],
        summary: 'Readiness: 503 while the store does not answer',
        security: [],
        response: {
          200: { type: 'object', properties: { status: { type: 'string' } } },
          503: { $ref: 'ErrorBody#' },
        },
      },
    },
    async (request, reply) => {
      if (await api.ready()) return { status: 'ready' };
      return reply.status(503).send(
        errorBody(request.id, {
          code: 'NOT_READY',
          message: 'not ready: the store does not answer',
          hint: 'check that the store (database) is reachable',
        }),
      );
    },
  );
  const metrics = options.metrics;
  if (metrics !== undefined) {
    app.get(
      '/metrics',
      {
        schema: {
          tags: ['service'],
          summary: 'Prometheus metrics',
          produces: [metrics.contentType],
        },
      },
      async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()),
    );
  }
  app.get('/openapi.json', { schema: { hide: true } }, () => Promise.resolve(app.swagger()));
  return app;
}
