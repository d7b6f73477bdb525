/**
 * Controlling a run from other processes: a foreground run paused, resumed and cancelled by other
 * CLI invocations; a foreground run interrupted with SIGINT and continued by `resume` without
 * running again what had completed; a long-running worker.
 */
import { describe, expect, it } from 'vitest';
import { SLOW, StateDir, countPerTask, tempDir, writeFile } from './cli-durable-helpers.js';

const slow = writeFile(tempDir('llmo-control-files-'), 'slow.yaml', SLOW);

describe('llm-orchestrator cancel, pause and resume', { timeout: 180_000 }, () => {
  it('pauses, resumes and cancels a run another process executes', async () => {
    const state = new StateDir();
    const run = state.start(['run', slow, '--run-id', 'ctl', '-i', 'step=5s', '-o', 'json']);
    await state.waitFor('ctl', (v) => v.status === 'running' && v.owner !== undefined);

    const pause = state.cli(['pause', 'ctl']);
    expect(pause.stderr).toBe('');
    expect(pause.code).toBe(0);
    expect(pause.stdout).toMatch(/^pause requested: applied by \S+ \(run ctl is paused\)\n$/);
    const paused = state.status('ctl');
    expect(paused.status).toBe('paused');
    expect(paused.owner).toBeDefined(); // still held by the foreground process
    // The attempt in flight finishes; nothing new starts while paused.
    const settled = await state.waitFor('ctl', (v) => !v.tasks.some((t) => t.status === 'running'));
    expect(settled.status).toBe('paused');
    const done = settled.tasks.filter((t) => t.status === 'completed').length;
    await new Promise((r) => setTimeout(r, 5500));
    expect(state.status('ctl').tasks.filter((t) => t.status === 'completed')).toHaveLength(done);
    expect(state.cli(['pause', 'ctl']).stdout).toBe('run ctl is already paused\n');

    const resume = state.cli(['resume', 'ctl']);
    expect(resume.code).toBe(0);
    expect(resume.stdout).toMatch(/^resume requested: applied by \S+ \(run ctl is running\)\n$/);
    await state.waitFor('ctl', (v) => v.tasks.some((t) => t.status === 'running'));

    const cancel = state.cli(['cancel', 'ctl', '--reason', 'enough of that']);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/^cancel requested: applied by \S+ \(run ctl is cancelled\)\n$/);
    const result = await run.done;
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)).toMatchObject({
      runId: 'ctl',
      status: 'cancelled',
      error: { code: 'Cancelled', message: 'enough of that' },
    });
    expect(result.stderr).toBe('run ctl cancelled: enough of that\n');
    const final = state.status('ctl');
    expect(final).toMatchObject({ status: 'cancelled', error: { message: 'enough of that' } });
    expect(final.owner).toBeUndefined();
    expect(state.cli(['cancel', 'ctl']).code).toBe(1);
  });

  it('applies pause and cancel itself to a run no process holds', () => {
    const state = new StateDir();
    const id = state.cli(['run', slow, '--detach', '--no-spawn', '-i', 'step=10ms']).stdout.trim();
    expect(state.status(id)).toMatchObject({ status: 'pending' });
    const pause = state.cli(['pause', id]);
    expect(pause.stdout).toBe(`run ${id} paused\n`);
    expect(state.status(id)).toMatchObject({ status: 'paused' });
    const cancel = state.cli(['cancel', id]);
    expect(cancel.stdout).toBe(`run ${id} cancelled\n`);
    const view = state.status(id);
    expect(view).toMatchObject({ status: 'cancelled' });
    expect(view.owner).toBeUndefined();
    // Retried, it runs here in the foreground, to the end.
    const retry = state.cli(['retry', id, '-o', 'json']);
    expect(retry.code).toBe(0);
    expect(JSON.parse(retry.stdout)).toMatchObject({ status: 'completed', outputs: { total: 40 } });
  });
});

describe('llm-orchestrator resume after an interrupt', { timeout: 180_000 }, () => {
  it('continues a run interrupted with SIGINT; completed tasks do not run again', async () => {
    const state = new StateDir();
    const run = state.start(['run', slow, '--run-id', 'int', '-i', 'step=1500ms', '-o', 'json']);
    await state.waitFor('int', (v) =>
      v.tasks.some((t) => t.id === 'a' && t.status === 'completed'),
    );
    run.child.kill('SIGINT');
    const interrupted = await run.done;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toBe('');
    expect(interrupted.stderr).toBe(
      'run int interrupted; continue it with: llm-orchestrator resume int\n',
    );
    const left = state.status('int');
    expect(left.status).toBe('running');
    expect(left.owner).toBeUndefined(); // the lease was released: no waiting for it to expire
    const before = left.tasks.filter((t) => t.status === 'completed').map((t) => t.id);
    expect(before).toContain('a');
    expect(before.length).toBeLessThan(4);

    const resume = state.cli(['resume', 'int', '-o', 'json']);
    expect(resume.stderr).toBe('');
    expect(resume.code).toBe(0);
    expect(JSON.parse(resume.stdout)).toMatchObject({
      runId: 'int',
      status: 'completed',
      outputs: { total: 6000 },
    });
    const history = state.history('int');
    expect(countPerTask(history, 'task.completed')).toEqual({ a: 1, b: 1, c: 1, d: 1 });
    const started = countPerTask(history, 'task.started');
    for (const id of before) expect(started[id], id).toBe(1);
  });
});

describe('llm-orchestrator worker', { timeout: 180_000 }, () => {
  it('executes the runs left in the store, logs them, and stops on SIGTERM', async () => {
    const state = new StateDir();
    const worker = state.start(['worker', '--poll', '100']);
    const ids = [1, 2].map((n) =>
      state.cli(['run', slow, '--detach', '--no-spawn', '-i', `step=${n * 100}ms`]).stdout.trim(),
    );
    for (const id of ids) await state.waitFor(id, (v) => v.status === 'completed');
    expect(state.status(ids[1] ?? '').outputs).toEqual({ total: 800 });
    worker.child.kill('SIGTERM');
    const stopped = await worker.done;
    expect(stopped.code).toBe(0);
    for (const id of ids) {
      expect(stopped.stderr).toContain(`claimed run ${id}`);
      expect(stopped.stderr).toContain(`run ${id} completed`);
    }
    expect(stopped.stderr).toMatch(
      /worker started \(owner=\S+ store=\S+state\.db concurrency=100\)/,
    );
    expect(stopped.stderr).toContain('worker stopping');
  });
});
