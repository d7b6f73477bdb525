/**
 * Graceful degradation (seed §5.4): what a task that failed for good gives instead of failing.
 * `default` gives a value, `cached` the task's last good outputs (from any run of the same
 * workflow, within `maxAge`, kept in the store's cache when it is durable), `skip` skips it; `executor` runs an alternative executor once
 * (the scheduler does that part, since it is asynchronous).
 */
import { parseDuration } from '../definition/units.js';
import type { ErrorInfo } from './journal.js';
import type { KeyValueCache } from '../store/records.js';
import { isPlainObject, mapOutputs } from './outputs.js';
import type { Plan, PlanTask } from './plan.js';
import type { RunState } from './run.js';

export type FallbackOutcome =
  | {
      readonly kind: 'outputs';
      readonly outputs: Record<string, unknown>;
      readonly via: 'default' | 'cached';
    }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'executor'; readonly executor: string }
  | { readonly kind: 'none' };

interface CachedOutputs {
  readonly outputs: Record<string, unknown>;
  readonly at: number;
}

function isCachedOutputs(v: unknown): v is CachedOutputs {
  const c = v as Partial<CachedOutputs> | null;
  return (
    c !== null && typeof c === 'object' && typeof c.at === 'number' && isPlainObject(c.outputs)
  );
}

/**
 * The last good outputs of each task, per workflow: what the `cached` fallback serves. Kept here
 * (the most recent 10,000) and, with a durable store, in its cache too, so that they outlive the
 * process: a run loads what its tasks with a `cached` fallback last gave when it starts or is
 * taken over (`preload`).
 */
export class LastGoodOutputs {
  private readonly entries = new Map<string, CachedOutputs>();

  constructor(
    private readonly store?: KeyValueCache,
    /** A store write or read that failed: the outputs are kept (or missed) in memory only. */
    private readonly onError: (err: unknown, failed: 'stored' | 'loaded') => void = () => undefined,
    private readonly maxEntries = 10_000,
  ) {}

  private key(workflow: string, taskId: string): string {
    return `${workflow}\u0000${taskId}`;
  }

  private set(key: string, value: CachedOutputs): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, value);
  }

  remember(workflow: string, taskId: string, outputs: Record<string, unknown>, at: number): void {
    const key = this.key(workflow, taskId);
    this.set(key, { outputs, at });
    this.store?.put(`fallback:${key}`, { outputs, at }, at).catch((err: unknown) => {
      this.onError(err, 'stored');
    });
  }

  /**
   * Loads from the store what the plan's tasks with a `cached` fallback last gave, if unknown here.
   * Never rejects: a failed read is reported to `onError`.
   */
  async preload(plan: Plan, now: number): Promise<void> {
    if (this.store === undefined) return;
    try {
      for (const t of plan.tasks) {
        if (t.fallback?.strategy !== 'cached') continue;
        const key = this.key(plan.name, t.id);
        if (this.entries.has(key)) continue;
        const hit = await this.store.get(`fallback:${key}`, now, { includeExpired: true });
        if (hit !== undefined && isCachedOutputs(hit.value) && !this.entries.has(key)) {
          this.set(key, hit.value);
        }
      }
    } catch (err) {
      this.onError(err, 'loaded');
    }
  }

  recall(
    workflow: string,
    taskId: string,
    maxAgeMs: number,
    now: number,
  ): Record<string, unknown> | undefined {
    const hit = this.entries.get(this.key(workflow, taskId));
    return hit !== undefined && now - hit.at <= maxAgeMs ? hit.outputs : undefined;
  }
}

/**
 * What a task that failed for good gives instead. Throws when a `default` value cannot be built or
 * does not fit the declared outputs: the caller then fails the task with both reasons.
 */
export function fallbackFor(
  task: PlanTask,
  run: RunState,
  info: ErrorInfo,
  cache: LastGoodOutputs,
  now: number,
): FallbackOutcome {
  const f = task.fallback;
  if (f === undefined) return { kind: 'none' };
  switch (f.strategy) {
    case 'default': {
      const value = task.fallbackValue?.build(run.context) ?? null;
      return {
        kind: 'outputs',
        outputs: mapOutputs(task.id, 'fallback', value, task.outputs),
        via: 'default',
      };
    }
    case 'cached': {
      const maxAge = parseDuration(f.maxAge) ?? Number.POSITIVE_INFINITY;
      const outputs = cache.recall(run.plan.name, task.id, maxAge, now);
      return outputs === undefined ? { kind: 'none' } : { kind: 'outputs', outputs, via: 'cached' };
    }
    case 'skip':
      return { kind: 'skip', reason: `it failed (${info.code}) and its fallback is skip` };
    case 'executor':
      return f.executor === undefined
        ? { kind: 'none' }
        : { kind: 'executor', executor: f.executor };
  }
}
