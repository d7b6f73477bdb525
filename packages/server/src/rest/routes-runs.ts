/** The run routes: start, read, list, control, decide approvals, and follow a run's events. */
import type { FastifyInstance } from 'fastify';
import type { OrchestratorApi, StartRequest } from '../contract.js';
import { principalOf } from './authentication.js';
import { logRun } from './run-log.js';
import { errors, listQuery, listReply, runIdParams, runRef, startBody } from './schemas.js';
import { streamRunEvents, type SseOptions } from './sse.js';

const tags = ['runs'];
const runReply = (...statuses: number[]) => ({ 200: runRef, ...errors(404, 409, ...statuses) });

const decisionBody = {
  type: 'object',
  additionalProperties: false,
  properties: { comment: { type: 'string', maxLength: 2000 } },
} as const;

/** `status=a,b&status=c` → `[a, b, c]`. */
function statuses(value: readonly string[] | undefined): string[] | undefined {
  const all = (value ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return all.length === 0 ? undefined : all;
}

export function registerRunRoutes(
  app: FastifyInstance,
  api: OrchestratorApi,
  sse: SseOptions,
): void {
  app.post<{ Body: StartRequest }>(
    '/api/v1/workflows',
    {
      schema: {
        tags,
        summary: 'Start a run from an inline definition or a registered name@version',
        body: startBody,
        response: { 201: runRef, ...errors(404, 409, 413, 503) },
      },
    },
    async (request, reply) => {
      const run = await api.start(principalOf(request), request.body);
      logRun(request, reply, run.id);
      return reply
        .status(201)
        .header('location', `/api/v1/workflows/${encodeURIComponent(run.id)}`)
        .send(run);
    },
  );

  app.get<{
    Querystring: { status?: string[]; workflow?: string; limit?: number; cursor?: string };
  }>(
    '/api/v1/workflows',
    {
      schema: {
        tags,
        summary: 'List runs, newest first, with filters and pagination',
        querystring: listQuery,
        response: { 200: listReply, ...errors(503) },
      },
    },
    async (request) => {
      const q = request.query;
      const status = statuses(q.status);
      return api.list(principalOf(request), {
        ...(status === undefined ? {} : { status }),
        ...(q.workflow === undefined ? {} : { workflow: q.workflow }),
        ...(q.limit === undefined ? {} : { limit: q.limit }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/workflows/:id',
    {
      schema: {
        tags,
        summary: 'A run: status, inputs, outputs, tasks',
        params: runIdParams,
        response: { 200: { $ref: 'RunDetail#' }, ...errors(404, 503) },
      },
    },
    async (request) => api.get(principalOf(request), request.params.id),
  );

  app.delete<{ Params: { id: string }; Querystring: { reason?: string } }>(
    '/api/v1/workflows/:id',
    {
      schema: {
        tags,
        summary: 'Cancel a run',
        params: runIdParams,
        querystring: {
          type: 'object',
          properties: { reason: { type: 'string', maxLength: 500 } },
        },
        response: runReply(503),
      },
    },
    async (request) => api.cancel(principalOf(request), request.params.id, request.query.reason),
  );

  for (const kind of ['pause', 'resume'] as const) {
    app.post<{ Params: { id: string } }>(
      `/api/v1/workflows/:id/${kind}`,
      {
        schema: {
          tags,
          summary: kind === 'pause' ? 'Pause a run' : 'Resume a paused run',
          params: runIdParams,
          response: runReply(503),
        },
      },
      async (request) => api[kind](principalOf(request), request.params.id),
    );
  }

  app.post<{ Params: { id: string }; Body: { fromTask?: string } | undefined }>(
    '/api/v1/workflows/:id/retry',
    {
      schema: {
        tags,
        summary: 'Run a run that ended again, from a task (default: what did not complete)',
        params: runIdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { fromTask: { type: 'string', maxLength: 200 } },
        },
        response: runReply(503),
      },
    },
    async (request) => api.retry(principalOf(request), request.params.id, request.body?.fromTask),
  );

  for (const kind of ['approve', 'reject'] as const) {
    app.post<{ Params: { id: string; task: string }; Body: { comment?: string } | undefined }>(
      `/api/v1/workflows/:id/tasks/:task/${kind}`,
      {
        schema: {
          tags: ['approvals'],
          summary: `${kind === 'approve' ? 'Approve' : 'Reject'} a task waiting for approval`,
          params: {
            type: 'object',
            required: ['id', 'task'],
            properties: {
              id: { type: 'string', maxLength: 128 },
              task: { type: 'string', maxLength: 200 },
            },
          },
          body: decisionBody,
          response: runReply(503),
        },
      },
      async (request) => {
        const comment = request.body?.comment;
        return api[kind](principalOf(request), request.params.id, request.params.task, {
          ...(comment === undefined ? {} : { comment }),
        });
      },
    );
  }

  app.get<{ Params: { id: string }; Querystring: { after?: string } }>(
    '/api/v1/workflows/:id/events',
    {
      schema: {
        tags,
        summary: 'A run’s events as Server-Sent Events (resumable with Last-Event-ID or ?after)',
        description:
          'Journal entries (`id` = seq: `run.created`, `run.status`, `task.started`, `task.completed`, ...) and LLM token deltas (`task.chunk`, `id` = `<seq>.<n>`, live only). The stream ends after the run’s final `run.status`.',
        params: runIdParams,
        querystring: {
          type: 'object',
          properties: { after: { type: 'string', description: 'Resume after this event id' } },
        },
        headers: {
          type: 'object',
          properties: {
            'last-event-id': { type: 'string', description: 'Resume after this event id' },
          },
        },
        produces: ['text/event-stream'],
        response: {
          200: { description: 'text/event-stream', type: 'string' },
          ...errors(404, 503),
        },
      },
    },
    async (request, reply) => {
      await streamRunEvents(api, request, reply, sse);
    },
  );
}
