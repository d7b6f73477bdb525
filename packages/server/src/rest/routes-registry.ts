/** The definition registry and the dead-letter queue. */
import type { FastifyInstance } from 'fastify';
import type { OrchestratorApi } from '../contract.js';
import { principalOf } from './authentication.js';
import { errors, runRef, workflowVersion } from './schemas.js';

export function registerRegistryRoutes(app: FastifyInstance, api: OrchestratorApi): void {
  app.get<{ Querystring: { name?: string } }>(
    '/api/v1/registry',
    {
      schema: {
        tags: ['registry'],
        summary: 'Registered workflow versions (of one name, or all), oldest first',
        querystring: { type: 'object', properties: { name: { type: 'string' } } },
        response: {
          200: {
            type: 'object',
            properties: { workflows: { type: 'array', items: workflowVersion } },
          },
          ...errors(503),
        },
      },
    },
    async (request) => ({
      workflows: await api.listWorkflows(principalOf(request), request.query.name),
    }),
  );

  app.post<{ Body: { definition: unknown } }>(
    '/api/v1/registry',
    {
      schema: {
        tags: ['registry'],
        summary:
          'Register a definition as name@version (from its metadata); versions are immutable',
        body: {
          type: 'object',
          required: ['definition'],
          additionalProperties: false,
          properties: {
            definition: {
              description: 'A workflow document (object) or its YAML/JSON text',
              anyOf: [
                { type: 'object', additionalProperties: true },
                { type: 'array' },
                { type: 'string' },
              ],
            },
          },
        },
        response: { 201: workflowVersion, ...errors(409, 413, 503) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await api.registerWorkflow(principalOf(request), request.body.definition)),
  );

  app.get(
    '/api/v1/dlq',
    {
      schema: {
        tags: ['dead letters'],
        summary: 'Dead letters: tasks and runs that failed for good, oldest first',
        response: {
          200: {
            type: 'object',
            properties: {
              deadLetters: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          ...errors(503),
        },
      },
    },
    async (request) => ({ deadLetters: await api.listDeadLetters(principalOf(request)) }),
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/dlq/:id/retry',
    {
      schema: {
        tags: ['dead letters'],
        summary: "Run a dead letter's run again (from its task) and remove the dead letter",
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        response: { 200: runRef, ...errors(404, 409, 503) },
      },
    },
    async (request) => api.retryDeadLetter(principalOf(request), request.params.id),
  );

  app.delete(
    '/api/v1/dlq',
    {
      schema: {
        tags: ['dead letters'],
        summary: 'Remove every dead letter',
        response: {
          200: { type: 'object', properties: { purged: { type: 'integer' } } },
          ...errors(503),
        },
      },
    },
    async (request) => api.purgeDeadLetters(principalOf(request)),
  );
}
