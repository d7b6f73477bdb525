/**
 * A Plan is a validated workflow compiled for running: tasks as an array with integer dependency
 * links, every expression compiled, every default (retry, timeout, priority, resources) resolved.
 * It is built once per definition and shared by all its runs.
 */
import { DefinitionError } from '../errors.js';
import { compileTemplate, type CompiledTemplate } from '../expr/index.js';
import type { DependencyKind } from '../graph/index.js';
import { countErrors } from '../definition/diagnostics.js';
import type {
  DefinitionDocument,
  EventHandler,
  Fallback,
  InputParameter,
  RetryPolicy,
  RunnableDocument,
  TaskDefinition,
  TypeSpec,
} from '../definition/schema.js';
import { FAN_OUT_EXECUTOR } from '../definition/semantic/task-checks.js';
import { parseDuration } from '../definition/units.js';
import type { ValidatedDocument, ValidationResult } from '../definition/validate.js';
import {
  priorityValue,
  resolveRetrySettings,
  resourceRequest,
  type ResourceRequest,
  type RetrySettings,
} from '../resilience/index.js';
import { compileRecord, compileValue, type CompiledValue } from './values.js';

export interface PlanDependency {
  readonly index: number;
  readonly kind: DependencyKind;
}

export type Join =
  | { readonly kind: 'all' }
  | { readonly kind: 'any' }
  | { readonly kind: 'atLeast'; readonly n: number }
  | { readonly kind: 'expression'; readonly template: CompiledTemplate };

export interface Condition {
  readonly template: CompiledTemplate;
  /** True for a branch's `else` tasks. */
  readonly negate: boolean;
}

