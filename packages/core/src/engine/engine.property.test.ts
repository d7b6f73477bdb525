/**
 * The engine against a reference interpreter: random DAGs with random dependency kinds, joins,
 * conditions and failures must end in the same task states and outputs as a simple fixed-point
 * evaluation of the same rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrchestratorError } from '../errors.js';
import type { TaskDefinition } from '../definition/schema.js';
import { workflow } from '../sdk/builder.js';
import { createEngine, type EngineOptions } from './engine.js';
import { MemoryStore } from '../store/memory-store.js';
import { replayFromJson, replayJournal, type ReplayedRun } from './replay.js';
import type { Snapshot } from '../store/port.js';

interface Spec {
  readonly deps: readonly { readonly on: number; readonly kind: 'success' | 'completion' }[];
  readonly join: 'all' | 'any';
  readonly condition: boolean;
  readonly fails: boolean;
}

const TERMINAL = new Set(['completed', 'failed', 'skipped']);

/** Fixed-point evaluation of the scheduling rules, with no concurrency at all. */
function reference(specs: readonly Spec[]): { states: string[]; outputs: (number | null)[] } {
  const states = specs.map(() => 'pending');
  const outputs: (number | null)[] = specs.map(() => null);
  for (let changed = true; changed;) {
    changed = false;
    specs.forEach((s, i) => {
      if (states[i] !== 'pending') return;
      const depStates = s.deps.map((d) => states[d.on] ?? 'pending');
      if (depStates.some((x) => !TERMINAL.has(x))) return;
      const ok = s.deps.map((d, k) =>
        d.kind === 'completion' ? true : depStates[k] === 'completed',
      );
      const ready =
        s.deps.length === 0 || (s.join === 'all' ? ok.every(Boolean) : ok.some(Boolean));
      changed = true;
      if (!ready || !s.condition) {
        states[i] = 'skipped';
      } else if (s.fails) {
        states[i] = 'failed';
      } else {
        states[i] = 'completed';
        outputs[i] =
          s.join === 'any' ? i : s.deps.reduce((sum, d) => sum + (outputs[d.on] ?? 0), i);
      }
    });
  }
  return { states, outputs };
}

const specsArb = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.tuple(
    ...Array.from({ length: n }, (_, i) =>
      fc.record({
        deps:
          i === 0
            ? fc.constant([])
            : fc.uniqueArray(
                fc.record({
                  on: fc.integer({ min: 0, max: i - 1 }),
                  kind: fc.constantFrom('success' as const, 'completion' as const),
                }),
                { maxLength: 3, selector: (d) => d.on },
              ),
        join: fc.constantFrom('all' as const, 'any' as const),
        condition: fc.integer({ min: 0, max: 3 }).map((x) => x > 0),
        fails: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
      }),
    ),
  ),
);

function toWorkflow(specs: readonly Spec[]) {
  const b = workflow('random').config({ failurePolicy: { mode: 'continueOnError' } });
  specs.forEach((s, i) => {
    const sum = s.deps.map((d) => `coalesce(tasks.t${d.on}.outputs.result, 0)`).join(' + ');
    const task: Omit<TaskDefinition, 'id'> = {
      executor: s.fails ? 'test:fail' : 'expression',
      ...(s.deps.length === 0
        ? {}
        : { dependsOn: s.deps.map((d) => ({ task: `t${d.on}`, kind: d.kind })) }),
      ...(s.join === 'any' && s.deps.length > 0 ? { join: 'any' as const } : {}),
      ...(s.condition ? {} : { condition: '${{ false }}' }),
      inputs: { value: s.join === 'any' || sum === '' ? i : `\${{ ${i} + ${sum} }}` },
    };
    b.task(`t${i}`, task);
  });
  return b.build();
}

/** An engine with the tests' executors: a planned failure, and an answer after a microtask. */
function testEngine(options: EngineOptions) {
  return createEngine({ circuitBreaker: false, ...options })
    .registerExecutor('test:fail', () => {
      throw new OrchestratorError('Boom', 'planned failure');
    })
    .registerExecutor('test:async', async (inputs) => {
      await Promise.resolve();
      return { result: inputs.value };
    });
}

/** The workflow of `specs`; `asynchronous`: its tasks run on `test:async` (or an engine's own). */
function workflowOf(specs: readonly Spec[], asynchronous: boolean) {
  const def = toWorkflow(specs);
  if (asynchronous) {
    for (const t of def.spec.tasks) if (t.executor === 'expression') t.executor = 'test:async';
  }
  return def;
}

