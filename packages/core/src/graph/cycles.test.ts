import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CycleError } from '../errors.js';
import { findCycles } from './cycles.js';
import { buildDag } from './dag.js';
import type { GraphNodeSpec } from './types.js';

function node(id: string, deps: readonly string[] = []): GraphNodeSpec {
  return { id, dependsOn: deps.map((d) => ({ id: d, kind: 'success' as const })) };
}

describe('findCycles', () => {
  it('finds nothing in a DAG', () => {
    expect(findCycles([node('a'), node('b', ['a']), node('c', ['a', 'b'])])).toEqual([]);
    expect(findCycles([])).toEqual([]);
  });

  it('finds a self-loop', () => {
    expect(findCycles([node('a'), node('b', ['a', 'b'])])).toEqual([['b', 'b']]);
  });

  it('finds a 2-cycle', () => {
    expect(findCycles([node('a', ['b']), node('b', ['a'])])).toEqual([['a', 'b', 'a']]);
  });

  it('writes a 3-cycle in execution order starting at the first task in the input', () => {
    // a depends on c, b depends on a, c depends on b: a runs before b, b before c, c before a
    const nodes = [node('x'), node('b', ['a']), node('a', ['c']), node('c', ['b'])];
    const cycles = findCycles(nodes);
    expect(cycles).toEqual([['b', 'c', 'a', 'b']]);
    expect(cycles.map((c) => c.join(' -> '))).toEqual(['b -> c -> a -> b']);
  });

  it('finds two separate cycles, ordered by input position', () => {
    const nodes = [
      node('p', ['q']),
      node('a', ['b']),
      node('q', ['p']),
      node('b', ['c']),
      node('c', ['a']),
    ];
    expect(findCycles(nodes)).toEqual([
      ['p', 'q', 'p'],
      ['a', 'c', 'b', 'a'],
    ]);
  });

  it('finds a cycle with an acyclic tail, ignoring the tail', () => {
    const nodes = [
      node('root'),
      node('a', ['root', 'c']),
      node('b', ['a']),
      node('c', ['b']),
      node('tail1', ['c']),
      node('tail2', ['tail1', 'a']),
    ];
    expect(findCycles(nodes)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('reports one shortest cycle per strongly connected component', () => {
    // a <-> b and a -> c -> d -> a are one component; the shortest cycle through a is reported
    const nodes = [
      node('a', ['b', 'd', 'a']),
      node('b', ['a']),
      node('c', ['a']),
      node('d', ['c']),
    ];
    expect(findCycles(nodes)).toEqual([['a', 'b', 'a']]);
  });

  it('ignores unknown dependency ids and merges duplicated ids', () => {
    expect(findCycles([node('a', ['ghost']), node('b', ['a'])])).toEqual([]);
    expect(findCycles([node('a'), node('b', ['a']), node('a', ['b'])])).toEqual([['a', 'b', 'a']]);
  });

  it('handles a 100,000-long cycle iteratively', () => {
    const n = 100_000;
    const nodes: GraphNodeSpec[] = [node('t0', [`t${n - 1}`])];
    for (let i = 1; i < n; i++) nodes.push(node(`t${i}`, [`t${i - 1}`]));
    const cycles = findCycles(nodes);
    expect(cycles.length).toBe(1);
    expect(cycles[0]?.length).toBe(n + 1);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests on random directed graphs (any edge allowed, self-loops and unknown ids too).

interface RandomGraph {
  readonly n: number;
  /** deps[j]: tasks t<j> depends on; indices >= n are unknown ids */
  readonly deps: readonly (readonly number[])[];
}

const randomGraphArb: fc.Arbitrary<RandomGraph> = fc.integer({ min: 1, max: 14 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    deps: fc.array(fc.array(fc.nat(n), { maxLength: 3 }), { minLength: n, maxLength: n }),
  }),
);

function specs(g: RandomGraph): GraphNodeSpec[] {
  return g.deps.map((list, j) =>
    node(
      `t${j}`,
      list.map((i) => `t${i}`),
    ),
  );
}

/** reach[i][j]: there is a non-empty path i -> j in execution order (j depends on ... on i). */
function naiveReach(g: RandomGraph): boolean[][] {
  const reach = Array.from({ length: g.n }, () => new Array<boolean>(g.n).fill(false));
  g.deps.forEach((list, j) => {
    for (const i of list) if (i < g.n) (reach[i] as boolean[])[j] = true;
  });
  for (let k = 0; k < g.n; k++)
    for (let i = 0; i < g.n; i++)
      for (let j = 0; j < g.n; j++)
        if (reach[i]?.[k] && reach[k]?.[j]) (reach[i] as boolean[])[j] = true;
  return reach;
}

describe('findCycles: properties', () => {
  it('finds cycles exactly when there are some, and every path is a real cycle', () => {
    fc.assert(
      fc.property(randomGraphArb, (g) => {
        const reach = naiveReach(g);
        const onCycle = (i: number): boolean => reach[i]?.[i] ?? false;
        const cyclic = Array.from({ length: g.n }, (_, i) => onCycle(i)).some(Boolean);
        const cycles = findCycles(specs(g));
        expect(cycles.length > 0).toBe(cyclic);

        const idx = (id: string): number => Number(id.slice(1));
        const seenComponents: number[] = [];
        for (const cycle of cycles) {
          expect(cycle.length).toBeGreaterThanOrEqual(2);
          expect(cycle[cycle.length - 1]).toBe(cycle[0]);
          for (let k = 1; k < cycle.length; k++) {
            // execution order: each next task depends on the previous one
            const next = idx(cycle[k] ?? '');
            expect(g.deps[next]).toContain(idx(cycle[k - 1] ?? ''));
          }
          const members = cycle.slice(0, -1).map(idx);
          expect(new Set(members).size).toBe(members.length); // simple cycle
          const first = members[0] ?? -1;
          // starts at the smallest index of its strongly connected component
          for (let i = 0; i < g.n; i++) {
            if (reach[first]?.[i] && reach[i]?.[first]) expect(i).toBeGreaterThanOrEqual(first);
          }
          seenComponents.push(first);
        }
        // one path per non-trivial component, sorted by first index
        const componentMins = new Set<number>();
        for (let i = 0; i < g.n; i++) {
          if (!onCycle(i)) continue;
          let min = i;
          for (let k = 0; k < g.n; k++) if (reach[i]?.[k] && reach[k]?.[i] && k < min) min = k;
          componentMins.add(min);
        }
        expect(seenComponents).toEqual([...componentMins].sort((a, b) => a - b));
      }),
    );
  });

  it('buildDag throws the first cycle found by findCycles', () => {
    fc.assert(
      fc.property(randomGraphArb, (g) => {
        const known: RandomGraph = { n: g.n, deps: g.deps.map((l) => l.filter((i) => i < g.n)) };
        const cycles = findCycles(specs(known));
        let error: unknown;
        try {
          buildDag(specs(known));
        } catch (e) {
          error = e;
        }
        if (cycles.length === 0) {
          expect(error).toBeUndefined();
        } else {
          expect(error).toBeInstanceOf(CycleError);
          expect((error as CycleError).cycle).toEqual(cycles[0]);
        }
      }),
    );
  });
});