export interface FanOutPlan {
  readonly items: CompiledValue;
  /** Builds the item task's inputs; the context carries `item` and `index`. */
  readonly inputs: (ctx: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  readonly executor: string;
  readonly timeoutMs: number | undefined;
  readonly retry: RetrySettings;
  readonly maxParallel: number;
}

export interface PlanTask {
  readonly index: number;
  readonly id: string;
  readonly definition: TaskDefinition;
  readonly executor: string | undefined;
  readonly deps: readonly PlanDependency[];
  /** The tasks that depend on this one, with the kind of each edge. */
  readonly dependents: readonly PlanDependency[];
  readonly inputs: (ctx: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  readonly conditions: readonly Condition[];
  readonly join: Join;
  readonly timeoutMs: number | undefined;
  readonly retry: RetrySettings;
  readonly priority: number;
  readonly resources: ResourceRequest;
  readonly fallback: Fallback | undefined;
  /** The `default` fallback's value, compiled (it may hold expressions). */
  readonly fallbackValue: CompiledValue | undefined;
  readonly outputs: Readonly<Record<string, TypeSpec>> | undefined;
  readonly rateLimitKey: string | undefined;
  readonly fanOut: FanOutPlan | undefined;
}

export interface PlanOutput {
  readonly name: string;
  readonly value: CompiledValue;
  readonly fallback: CompiledValue | undefined;
  readonly transform: { readonly type: string; readonly decimals?: number | undefined } | undefined;
}

export interface Plan {
  readonly document: RunnableDocument;
  readonly name: string;
  readonly version: string;
  /** `metadata.labels` ({} without). */
  readonly labels: Readonly<Record<string, string>>;
  readonly tasks: readonly PlanTask[];
  readonly byId: ReadonlyMap<string, PlanTask>;
  readonly roots: readonly number[];
  readonly inputs: readonly InputParameter[];
  readonly outputs: readonly PlanOutput[];
  readonly timeoutMs: number | undefined;
  readonly maxParallel: number;
  readonly failFast: boolean;
  readonly deadLetter: boolean;
  readonly priority: number;
  readonly events: Readonly<
    Partial<
      Record<
        'onSuccess' | 'onFailure' | 'onTimeout' | 'onCancel',
        readonly EventHandler[] | undefined
      >
    >
  >;
}

function compileJoin(join: TaskDefinition['join']): Join {
  if (join === undefined || join === 'all') return { kind: 'all' };
  if (join === 'any') return { kind: 'any' };
  if (typeof join === 'object') return { kind: 'atLeast', n: join.atLeast };
  return { kind: 'expression', template: compileTemplate(join) };
}

function compileCondition(condition: string | boolean | undefined, negate: boolean): Condition[] {
  if (condition === undefined) return [];
  const template = compileTemplate(
    typeof condition === 'boolean' ? `\${{ ${condition} }}` : condition,
  );
  return [{ template, negate }];
}

function compileFanOut(
  def: TaskDefinition,
  workflowRetry: RetryPolicy | undefined,
): FanOutPlan | undefined {
  // A fan-out task that names its own executor runs that executor instead.
  const executor = def.executor ?? (def.type === 'fan-out' ? FAN_OUT_EXECUTOR : undefined);
  if (executor !== FAN_OUT_EXECUTOR) return undefined;
  const inputs = def.inputs ?? {};
  const template = (inputs.task_template ?? {}) as TaskDefinition;
  return {
    items: compileValue(inputs.items),
    inputs: compileRecord(template.inputs),
    executor: template.executor ?? 'expression',
    timeoutMs: parseDuration(template.timeout ?? template.config?.timeout),
    retry: resolveRetrySettings(workflowRetry, template.config?.retryPolicy, template.retryPolicy),
    maxParallel: def.config?.maxParallel ?? Number.POSITIVE_INFINITY,
  };
}

/** Compiles a valid document; throws DefinitionError when the validation found errors. */
export function compilePlan(validated: ValidatedDocument): Plan {
  const doc: DefinitionDocument = validated.document;
  if (doc.kind === 'Template') {
    throw new DefinitionError([
      {
        severity: 'error',
        code: 'NOT_RUNNABLE',
        message: 'a Template cannot run on its own; instantiate it from a Workflow',
        path: ['kind'],
      },
    ]);
  }
  const config = doc.spec.config;
  const workflowRetry = config?.retryPolicy;
  const index = new Map(validated.tasks.map((t, i) => [t.id, i]));
  const dependents: PlanDependency[][] = validated.tasks.map(() => []);
  const branches = doc.spec.branches ?? [];
  const tasks = validated.tasks.map((node, i): PlanTask => {
    const def = node.definition;
    const deps = node.dependsOn.map((d) => {
      const j = index.get(d.id) as number;
      dependents[j]?.push({ index: i, kind: d.kind });
      return { index: j, kind: d.kind };
    });
    const branch = node.branch === undefined ? undefined : branches[node.branch.index];
    const fanOut = compileFanOut(def, workflowRetry);
    return {
      index: i,
      id: node.id,
      definition: def,
      executor: node.executor,
      deps,
      dependents: dependents[i] ?? [],
      inputs: compileRecord(
        def.inputs,
        fanOut === undefined ? undefined : new Set(['items', 'task_template']),
      ),
      conditions: [
        ...compileCondition(branch?.condition, node.branch?.else ?? false),
        ...compileCondition(def.condition, false),
      ],
      join: compileJoin(def.join),
      timeoutMs: parseDuration(def.timeout ?? def.config?.timeout),
      retry: resolveRetrySettings(workflowRetry, def.config?.retryPolicy, def.retryPolicy),
      priority: priorityValue(def.priority),
      resources: resourceRequest(def.resources ?? def.config?.resources),
      fallback: def.fallback,
      fallbackValue:
        def.fallback?.strategy === 'default' ? compileValue(def.fallback.value) : undefined,
      outputs: def.outputs,
      rateLimitKey: def.config?.rateLimitKey,
      fanOut,
    };
  });
  const outputs = Object.entries(doc.spec.outputs ?? {}).map(([name, mapping]): PlanOutput => {
    if (typeof mapping === 'string') {
      return { name, value: compileValue(mapping), fallback: undefined, transform: undefined };
    }
    return {
      name,
      value: compileValue(mapping.value),
      fallback: mapping.fallback === undefined ? undefined : compileValue(mapping.fallback),
      transform: mapping.transform,
    };
  });
  return {
    document: doc,
    name: doc.metadata.name,
    version: doc.metadata.version,
    labels: doc.metadata.labels ?? {},
    tasks,
    byId: new Map(tasks.map((t) => [t.id, t])),
    roots: tasks.filter((t) => t.deps.length === 0).map((t) => t.index),
    inputs: doc.spec.inputs ?? [],
    outputs,
    timeoutMs: parseDuration(config?.timeout),
    maxParallel: config?.concurrency?.maxParallel ?? Number.POSITIVE_INFINITY,
    failFast: config?.failurePolicy?.mode !== 'continueOnError',
    deadLetter: config?.failurePolicy?.deadLetterQueue ?? false,
    priority: priorityValue(config?.priority),
    events: doc.spec.events ?? {},
  };
}

/**
 * The runnable document of a validation result, compiled. `name` picks one when the file holds
 * several workflows. Throws DefinitionError (with every diagnostic) when the file is invalid.
 */
export function planFromValidation(result: ValidationResult, name?: string): Plan {
  if (countErrors(result.diagnostics) > 0) throw new DefinitionError(result.diagnostics);
  const runnable = result.documents.filter((d) => d.document.kind !== 'Template');
  const chosen =
    name === undefined ? runnable : runnable.filter((d) => d.document.metadata.name === name);
  const [doc, ...rest] = chosen;
  if (doc === undefined || rest.length > 0) {
    const names = runnable.map((d) => d.document.metadata.name).join(', ') || 'none';
    throw new DefinitionError([
      {
        severity: 'error',
        code: doc === undefined ? 'NO_WORKFLOW' : 'AMBIGUOUS_WORKFLOW',
        message:
          doc === undefined
            ? runnable.length === 0 && result.documents.length > 0
              ? 'the file holds only Templates: instantiate them from a Workflow to run them'
              : `no workflow${name === undefined ? '' : ` named "${name}"`} to run (workflows: ${names})`
            : `the file holds several workflows (${names}); name the one to run`,
        path: [],
        ...(result.file === undefined ? {} : { file: result.file }),
      },
    ]);
  }
  return compilePlan(doc);
}
