/**
 * The server-streaming events call: a run's events to its end, resuming after a seq, and the API's
 * event iterable aborted when the client cancels the stream (by its signal or by leaving the loop).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../contract.js';
import type { GrpcClient } from './client.js';
import { gated, startGrpcFixture, until, type EngineApi } from './grpc-test-helpers.js';

let api: EngineApi;
let operator: GrpcClient;
let viewer: GrpcClient;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ api, operator, viewer, close } = await startGrpcFixture());
});

afterAll(async () => {
  await close();
});

describe('gRPC transport', () => {
  it('streams a run’s events to its end, and resumes after a seq', async () => {
    const run = await operator.execute({ definition: gated('stream') });
    const seen: RunEvent[] = [];
    const reading = (async () => {
      for await (const event of viewer.events(run.id)) seen.push(event);
    })();
    await api.open('stream');
    await reading;
    expect(seen.map((e) => e.id)).toEqual(seen.map((_, i) => String(i + 1)));
    expect(seen[0]).toEqual({ id: '1', type: 'run.status', data: { status: 'running' } });
    expect(seen.at(-1)).toEqual({
      id: String(seen.length),
      type: 'run.status',
      data: { status: 'completed' },
    });
    expect(seen.filter((e) => e.type === 'task.status').map((e) => e.data)).toContainEqual(
      expect.objectContaining({ taskId: 'wait', status: 'completed' }),
    );
    const detail = await operator.status(run.id);
    expect(detail.outputs).toEqual({ result: 'stream opened' });

    const resumed: RunEvent[] = [];
    for await (const event of viewer.events(run.id, { afterSeq: seen.length - 2 })) {
      resumed.push(event);
    }
    expect(resumed).toEqual(seen.slice(-2));
  });

  it('aborts the API’s event iterable when the client cancels the stream', async () => {
    const run = await operator.execute({ definition: gated('cancel-stream') });
    const controller = new AbortController();
    const seen: RunEvent[] = [];
    for await (const event of operator.events(run.id, { signal: controller.signal })) {
      seen.push(event);
      controller.abort();
    }
    expect(seen).toHaveLength(1);
    await until(() => api.aborted.includes(run.id));

    // Leaving the loop early cancels the call too.
    const early = await operator.execute({ definition: gated('break-stream') });
    const iterator = operator.events(early.id)[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    await iterator.return?.(); // what `break` does
    await until(() => api.aborted.includes(early.id));

    await operator.cancel(run.id, 'test over');
    await operator.cancel(early.id);
    expect((await operator.status(run.id)).error).toEqual({
      code: 'Cancelled',
      message: 'test over',
    });
  });
});
