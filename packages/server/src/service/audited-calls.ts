/**
 * How each service call runs: the caller's role checked (`allows`), core errors mapped to
 * ServiceErrors, and, for a call that changes something, one audit entry in the store whatever the
 * outcome: who (the principal's name), what (`api.start`, `api.cancel`, ...), when, how it ended.
 */
import type { LogSink, Store } from '@llm-orchestrator/core';
import { allows, ServiceError, type Permission, type Principal } from '../contract.js';
import { toServiceError } from './error-mapping.js';

/** What a mutating call audits: filled in as the call learns it (the new run's id). */
export interface Subject {
  runId?: string;
  taskId?: string;
  details: Record<string, unknown>;
}

export class AuditedCalls {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly log: LogSink,
  ) {}

  require(p: Principal, permission: Permission, what: string): void {
    if (!allows(p.role, permission)) {
      throw new ServiceError(
        'forbidden',
        'FORBIDDEN',
        `${p.name} (role ${p.role}) may not ${what}: it needs the ${permission} permission`,
      );
    }
  }

  /** A read: role checked, errors mapped. */
  async read<T>(p: Principal, fn: () => Promise<T>): Promise<T> {
    try {
      this.require(p, 'read', 'read');
      return await fn();
    } catch (err) {
      throw toServiceError(err);
    }
  }

  /** A change: role checked, errors mapped, one audit entry whatever the outcome. */
  async mutate<T>(
    p: Principal,
    action: string,
    permission: Permission,
    subject: Subject,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      this.require(p, permission, action.replace(/^api\./, ''));
      const result = await fn();
      await this.audit(p, action, subject, 'ok');
      return result;
    } catch (err) {
      const error = toServiceError(err);
      subject.details.error = { code: error.code, message: error.message };
      await this.audit(p, action, subject, error.kind === 'forbidden' ? 'denied' : 'error');
      throw error;
    }
  }

  private async audit(
    p: Principal,
    action: string,
    subject: Subject,
    outcome: 'ok' | 'error' | 'denied',
  ): Promise<void> {
    try {
      await this.store.audit.append({
        at: this.now(),
        actor: p.name,
        action,
        ...(subject.runId === undefined ? {} : { runId: subject.runId }),
        ...(subject.taskId === undefined ? {} : { taskId: subject.taskId }),
        outcome,
        details: { ...subject.details, principal: p.id, via: p.via },
      });
    } catch (err) {
      // The call's own outcome stands; the failure to record it is logged.
      this.log('error', 'the audit log could not be written', {
        action,
        actor: p.name,
        ...(subject.runId === undefined ? {} : { runId: subject.runId }),
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
