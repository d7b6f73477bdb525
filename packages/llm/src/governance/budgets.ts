/**
 * Budgets (seed §7.4): a maximum cost in USD and/or tokens, per run, per workflow or per label,
 * over a period (a UTC day or month, or all time). Spend is what the store's usage log holds.
 * Before a call, its estimate (prompt tokens + max output tokens at the model's price) must fit
 * what is left of every budget that applies, or the call is refused with `BudgetExceededError`
 * (not retryable); after it, its actual usage is recorded, and a budget it overran refuses the
 * next call.
 */
import {
  OrchestratorError,
  type AuditLog,
  type UsageFilter,
  type UsageLog,
  type WorkflowInfo,
} from '@llm-orchestrator/core';
import type { BudgetSettings } from '../config.js';

/** Whose spend a check is about. */
export interface SpendScope {
  readonly runId: string;
  readonly taskId?: string;
  readonly workflow: WorkflowInfo;
}

export interface Estimate {
  readonly costUsd: number;
  readonly tokens: number;
}

/** One budget's figures for a scope. */
export interface BudgetStatus {
  readonly name: string;
  readonly spentUsd: number;
  readonly spentTokens: number;
  readonly maxCostUsd: number | null;
  readonly maxTokens: number | null;
  /** What is left (never negative); null where the budget has no such limit. */
  readonly remainingUsd: number | null;
  readonly remainingTokens: number | null;
  readonly exceeded: boolean;
}

function budgetName(b: BudgetSettings): string {
  if (b.name !== undefined) return b.name;
  if (b.scope === 'run') return 'per-run';
  if (b.scope === 'workflow') return `workflow:${b.workflow ?? '*'}/${b.period ?? 'day'}`;
  return `label:${b.label?.join('=') ?? ''}/${b.period ?? 'day'}`;
}

/** The start of the budget's period containing `now` (UTC), or undefined for all time. */
export function periodStart(period: BudgetSettings['period'], now: number): number | undefined {
  const d = new Date(now);
  switch (period ?? 'day') {
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'total':
      return undefined;
  }
}

const round = (n: number): number => Math.round(n * 1e9) / 1e9;

export class Budgets {
  constructor(
    private readonly budgets: readonly BudgetSettings[],
    private readonly usage: UsageLog,
    private readonly audit: AuditLog | undefined,
    private readonly now: () => number,
  ) {}

  get configured(): boolean {
    return this.budgets.length > 0;
  }

  private applies(b: BudgetSettings, scope: SpendScope): boolean {
    if (b.scope === 'workflow')
      return b.workflow === undefined || b.workflow === scope.workflow.name;
    if (b.scope === 'label') {
      const [k, v] = b.label ?? ['', ''];
      return scope.workflow.labels[k] === v;
    }
    return true;
  }

  private filter(b: BudgetSettings, scope: SpendScope, now: number): UsageFilter {
    if (b.scope === 'run') return { runId: scope.runId };
    const since = periodStart(b.period, now);
    const base = since === undefined ? {} : { since };
    if (b.scope === 'workflow') return { ...base, workflow: scope.workflow.name };
    return { ...base, ...(b.label === undefined ? {} : { label: b.label }) };
  }

  /** The figures of every budget that applies to `scope`. */
  async status(scope: SpendScope): Promise<BudgetStatus[]> {
    const now = this.now();
    const out: BudgetStatus[] = [];
    for (const b of this.budgets) {
      if (!this.applies(b, scope)) continue;
      const totals = await this.usage.totals(this.filter(b, scope, now));
      const spentTokens = totals.inputTokens + totals.outputTokens;
      const remainingUsd =
        b.maxCostUsd === undefined ? null : Math.max(0, round(b.maxCostUsd - totals.costUsd));
      const remainingTokens =
        b.maxTokens === undefined ? null : Math.max(0, b.maxTokens - spentTokens);
      out.push({
        name: budgetName(b),
        spentUsd: round(totals.costUsd),
        spentTokens,
        maxCostUsd: b.maxCostUsd ?? null,
        maxTokens: b.maxTokens ?? null,
        remainingUsd,
        remainingTokens,
        exceeded:
          (b.maxCostUsd !== undefined && totals.costUsd > b.maxCostUsd) ||
          (b.maxTokens !== undefined && spentTokens > b.maxTokens),
      });
    }
    return out;
  }

  /** Refuses a call whose estimate does not fit what is left of a budget (audit-logged). */
  async check(scope: SpendScope, estimate: Estimate): Promise<void> {
    if (!this.configured) return;
    for (const s of await this.status(scope)) {
      const overCost = s.remainingUsd !== null && estimate.costUsd > s.remainingUsd;
      const overTokens = s.remainingTokens !== null && estimate.tokens > s.remainingTokens;
      if (!s.exceeded && !overCost && !overTokens) continue;
      const what = overCost
        ? `$${String(s.spentUsd)} spent of $${String(s.maxCostUsd)}, this call is estimated at $${String(round(estimate.costUsd))}`
        : `${String(s.spentTokens)} tokens used of ${String(s.maxTokens)}, this call may use ${String(estimate.tokens)}`;
      const error = new OrchestratorError(
        'BudgetExceededError',
        `budget ${s.name} would be exceeded: ${what}`,
        {
          retryable: false,
          hint: 'raise the budget in the LLM configuration, or lower max_tokens',
        },
      );
      await this.audit?.append({
        at: this.now(),
        actor: 'engine',
        action: 'budget.check',
        runId: scope.runId,
        ...(scope.taskId === undefined ? {} : { taskId: scope.taskId }),
        outcome: 'denied',
        details: { budget: s.name, estimate, ...s },
      });
      throw error;
    }
  }

  /** After a call: audit-logs every budget the spend so far has overrun. */
  async afterCall(scope: SpendScope): Promise<BudgetStatus[]> {
    if (!this.configured) return [];
    const statuses = await this.status(scope);
    for (const s of statuses.filter((x) => x.exceeded)) {
      await this.audit?.append({
        at: this.now(),
        actor: 'engine',
        action: 'budget.exceeded',
        runId: scope.runId,
        ...(scope.taskId === undefined ? {} : { taskId: scope.taskId }),
        outcome: 'error',
        details: { ...s },
      });
    }
    return statuses;
  }
}
