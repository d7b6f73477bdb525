/**
 * Checks of a single task that need no other task: executor, timeouts and retry policy, resources
 * against the workflow's limits, priority, fallback, and the shape of fan-out tasks.
 */
import { closest, didYouMean } from '../../suggest.js';
import type { JsonPath } from '../diagnostics.js';
import {
  Task,
  type Resources,
  type RetryPolicy,
  type TaskDefinition,
  type WorkflowConfig,
} from '../schema.js';
import { schemaDiagnostics } from '../schema-diagnostics.js';
import { formatDuration, formatMemory, parseCpu, parseDuration, parseMemory } from '../units.js';
import type { Checker } from './checker.js';

export const FAN_OUT_EXECUTOR = 'orchestrator:fan-out';
export const TEMPLATE_OUTPUTS_EXECUTOR = 'orchestrator:template-outputs';

/** Limits worth checking (language reference): timeouts 1s–24h, cpu 0.1–64, memory 128Mi–256Gi. */
export const LIMITS = {
  timeoutMs: { min: 1000, max: 86_400_000 },
  cpu: { min: 0.1, max: 64 },
  memory: { min: 128 * 2 ** 20, max: 256 * 2 ** 30 },
} as const;

/** Something that answers whether an executor name is registered. */
export interface ExecutorCatalog {
  has(name: string): boolean;
  names?(): Iterable<string>;
}

export function checkTimeout(
  value: unknown,
  path: JsonPath,
  checker: Checker,
  what = 'timeout',
): void {
  if (value === undefined) return;
  const ms = parseDuration(value);
  if (ms === undefined) return; // the schema reported the format
  if (ms < LIMITS.timeoutMs.min || ms > LIMITS.timeoutMs.max) {
    checker.error(
      path,
      'OUT_OF_RANGE',
      `${what} ${formatDuration(ms)} is outside 1s–24h`,
      `pick a ${what} between 1s and 24h`,
    );
  }
}

export function checkRetryPolicy(
  policy: RetryPolicy | undefined,
  path: JsonPath,
  checker: Checker,
): void {
  if (policy === undefined) return;
  const initial = parseDuration(policy.initialInterval);
  const max = parseDuration(policy.maxInterval);
  if (initial !== undefined && max !== undefined && initial > max) {
    checker.error(
      [...path, 'maxInterval'],
      'INVALID_RETRY_POLICY',
      `maxInterval ${formatDuration(max)} is shorter than initialInterval ${formatDuration(initial)}`,
    );
  }
}

/** Checks quantities are in range; returns cpu cores and memory bytes for comparisons. */
export function checkResources(
  resources: Resources | undefined,
  path: JsonPath,
  checker: Checker,
): { cpu?: number; memory?: number; gpu?: number } {
  if (resources === undefined) return {};
  const out: { cpu?: number; memory?: number; gpu?: number } = {};
  const cpu = parseCpu(resources.cpu);
  if (cpu !== undefined) {
    out.cpu = cpu;
    if (cpu < LIMITS.cpu.min || cpu > LIMITS.cpu.max) {
      checker.error([...path, 'cpu'], 'OUT_OF_RANGE', `cpu ${cpu} is outside 0.1–64 cores`);
    }
  }
  const memory = parseMemory(resources.memory);
  if (memory !== undefined) {
    out.memory = memory;
    if (memory < LIMITS.memory.min || memory > LIMITS.memory.max) {
      checker.error(
        [...path, 'memory'],
        'OUT_OF_RANGE',
        `memory ${formatMemory(memory)} is outside 128Mi–256Gi`,
      );
    }
  }
  if (resources.gpu !== undefined) out.gpu = resources.gpu;
  return out;
}

function checkWithinLimits(
  task: { cpu?: number; memory?: number; gpu?: number },
  limits: { cpu?: number; memory?: number; gpu?: number },
  path: JsonPath,
  checker: Checker,
): void {
  for (const key of ['cpu', 'memory', 'gpu'] as const) {
    const want = task[key];
    const cap = limits[key];
    if (want !== undefined && cap !== undefined && want > cap) {
      const fmt = (n: number): string => (key === 'memory' ? formatMemory(n) : String(n));
      checker.error(
        [...path, key],
        'EXCEEDS_RESOURCE_LIMIT',
        `the task asks for ${key} ${fmt(want)}, more than the workflow's limit ${fmt(cap)}`,
        'lower the request or raise spec.config.concurrency.resourceLimits',
      );
    }
  }
}

function executorNames(catalog: ExecutorCatalog): string[] {
  if (catalog.names !== undefined) return [...catalog.names()];
  // A Set (or Map) of names is a catalog too: suggest from its keys.
  const keys = (catalog as { keys?: () => Iterable<unknown> }).keys;
  return typeof keys === 'function'
    ? [...keys.call(catalog)].filter((k) => typeof k === 'string')
    : [];
}

