/**
 * The exact definition a run runs, as the registry keeps it: the YAML/JSON text or the document it
 * was started from, and which workflow of it. Content-addressed: the hash of its JSON.
 */
import { createHash } from 'node:crypto';
import type { StoredDefinition, WorkflowVersion } from '../store/port.js';
import type { Plan } from './plan.js';

export interface HashedDefinition {
  readonly hash: string;
  readonly definition: StoredDefinition;
}

export function hashDefinition(definition: StoredDefinition): HashedDefinition {
  const hash = createHash('sha256').update(JSON.stringify(definition)).digest('hex');
  return { hash, definition };
}

/** Remembers, per compiled plan, the source it was compiled from and its hash. */
export class DefinitionSources {
  private readonly sources = new WeakMap<Plan, HashedDefinition>();

  remember(plan: Plan, source: StoredDefinition['source']): void {
    if (!this.sources.has(plan))
      this.sources.set(plan, hashDefinition({ source, workflow: plan.name }));
  }

  /** The plan's source; a plan compiled elsewhere is kept as its document. */
  of(plan: Plan): HashedDefinition {
    let found = this.sources.get(plan);
    if (found === undefined) {
      found = hashDefinition({
        source: plan.document as unknown as Record<string, unknown>,
        workflow: plan.name,
      });
      this.sources.set(plan, found);
    }
    return found;
  }
}

function semver(v: string): number[] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(v);
  return m === null ? undefined : [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compareVersions(a: string, b: string): number {
  const x = semver(a);
  const y = semver(b);
  if (x === undefined || y === undefined)
    return (x === undefined ? 0 : 1) - (y === undefined ? 0 : 1);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** The highest version by semver; among equals and non-semver ones, the last registered. */
export function latestVersion(versions: readonly WorkflowVersion[]): WorkflowVersion | undefined {
  let best: WorkflowVersion | undefined;
  for (const v of versions)
    if (best === undefined || compareVersions(v.version, best.version) >= 0) best = v;
  return best;
}