describe('the engine agrees with a reference interpreter', () => {
  it('on random DAGs with random kinds, joins, conditions and failures', async () => {
    await fc.assert(
      fc.asyncProperty(specsArb, fc.boolean(), async (specs, asynchronous) => {
        const store = new MemoryStore();
        const engine = testEngine({ store });
        const result = await engine.run(workflowOf(specs, asynchronous));
        const expected = reference(specs);
        // The journal tells the same story as the live run.
        const replayed = replayJournal(store.read(result.runId).map((s) => s.entry));
        expect(replayed.status).toBe(result.status);
        expect(replayed.outputs).toEqual(result.outputs);
        for (const t of result.tasks) {
          const r = replayed.tasks.get(t.id);
          expect(r?.status ?? 'pending', t.id).toBe(t.status);
          if (t.status === 'completed') expect(r?.outputs).toEqual(t.outputs);
        }
        expect(result.tasks.map((t) => t.status)).toEqual(expected.states);
        expect(
          result.tasks.map((t) => (t.status === 'completed' ? t.outputs?.result : null)),
        ).toEqual(expected.outputs);
        expect(result.status).toBe(expected.states.includes('failed') ? 'failed' : 'completed');
      }),
      { numRuns: 150 },
    );
  });

  it('takes snapshots that equal the fold of the journal up to their seq', async () => {
    /** Keeps every snapshot, not only the latest. */
    class Recording extends MemoryStore {
      readonly all: { runId: string; snapshot: Snapshot }[] = [];
      override saveSnapshot(runId: string, snapshot: Snapshot): void {
        this.all.push({ runId, snapshot: structuredClone(snapshot) });
        super.saveSnapshot(runId, snapshot);
      }
    }
    const view = (r: ReplayedRun) => ({
      status: r.status,
      outputs: r.outputs,
      tasks: [...r.tasks]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, t]) => ({
          id,
          status: t.status,
          attempts: t.attempts,
          outputs: t.outputs,
          error: t.error?.code ?? null,
        })),
    });
    await fc.assert(
      fc.asyncProperty(
        specsArb,
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        async (specs, every, asynchronous) => {
          const store = new Recording({ durable: true });
          const engine = testEngine({ store, snapshotEvery: every, snapshotIntervalMs: 0 });
          const result = await engine.run(workflowOf(specs, asynchronous));
          await engine.close();
          const entries = store.read(result.runId).map((e) => e.entry);
          for (const { snapshot } of store.all) {
            const fromSnapshot = replayFromJson(snapshot.state);
            const prefix = replayJournal(entries.slice(0, snapshot.seq));
            // Tasks the snapshot lists as never started are simply absent from the fold.
            const started = view(prefix).tasks.map((t) => t.id);
            const snap = view(fromSnapshot);
            expect({ ...snap, tasks: snap.tasks.filter((t) => started.includes(t.id)) }).toEqual(
              view(prefix),
            );
            // And the snapshot plus the entries after it tell the whole story.
            const rest = replayJournal(entries.slice(snapshot.seq), replayFromJson(snapshot.state));
            expect(view(rest).status).toBe(result.status);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('continues random DAGs after a crash at a random point, never re-running a completed task', async () => {
    await fc.assert(
      fc.asyncProperty(specsArb, fc.nat(12), async (specs, crashAfter) => {
        const store = new MemoryStore({ durable: true });
        const executed: string[][] = [[], []];
        let phase = 0;
        const make = () =>
          createEngine({ circuitBreaker: false, store, controlPollMs: 5 })
            .registerExecutor('test:fail', () => {
              throw new OrchestratorError('Boom', 'planned failure');
            })
            .registerExecutor('test:async', async (inputs, ctx) => {
              executed[phase]?.push(ctx.taskId);
              await new Promise((r) => setTimeout(r, 0));
              return { result: inputs.value };
            });
        const def = workflowOf(specs, true);
        const a = make();
        const handle = a.start(def);
        const ended = () => ['completed', 'failed'].includes(handle.status());
        while ((executed[0]?.length ?? 0) < crashAfter && !ended()) {
          await new Promise((r) => setTimeout(r, 0));
        }
        await a.close();
        const completedBefore = new Set(
          store
            .read(handle.id)
            .flatMap((e) => (e.entry.type === 'task.completed' ? [e.entry.taskId] : [])),
        );
        phase = 1;
        const b = make();
        const result = await (await b.attach(handle.id)).wait();
        await b.close();
        const expected = reference(specs);
        expect(result.tasks.map((t) => t.status)).toEqual(expected.states);
        expect(
          result.tasks.map((t) => (t.status === 'completed' ? t.outputs?.result : null)),
        ).toEqual(expected.outputs);
        for (const id of executed[1] ?? []) expect(completedBefore.has(id), id).toBe(false);
        const completions = store
          .read(handle.id)
          .flatMap((e) => (e.entry.type === 'task.completed' ? [e.entry.taskId] : []));
        expect(new Set(completions).size).toBe(completions.length);
      }),
      { numRuns: 100 },
    );
  });
});
