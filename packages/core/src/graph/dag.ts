/**
 * The task graph: validation, topological order, levels, critical path and upstream queries.
 *
 * Storage is compact: tasks are integer indices (input order), edges live in two CSR structures
 * (`Int32Array` offsets + targets), one for dependencies and one for dependents. Every algorithm
 * is iterative and linear in tasks + edges, so 100,000-deep chains are fine.
 */
import { CycleError, OrchestratorError } from '../errors.js';
import { cyclePaths } from './cycles.js';
import type { Csr } from './cycles.js';
import type { Dag, DependencyKind, DependencySpec, GraphNodeSpec } from './types.js';

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * Validates `nodes` and builds an immutable {@link Dag}.
 *
 * Repeated dependencies: when a task lists the same dependency id more than once, one entry is
 * kept, at the position of the first occurrence: the strongest one, ranked
 * `data` > `success` > `completion` (`data` implies `success` and also carries the output key);
 * among equally strong entries the first wins. (So two `data` entries with different output keys
 * keep the first key.) `dependencies()` returns the kept input spec objects themselves.
 *
 * @throws OrchestratorError `DAG_DUPLICATE_ID` when two tasks share an id,
 *   `DAG_UNKNOWN_DEPENDENCY` when a dependency names no task, `DAG_INVALID_DEPENDENCY_KIND` /
 *   `DAG_INVALID_WEIGHT` for malformed input.
 * @throws CycleError when the graph has a cycle; `cycle` is one cycle in execution order (each
 *   next id depends on the previous one), see {@link findCycles}.
 */
export function buildDag(nodes: readonly GraphNodeSpec[]): Dag {
  const n = nodes.length;
  const ids = new Array<string>(n);
  const indexById = new Map<string, number>();
  const weights = new Float64Array(n);
  let rawEdges = 0;
  for (let i = 0; i < n; i++) {
    const node = nodes[i] as GraphNodeSpec;
    indexById.set(node.id, i); // one hash operation: a repeated id leaves the size unchanged
    if (indexById.size === i) {
      throw new OrchestratorError('DAG_DUPLICATE_ID', `duplicate task id "${node.id}"`, {
        hint: 'task ids must be unique within a workflow; rename one of the tasks',
      });
    }
    ids[i] = node.id;
    const w = node.weight ?? 1;
    if (!Number.isFinite(w) || w < 0) {
      throw new OrchestratorError('DAG_INVALID_WEIGHT', `task "${node.id}" has weight ${w}`, {
        hint: 'weights are expected durations: finite numbers >= 0',
      });
    }
    weights[i] = w;
    rawEdges += node.dependsOn.length;
  }

  // Dependencies (incoming edges), deduplicated with a per-task marker. The kept spec objects go
  // into one flat array parallel to the CSR targets; per-task arrays are made on demand.
  const inOffsets = new Int32Array(n + 1);
  const inBuf = new Int32Array(rawEdges);
  const edgeSpecs: DependencySpec[] = [];
  const markedBy = new Int32Array(n); // i + 1 while task i's dependencies are being read
  const slot = new Int32Array(n); // position in edgeSpecs of the kept entry for a dependency
  const outDegree = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const node = nodes[i] as GraphNodeSpec;
    for (const dep of node.dependsOn) {
      const j = indexById.get(dep.id);
      if (j === undefined) {
        throw new OrchestratorError(
          'DAG_UNKNOWN_DEPENDENCY',
          `task "${node.id}" depends on unknown task "${dep.id}"`,
          { hint: 'check the spelling of the dependsOn id, or add a task with that id' },
        );
      }
      const rank = rankOf(dep.kind);
      if (rank < 0) {
        throw new OrchestratorError(
          'DAG_INVALID_DEPENDENCY_KIND',
          `task "${node.id}" has a dependency on "${dep.id}" of unknown kind "${dep.kind}"`,
          { hint: 'use one of: success, completion, data' },
        );
      }
      if (markedBy[j] === i + 1) {
        const k = slot[j] as number;
        if (rank > rankOf((edgeSpecs[k] as DependencySpec).kind)) edgeSpecs[k] = dep;
        continue;
      }
      markedBy[j] = i + 1;
      slot[j] = m;
      edgeSpecs.push(dep);
      inBuf[m++] = j;
      outDegree[j] = (outDegree[j] as number) + 1;
    }
    inOffsets[i + 1] = m;
  }
  const inTargets = inBuf.subarray(0, m);

  // Dependents (outgoing edges), each list in ascending input order.
  const outOffsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++)
    outOffsets[i + 1] = (outOffsets[i] as number) + (outDegree[i] as number);
  const outTargets = new Int32Array(m);
  const fill = outOffsets.slice(0, n);
  for (let v = 0; v < n; v++) {
    const end = inOffsets[v + 1] as number;
    for (let e = inOffsets[v] as number; e < end; e++) {
      const u = inTargets[e] as number;
      const slotU = fill[u] as number;
      outTargets[slotU] = v;
      fill[u] = slotU + 1;
    }
  }
  const out: Csr = { n, offsets: outOffsets, targets: outTargets };

  // Kahn's algorithm with a FIFO queue seeded in input order.
  const pending = new Int32Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    pending[i] = (inOffsets[i + 1] as number) - (inOffsets[i] as number);
    if (pending[i] === 0) queue[tail++] = i;
  }
  for (let head = 0; head < tail; head++) {
    const u = queue[head] as number;
    const end = outOffsets[u + 1] as number;
    for (let e = outOffsets[u] as number; e < end; e++) {
      const v = outTargets[e] as number;
      const left = (pending[v] as number) - 1;
      pending[v] = left;
      if (left === 0) queue[tail++] = v;
    }
  }
  if (tail < n) {
    const cycle = cyclePaths(out)[0] ?? [];
    throw new CycleError(cycle.map((k) => ids[k] as string));
  }

  return new CompactDag(
    ids,
    indexById,
    weights,
    edgeSpecs,
    { n, offsets: inOffsets, targets: inTargets },
    out,
    queue,
  );
}

