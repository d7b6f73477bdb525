/** HTTP plumbing: JSON responses, server-sent events (writing and parsing), abortable sleeps. */
import type { ServerResponse } from 'node:http';

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload).toString(),
    ...headers,
  });
  res.end(payload);
}

/** Everything a reply writer needs: where to write, the model, ids, and whether to stop. */
export interface ReplyContext {
  readonly res: ServerResponse;
  readonly model: string;
  /** Aborted when the client goes away or the server closes. */
  readonly gone: AbortSignal;
  /** A fresh id: `prefix` followed by a per-server sequence number. */
  nextId(prefix: string): string;
}

export function openStream(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  res.flushHeaders();
}

/** Writes pre-formatted SSE blocks, pausing `delayMs` between them; stops if the client goes. */
export async function writeEvents(
  res: ServerResponse,
  events: readonly string[],
  delayMs: number,
  gone: AbortSignal,
): Promise<void> {
  for (const [index, text] of events.entries()) {
    if (gone.aborted) return;
    if (index > 0 && delayMs > 0) await sleep(delayMs, gone);
    if (gone.aborted) return;
    res.write(text);
  }
  res.end();
}

/** One server-sent event: `event` is `undefined` when the block has no `event:` line. */
export interface SseEvent {
  readonly event: string | undefined;
  readonly data: string;
}

/** Parses a complete SSE body (blocks separated by a blank line). */
export function parseSse(body: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of body.replace(/\r\n/g, '\n').split('\n\n')) {
    if (block.trim() === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    events.push({ event, data: data.join('\n') });
  }
  return events;
}