/** The executor a task runs, after defaults (fan-out tasks default to the fan-out executor). */
export function effectiveExecutor(task: TaskDefinition): string | undefined {
  if (task.executor !== undefined) return task.executor;
  if (task.type === 'fan-out') return FAN_OUT_EXECUTOR;
  return undefined;
}

export interface TaskCheckContext {
  readonly checker: Checker;
  readonly config: WorkflowConfig | undefined;
  readonly executors: ExecutorCatalog | undefined;
}

/** All single-task checks. */
export function checkTask(task: TaskDefinition, path: JsonPath, ctx: TaskCheckContext): void {
  const { checker } = ctx;
  const executor = effectiveExecutor(task);
  if (task.template === undefined && executor === undefined && !misspelt(task)) {
    checker.error(
      path,
      'MISSING_EXECUTOR',
      `task \`${task.id}\` has no executor`,
      'set `executor:` (e.g. transform:template) or `template:`',
    );
  }
  if (task.template !== undefined && task.executor !== undefined) {
    checker.error(
      [...path, 'executor'],
      'CONFLICTING_FIELDS',
      'a task sets either `executor` or `template`, not both',
    );
  }
  if (task.template === undefined && task.parameters !== undefined) {
    checker.error(
      [...path, 'parameters'],
      'CONFLICTING_FIELDS',
      '`parameters` is for template instances',
      'for executor inputs use `inputs`',
    );
  }
  if (executor !== undefined && ctx.executors !== undefined && !ctx.executors.has(executor)) {
    checker.error(
      [...path, task.executor === undefined ? 'type' : 'executor'],
      'UNKNOWN_EXECUTOR',
      `unknown executor \`${executor}\``,
      didYouMean(executor, executorNames(ctx.executors)) ??
        'register it with engine.registerExecutor()',
    );
  }
  if (task.timeout !== undefined && task.config?.timeout !== undefined) {
    checker.error(
      [...path, 'timeout'],
      'CONFLICTING_FIELDS',
      'timeout is set both on the task and under its config',
    );
  }
  if (task.retryPolicy !== undefined && task.config?.retryPolicy !== undefined) {
    checker.error(
      [...path, 'retryPolicy'],
      'CONFLICTING_FIELDS',
      'retryPolicy is set both on the task and under its config',
    );
  }
  if (task.resources !== undefined && task.config?.resources !== undefined) {
    checker.error(
      [...path, 'resources'],
      'CONFLICTING_FIELDS',
      'resources are set both on the task and under its config',
    );
  }
  if (task.template !== undefined) {
    checkInstanceFields(task, path, checker);
    return;
  }
  // Paths are only built for fields that are there: this runs for every task of huge workflows.
  if (task.timeout !== undefined) checkTimeout(task.timeout, [...path, 'timeout'], checker);
  const config = task.config;
  if (config !== undefined) {
    checkTimeout(config.timeout, [...path, 'config', 'timeout'], checker);
    checkRetryPolicy(config.retryPolicy, [...path, 'config', 'retryPolicy'], checker);
  }
  if (task.retryPolicy !== undefined) {
    checkRetryPolicy(task.retryPolicy, [...path, 'retryPolicy'], checker);
  }
  const resources = task.resources ?? config?.resources;
  if (resources === undefined) {
    if (task.fallback !== undefined) checkFallback(task, [...path, 'fallback'], ctx);
    if (executor === FAN_OUT_EXECUTOR) checkFanOut(task, path, ctx);
    return;
  }
  const resourcesPath =
    task.resources !== undefined ? [...path, 'resources'] : [...path, 'config', 'resources'];
  const wants = checkResources(resources, resourcesPath, checker);
  const limits = ctx.config?.concurrency?.resourceLimits;
  if (limits !== undefined) {
    checkWithinLimits(
      wants,
      {
        ...optionalNumber('cpu', parseCpu(limits.cpu)),
        ...optionalNumber('memory', parseMemory(limits.memory)),
        ...optionalNumber('gpu', limits.gpu),
      },
      resourcesPath,
      checker,
    );
  }
  if (task.fallback !== undefined) checkFallback(task, [...path, 'fallback'], ctx);
  if (executor === FAN_OUT_EXECUTOR) checkFanOut(task, path, ctx);
}

const TASK_FIELDS: ReadonlySet<string> = new Set(Object.keys(Task.shape));

/** A misspelt `executor`/`template` key was reported as an unknown field; say nothing more. */
function misspelt(task: TaskDefinition): boolean {
  return Object.keys(task).some(
    (k) => !TASK_FIELDS.has(k) && closest(k, ['executor', 'template']) !== undefined,
  );
}

/** Fields that mean nothing on a template instance: they belong inside the template. */
const NOT_ON_INSTANCES = [
  'inputs',
  'outputs',
  'timeout',
  'retryPolicy',
  'resources',
  'fallback',
  'config',
] as const;

