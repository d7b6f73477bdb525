/**
 * Checks what an expression reads: every reference must name something that exists and that the
 * expression may see from where it stands (an upstream task, a declared input or output, an
 * allowed environment variable, ...). Gives back the static type of what was read.
 */
import { inferType, formatType, type Reference, type StaticType } from '../../expr/index.js';
import { didYouMean } from '../../suggest.js';
import type { WorkflowKind } from '../schema.js';
import type { Checker } from './checker.js';
import type { ExpressionSite } from './expression-sites.js';

const ANY: StaticType = { kind: 'any' };
const STRING: StaticType = { kind: 'string' };
const ERROR_TYPE: StaticType = { kind: 'object', fields: { message: STRING, code: STRING } };
const TASK_FIELDS = ['outputs', 'status', 'state', 'error', 'config', 'attempts'] as const;
const SYSTEM_FIELDS = ['timestamp', 'user', 'environment'] as const;

export interface TaskFacts {
  /** Declared outputs; undefined when the task declares none (any output may be read). */
  readonly outputs: ReadonlyMap<string, StaticType> | undefined;
}

/** What is known about the workflow an expression lives in. */
export interface WorkflowFacts {
  readonly kind: WorkflowKind;
  readonly inputs: ReadonlyMap<string, StaticType>;
  readonly parameters: ReadonlyMap<string, StaticType> | undefined;
  readonly tasks: ReadonlyMap<string, TaskFacts>;
  readonly outputs: ReadonlySet<string>;
  /** Is `ancestor` upstream of `task`? Undefined while the graph is unusable (a cycle). */
  readonly isUpstream: ((ancestor: string, task: string) => boolean) | undefined;
  readonly envAllowed: (name: string) => boolean;
  readonly secrets: ReadonlySet<string> | undefined;
}

export type ScopeKind =
  'task' | 'output' | 'event' | 'input-custom' | 'input-source' | 'trigger-filter';

export interface Scope {
  readonly kind: ScopeKind;
  /** The task the expression belongs to (for the upstream rule). */
  readonly task?: string;
  /** Inside a fan-out `task_template`: `item` and `index` are defined. */
  readonly fanOutItem?: boolean;
  /** The workflow output being defined (it may not read itself). */
  readonly output?: string;
}

function rootsFor(scope: Scope, facts: WorkflowFacts): string[] {
  const roots = ['workflow', 'env', 'secrets', 'system'];
  if (scope.kind === 'trigger-filter' || scope.kind === 'input-source')
    return ['event', 'env', 'secrets', 'system'];
  if (scope.kind !== 'input-custom') roots.push('tasks');
  if (facts.kind === 'EventWorkflow') roots.push('event');
  if (facts.parameters !== undefined) roots.push('parameters');
  if (scope.fanOutItem === true) roots.push('item', 'index');
  if (scope.kind === 'output') roots.push('outputs');
  if (scope.kind === 'input-custom') roots.push('value');
  return roots;
}

interface Report {
  (message: string, hint?: string): void;
}

/** Walks `segments` down a static type, reporting a field an object of known fields lacks. */
function descend(
  type: StaticType,
  segments: readonly (string | number)[],
  what: string,
  report: Report,
): StaticType {
  let cur = type;
  let name = what;
  for (const seg of segments) {
    if (cur.kind === 'any') return ANY;
    if (cur.kind === 'object') {
      if (cur.fields === undefined) return ANY;
      const key = String(seg);
      const next = Object.hasOwn(cur.fields, key) ? cur.fields[key] : undefined;
      if (next === undefined) {
        report(`${name} has no field \`${key}\``, didYouMean(key, Object.keys(cur.fields)));
        return ANY;
      }
      cur = next;
      name = `${name}.${key}`;
    } else if (cur.kind === 'array') {
      if (seg === 'length') return { kind: 'number', integer: true };
      if (typeof seg !== 'number') {
        report(`${name} is a list; it has no field \`${seg}\``, 'index a list with [0]');
        return ANY;
      }
      cur = cur.items;
      name = `${name}[${seg}]`;
    } else if (cur.kind === 'string') {
      if (seg === 'length') return { kind: 'number', integer: true };
      if (typeof seg === 'number') return STRING;
      report(`${name} is a string; it has no field \`${seg}\``);
      return ANY;
    } else {
      report(`${name} is ${formatType(cur)}; it has no field \`${String(seg)}\``);
      return ANY;
    }
  }
  return cur;
}

