/*
 * The LLM layer's cost on top of the AI SDK: the same streamed OpenAI chat call made directly with
 * `streamText` and as a one-task `llm:chat` workflow run by the engine (in memory, then journalled
 * to SQLite), against the fake LLM server (`@llm-orchestrator/llm/testing`) listening on 127.0.0.1,
 * on a worker thread of this process (`fake-llm-worker.ts`), so that its work does not share the
 * event loop of the calls measured. The overheads are differences of medians, taken from calls
 * made in alternating blocks so that machine noise hits every kind alike.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createOpenAI } from '@ai-sdk/openai';
import { streamText, type LanguageModel } from 'ai';
import {
  createEngine,
  MemoryStore,
  workflow,
  type Engine,
  type RunResult,
  type Store,
} from '@llm-orchestrator/core';
import { createLlmPlugin, parseLlmConfig } from '@llm-orchestrator/llm';
import type { ReplyStep } from '@llm-orchestrator/llm/testing';
import { openSqliteStore } from '@llm-orchestrator/sqlite';
import type { FakeLlmWorkerData } from './fake-llm-worker.js';
import type { Benchmark, Figure } from './harness.js';

const MODEL = 'gpt-4o-mini';
const PROMPT = 'Describe the sea in twenty words.';
/** 20 words, streamed one word per chunk. */
const REPLY: ReplyStep = {
  kind: 'reply',
  text: 'The sea is a vast restless body of salt water, shimmering blue under the sun and dark grey beneath storms.',
};
/** For time to first token: a short reply, so each paced call ends soon after its first token. */
const SHORT_REPLY: ReplyStep = { kind: 'reply', text: 'Waves.' };

/** Sequential calls of each kind (direct, engine in memory, engine on SQLite), 10 at a time. */
const WARM_UP = 50;
const CALLS = 400;
const BLOCK = 10;
/** Paced calls take ~80 ms each (4 gaps): fewer of them, alternating call by call. */
const TTFT_CHUNK_DELAY_MS = 20;
const TTFT_WARM_UP = 5;
const TTFT_CALLS = 100;
const TTFT_BLOCK = 1;
const CONCURRENCY = 32;
const THROUGHPUT_MS = 2500;

const chatWorkflow = workflow('llm-bench')
  .task('chat', {
    executor: 'llm:chat',
    inputs: { provider: 'openai', model: MODEL, prompt: PROMPT },
  })
  .build();

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The fake server on its worker thread, answering every model request with `reply`. */
interface ServerThread {
  readonly v1BaseUrl: string;
  close(): Promise<void>;
}

async function startServerThread(data: FakeLlmWorkerData): Promise<ServerThread> {
  const worker = new Worker(new URL('./fake-llm-worker.js', import.meta.url), { workerData: data });
  const [v1BaseUrl] = (await once(worker, 'message')) as [string];
  return {
    v1BaseUrl,
    close: async () => {
      await worker.terminate();
    },
  };
}

function sdkModel(server: ServerThread): LanguageModel {
  return createOpenAI({ baseURL: server.v1BaseUrl, apiKey: 'k' }).chat(MODEL);
}

function llmEngine(server: ServerThread, store: Store): Engine {
  const config = parseLlmConfig({
    providers: { openai: { kind: 'openai', baseUrl: server.v1BaseUrl, apiKey: 'k' } },
  });
  const llm = createLlmPlugin({ config, store });
  const engine = createEngine({ store });
  llm.install(engine);
  return engine;
}

/** Streams one reply with the AI SDK; returns the time to the first text and to the end, in ms. */
async function direct(
  model: LanguageModel,
  reply: ReplyStep,
): Promise<{ ttft: number; total: number }> {
  const start = performance.now();
  let ttft: number | undefined;
  let text = '';
  const result = streamText({ model, prompt: PROMPT, maxRetries: 0, onError: () => undefined });
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') {
      if (part.text !== '') ttft ??= performance.now() - start;
      text += part.text;
    } else if (part.type === 'error') {
      throw part.error;
    }
  }
  const total = performance.now() - start;
  if (text !== reply.text || ttft === undefined) throw new Error(`direct call answered "${text}"`);
  return { ttft, total };
}

function check(result: RunResult, reply: ReplyStep): void {
  const text = result.tasks[0]?.outputs?.['text'];
  if (result.status !== 'completed' || text !== reply.text) {
    throw new Error(`run ${result.status}: ${JSON.stringify(result.error ?? text)}`);
  }
}

/** One `llm:chat` run, in ms; with `flush`, until its journal is committed. */
async function viaEngine(engine: Engine, store: Store, flush: boolean): Promise<number> {
  const start = performance.now();
  const result = await engine.run(chatWorkflow);
  if (flush) await store.flush();
  const ms = performance.now() - start;
  check(result, REPLY);
  return ms;
}

