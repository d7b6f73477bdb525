/*
 * The fake LLM server (`@llm-orchestrator/llm/testing`) on a thread of its own, for `llm.bench.ts`:
 * its work does not share the event loop of the calls being measured. Every model request is
 * answered with `reply` (the queue is kept full, and the recorded requests are dropped, twice a
 * second); the thread posts the server's `v1BaseUrl` once it listens.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startFakeLlmServer, type ReplyStep } from '@llm-orchestrator/llm/testing';

export interface FakeLlmWorkerData {
  readonly chunkDelayMs: number;
  readonly reply: ReplyStep;
}

const REFILL_MS = 500;
/** More requests than one refill period can bring. */
const QUEUED = 20_000;

const { chunkDelayMs, reply } = workerData as FakeLlmWorkerData;
const server = await startFakeLlmServer({ chunkDelayMs });
const refill = (): void => {
  server.reset();
  for (let i = 0; i < QUEUED; i++) server.script(reply);
};
refill();
setInterval(refill, REFILL_MS);
parentPort?.postMessage(server.v1BaseUrl);
