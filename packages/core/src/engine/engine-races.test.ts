/** Races and re-entrancy: stale queue entries and timers, hooks that retry, overlapping calls. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import { workflow } from '../sdk/builder.js';
import { createEngine, type EngineOptions } from './engine.js';
import { MemoryStore } from '../store/memory-store.js';
import { replayJournal } from './replay.js';

function engine(options: EngineOptions = {}) {
  return createEngine({ circuitBreaker: false, random: () => 0.5, ...options });
}

/** An executor whose calls wait until released; counts calls per task name. */
function gate() {
  const calls = new Map<string, number>();
  const release: { name: string; go: () => void }[] = [];
  const fn = (inputs: Readonly<Record<string, unknown>>) =>
    new Promise((resolve) => {
      const name = String(inputs.name);
      calls.set(name, (calls.get(name) ?? 0) + 1);
      release.push({
        name,
        go: () => {
          resolve({ result: name });
        },
      });
    });
  const releaseOne = (name: string) => {
    const k = release.findLastIndex((r) => r.name === name);
    if (k < 0) throw new Error(`${name} is not running`);
    release.splice(k, 1)[0]?.go();
  };
  return { calls, release, fn, releaseOne };
}

/** Unhandled rejections raised while a test runs (vitest's own handler is held off meanwhile). */
let unhandled: unknown[] = [];
let saved: NodeJS.UnhandledRejectionListener[] = [];
const catcher = (reason: unknown) => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled = [];
  saved = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', catcher);
});
afterEach(async () => {
  await new Promise((r) => setTimeout(r, 0));
  process.removeListener('unhandledRejection', catcher);
  for (const l of saved) process.on('unhandledRejection', l);
});
async function messages(): Promise<string[]> {
  await new Promise((r) => setTimeout(r, 0));
  return unhandled.map((e) => (e instanceof Error ? e.message : String(e)));
}

describe('retry of a cancelled run', () => {
  it('does not start a task twice from queue entries left over by the cancelled attempt', async () => {
    const g = gate();
    const e = engine({ maxConcurrentTasks: 2 }).registerExecutor('test:gate', g.fn);
    // x holds both slots, so b's tasks wait in the queue.
    const x = e.start(
      workflow('x')
        .task('x0', { executor: 'test:gate', inputs: { name: 'x0' } })
        .task('x1', { executor: 'test:gate', inputs: { name: 'x1' } })
        .build(),
    );
    const b = e.start(
      workflow('b')
        .task('b0', { executor: 'test:gate', inputs: { name: 'b0' } })
        .task('b1', { executor: 'test:gate', inputs: { name: 'b1' } })
        .build(),
    );
    b.cancel();
    b.retry();
    g.releaseOne('x0');
    g.releaseOne('x1');
    await flushMicrotasks();
    expect((await x.wait()).status).toBe('completed');
    g.releaseOne('b0'); // its completion pumps the stale duplicate entry of b0
    await flushMicrotasks();
    g.releaseOne('b1');
    await flushMicrotasks();
    const result = await b.wait();
    expect(result.status).toBe('completed');
    expect(g.calls.get('b0')).toBe(1);
    expect(await messages()).toEqual([]); // observed: "illegal task transition completed -> running"
  });

  it('does not let a stale rate-limit timer of the cancelled attempt requeue the task', async () => {
    const clock = new FakeClock();
    const g = gate();
    const e = engine({ clock, rateLimits: { 'test:gate': { rpm: 1 } } }).registerExecutor(
      'test:gate',
      g.fn,
    );
    const def = workflow('r')
      .task('t0', { executor: 'test:gate', inputs: { name: 't0' } })
      .task('t1', { executor: 'test:gate', inputs: { name: 't1' } })
      .build();
    const run = e.start(def);
    expect(g.calls.get('t0')).toBe(1); // t1 waits for a token (a timer at 60s)
    run.cancel();
    run.retry(); // t0 and t1 both wait for tokens now; t1's old timer is still armed
    // observed: at 180s a timer callback throws "illegal task transition running -> running"
    await expect(clock.advance(240_000)).resolves.toBeUndefined();
    for (const r of g.release.splice(0)) r.go();
    await flushMicrotasks();
    const result = await run.wait();
    expect(result.status).toBe('completed');
    expect(result.tasks.map((t) => t.attempts.length)).toEqual([1, 1]);
  });
});

describe('retry of a cancelled run (consequences)', () => {
  it('leaks no capacity through the stale entry, so a later task needing it still runs', async () => {
    const g = gate();
    const e = engine({ maxConcurrentTasks: 2, capacity: { cpu: 2 } }).registerExecutor(
      'test:gate',
      g.fn,
    );
    const cpu1 = { cpu: 1 };
    const x = e.start(
      workflow('x')
        .task('x0', { executor: 'test:gate', inputs: { name: 'x0' } })
        .task('x1', { executor: 'test:gate', inputs: { name: 'x1' } })
        .build(),
    );
    const b = e.start(
      workflow('b')
        .task('b0', { executor: 'test:gate', inputs: { name: 'b0' }, resources: cpu1 })
        .task('b1', { executor: 'test:gate', inputs: { name: 'b1' }, resources: cpu1 })
        .build(),
    );
    b.cancel();
    b.retry();
    g.releaseOne('x0');
    g.releaseOne('x1');
    await flushMicrotasks();
    await x.wait();
    g.releaseOne('b0'); // the stale b0 entry is admitted (1 cpu taken), then its start throws
    await flushMicrotasks();
    g.releaseOne('b1');
    await flushMicrotasks();
    await b.wait();
    // A task that needs the whole capacity: nothing runs any more, so it must start.
    const big = e.start(
      workflow('big')
        .task('all', { executor: 'test:gate', inputs: { name: 'all' }, resources: { cpu: 2 } })
        .build(),
    );
    await flushMicrotasks();
    expect(g.calls.get('all')).toBe(1); // observed: undefined, parked for ever (1 cpu leaked)
    g.releaseOne('all');
    expect((await big.wait()).status).toBe('completed');
  });
});