/** One `llm:chat` run: the time from `engine.start` to its first non-empty `task.chunk` event. */
async function engineTtft(engine: Engine): Promise<number> {
  let runId: string | undefined;
  let ttft: number | undefined;
  const start = performance.now();
  const off = engine.on((e) => {
    if (e.type === 'task.chunk' && e.runId === runId && e.data !== '') {
      ttft ??= performance.now() - start;
    }
  });
  try {
    const handle = engine.start(chatWorkflow);
    runId = handle.id;
    check(await handle.wait(), SHORT_REPLY);
  } finally {
    off();
  }
  if (ttft === undefined) throw new Error('no task.chunk event');
  return ttft;
}

/**
 * Calls each of `kinds` `calls` times, in blocks of `block` calls of one kind, the kinds taking
 * turns (and which goes first rotating); returns the timings of each kind.
 */
async function interleaved(
  calls: number,
  block: number,
  kinds: readonly (() => Promise<number>)[],
): Promise<number[][]> {
  const samples = kinds.map(() => [] as number[]);
  for (let round = 0; round * block < calls; round++) {
    for (let k = 0; k < kinds.length; k++) {
      const i = (round + k) % kinds.length;
      const kind = kinds[i] as () => Promise<number>;
      const into = samples[i] as number[];
      for (let n = 0; n < block; n++) into.push(await kind());
    }
  }
  return samples;
}

/** Calls per second with `CONCURRENCY` calls of `call` in flight for about `ms`. */
async function throughput(call: () => Promise<unknown>, ms: number): Promise<number> {
  let calls = 0;
  const start = performance.now();
  const deadline = start + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await call();
      calls++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (calls / (performance.now() - start)) * 1000;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'llm (streamed chat calls, fake OpenAI server)',
    async run(): Promise<Figure[]> {
      const dir = mkdtempSync(join(tmpdir(), 'llmo-bench-llm-'));
      const server = await startServerThread({ chunkDelayMs: 0, reply: REPLY });
      const paced = await startServerThread({
        chunkDelayMs: TTFT_CHUNK_DELAY_MS,
        reply: SHORT_REPLY,
      });
      const memory = new MemoryStore();
      const sqlite = openSqliteStore(join(dir, 'state.db'));
      const inMemory = llmEngine(server, memory);
      const durable = llmEngine(server, sqlite);
      const pacedEngine = llmEngine(paced, new MemoryStore());
      try {
        const model = sdkModel(server);
        const kinds = [
          async () => (await direct(model, REPLY)).total,
          () => viaEngine(inMemory, memory, false),
          () => viaEngine(durable, sqlite, true),
        ];
        await interleaved(WARM_UP, BLOCK, kinds);
        const [sdk, mem, sql] = (await interleaved(CALLS, BLOCK, kinds)).map(median) as [
          number,
          number,
          number,
        ];

        const pacedModel = sdkModel(paced);
        const ttftKinds = [
          async () => (await direct(pacedModel, SHORT_REPLY)).ttft,
          () => engineTtft(pacedEngine),
        ];
        await interleaved(TTFT_WARM_UP, TTFT_BLOCK, ttftKinds);
        const [ttftSdk, ttftEngine] = (await interleaved(TTFT_CALLS, TTFT_BLOCK, ttftKinds)).map(
          median,
        ) as [number, number];

        const directCall = () => direct(model, REPLY);
        const engineCall = async () => {
          check(await inMemory.run(chatWorkflow), REPLY);
        };
        await throughput(directCall, 300); // warm-up
        const directPerSecond = await throughput(directCall, THROUGHPUT_MS);
        await throughput(engineCall, 300); // warm-up
        const enginePerSecond = await throughput(engineCall, THROUGHPUT_MS);

        return [
          { name: 'direct AI SDK call (20-word stream), median', value: sdk, unit: 'ms' },
          {
            name: 'engine overhead per call (memory store)',
            value: mem - sdk,
            unit: 'ms',
            target: 1,
            better: 'lower',
          },
          {
            name: 'engine overhead per call (SQLite, flushed)',
            value: sql - sdk,
            unit: 'ms',
            target: 1,
            better: 'lower',
          },
          {
            name: `direct time to first token (${String(TTFT_CHUNK_DELAY_MS)} ms pacing), median`,
            value: ttftSdk,
            unit: 'ms',
          },
          {
            name: 'time-to-first-token overhead (memory store)',
            value: ttftEngine - ttftSdk,
            unit: 'ms',
            target: 1,
            better: 'lower',
          },
          {
            name: `direct AI SDK calls/s, ${String(CONCURRENCY)} concurrent`,
            value: directPerSecond,
            unit: 'calls/s',
          },
          {
            name: `calls/s through the engine, ${String(CONCURRENCY)} concurrent runs`,
            value: enginePerSecond,
            unit: 'calls/s',
          },
        ];
      } finally {
        await Promise.all([inMemory.close(), durable.close(), pacedEngine.close()]);
        await sqlite.close();
        await Promise.all([server.close(), paced.close()]);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
