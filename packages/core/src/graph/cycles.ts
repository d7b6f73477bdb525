/**
 * Cycle finding on task graphs.
 *
 * Everything here is iterative (no recursion) and linear in nodes + edges, so graphs with chains
 * hundreds of thousands of tasks deep are fine.
 *
 * Direction: cycle paths read in execution order. In `['a', 'b', 'c', 'a']` task `b` depends on
 * `a`, `c` depends on `b` and `a` depends on `c`.
 */
import type { GraphNodeSpec } from './types.js';

/**
 * A graph in compressed sparse row form over node indices `0 .. n-1`: the successors of node `u`
 * are `targets[offsets[u] .. offsets[u + 1] - 1]`. Edges point from a dependency to its
 * dependent (execution order).
 * @internal
 */
export interface Csr {
  readonly n: number;
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

/**
 * One cycle per non-trivial strongly connected component (a component of two or more nodes, or a
 * single node with a self-loop), as node-index paths. Each path starts at the component's
 * smallest index, repeats it at the end, and is a shortest cycle through that node (self-loops
 * are only reported for single-node components). Paths are sorted by their first index.
 * @internal
 */
export function cyclePaths(graph: Csr): number[][] {
  const { n, offsets, targets } = graph;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const sccStack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  // Per component: smallest member and size, for the non-trivial ones only.
  const found: { readonly min: number; readonly comp: number; readonly size: number }[] = [];
  let counter = 0;
  let sp = 0;
  let compCount = 0;

  for (let s = 0; s < n; s++) {
    if (index[s] !== -1) continue;
    index[s] = low[s] = counter++;
    sccStack[sp++] = s;
    onStack[s] = 1;
    callNode[0] = s;
    callEdge[0] = at(offsets, s);
    let csp = 1;
    while (csp > 0) {
      const v = at(callNode, csp - 1);
      const e = at(callEdge, csp - 1);
      if (e < at(offsets, v + 1)) {
        callEdge[csp - 1] = e + 1;
        const w = at(targets, e);
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          sccStack[sp++] = w;
          onStack[w] = 1;
          callNode[csp] = w;
          callEdge[csp] = at(offsets, w);
          csp++;
        } else if (onStack[w] === 1) {
          low[v] = Math.min(at(low, v), at(index, w));
        }
        continue;
      }
      csp--;
      if (low[v] === index[v]) {
        let min = v;
        let size = 0;
        let x: number;
        do {
          x = at(sccStack, --sp);
          onStack[x] = 0;
          comp[x] = compCount;
          if (x < min) min = x;
          size++;
        } while (x !== v);
        if (size > 1 || hasEdge(graph, v, v)) found.push({ min, comp: compCount, size });
        compCount++;
      }
      if (csp > 0) {
        const u = at(callNode, csp - 1);
        low[u] = Math.min(at(low, u), at(low, v));
      }
    }
  }

  found.sort((a, b) => a.min - b.min);
  // Scratch for the per-component BFS; `seen[v] === c + 1` marks v visited in component c.
  const seen = new Int32Array(n);
  const parent = new Int32Array(n);
  const queue = new Int32Array(n);
  return found.map(({ min, comp: c, size }) => {
    if (size === 1) return [min, min];
    return shortestCycleThrough(graph, min, c, comp, seen, parent, queue);
  });
}

function shortestCycleThrough(
  graph: Csr,
  start: number,
  c: number,
  comp: Int32Array,
  seen: Int32Array,
  parent: Int32Array,
  queue: Int32Array,
): number[] {
  const { offsets, targets } = graph;
  let head = 0;
  let tail = 0;
  queue[tail++] = start;
  seen[start] = c + 1;
  while (head < tail) {
    const u = at(queue, head++);
    const end = at(offsets, u + 1);
    for (let e = at(offsets, u); e < end; e++) {
      const w = at(targets, e);
      if (comp[w] !== c) continue;
      if (w === start) {
        if (u === start) continue; // a self-loop inside a larger component: look for the longer cycle
        const path: number[] = [];
        for (let x = u; x !== start; x = at(parent, x)) path.push(x);
        path.push(start);
        path.reverse();
        path.push(start);
        return path;
      }
      if (seen[w] !== c + 1) {
        seen[w] = c + 1;
        parent[w] = u;
        queue[tail++] = w;
      }
    }
  }
  /* c8 ignore next */
  throw new Error('internal: strongly connected component without a cycle');
}

function hasEdge(graph: Csr, from: number, to: number): boolean {
  const end = at(graph.offsets, from + 1);
  for (let e = at(graph.offsets, from); e < end; e++) if (graph.targets[e] === to) return true;
  return false;
}

/** Typed-array read with the bounds guaranteed by the caller (keeps `noUncheckedIndexedAccess` quiet). */
function at(a: Int32Array, i: number): number {
  return a[i] as number;
}

/**
 * Finds dependency cycles without building a DAG: one cycle path per non-trivial strongly
 * connected component, plus single-task self-loops.
 *
 * - Dependency ids that name no task are ignored (report them separately).
 * - When an id occurs more than once, all of its occurrences count as one task (the first).
 * - Each path lists task ids in execution order (each next id depends on the previous one),
 *   starts at the task of the cycle that comes first in the input, and repeats it at the end,
 *   e.g. `['a', 'b', 'a']` when `a` depends on `b` and `b` depends on `a`.
 * - Paths are ordered by the input position of their first task, so the result is deterministic.
 */
export function findCycles(nodes: readonly GraphNodeSpec[]): string[][] {
  const indexById = new Map<string, number>();
  const ids: string[] = [];
  const owner = new Int32Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const id = (nodes[i] as GraphNodeSpec).id;
    let k = indexById.get(id);
    if (k === undefined) {
      k = ids.length;
      indexById.set(id, k);
      ids.push(id);
    }
    owner[i] = k;
  }
  const n = ids.length;
  const offsets = new Int32Array(n + 1);
  for (const node of nodes) {
    for (const dep of node.dependsOn) {
      const u = indexById.get(dep.id);
      if (u !== undefined) offsets[u + 1] = at(offsets, u + 1) + 1;
    }
  }
  for (let u = 0; u < n; u++) offsets[u + 1] = at(offsets, u + 1) + at(offsets, u);
  const fill = offsets.slice(0, n);
  const targets = new Int32Array(at(offsets, n));
  for (let i = 0; i < nodes.length; i++) {
    const v = at(owner, i);
    for (const dep of (nodes[i] as GraphNodeSpec).dependsOn) {
      const u = indexById.get(dep.id);
      if (u === undefined) continue;
      const k = at(fill, u);
      targets[k] = v;
      fill[u] = k + 1;
    }
  }
  return cyclePaths({ n, offsets, targets }).map((path) => path.map((k) => ids[k] as string));
}
