/** The log lines of a request about a run carry the run's id and trace id. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { traceIdOf } from '../observability/tracing.js';

/** From now on, the request's log lines name the run it is about and the run's trace. */
export function logRun(request: FastifyRequest, reply: FastifyReply, runId: string): void {
  const log = request.log.child({ runId, traceId: traceIdOf(runId) });
  request.log = log;
  reply.log = log;
}
