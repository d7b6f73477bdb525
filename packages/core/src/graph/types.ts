/** Public types of the task graph. */

/**
 * How a task depends on another one:
 * - `success`: runs only if the dependency succeeded;
 * - `completion`: runs after the dependency finished in any terminal state;
 * - `data`: like `success`, and the task consumes an output (`outputKey`) of the dependency.
 */
export type DependencyKind = 'success' | 'completion' | 'data';

/** Every dependency kind, weakest first (see {@link buildDag} for how duplicates are merged). */
export const DEPENDENCY_KINDS = [
  'completion',
  'success',
  'data',
] as const satisfies readonly DependencyKind[];

export interface DependencySpec {
  readonly id: string;
  readonly kind: DependencyKind;
  readonly outputKey?: string;
}

export interface GraphNodeSpec {
  readonly id: string;
  readonly dependsOn: readonly DependencySpec[];
  /** Expected duration, used for the critical path; default 1. Must be finite and >= 0. */
  readonly weight?: number;
}

/** An immutable, validated, acyclic task graph. All queries on unknown ids throw `DAG_UNKNOWN_TASK`. */
export interface Dag {
  readonly size: number;
  /** Task ids in input order. */
  readonly ids: readonly string[];
  /** Input position of a task, or `undefined` if there is no such task. */
  indexOf(id: string): number | undefined;
  /**
   * Incoming dependencies, in first-occurrence order, with at most one entry per dependency id
   * (see {@link buildDag} for which entry is kept).
   */
  dependencies(id: string): readonly DependencySpec[];
  /** Tasks that depend on `id`, in input order. */
  dependents(id: string): readonly string[];
  /** A topological order: Kahn's algorithm with a FIFO queue seeded in input order. */
  readonly order: readonly string[];
  /**
   * `levels[k]` holds the tasks whose longest dependency chain from a root has `k` edges, each
   * level in input order.
   */
  readonly levels: readonly (readonly string[])[];
  levelOf(id: string): number;
  /** Tasks without dependencies, in input order. */
  readonly roots: readonly string[];
  /** Tasks nothing depends on, in input order. */
  readonly leaves: readonly string[];
  /**
   * A longest path by summed task weight, from a root to a leaf; `length` is the sum of the
   * weights along it. Ties go to the path ending at the earliest task in input order, and at each
   * step to the earliest dependency in `dependencies()` order. Empty for an empty graph.
   */
  readonly criticalPath: { readonly ids: readonly string[]; readonly length: number };
  /**
   * True when `ancestor` is strictly upstream of `id` (reachable by following dependencies).
   * O(1) for pairs in the wrong topological order, a scan for direct dependencies, otherwise an
   * iterative search that reuses preallocated scratch arrays (no allocation per query).
   */
  isUpstream(ancestor: string, id: string): boolean;
  /** All tasks strictly upstream of `id` (a fresh set per call). */
  upstreamOf(id: string): ReadonlySet<string>;
}
