/**
 * Policies (seed §7.4): rules on provider, model, workflow, labels and estimated cost that allow,
 * deny or require approval for an LLM call. They run as the engine's task gate, before a task's
 * first attempt: the first policy whose conditions all hold decides; none matching allows. Every
 * decision on an LLM task goes to the store's audit log.
 */
import type {
  AuditLog,
  GateDecision,
  GateRequest,
  LogSink,
  TaskGate,
} from '@llm-orchestrator/core';
import type { PolicySettings } from '../config.js';

/** The model call a task would make, as far as policies care. */
export interface CallFacts {
  readonly provider: string;
  readonly model: string;
  /** USD; 0 when the model has no price. */
  readonly estimatedCostUsd: number;
}

/** The call an LLM task would make, or undefined for a task that calls no model. */
export type CallResolver = (
  executor: string,
  inputs: Readonly<Record<string, unknown>>,
) => CallFacts | undefined;

/** `*` matches any run of characters; everything else literally. */
export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`).test(value);
}

function matches(p: PolicySettings, facts: CallFacts, request: GateRequest): boolean {
  const w = p.when;
  if (w === undefined) return true;
  if (w.provider !== undefined && !w.provider.some((x) => globMatches(x, facts.provider)))
    return false;
  if (w.model !== undefined && !w.model.some((x) => globMatches(x, facts.model))) return false;
  if (w.workflow !== undefined && !w.workflow.some((x) => globMatches(x, request.workflow.name)))
    return false;
  if (w.labels !== undefined) {
    for (const [k, v] of Object.entries(w.labels)) if (request.labels[k] !== v) return false;
  }
  if (w.minEstimatedCostUsd !== undefined && facts.estimatedCostUsd < w.minEstimatedCostUsd)
    return false;
  return true;
}

export interface PolicyGateOptions {
  readonly policies: readonly PolicySettings[];
  readonly resolve: CallResolver;
  readonly audit: AuditLog | undefined;
  readonly now: () => number;
  readonly log: LogSink;
}

/** The engine's task gate for the configured policies. */
export function createPolicyGate(options: PolicyGateOptions): TaskGate {
  const { policies, resolve, audit, now, log } = options;
  return (request) => {
    let facts: CallFacts | undefined;
    try {
      facts = resolve(request.executor, request.inputs);
    } catch {
      return { kind: 'allow' }; // a bad input fails the attempt itself, with its own message
    }
    if (facts === undefined) return { kind: 'allow' };
    const policy = policies.find((p) => matches(p, facts, request));
    const what = `${facts.provider}/${facts.model}`;
    let decision: GateDecision;
    if (policy === undefined || policy.action === 'allow') decision = { kind: 'allow' };
    else {
      const reason = `policy ${policy.name}: ${policy.reason ?? `${policy.action} for ${what}`}`;
      decision =
        policy.action === 'deny'
          ? {
              kind: 'deny',
              code: 'PolicyDenied',
              message: `task \`${request.taskId}\` denied by ${reason}`,
            }
          : { kind: 'require-approval', reason, details: { policy: policy.name, ...facts } };
    }
    if (audit !== undefined) {
      audit
        .append({
          at: now(),
          actor: policy === undefined ? 'policy:(none)' : `policy:${policy.name}`,
          action: 'policy.decision',
          runId: request.runId,
          taskId: request.taskId,
          outcome:
            decision.kind === 'allow'
              ? 'allowed'
              : decision.kind === 'deny'
                ? 'denied'
                : 'approval_required',
          details: {
            provider: facts.provider,
            model: facts.model,
            estimatedCostUsd: facts.estimatedCostUsd,
            workflow: request.workflow.name,
            ...(policy === undefined ? {} : { policy: policy.name }),
          },
        })
        .catch((err: unknown) => {
          log('error', 'the audit log could not be written', {
            runId: request.runId,
            taskId: request.taskId,
            error: err instanceof Error ? err.message : String(err),
          });
        });
    }
    return decision;
  };
}
