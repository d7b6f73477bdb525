/**
 * A run's event stream: its journal entries after a seq (`store.read`), then the ones that follow
 * (the journal is polled, so a run executed by another process is followed too), with the LLM token
 * deltas (`task.chunk`) of runs executing in this process in between. Ends once the run's terminal
 * `run.status` has been sent and nothing follows it, or when the signal aborts.
 */
import {
  TERMINAL_RUN_STATES,
  type Engine,
  type RunStatus,
  type Store,
} from '@llm-orchestrator/core';
import type { RunEvent } from '../contract.js';

export interface RunEventsOptions {
  /** How often the journal is read while nothing happens (default 100 ms). */
  readonly pollMs?: number;
  /** Token deltas kept for a slow reader at most; older ones are dropped (default 10,000). */
  readonly maxBufferedChunks?: number;
}

/** Waits `ms`, or less when woken or aborted. */
function pause(
  ms: number,
  signal: AbortSignal,
  wake: { fn?: (() => void) | undefined },
): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      wake.fn = undefined;
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    wake.fn = done;
  });
}

function isTerminalStatus(entry: { type: string; status?: unknown }): boolean {
  return entry.type === 'run.status' && TERMINAL_RUN_STATES.has(entry.status as RunStatus);
}

export async function* runEvents(
  engine: Engine,
  store: Store,
  runId: string,
  afterSeq: number,
  signal: AbortSignal,
  options: RunEventsOptions = {},
): AsyncGenerator<RunEvent, void, undefined> {
  const pollMs = options.pollMs ?? 100;
  const maxChunks = options.maxBufferedChunks ?? 10_000;
  const chunks: { taskId: string; at: number; data: string }[] = [];
  const wake: { fn?: (() => void) | undefined } = {};
  const off = engine.on((e) => {
    if (e.type !== 'task.chunk' || e.runId !== runId) return;
    if (chunks.length >= maxChunks) chunks.shift();
    chunks.push({ taskId: e.taskId, at: e.at, data: e.data });
    wake.fn?.();
  });
  let last = afterSeq;
  let n = 0;
  // Whether the last entry sent is the run's terminal status.
  let ended = false;
  try {
    if (afterSeq > 0) {
      // Resuming after the run's end: there is nothing more to send once a read confirms it.
      const [at] = await store.read(runId, afterSeq - 1, 1);
      ended = at !== undefined && at.seq === afterSeq && isTerminalStatus(at.entry);
    }
    while (!signal.aborted) {
      for (const chunk of chunks.splice(0)) {
        n += 1;
        yield { id: `${String(last)}.${String(n)}`, type: 'task.chunk', data: chunk };
      }
      const entries = await store.read(runId, last);
      for (const { seq, entry } of entries) {
        if (signal.aborted) return;
        yield { id: String(seq), type: entry.type, data: { ...entry } };
        last = seq;
        n = 0;
        ended = isTerminalStatus(entry);
      }
      // The terminal status was sent and a read found nothing after it (a retry would add some).
      if (ended && entries.length === 0) return;
      if (ended) continue;
      await pause(pollMs, signal, wake);
    }
  } finally {
    off();
  }
}
