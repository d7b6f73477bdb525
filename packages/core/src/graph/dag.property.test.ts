import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDag } from './dag.js';
import type { Dag, DependencyKind, GraphNodeSpec } from './types.js';

// ---------------------------------------------------------------------------------------------
// Property tests on random DAGs: task `t<j>` may only depend on tasks `t<i>` with i < j; the input
// order is shuffled so the builder cannot rely on it.

interface RandomDag {
  readonly n: number;
  /** deps[j]: indices < j, possibly repeated */
  readonly deps: readonly (readonly { readonly from: number; readonly kind: DependencyKind }[])[];
  readonly weights: readonly number[];
  readonly inputOrder: readonly number[];
}

const kindArb = fc.constantFrom<DependencyKind>('success', 'completion', 'data');

const randomDagArb: fc.Arbitrary<RandomDag> = fc.integer({ min: 0, max: 24 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    deps: fc.tuple(
      ...Array.from({ length: n }, (_, j) =>
        j === 0
          ? fc.constant([])
          : fc.array(fc.record({ from: fc.nat(j - 1), kind: kindArb }), { maxLength: 4 }),
      ),
    ),
    weights: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }),
    inputOrder: fc.shuffledSubarray(
      Array.from({ length: n }, (_, j) => j),
      { minLength: n, maxLength: n },
    ),
  }),
);

function toSpecs(g: RandomDag): GraphNodeSpec[] {
  return g.inputOrder.map((j) => ({
    id: `t${j}`,
    dependsOn: (g.deps[j] ?? []).map((d) => ({ id: `t${d.from}`, kind: d.kind })),
    weight: g.weights[j] ?? 1,
  }));
}

/** closure[i][j]: t<i> is strictly upstream of t<j>. */
function naiveClosure(g: RandomDag): boolean[][] {
  const reach = Array.from({ length: g.n }, () => new Array<boolean>(g.n).fill(false));
  g.deps.forEach((list, j) => {
    for (const d of list) (reach[d.from] as boolean[])[j] = true;
  });
  for (let k = 0; k < g.n; k++)
    for (let i = 0; i < g.n; i++)
      for (let j = 0; j < g.n; j++)
        if (reach[i]?.[k] && reach[k]?.[j]) (reach[i] as boolean[])[j] = true;
  return reach;
}

function idx(id: string): number {
  return Number(id.slice(1));
}

function pathWeight(dag: Dag, g: RandomDag): number {
  return dag.criticalPath.ids.reduce((sum, id) => sum + (g.weights[idx(id)] ?? 0), 0);
}

describe('buildDag: properties', () => {
  it('order respects every edge and levels are consistent', () => {
    fc.assert(
      fc.property(randomDagArb, (g) => {
        const dag = buildDag(toSpecs(g));
        expect([...dag.order].sort()).toEqual([...dag.ids].sort());
        const pos = new Map(dag.order.map((id, k) => [id, k]));
        for (const id of dag.ids) {
          const deps = dag.dependencies(id);
          expect(new Set(deps.map((d) => d.id)).size).toBe(deps.length);
          for (const d of deps) expect(pos.get(d.id)).toBeLessThan(pos.get(id) ?? -1);
          const expected =
            deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => dag.levelOf(d.id)));
          expect(dag.levelOf(id)).toBe(expected);
          expect(dag.levels[expected]).toContain(id);
          expect(dag.roots.includes(id)).toBe(deps.length === 0);
          expect(dag.leaves.includes(id)).toBe(dag.dependents(id).length === 0);
        }
        expect(dag.levels.flat().length).toBe(g.n);
        for (const level of dag.levels) {
          const positions = level.map((id) => dag.indexOf(id) ?? -1);
          expect(positions).toEqual([...positions].sort((a, b) => a - b));
        }
      }),
    );
  });

  it('critical path length equals a brute-force DP and is a real root-to-leaf path', () => {
    fc.assert(
      fc.property(randomDagArb, (g) => {
        const dag = buildDag(toSpecs(g));
        const best: number[] = [];
        for (let j = 0; j < g.n; j++) {
          const prev = (g.deps[j] ?? []).map((d) => best[d.from] ?? 0);
          best.push((g.weights[j] ?? 0) + Math.max(0, ...prev));
        }
        expect(dag.criticalPath.length).toBe(Math.max(0, ...best));
        expect(pathWeight(dag, g)).toBe(dag.criticalPath.length);
        const ids = dag.criticalPath.ids;
        if (g.n > 0) {
          expect(dag.roots).toContain(ids[0]);
          expect(dag.leaves).toContain(ids[ids.length - 1]);
        }
        for (let k = 1; k < ids.length; k++) {
          expect(dag.dependencies(ids[k] ?? '').map((d) => d.id)).toContain(ids[k - 1]);
        }
      }),
    );
  });

  it('isUpstream and upstreamOf agree with a naive transitive closure', () => {
    fc.assert(
      fc.property(randomDagArb, (g) => {
        const dag = buildDag(toSpecs(g));
        const reach = naiveClosure(g);
        for (let j = 0; j < g.n; j++) {
          const expected = new Set<string>();
          for (let i = 0; i < g.n; i++) {
            const r = reach[i]?.[j] ?? false;
            if (r) expected.add(`t${i}`);
            expect(dag.isUpstream(`t${i}`, `t${j}`)).toBe(r);
          }
          expect(dag.upstreamOf(`t${j}`)).toEqual(expected);
        }
      }),
    );
  });

  it('dedup keeps the strongest kind per dependency id', () => {
    const rank = { completion: 0, success: 1, data: 2 } as const;
    fc.assert(
      fc.property(randomDagArb, (g) => {
        const dag = buildDag(toSpecs(g));
        for (let j = 0; j < g.n; j++) {
          const strongest = new Map<string, DependencyKind>();
          for (const d of g.deps[j] ?? []) {
            const prev = strongest.get(`t${d.from}`);
            if (prev === undefined || rank[d.kind] > rank[prev])
              strongest.set(`t${d.from}`, d.kind);
          }
          const got = dag.dependencies(`t${j}`);
          expect(got.map((d) => d.id)).toEqual([...strongest.keys()]);
          expect(got.map((d) => d.kind)).toEqual([...strongest.values()]);
        }
      }),
    );
  });
});
