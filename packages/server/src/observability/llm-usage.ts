/**
 * What the observability code reads from a run: the LLM call a task's outputs record (the
 * `llm:chat` executor's `{ provider, model, usage, cost, latency_ms, cached }`), and the executor
 * of a task from the run's plan.
 */
import type { Engine, RunHandle } from '@llm-orchestrator/core';

/** One model answer, as a task's outputs record it. */
export interface LlmCall {
  readonly provider: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD; null for a model without a price. */
  readonly cost: number | null;
  readonly latencyMs: number | undefined;
  /** Served from the response cache: no call was made, nothing was spent. */
  readonly cached: boolean;
}

/** The built-in fan-out's executor name (core's `FAN_OUT_EXECUTOR`). */
export const FAN_OUT_EXECUTOR = 'orchestrator:fan-out';

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The LLM call recorded by one executor's outputs, if they look like an LLM answer. */
export function llmCallOf(outputs: unknown): LlmCall | undefined {
  if (!isRecord(outputs)) return undefined;
  const { provider, model, usage } = outputs;
  if (typeof provider !== 'string' || typeof model !== 'string' || !isRecord(usage)) {
    return undefined;
  }
  const input = count(usage.input_tokens) ?? count(usage.prompt_tokens);
  const output = count(usage.output_tokens) ?? count(usage.completion_tokens);
  if (input === undefined && output === undefined) return undefined;
  const cached = outputs.cached === true || usage.cached === true;
  return {
    provider,
    model,
    inputTokens: input ?? 0,
    outputTokens: output ?? 0,
    cost: count(outputs.cost) ?? null,
    latencyMs: count(outputs.latency_ms),
    cached,
  };
}

/**
 * The LLM calls a completed task made: its own outputs, or, for a fan-out, each item's outputs
 * (`items`). Outputs served by a `default` or `cached` fallback record no call made now.
 */
export function llmCallsOf(
  outputs: unknown,
  executor: string,
  fallback: string | undefined,
): LlmCall[] {
  if (fallback === 'default' || fallback === 'cached') return [];
  const own = llmCallOf(outputs);
  if (own !== undefined) return [own];
  if (executor !== FAN_OUT_EXECUTOR || !isRecord(outputs) || !Array.isArray(outputs.items)) {
    return [];
  }
  const calls: LlmCall[] = [];
  for (const item of outputs.items as readonly unknown[]) {
    const call = llmCallOf(item);
    if (call !== undefined) calls.push(call);
  }
  return calls;
}

/** What is read of a compiled plan (core's `Plan`). */
interface PlanLike {
  readonly byId: ReadonlyMap<
    string,
    { readonly executor: string | undefined; readonly fanOut: unknown }
  >;
}

function planLike(value: unknown): PlanLike | undefined {
  return isRecord(value) && value.byId instanceof Map ? (value as unknown as PlanLike) : undefined;
}

function executorIn(plan: PlanLike, taskId: string): string | undefined {
  const task = plan.byId.get(taskId);
  if (task === undefined) return undefined;
  return task.executor ?? (task.fanOut === undefined ? 'none' : FAN_OUT_EXECUTOR);
}

/**
 * Task id → executor name, per run. The plan is reached through the run's handle: its `workflow`
 * is, at run time, the compiled plan (typed only as `{ name, version }`). When it is not, the
 * plan is compiled again from the definition the store keeps for the run (once per definition).
 */
export class Executors {
  private readonly byDefinition = new Map<string, Promise<PlanLike | undefined>>();

  constructor(
    private readonly engine: Engine,
    private readonly cacheSize = 64,
  ) {}

  /** The executor, when the run's handle gives the plan; undefined when the store must be asked. */
  now(handle: RunHandle | undefined, taskId: string): string | undefined {
    const plan = planLike(handle?.workflow);
    return plan === undefined ? undefined : (executorIn(plan, taskId) ?? 'unknown');
  }

  /** The executor, from the definition the store keeps for the run. Never rejects. */
  async later(runId: string, taskId: string): Promise<string> {
    try {
      const record = await this.engine.store.getRun(runId);
      if (record === undefined) return 'unknown';
      let plan = this.byDefinition.get(record.definition);
      if (plan === undefined) {
        plan = this.compile(record.definition);
        this.byDefinition.set(record.definition, plan);
        if (this.byDefinition.size > this.cacheSize) {
          const oldest = this.byDefinition.keys().next().value;
          if (oldest !== undefined) this.byDefinition.delete(oldest);
        }
      }
      const found = await plan;
      return found === undefined ? 'unknown' : (executorIn(found, taskId) ?? 'unknown');
    } catch {
      return 'unknown';
    }
  }

  private async compile(hash: string): Promise<PlanLike | undefined> {
    const stored = await this.engine.store.getDefinition(hash);
    if (stored === undefined) return undefined;
    return planLike(this.engine.load(stored.source, stored.workflow));
  }
}

/**
 * Caps the distinct values of a label: values past the first `limit` are reported as `other`,
 * so that a model name taken from user input cannot grow the series without bound.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  value(raw: string): string {
    const v = raw.length > 120 ? raw.slice(0, 120) : raw;
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.limit) return 'other';
    this.seen.add(v);
    return v;
  }
}
