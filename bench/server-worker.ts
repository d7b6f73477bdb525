/*
 * The orchestrator server on a thread of its own, for `server.bench.ts`: its work does not share
 * the event loop of the load-generating client. It opens the store named by `workerData` (a SQLite
 * file, or a PostgreSQL schema that the bench creates and drops), runs `createEngine({ store })`
 * under `createOrchestratorServer`, listens on 127.0.0.1 (any free port) and posts its URL. On the
 * message `'close'` it closes the server (and engine), then the store, and posts `'closed'`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEngine, type Store } from '@llm-orchestrator/core';
import { openPostgresStore } from '@llm-orchestrator/postgres';
import { createOrchestratorServer } from '@llm-orchestrator/server';
import { openSqliteStore } from '@llm-orchestrator/sqlite';

export type ServerWorkerData =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema: string };

const data = workerData as ServerWorkerData;
const port = parentPort;
if (port === null) throw new Error('server-worker.ts runs on a worker thread');

const store: Store =
  data.kind === 'sqlite'
    ? openSqliteStore(data.path)
    : await openPostgresStore({ connectionString: data.connectionString, schema: data.schema });
const server = await createOrchestratorServer({ engine: createEngine({ store }), store });
const { url } = await server.listen({ host: '127.0.0.1', port: 0 });

port.on('message', (message: unknown) => {
  if (message !== 'close') return;
  void (async () => {
    await server.close();
    await store.close();
    port.postMessage('closed');
  })();
});
port.postMessage(url);