function objectOf(map: ReadonlyMap<string, StaticType>): StaticType {
  return { kind: 'object', fields: Object.fromEntries(map) };
}

function resolve(ref: Reference, scope: Scope, facts: WorkflowFacts, report: Report): StaticType {
  const [root, first, ...rest] = ref.path;
  const roots = rootsFor(scope, facts);
  if (typeof root !== 'string' || !roots.includes(root)) {
    const hint = typeof root === 'string' ? didYouMean(root, roots) : undefined;
    report(
      `\`${String(root)}\` is not available here`,
      hint ?? `expressions here can read: ${roots.join(', ')}`,
    );
    return ANY;
  }
  if (first === undefined) {
    if (root === 'item') return ANY;
    if (root === 'index') return { kind: 'number', integer: true };
    return ANY;
  }
  const key = String(first);
  switch (root) {
    case 'workflow':
      return resolveWorkflow(key, rest, scope, facts, report);
    case 'tasks':
      return resolveTask(key, rest, scope, facts, report);
    case 'env':
      if (!facts.envAllowed(key)) {
        report(
          `environment variable \`${key}\` is not allowed`,
          `allow it explicitly (CLI: --allow-env ${key}; SDK: allowEnv: ['${key}'])`,
        );
      }
      return STRING;
    case 'secrets':
      if (facts.secrets !== undefined && !facts.secrets.has(key)) {
        report(
          `unknown secret \`${key}\``,
          didYouMean(key, facts.secrets) ?? 'declare the secret in the engine configuration',
        );
      }
      return STRING;
    case 'system':
      if (!(SYSTEM_FIELDS as readonly string[]).includes(key)) {
        report(
          `\`system\` has no field \`${key}\``,
          didYouMean(key, SYSTEM_FIELDS) ?? `available: ${SYSTEM_FIELDS.join(', ')}`,
        );
      }
      return STRING;
    case 'parameters': {
      const params = facts.parameters ?? new Map<string, StaticType>();
      const t = params.get(key);
      if (t === undefined) {
        report(
          `template parameter \`${key}\` is not declared`,
          didYouMean(key, params.keys()) ?? 'declare it under spec.parameters',
        );
        return ANY;
      }
      return descend(t, rest, `parameter \`${key}\``, report);
    }
    case 'outputs':
      if (!facts.outputs.has(key)) {
        report(`workflow output \`${key}\` is not defined`, didYouMean(key, facts.outputs));
      } else if (key === scope.output) {
        report(`workflow output \`${key}\` cannot read itself`);
      }
      return ANY;
    default:
      return ANY; // item, index, event, value: shape unknown statically
  }
}