describe('fan-out', () => {
  it('aborts an item that timed out before retrying it, keeping maxParallel', async () => {
    const clock = new FakeClock();
    let running = 0;
    let peak = 0;
    const signals: AbortSignal[] = [];
    const e = engine({ clock }).registerExecutor('test:item', (_inputs, ctx) => {
      running++;
      peak = Math.max(peak, running);
      signals.push(ctx.signal);
      return new Promise((_resolve, reject) => {
        // An executor that honours its signal, and only that.
        ctx.signal.addEventListener('abort', () => {
          running--;
          reject(new Error('aborted'));
        });
      });
    });
    const def = workflow('fan')
      .task('each', {
        type: 'fan-out',
        config: { maxParallel: 1 },
        inputs: {
          items: [1],
          task_template: {
            executor: 'test:item',
            inputs: { value: '${{ item }}' },
            timeout: '1s',
            retryPolicy: { maxAttempts: 3, initialInterval: '1s' },
          },
        },
      })
      .build();
    const run = e.start(def);
    await clock.advance(1000); // the first call times out
    expect.soft(signals[0]?.aborted).toBe(true); // observed: false, it runs on
    await clock.advance(1000); // the retry starts
    expect.soft(peak).toBe(1); // observed: 2 calls of one item at once with maxParallel 1
    run.cancel();
    await run.wait();
  });
});

describe('retry from a task', () => {
  it('does not report a run completed while tasks of it were cancelled and never ran', async () => {
    const g = gate();
    const e = engine().registerExecutor('test:gate', g.fn);
    const def = workflow('rc')
      .task('a', { executor: 'test:gate', inputs: { name: 'a' } })
      .task('b', { executor: 'test:gate', inputs: { name: 'b' } })
      .build();
    const run = e.start(def);
    run.cancel();
    run.retry('b');
    await flushMicrotasks();
    g.releaseOne('b');
    const result = await run.wait();
    expect(result.tasks.map((t) => t.status)).toEqual(['cancelled', 'completed']);
    expect(result.status).not.toBe('completed'); // observed: completed, with `a` never run
  });
});

describe('journal replay', () => {
  it('agrees with the live run on the outputs of a retried run that was then cancelled', async () => {
    const store = new MemoryStore();
    let fail = true;
    const e = engine({ store }).registerExecutor('test:fail', () => {
      if (fail) throw new OrchestratorError('Boom', 'boom');
      return new Promise(() => undefined);
    });
    const def = workflow('jr')
      .config({ failurePolicy: { mode: 'continueOnError' } })
      .task('a', { executor: 'expression', inputs: { value: 1 } })
      .task('b', { executor: 'test:fail' })
      .output('x', '${{ tasks.a.outputs.result }}')
      .build();
    const run = e.start(def);
    expect((await run.wait()).status).toBe('failed');
    fail = false;
    run.retry('b');
    run.cancel();
    const live = await run.wait();
    const replayed = replayJournal(store.read(run.id).map((s) => s.entry));
    expect(replayed.status).toBe(live.status);
    expect(replayed.outputs ?? {}).toEqual(live.outputs); // observed: replay {x: 1}, live {}
  });
});

describe('retrying a run from its completion hook or listener', () => {
  it('keeps scheduling a run retried from onWorkflowComplete, which then completes', async () => {
    const g = gate();
    let calls = 0;
    let retried = false;
    const e = engine({
      hooks: {
        onWorkflowComplete: ({ runId, status }) => {
          if (status === 'failed' && !retried) {
            retried = true;
            e.get(runId)?.retry(); // e.g. an automatic retry of failed runs
          }
        },
      },
    })
      .registerExecutor('test:gate', g.fn)
      .registerExecutor('test:flaky', () => {
        calls++;
        if (calls === 1) return Promise.reject(new OrchestratorError('Boom', 'first call fails'));
        return new Promise((resolve) =>
          setTimeout(() => {
            resolve({ ok: true });
          }, 5),
        );
      });
    const run = e.start(workflow('auto').task('a', { executor: 'test:flaky' }).build());
    await new Promise((r) => setTimeout(r, 50));
    expect(retried).toBe(true);
    expect(calls).toBe(2);
    // observed: the control of the retried run was deleted by end(): its attempt's completion is
    // dropped as stale, and the run stays `running` for ever.
    expect(run.status()).toBe('completed');
  });
});

describe('events()', () => {
  it('answers next() calls made before the events arrive, each in turn', async () => {
    const g = gate();
    const e = engine().registerExecutor('test:gate', g.fn);
    const run = e.start(
      workflow('ev')
        .task('a', { executor: 'test:gate', inputs: { name: 'a' } })
        .build(),
    );
    const it = run.events();
    const first = it.next();
    const second = it.next(); // a second pending next() overwrites the first one's wake-up
    g.releaseOne('a');
    await run.wait();
    const settled = await Promise.race([
      Promise.all([first, second]).then(() => 'both'),
      new Promise((r) =>
        setTimeout(() => {
          r('stuck');
        }, 50),
      ),
    ]);
    expect(settled).toBe('both'); // observed: 'stuck', the first next() never settles
  });
});
