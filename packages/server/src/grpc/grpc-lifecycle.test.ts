/**
 * Runs over gRPC, against a real server over a real engine: execute (a definition, a chosen run
 * id, a registered workflow), status to completion, pause/resume/cancel/retry/approve, and paged
 * listing. The last test lists what the ones before it started, so the order matters.
 */
import { status as Status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrpcClient } from './client.js';
import {
  failure,
  FINAL,
  gated,
  greet,
  startGrpcFixture,
  until,
  type EngineApi,
} from './grpc-test-helpers.js';

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
  it('executes a YAML definition and reports its status to completion', async () => {
    const started = await operator.execute({ definition: greet, inputs: { who: 'grpc' } });
    expect(started.id).toMatch(/\S/);
    expect(started.workflow).toEqual({ name: 'greet', version: '1.0.0' });
    expect(started.owner).toBe('k-op');
    await until(() => FINAL.has(api.engine.get(started.id)?.status() ?? ''));
    const detail = await viewer.status(started.id);
    expect(detail.status).toBe('completed');
    expect(detail.outputs).toEqual({ greeting: 'hello grpc' });
    expect(detail.tasks).toEqual([
      { id: 'hello', status: 'completed', attempts: 1, outputs: { result: 'hello grpc' } },
    ]);
    expect(detail.error).toBeUndefined();
    expect(detail.seq).toBeGreaterThan(0);
  });

  it('takes a chosen run id, and refuses it a second time with FAILED_PRECONDITION', async () => {
    const run = await operator.execute({
      definition: greet,
      inputs: { who: 'again' },
      runId: 'chosen-1',
    });
    expect(run.id).toBe('chosen-1');
    const err = await failure(
      operator.execute({ definition: greet, inputs: { who: 'x' }, runId: 'chosen-1' }),
    );
    expect(err.grpcCode).toBe(Status.FAILED_PRECONDITION);
    expect(err.kind).toBe('conflict');
    expect(err.code).toBe('RUN_EXISTS');
    expect(err.message).toContain('chosen-1');
  });

  it('executes a registered workflow by reference', async () => {
    await api.engine.register(greet);
    const run = await operator.execute({ workflow: 'greet@1.0.0', inputs: { who: 'ref' } });
    expect(run.workflow).toEqual({ name: 'greet', version: '1.0.0' });
    const err = await failure(operator.execute({ workflow: 'nothing@9.9.9' }));
    expect(err.grpcCode).toBe(Status.NOT_FOUND);
    expect(err.code).toBe('WORKFLOW_NOT_FOUND');
  });

  it('controls runs: pause, resume, cancel; a wrong state is FAILED_PRECONDITION', async () => {
    const run = await operator.execute({ definition: gated('control') });
    expect((await operator.pause(run.id)).status).toBe('paused');
    const again = await failure(operator.pause(run.id));
    expect(again.grpcCode).toBe(Status.FAILED_PRECONDITION);
    expect(again.code).toBe('INVALID_RUN_STATE');
    expect(again.message).toContain('cannot pause run');
    expect((await operator.resume(run.id)).status).toBe('running');
    const cancelled = await operator.cancel(run.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error).toEqual({ code: 'Cancelled', message: 'cancelled by request' });
    expect((await operator.retry(run.id)).status).toBe('running');
    await operator.cancel(run.id);
    const decision = await failure(operator.approve(run.id, 'wait', 'ok'));
    expect(decision.grpcCode).toBe(Status.FAILED_PRECONDITION);
  });

  it('lists executions a page at a time', async () => {
    const first = await viewer.list({ limit: 2 });
    expect(first.runs).toHaveLength(2);
    expect(first.next).toBe('2');
    const second = await viewer.list({ limit: 2, cursor: first.next ?? '' });
    expect(second.runs[0]?.id).not.toBe(first.runs[0]?.id);
    const cancelled = await viewer.list({ status: ['cancelled'] });
    expect(cancelled.runs.length).toBeGreaterThan(0);
    expect(cancelled.runs.every((r) => r.status === 'cancelled')).toBe(true);
  });
});
