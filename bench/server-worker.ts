/*
 * The orchestrator server on a thread of its own, for `server.bench.ts`: its work does not share
 * the event loop of the load-generating client. It opens the store named by `workerData` (a SQLite
 * file, or a PostgreSQL schema that the bench creates and drops), runs `createEngine({ store })`
 * under `createOrchestratorServer`, listens on 127.0.0.1 (any free port) and posts its URL.
 *
 * Messages: `'record'` starts timing requests as the server sees them (from the request's arrival
 * to the response's end, per method, for `/api/v1/workflows...` without a query); `'report'`
 * posts those timings (`Timings`) and stops; `'close'` closes the server (and engine), then the
 * store, and posts `'closed'`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEngine, type Store } from '@llm-orchestrator/core';
import { openPostgresStore } from '@llm-orchestrator/postgres';
import { createOrchestratorServer } from '@llm-orchestrator/server';
import { openSqliteStore } from '@llm-orchestrator/sqlite';

export type ServerWorkerData =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema: string };

/** Request durations in ms as the server saw them, starts (POST) and status reads (GET). */
export interface Timings {
  readonly type: 'timings';
  readonly starts: number[];
  readonly reads: number[];
}

const data = workerData as ServerWorkerData;
const port = parentPort;
if (port === null) throw new Error('server-worker.ts runs on a worker thread');

const store: Store =
  data.kind === 'sqlite'
    ? openSqliteStore(data.path)
    : await openPostgresStore({ connectionString: data.connectionString, schema: data.schema });
const server = await createOrchestratorServer({ engine: createEngine({ store }), store });
const { url } = await server.listen({ host: '127.0.0.1', port: 0 });

let timings: Timings | undefined;
server.app.server.on('request', (req: { method?: string; url?: string }, res) => {
  const recording = timings;
  if (recording === undefined || req.url?.startsWith('/api/v1/workflows') !== true) return;
  if (req.url.includes('?')) return;
  const start = performance.now();
  const into = req.method === 'POST' ? recording.starts : recording.reads;
  res.on('finish', () => into.push(performance.now() - start));
});

port.on('message', (message: unknown) => {
  if (message === 'record') {
    timings = { type: 'timings', starts: [], reads: [] };
  } else if (message === 'report') {
    port.postMessage(timings ?? { type: 'timings', starts: [], reads: [] });
    timings = undefined;
  } else if (message === 'close') {
    void (async () => {
      await server.close();
      await store.close();
      port.postMessage('closed');
    })();
  }
});
port.postMessage(url);