function resolveWorkflow(
  key: string,
  rest: readonly (string | number)[],
  scope: Scope,
  facts: WorkflowFacts,
  report: Report,
): StaticType {
  switch (key) {
    case 'inputs': {
      const [name, ...more] = rest;
      if (name === undefined) return objectOf(facts.inputs);
      const t = facts.inputs.get(String(name));
      if (t === undefined) {
        report(
          `workflow input \`${String(name)}\` is not declared`,
          didYouMean(String(name), facts.inputs.keys()) ??
            `declare it under spec.inputs: - name: ${String(name)}`,
        );
        return ANY;
      }
      return descend(t, more, `input \`${String(name)}\``, report);
    }
    case 'id':
    case 'execution_id':
      return STRING;
    case 'metadata':
      return descend(
        {
          kind: 'object',
          fields: {
            name: STRING,
            version: STRING,
            description: STRING,
            labels: { kind: 'object' },
            annotations: { kind: 'object' },
          },
        },
        rest,
        '`workflow.metadata`',
        report,
      );
    case 'outputs':
    case 'error':
      if (scope.kind !== 'event' && !(key === 'outputs' && scope.kind === 'output')) {
        report(`\`workflow.${key}\` is only available in event handlers`);
        return ANY;
      }
      return key === 'error' ? descend(ERROR_TYPE, rest, '`workflow.error`', report) : ANY;
    default:
      report(
        `\`workflow\` has no field \`${key}\``,
        didYouMean(key, ['inputs', 'id', 'execution_id', 'metadata', 'outputs', 'error']),
      );
      return ANY;
  }
}

function resolveTask(
  id: string,
  rest: readonly (string | number)[],
  scope: Scope,
  facts: WorkflowFacts,
  report: Report,
): StaticType {
  const task = facts.tasks.get(id);
  if (task === undefined) {
    report(`unknown task \`${id}\``, didYouMean(id, facts.tasks.keys()));
    return ANY;
  }
  if (scope.kind === 'task' && scope.task !== undefined) {
    if (id === scope.task) {
      report(`task \`${id}\` cannot read its own ${String(rest[0] ?? 'state')}`);
      return ANY;
    }
    if (facts.isUpstream !== undefined && !facts.isUpstream(id, scope.task)) {
      report(
        `task \`${id}\` is not upstream of \`${scope.task}\`, so its ${String(rest[0] ?? 'state')} may not exist yet`,
        `add \`${id}\` to the dependsOn of \`${scope.task}\``,
      );
      return ANY;
    }
  }
  const [field, name, ...more] = rest;
  if (field === undefined) return ANY;
  switch (field) {
    case 'outputs': {
      if (name === undefined)
        return task.outputs === undefined ? { kind: 'object' } : objectOf(task.outputs);
      if (task.outputs === undefined) return ANY;
      const t = task.outputs.get(String(name));
      if (t === undefined) {
        report(
          `task \`${id}\` has no output \`${String(name)}\``,
          didYouMean(String(name), task.outputs.keys()) ??
            `declared outputs: ${[...task.outputs.keys()].join(', ') || 'none'}`,
        );
        return ANY;
      }
      return descend(t, more, `output \`${id}.${String(name)}\``, report);
    }
    case 'status':
    case 'state':
      return STRING;
    case 'error':
      return descend(
        ERROR_TYPE,
        name === undefined ? [] : [name, ...more],
        `\`tasks.${id}.error\``,
        report,
      );
    case 'attempts':
      return { kind: 'number', integer: true };
    case 'config':
      return ANY;
    default:
      report(
        `a task has no field \`${String(field)}\``,
        didYouMean(String(field), TASK_FIELDS) ?? `available: ${TASK_FIELDS.join(', ')}`,
      );
      return ANY;
  }
}

/**
 * Checks every expression of a site; returns the site's static type (the expression's type for a
 * whole-value expression, string for an interpolation).
 */
export function checkSite(
  site: ExpressionSite,
  scope: Scope,
  facts: WorkflowFacts,
  checker: Checker,
): StaticType {
  let type: StaticType = STRING;
  for (const { expression, offset } of site.template.expressions) {
    const resolveRef = (ref: Reference): StaticType =>
      resolve(ref, scope, facts, (message, hint) => {
        checker.error(site.path, 'INVALID_REFERENCE', message, hint, offset + ref.start);
      });
    const inferred = inferType(expression, resolveRef);
    for (const p of inferred.problems) {
      checker.error(site.path, 'TYPE_MISMATCH', p.message, p.hint, offset + p.start);
    }
    type = inferred.type;
  }
  return site.template.kind === 'expression' ? type : STRING;
}
