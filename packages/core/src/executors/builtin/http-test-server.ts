/**
 * A local HTTP server for the `http:request` tests (127.0.0.1, port 0: no external network).
 * Test-only: nothing in the library imports this file.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** Resolves when a request for `path` has arrived (its body read). */
  whenArrived(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Routes: /echo, /text, /empty-json, /problem, /bad-json, /status/<n>?retryAfter=, /redirect,
 * /big?n=<bytes>[&length], /reset, /slow-body, /hang; anything else is a 404. */
export async function startTestServer(): Promise<TestServer> {
  let arrived: ((path: string) => void) | undefined;
  const server = createServer((req, res) => {
    handle(req, res, (p) => arrived?.(p));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    whenArrived: (path) =>
      new Promise((resolve) => {
        arrived = (p) => {
          if (p === path) resolve();
        };
      }),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

function handle(req: IncomingMessage, res: ServerResponse, arrived: (path: string) => void): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    arrived(url.pathname);
    const body = Buffer.concat(chunks).toString('utf8');
    const p = url.pathname;
    if (p === '/echo') {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('x-test', 'yes');
      res.end(
        JSON.stringify({
          method: req.method,
          query: [...url.searchParams],
          headers: req.headers,
          body,
        }),
      );
    } else if (p === '/text') {
      res.setHeader('content-type', 'text/plain');
      res.end('plain text ✓');
    } else if (p === '/empty-json') {
      res.setHeader('content-type', 'application/json');
      res.statusCode = 200;
      res.end();
    } else if (p === '/problem') {
      res.setHeader('content-type', 'application/problem+json');
      res.end('{"title":"p"}');
    } else if (p === '/bad-json') {
      res.setHeader('content-type', 'application/json');
      res.end('{oops');
    } else if (p.startsWith('/status/')) {
      res.statusCode = Number(p.slice('/status/'.length));
      const retryAfter = url.searchParams.get('retryAfter');
      if (retryAfter !== null) res.setHeader('retry-after', retryAfter);
      res.setHeader('content-type', 'text/plain');
      res.end(`status body ${res.statusCode}`);
    } else if (p === '/redirect') {
      res.statusCode = 302;
      res.setHeader('location', '/text');
      res.end();
    } else if (p === '/big') {
      const n = Number(url.searchParams.get('n'));
      if (url.searchParams.has('length')) res.setHeader('content-length', String(n));
      res.setHeader('content-type', 'text/plain');
      // Chunks, so that the cap trips before everything arrived.
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = (): void => {
        while (sent < n) {
          const part = chunk.subarray(0, Math.min(chunk.length, n - sent));
          sent += part.length;
          if (!res.write(part)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    } else if (p === '/reset') {
      req.socket.destroy();
    } else if (p === '/slow-body') {
      res.setHeader('content-type', 'text/plain');
      res.write('partial');
      // never ends
    } else if (p === '/hang') {
      // never answers
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
}
