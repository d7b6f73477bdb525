/**
 * Whether a ready task may start now (seed §4.3, rate limits of §7.1): resource-aware admission
 * against the engine's capacity (cpu, memory, gpu), and a token bucket per executor or per the
 * key a task names. A task that must wait keeps no concurrency slot: it is parked and put back in
 * the queue when resources are released or when its bucket has a token again.
 */
import { OrchestratorError } from '../errors.js';
import type { RateLimiterRegistry, ResourcePool, ResourceRequest } from '../resilience/index.js';
import type { PlanTask } from './plan.js';

export type Admission =
  | { readonly kind: 'start'; readonly resources: ResourceRequest | undefined }
  | { readonly kind: 'wait-resources' }
  | { readonly kind: 'wait-rate'; readonly ms: number }
  | { readonly kind: 'refuse'; readonly error: OrchestratorError };

function isEmpty(req: ResourceRequest): boolean {
  return req.cpu === undefined && req.memory === undefined && req.gpu === undefined;
}

export class Admissions {
  constructor(
    private readonly pool: ResourcePool | undefined,
    private readonly rates: RateLimiterRegistry | undefined,
  ) {}

  /** The rate-limit key of a task: the one it names, else its executor. */
  static rateKey(task: PlanTask): string {
    return task.rateLimitKey ?? task.executor ?? '';
  }

  admit(task: PlanTask): Admission {
    let held: ResourceRequest | undefined;
    const req = task.resources;
    if (this.pool !== undefined && !isEmpty(req)) {
      if (!this.pool.fits(req)) {
        return {
          kind: 'refuse',
          error: new OrchestratorError(
            'ResourceUnavailable',
            `task \`${task.id}\` asks for more resources than the engine has (${JSON.stringify(req)} of ${JSON.stringify(this.pool.limits())})`,
            { hint: 'lower the task resources or raise the engine capacity' },
          ),
        };
      }
      if (!this.pool.tryAcquire(req)) return { kind: 'wait-resources' };
      held = req;
    }
    const key = Admissions.rateKey(task);
    if (
      this.rates !== undefined &&
      this.rates.has(key) &&
      !this.rates.tryAcquire(key, { requests: 1 })
    ) {
      if (held !== undefined) this.pool?.release(held);
      return { kind: 'wait-rate', ms: Math.max(1, this.rates.waitTimeMs(key, { requests: 1 })) };
    }
    return { kind: 'start', resources: held };
  }

  release(resources: ResourceRequest | undefined): void {
    if (resources !== undefined) this.pool?.release(resources);
  }
}