/** Strength of a dependency kind for deduplication; -1 for an invalid kind. */
function rankOf(kind: DependencyKind): number {
  // Comparisons instead of a lookup table: an unknown string cannot hit an inherited property.
  return kind === 'success' ? 1 : kind === 'data' ? 2 : kind === 'completion' ? 0 : -1;
}

class CompactDag implements Dag {
  readonly size: number;
  /** Position of each task in `topo`: every dependency has a smaller position than its dependent. */
  private readonly topoPos: Int32Array;
  // String views are materialised on first use, so building stays cheap.
  private orderCache: readonly string[] | undefined;
  private rootsCache: readonly string[] | undefined;
  private leavesCache: readonly string[] | undefined;
  private readonly dependenciesCache: (readonly DependencySpec[] | undefined)[];
  private readonly dependentsCache: (readonly string[] | undefined)[];
  private levelCache:
    { readonly of: Int32Array; readonly levels: readonly (readonly string[])[] } | undefined;
  private criticalCache: { readonly ids: readonly string[]; readonly length: number } | undefined;
  // Scratch for upstream searches, allocated on first use and reused.
  // (empty until the first query; `visited[i] === epoch` means seen in the current search)
  private visited = new Int32Array(0);
  private stack = new Int32Array(0);
  private epoch = 0;

  constructor(
    readonly ids: readonly string[],
    private readonly indexById: ReadonlyMap<string, number>,
    private readonly weights: Float64Array,
    /** The kept dependency specs, parallel to `incoming.targets`. */
    private readonly edgeSpecs: readonly DependencySpec[],
    private readonly incoming: Csr,
    private readonly outgoing: Csr,
    /** Task indices in topological order. */
    private readonly topo: Int32Array,
  ) {
    const n = ids.length;
    this.size = n;
    this.topoPos = new Int32Array(n);
    for (let k = 0; k < n; k++) this.topoPos[topo[k] as number] = k;
    this.dependenciesCache = new Array<readonly DependencySpec[] | undefined>(n);
    this.dependentsCache = new Array<readonly string[] | undefined>(n);
  }

  get order(): readonly string[] {
    this.orderCache ??= Array.from(this.topo, (i) => this.ids[i] as string);
    return this.orderCache;
  }

  get roots(): readonly string[] {
    this.rootsCache ??= this.withoutEdges(this.incoming);
    return this.rootsCache;
  }

  get leaves(): readonly string[] {
    this.leavesCache ??= this.withoutEdges(this.outgoing);
    return this.leavesCache;
  }

