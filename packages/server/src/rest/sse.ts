/**
 * `GET /api/v1/workflows/:id/events`: a run's events as Server-Sent Events. Each journal entry is
 * sent with its seq as the event id, so a client that reconnects with `Last-Event-ID` (or
 * `?after=<seq>`) gets only what it missed; token deltas (`task.chunk`, id `<seq>.<n>`) are live
 * only. Comment lines keep idle connections open through proxies.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ServiceError, type OrchestratorApi, type RunEvent } from '../contract.js';
import { principalOf } from './authentication.js';
import { errorBody } from './error-reply.js';

export interface SseOptions {
  /** A comment line after this long without events (default 15 s). */
  readonly keepAliveMs: number;
  /** Streams open now: ended when the server closes. */
  readonly open: Set<AbortController>;
}

/** The seq to resume after: `Last-Event-ID` first (a reconnect), else `?after`, else 0. */
export function resumeAfter(lastEventId: string | undefined, after: string | undefined): number {
  const given = lastEventId ?? after;
  if (given === undefined || given === '') return 0;
  const m = /^(\d{1,15})(?:\.\d{1,15})?$/.exec(given.trim());
  if (m === null) {
    throw new ServiceError(
      'invalid',
      'INVALID_EVENT_ID',
      `\`${given.slice(0, 40)}\` is not an event id of this stream (a seq, or <seq>.<n>)`,
    );
  }
  return Number(m[1]);
}

function frame(e: RunEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

type First = { ok: IteratorResult<RunEvent> } | { err: unknown } | undefined;

export async function streamRunEvents(
  api: OrchestratorApi,
  request: FastifyRequest<{ Params: { id: string }; Querystring: { after?: string } }>,
  reply: FastifyReply,
  options: SseOptions,
): Promise<void> {
  const lastEventId = request.headers['last-event-id'];
  const after = resumeAfter(
    Array.isArray(lastEventId) ? lastEventId[0] : lastEventId,
    request.query.after,
  );
  const abort = new AbortController();
  const events = api.events(principalOf(request), request.params.id, after, abort.signal);
  const iterator = events[Symbol.asyncIterator]();
  // A bad request (unknown run, forbidden) fails at once: answer it with a status, not a stream.
  const pending = iterator.next();
  const first: First = await Promise.race([
    pending.then(
      (ok) => ({ ok }),
      (err: unknown) => ({ err }),
    ),
    new Promise<undefined>((resolve) => {
      setTimeout(() => {
        resolve(undefined);
      }, 250);
    }),
  ]);
  if (first !== undefined && 'err' in first) throw first.err;
  const raw = reply.raw;
  reply.hijack();
  options.open.add(abort);
  raw.on('close', () => {
    abort.abort();
  });
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const write = async (text: string): Promise<void> => {
    if (raw.destroyed || raw.writableEnded) return;
    if (!raw.write(text)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          raw.off('drain', done);
          raw.off('close', done);
          resolve();
        };
        raw.on('drain', done);
        raw.on('close', done);
      });
    }
  };
  raw.write(`retry: 1000\n: run ${request.params.id}, after ${String(after)}\n\n`);
  const keepAlive = setInterval(() => {
    if (!raw.destroyed) raw.write(': keep-alive\n\n');
  }, options.keepAliveMs);
  try {
    let next = await pending;
    while (next.done !== true && !abort.signal.aborted) {
      await write(frame(next.value));
      next = await iterator.next();
    }
  } catch (err) {
    request.log.warn({ err }, 'event stream failed');
    const e = err instanceof ServiceError ? err : undefined;
    const body = errorBody(request.id, {
      code: e?.code ?? 'STREAM_FAILED',
      message: e?.message ?? 'the event stream failed',
    });
    await write(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
  } finally {
    clearInterval(keepAlive);
    options.open.delete(abort);
    abort.abort();
    await iterator.return?.();
    if (!raw.writableEnded) raw.end();
  }
}
