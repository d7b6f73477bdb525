/**
 * Resource accounting for resource-aware scheduling: a pool of CPU cores, memory bytes and GPUs
 * that tasks acquire before they run and release when they finish. The scheduler decides who
 * waits; the pool only counts (synchronously, so no two tasks can take the same capacity).
 */
import type { Resources } from '../definition/schema.js';
import { parseCpu, parseMemory } from '../definition/units.js';
import { OrchestratorError } from '../errors.js';

/** Cores, bytes, count. An absent dimension is not requested (in a capacity: unlimited). */
export interface ResourceRequest {
  readonly cpu?: number;
  readonly memory?: number;
  readonly gpu?: number;
}

export const RESOURCE_DIMENSIONS = ['cpu', 'memory', 'gpu'] as const;
export type ResourceDimension = (typeof RESOURCE_DIMENSIONS)[number];

/** Tolerance for sums of fractional cores (`0.1 + 0.2`). */
const EPS = 1e-9;

type Mutable = { -readonly [K in keyof ResourceRequest]: ResourceRequest[K] };

function checkRequest(req: ResourceRequest, what: string): void {
  for (const dim of RESOURCE_DIMENSIONS) {
    const v = req[dim];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
      throw new OrchestratorError('InvalidInputError', `${what}: ${dim} must be a number >= 0`);
    }
  }
}

export class ResourcePool {
  private readonly capacity: ResourceRequest;
  private readonly used = { cpu: 0, memory: 0, gpu: 0 };

  /** `capacity`: an undefined dimension is unlimited (still counted in `inUse()`). */
  constructor(capacity: ResourceRequest = {}) {
    checkRequest(capacity, 'resource capacity');
    this.capacity = { ...capacity };
  }

  /**
   * Whether `req` could ever be granted by an empty pool. When false, waiting is pointless: fail
   * the task (its resources exceed the workflow's `resourceLimits`).
   */
  fits(req: ResourceRequest): boolean {
    checkRequest(req, 'resource request');
    return RESOURCE_DIMENSIONS.every((dim) => {
      const cap = this.capacity[dim];
      return cap === undefined || (req[dim] ?? 0) <= cap + EPS;
    });
  }

  /** Whether `req` fits in what is free now. */
  canAcquire(req: ResourceRequest): boolean {
    checkRequest(req, 'resource request');
    return RESOURCE_DIMENSIONS.every((dim) => {
      const cap = this.capacity[dim];
      return cap === undefined || this.used[dim] + (req[dim] ?? 0) <= cap + EPS;
    });
  }

  /** Takes `req` if it fits now (every dimension or none). */
  tryAcquire(req: ResourceRequest): boolean {
    if (!this.canAcquire(req)) return false;
    for (const dim of RESOURCE_DIMENSIONS) this.used[dim] += req[dim] ?? 0;
    return true;
  }

  /** Gives back what `tryAcquire(req)` took. Releasing more than is in use throws: it is a bug. */
  release(req: ResourceRequest): void {
    checkRequest(req, 'resource release');
    for (const dim of RESOURCE_DIMENSIONS) {
      const v = req[dim] ?? 0;
      if (v > this.used[dim] + EPS) {
        throw new OrchestratorError(
          'InternalError',
          `resource pool: releasing ${dim} ${v} but only ${this.used[dim]} is in use`,
          { hint: 'every release must match an earlier successful tryAcquire' },
        );
      }
    }
    for (const dim of RESOURCE_DIMENSIONS) {
      const left = this.used[dim] - (req[dim] ?? 0);
      this.used[dim] = left < EPS ? 0 : left;
    }
  }

  /** Free capacity per limited dimension (unlimited dimensions are absent). */
  available(): ResourceRequest {
    const out: Mutable = {};
    for (const dim of RESOURCE_DIMENSIONS) {
      const cap = this.capacity[dim];
      if (cap !== undefined) out[dim] = Math.max(0, cap - this.used[dim]);
    }
    return out;
  }

  /** What is acquired, per dimension (all three, 0 when nothing). */
  inUse(): Required<ResourceRequest> {
    return { ...this.used };
  }

  /** The configured capacity (unlimited dimensions are absent). */
  limits(): ResourceRequest {
    return { ...this.capacity };
  }
}

/**
 * The language's `resources` block (`cpu: 500m`, `memory: 2Gi`, `gpu: 1`) in cores, bytes and
 * count. Undefined → an empty request. Unparsable quantities (the validator reports them) throw.
 */
export function resourceRequest(resources?: Resources): ResourceRequest {
  const out: Mutable = {};
  if (resources === undefined) return out;
  if (resources.cpu !== undefined) {
    const cpu = parseCpu(resources.cpu);
    if (cpu === undefined) throw bad('cpu', resources.cpu);
    out.cpu = cpu;
  }
  if (resources.memory !== undefined) {
    const memory = parseMemory(resources.memory);
    if (memory === undefined) throw bad('memory', resources.memory);
    out.memory = memory;
  }
  if (resources.gpu !== undefined) {
    if (!(Number.isInteger(resources.gpu) && resources.gpu >= 0)) throw bad('gpu', resources.gpu);
    out.gpu = resources.gpu;
  }
  return out;
}

function bad(dim: string, value: unknown): OrchestratorError {
  return new OrchestratorError('InvalidInputError', `invalid ${dim} quantity ${String(value)}`, {
    hint: 'cpu: 2, 0.5 or 500m; memory: 512Mi, 8Gi, 1G or bytes; gpu: a whole number',
  });
}