  /** Tasks with no edges in `csr`, in input order. */
  private withoutEdges(csr: Csr): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.size; i++) {
      if (csr.offsets[i] === csr.offsets[i + 1]) out.push(this.ids[i] as string);
    }
    return out;
  }

  indexOf(id: string): number | undefined {
    return this.indexById.get(id);
  }

  dependencies(id: string): readonly DependencySpec[] {
    const i = this.index(id);
    let cached = this.dependenciesCache[i];
    if (cached === undefined) {
      const start = this.incoming.offsets[i] as number;
      const end = this.incoming.offsets[i + 1] as number;
      cached = end === start ? EMPTY : this.edgeSpecs.slice(start, end);
      this.dependenciesCache[i] = cached;
    }
    return cached;
  }

  dependents(id: string): readonly string[] {
    const i = this.index(id);
    let cached = this.dependentsCache[i];
    if (cached === undefined) {
      const { offsets, targets } = this.outgoing;
      const start = offsets[i] as number;
      const end = offsets[i + 1] as number;
      const list = new Array<string>(end - start);
      for (let e = start; e < end; e++) list[e - start] = this.ids[targets[e] as number] as string;
      cached = end === start ? EMPTY : list;
      this.dependentsCache[i] = cached;
    }
    return cached;
  }

  get levels(): readonly (readonly string[])[] {
    return this.levelData().levels;
  }

  levelOf(id: string): number {
    return this.levelData().of[this.index(id)] as number;
  }

  get criticalPath(): { readonly ids: readonly string[]; readonly length: number } {
    this.criticalCache ??= this.computeCriticalPath();
    return this.criticalCache;
  }

  isUpstream(ancestor: string, id: string): boolean {
    const a = this.index(ancestor);
    const t = this.index(id);
    const posA = this.topoPos[a] as number;
    if (posA >= (this.topoPos[t] as number)) return false;
    const { offsets, targets } = this.incoming;
    const tEnd = offsets[t + 1] as number;
    for (let e = offsets[t] as number; e < tEnd; e++) if (targets[e] === a) return true;

    const epoch = this.nextEpoch();
    const { visited, stack } = this;
    let sp = 0;
    stack[sp++] = t;
    visited[t] = epoch;
    while (sp > 0) {
      const w = stack[--sp] as number;
      const end = offsets[w + 1] as number;
      for (let e = offsets[w] as number; e < end; e++) {
        const u = targets[e] as number;
        if (u === a) return true;
        // Tasks placed before `ancestor` in topological order cannot have it upstream.
        if (visited[u] !== epoch && (this.topoPos[u] as number) > posA) {
          visited[u] = epoch;
          stack[sp++] = u;
        }
      }
    }
    return false;
  }

  upstreamOf(id: string): ReadonlySet<string> {
    const t = this.index(id);
    const { offsets, targets } = this.incoming;
    const epoch = this.nextEpoch();
    const { visited, stack } = this;
    const result = new Set<string>();
    let sp = 0;
    stack[sp++] = t;
    visited[t] = epoch;
    while (sp > 0) {
      const w = stack[--sp] as number;
      const end = offsets[w + 1] as number;
      for (let e = offsets[w] as number; e < end; e++) {
        const u = targets[e] as number;
        if (visited[u] !== epoch) {
          visited[u] = epoch;
          stack[sp++] = u;
          result.add(this.ids[u] as string);
        }
      }
    }
    return result;
  }

  private index(id: string): number {
    const i = this.indexById.get(id);
    if (i === undefined) {
      throw new OrchestratorError('DAG_UNKNOWN_TASK', `no task with id "${id}" in the graph`);
    }
    return i;
  }

  /** Starts a new search: allocates the scratch arrays once, then only bumps the epoch. */
  private nextEpoch(): number {
    if (this.visited.length !== this.size) {
      this.visited = new Int32Array(this.size);
      this.stack = new Int32Array(this.size);
    }
    if (this.epoch === 0x7fffffff) {
      this.visited.fill(0);
      this.epoch = 0;
    }
    return ++this.epoch;
  }

  private levelData(): {
    readonly of: Int32Array;
    readonly levels: readonly (readonly string[])[];
  } {
    if (this.levelCache !== undefined) return this.levelCache;
    const n = this.size;
    const of = new Int32Array(n);
    const { offsets, targets } = this.incoming;
    let maxLevel = -1;
    for (const v of this.topo) {
      let level = 0;
      const end = offsets[v + 1] as number;
      for (let e = offsets[v] as number; e < end; e++) {
        const l = (of[targets[e] as number] as number) + 1;
        if (l > level) level = l;
      }
      of[v] = level;
      if (level > maxLevel) maxLevel = level;
    }
    const levels: string[][] = Array.from({ length: maxLevel + 1 }, () => []);
    for (let i = 0; i < n; i++) (levels[of[i] as number] as string[]).push(this.ids[i] as string);
    this.levelCache = { of, levels };
    return this.levelCache;
  }

  private computeCriticalPath(): { readonly ids: readonly string[]; readonly length: number } {
    const n = this.size;
    if (n === 0) return { ids: [], length: 0 };
    const dist = new Float64Array(n);
    const pred = new Int32Array(n).fill(-1);
    const { offsets, targets } = this.incoming;
    for (const v of this.topo) {
      let best = 0;
      const end = offsets[v + 1] as number;
      for (let e = offsets[v] as number; e < end; e++) {
        const u = targets[e] as number;
        const d = dist[u] as number;
        if (pred[v] === -1 || d > best) {
          best = d;
          pred[v] = u;
        }
      }
      dist[v] = best + (this.weights[v] as number);
    }
    // Weights are >= 0, so some leaf is always as far as any task: end the path at a leaf.
    const { offsets: outOffsets } = this.outgoing;
    let last = -1;
    for (let i = 0; i < n; i++) {
      if (outOffsets[i] !== outOffsets[i + 1]) continue;
      if (last === -1 || (dist[i] as number) > (dist[last] as number)) last = i;
    }
    const path: string[] = [];
    for (let x = last; x !== -1; x = pred[x] as number) path.push(this.ids[x] as string);
    path.reverse();
    return { ids: path, length: dist[last] as number };
  }
}
