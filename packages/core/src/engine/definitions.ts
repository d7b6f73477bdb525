/**
 * Definitions: compiled once into plans, and kept in the store's registry exactly as a run was
 * started from them (the YAML/JSON text or the document, and which workflow of it), under the hash
 * of that JSON. Registered as `name@version` on request.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import {
  validateDefinition,
  validateSource,
  type ValidateOptions,
} from '../definition/validate.js';
import { OrchestratorError } from '../errors.js';
import type { Store, StoredDefinition, WorkflowVersion } from '../store/port.js';
import type { DefinitionSource } from './options.js';
import { planFromValidation, type Plan } from './plan.js';

export interface HashedDefinition {
  readonly hash: string;
  readonly definition: StoredDefinition;
}

export function hashDefinition(definition: StoredDefinition): HashedDefinition {
  const hash = createHash('sha256').update(JSON.stringify(definition)).digest('hex');
  return { hash, definition };
}

function isPlan(value: unknown): value is Plan {
  return typeof value === 'object' && value !== null && 'tasks' in value && 'byId' in value;
}

export class Definitions {
  /** Per compiled plan, the source it was compiled from and its hash. */
  private readonly sources = new WeakMap<Plan, HashedDefinition>();
  /** Plans of definitions given as objects, per object. */
  private readonly plans = new WeakMap<object, Plan>();
  private readonly byHash = new Map<string, Plan>();
  /** Plans of registered `name@version`s: a version, once registered, never changes. */
  private readonly byVersion = new Map<string, Plan>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly validateOptions: ValidateOptions,
  ) {}

  load(definition: DefinitionSource, workflow?: string): Plan {
    if (isPlan(definition)) return definition;
    if (typeof definition === 'string') {
      return this.remember(this.compile(definition, workflow), definition);
    }
    const cached = this.plans.get(definition);
    if (cached !== undefined && (workflow === undefined || cached.name === workflow)) return cached;
    const plan = this.remember(this.compile(definition, workflow), definition);
    this.plans.set(definition, plan);
    return plan;
  }

  /** The plan's source and hash; a plan compiled elsewhere is kept as its document. */
  of(plan: Plan): HashedDefinition {
    let found = this.sources.get(plan);
    if (found === undefined) {
      found = hashDefinition({ source: plan.document, workflow: plan.name });
      this.sources.set(plan, found);
    }
    return found;
  }

  /** The plan of a stored definition, compiled once per hash. */
  async planFor(hash: string): Promise<Plan> {
    let plan = this.byHash.get(hash);
    if (plan === undefined) {
      const stored = await this.store.getDefinition(hash);
      if (stored === undefined) {
        throw new OrchestratorError('DEFINITION_NOT_FOUND', `no definition ${hash} in the store`);
      }
      plan = this.remember(this.compile(stored.source, stored.workflow), stored.source);
      this.byHash.set(hash, plan);
    }
    return plan;
  }

  async register(definition: DefinitionSource, workflow?: string): Promise<WorkflowVersion> {
    const plan = this.load(definition, workflow);
    const { hash, definition: stored } = this.of(plan);
    await this.store.putDefinition(hash, stored);
    const version: WorkflowVersion = {
      name: plan.name,
      version: plan.version,
      definition: hash,
      registeredAt: this.clock.now(),
    };
    await this.store.registerWorkflow(version);
    return version;
  }

  async registered(ref: string): Promise<Plan> {
    const known = this.byVersion.get(ref);
    if (known !== undefined) return known;
    const at = ref.lastIndexOf('@');
    const name = at > 0 ? ref.slice(0, at) : ref;
    const wanted = at > 0 ? ref.slice(at + 1) : undefined;
    const versions = await this.store.listWorkflows(name);
    const found =
      wanted === undefined ? latestVersion(versions) : versions.find((v) => v.version === wanted);
    if (found === undefined) {
      const others = versions.map((v) => v.version).join(', ');
      throw new OrchestratorError(
        'WORKFLOW_NOT_FOUND',
        `no registered workflow ${ref}${others === '' ? '' : ` (versions of ${name}: ${others})`}`,
        { hint: 'register it with `llm-orchestrator workflows register <file>`' },
      );
    }
    const plan = await this.planFor(found.definition);
    // Only an exact version is kept: the latest of a name changes as versions are registered.
    if (wanted !== undefined) this.byVersion.set(ref, plan);
    return plan;
  }

  private compile(source: StoredDefinition['source'], workflow: string | undefined): Plan {
    return planFromValidation(
      typeof source === 'string'
        ? validateSource(source, this.validateOptions)
        : validateDefinition(source, this.validateOptions),
      workflow,
    );
  }

  private remember(plan: Plan, source: StoredDefinition['source']): Plan {
    if (!this.sources.has(plan)) {
      this.sources.set(plan, hashDefinition({ source, workflow: plan.name }));
    }
    return plan;
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