function checkInstanceFields(task: TaskDefinition, path: JsonPath, checker: Checker): void {
  for (const field of NOT_ON_INSTANCES) {
    if (task[field] !== undefined) {
      checker.error(
        [...path, field],
        'CONFLICTING_FIELDS',
        `\`${field}\` has no effect on a template instance`,
        field === 'inputs'
          ? 'pass values to the template with `parameters:`'
          : field === 'outputs'
            ? "the template's own spec.outputs says what an instance gives"
            : `set \`${field}\` on the tasks inside the template`,
      );
    }
  }
}

function optionalNumber<K extends string>(
  key: K,
  n: number | undefined,
): Partial<Record<K, number>> {
  return n === undefined ? {} : ({ [key]: n } as Record<K, number>);
}

function checkFallback(task: TaskDefinition, path: JsonPath, ctx: TaskCheckContext): void {
  const f = task.fallback;
  if (f === undefined) return;
  if (f.strategy === 'executor' && f.executor === undefined) {
    ctx.checker.error(
      path,
      'MISSING_FIELD',
      'fallback strategy `executor` needs `executor:` (the alternative executor)',
    );
  }
  if (f.strategy === 'default' && f.value === undefined) {
    ctx.checker.error(path, 'MISSING_FIELD', 'fallback strategy `default` needs `value:`');
  }
  if (f.executor !== undefined && f.strategy !== 'executor') {
    ctx.checker.error(
      [...path, 'executor'],
      'CONFLICTING_FIELDS',
      `\`executor\` only applies to fallback strategy \`executor\`, not \`${f.strategy}\``,
    );
  }
  if (f.maxAge !== undefined && f.strategy !== 'cached') {
    ctx.checker.error(
      [...path, 'maxAge'],
      'CONFLICTING_FIELDS',
      `\`maxAge\` only applies to fallback strategy \`cached\``,
    );
  }
  if (f.executor !== undefined && ctx.executors !== undefined && !ctx.executors.has(f.executor)) {
    ctx.checker.error(
      [...path, 'executor'],
      'UNKNOWN_EXECUTOR',
      `unknown executor \`${f.executor}\``,
      didYouMean(f.executor, executorNames(ctx.executors)),
    );
  }
}

const TaskTemplate = Task.omit({ id: true }).partial();

/** A fan-out task maps `inputs.task_template` over `inputs.items`. */
function checkFanOut(task: TaskDefinition, path: JsonPath, ctx: TaskCheckContext): void {
  const inputs = task.inputs ?? {};
  if (!Object.hasOwn(inputs, 'items')) {
    ctx.checker.error(
      [...path, 'inputs'],
      'MISSING_FIELD',
      'a fan-out task needs `inputs.items` (the array to map over)',
    );
  } else if (typeof inputs.items !== 'string' && !Array.isArray(inputs.items)) {
    ctx.checker.error(
      [...path, 'inputs', 'items'],
      'WRONG_TYPE',
      '`items` must be a list or an expression giving one',
    );
  }
  const template: unknown = inputs.task_template;
  const tPath = [...path, 'inputs', 'task_template'];
  if (template === undefined) {
    ctx.checker.error(
      [...path, 'inputs'],
      'MISSING_FIELD',
      'a fan-out task needs `inputs.task_template` (the task to run for each item)',
    );
    return;
  }
  const parsed = TaskTemplate.safeParse(template);
  if (!parsed.success) {
    // Adopted whole, so that unknown fields keep pointing at their key.
    ctx.checker.adopt(
      schemaDiagnostics(parsed.error.issues, template).map((d) => ({
        ...d,
        path: [...tPath, ...d.path],
        document: ctx.checker.document,
      })),
    );
    return;
  }
  const inner = parsed.data;
  if (inner.executor === undefined) {
    ctx.checker.error(tPath, 'MISSING_EXECUTOR', 'the fan-out `task_template` has no executor');
  } else if (ctx.executors !== undefined && !ctx.executors.has(inner.executor)) {
    ctx.checker.error(
      [...tPath, 'executor'],
      'UNKNOWN_EXECUTOR',
      `unknown executor \`${inner.executor}\``,
      didYouMean(inner.executor, executorNames(ctx.executors)),
    );
  }
  for (const field of ['dependsOn', 'template', 'join'] as const) {
    if (inner[field] !== undefined) {
      ctx.checker.error(
        [...tPath, field],
        'CONFLICTING_FIELDS',
        `\`${field}\` has no meaning inside a fan-out task_template`,
      );
    }
  }
  checkTimeout(
    inner.timeout ?? inner.config?.timeout,
    [...tPath, inner.timeout !== undefined ? 'timeout' : 'config'],
    ctx.checker,
  );
}
