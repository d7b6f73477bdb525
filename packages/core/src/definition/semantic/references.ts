/**
 * Checks what an expression reads: every reference must name something that exists and that the
 * expression may see from where it stands (an upstream task, a declared input or output, an
 * allowed environment variable, ...). Gives back the static type of what was read.
 */
import { inferType, formatType, type Reference, type StaticType } from '../../expr/index.js';
import { didYouMean } from '../../suggest.js';
import type { WorkflowKind } from '../schema.js';
import type { Checker } from './checker.js';
import type { TypeSpec } from '../schema.js';
import { typeSpecToStatic } from '../value-types.js';
import type { ExpressionSite } from './expression-sites.js';

const ANY: StaticType = { kind: 'any' };
const STRING: StaticType = { kind: 'string' };
const INTEGER: StaticType = { kind: 'number', integer: true };
const ERROR_TYPE: StaticType = { kind: 'object', fields: { message: STRING, code: STRING } };
const TASK_FIELDS = ['outputs', 'status', 'state', 'error', 'config', 'attempts'] as const;
const SYSTEM_FIELDS = ['timestamp', 'user', 'environment'] as const;

export interface TaskFacts {
  /** Declared outputs; undefined when the task declares none (any output may be read). */
  readonly outputs: Readonly<Record<string, TypeSpec>> | undefined;
}

/** What is known about the workflow an expression lives in. */
export interface WorkflowFacts {
  readonly kind: WorkflowKind;
  readonly inputs: ReadonlyMap<string, StaticType>;
  readonly parameters: ReadonlyMap<string, StaticType> | undefined;
  readonly tasks: {
    get(id: string): TaskFacts | undefined;
    keys(): IterableIterator<string>;
  };
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
  /** How to name that task in messages (a template instance rather than its generated task). */
  readonly shown?: string;
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
  if (scope.kind === 'output' && facts.parameters === undefined) roots.push('outputs');
  if (scope.kind === 'input-custom') roots.push('value');
  return roots;
}

interface Report {
  (message: string, hint?: string): void;
}

type Path = readonly (string | number)[];

function segmentsText(path: Path, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const seg = path[i];
    out += typeof seg === 'number' ? `[${seg}]` : `.${String(seg)}`;
  }
  return out;
}

/**
 * Walks `path[from..]` down a static type, reporting a field that an object of known fields lacks.
 * `what` names `path[..from]` in messages; names are only built when there is something to say.
 */
function descend(
  type: StaticType,
  path: Path,
  from: number,
  what: string,
  report: Report,
): StaticType {
  let cur = type;
  for (let i = from; i < path.length; i++) {
    const seg = path[i] as string | number;
    if (cur.kind === 'any') return ANY;
    if (cur.kind === 'object') {
      if (cur.fields === undefined) return ANY;
      const key = String(seg);
      const next = Object.hasOwn(cur.fields, key) ? cur.fields[key] : undefined;
      if (next === undefined) {
        report(
          `${what}${segmentsText(path, from, i)} has no field \`${key}\``,
          didYouMean(key, Object.keys(cur.fields)),
        );
        return ANY;
      }
      cur = next;
    } else if (cur.kind === 'array') {
      if (seg === 'length') return INTEGER;
      if (typeof seg !== 'number') {
        report(
          `${what}${segmentsText(path, from, i)} is a list; it has no field \`${seg}\``,
          'index a list with [0]',
        );
        return ANY;
      }
      cur = cur.items;
    } else if (cur.kind === 'string') {
      if (seg === 'length') return INTEGER;
      if (typeof seg === 'number') return STRING;
      report(`${what}${segmentsText(path, from, i)} is a string; it has no field \`${seg}\``);
      return ANY;
    } else {
      report(
        `${what}${segmentsText(path, from, i)} is ${formatType(cur)}; it has no field \`${String(seg)}\``,
      );
      return ANY;
    }
  }
  return cur;
}

function objectOf(map: ReadonlyMap<string, StaticType>): StaticType {
  return { kind: 'object', fields: Object.fromEntries(map) };
}

const METADATA_TYPE: StaticType = {
  kind: 'object',
  fields: {
    name: STRING,
    version: STRING,
    description: STRING,
    labels: { kind: 'object' },
    annotations: { kind: 'object' },
  },
};

/** Whether `root` may be read here (the same rules as rootsFor, without building the list). */
function rootAllowed(root: string, scope: Scope, facts: WorkflowFacts): boolean {
  const kind = scope.kind;
  if (kind === 'trigger-filter' || kind === 'input-source') {
    return root === 'event' || root === 'env' || root === 'secrets' || root === 'system';
  }
  switch (root) {
    case 'workflow':
    case 'env':
    case 'secrets':
    case 'system':
      return true;
    case 'tasks':
      return kind !== 'input-custom';
    case 'event':
      return facts.kind === 'EventWorkflow';
    case 'parameters':
      return facts.parameters !== undefined;
    case 'item':
    case 'index':
      return scope.fanOutItem === true;
    case 'outputs':
      return kind === 'output' && facts.parameters === undefined;
    case 'value':
      return kind === 'input-custom';
    default:
      return false;
  }
}

function resolve(ref: Reference, scope: Scope, facts: WorkflowFacts, report: Report): StaticType {
  const path = ref.path;
  const root = path[0];
  if (typeof root !== 'string' || !rootAllowed(root, scope, facts)) {
    const roots = rootsFor(scope, facts);
    const hint = typeof root === 'string' ? didYouMean(root, roots) : undefined;
    report(
      `\`${String(root)}\` is not available here`,
      hint ?? `expressions here can read: ${roots.join(', ')}`,
    );
    return ANY;
  }
  const first = path[1];
  if (first === undefined) return root === 'index' ? INTEGER : ANY;
  const key = String(first);
  switch (root) {
    case 'workflow':
      return resolveWorkflow(key, path, scope, facts, report);
    case 'tasks':
      return resolveTask(key, path, scope, facts, report);
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
      return descend(t, path, 2, `parameter \`${key}\``, report);
    }
    case 'outputs':
      return resolveOutput(key, scope, facts, report);
    default:
      return ANY; // item, event, value: shape unknown statically
  }
}

function resolveWorkflow(
  key: string,
  path: Path,
  scope: Scope,
  facts: WorkflowFacts,
  report: Report,
): StaticType {
  switch (key) {
    case 'inputs': {
      const name = path[2];
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
      return descend(t, path, 3, `input \`${String(name)}\``, report);
    }
    case 'id':
    case 'execution_id':
      return STRING;
    case 'metadata':
      return descend(METADATA_TYPE, path, 2, '`workflow.metadata`', report);
    case 'outputs':
    case 'error':
      if (scope.kind !== 'event' && !(key === 'outputs' && scope.kind === 'output')) {
        report(`\`workflow.${key}\` is only available in event handlers`);
        return ANY;
      }
      if (key === 'error') return descend(ERROR_TYPE, path, 2, '`workflow.error`', report);
      return resolveOutput(path[2], scope, facts, report);
    default:
      report(
        `\`workflow\` has no field \`${key}\``,
        didYouMean(key, ['inputs', 'id', 'execution_id', 'metadata', 'outputs', 'error']),
      );
      return ANY;
  }
}

function resolveOutput(
  name: string | number | undefined,
  scope: Scope,
  facts: WorkflowFacts,
  report: Report,
): StaticType {
  if (name === undefined) return { kind: 'object' };
  const key = String(name);
  if (!facts.outputs.has(key)) {
    report(`workflow output \`${key}\` is not defined`, didYouMean(key, facts.outputs));
  } else if (key === scope.output) {
    report(`workflow output \`${key}\` cannot read itself`);
  }
  return ANY;
}

function resolveTask(
  id: string,
  path: Path,
  scope: Scope,
  facts: WorkflowFacts,
  report: Report,
): StaticType {
  const task = facts.tasks.get(id);
  const field = path[2];
  if (task === undefined) {
    const hyphenated = [...facts.tasks.keys()].find((k) => k.startsWith(`${id}-`));
    report(
      `unknown task \`${id}\``,
      hyphenated === undefined
        ? didYouMean(id, facts.tasks.keys())
        : `an id with '-' needs brackets: tasks['${hyphenated}']`,
    );
    return ANY;
  }
  if (scope.kind === 'task' && scope.task !== undefined) {
    const shown = scope.shown ?? scope.task;
    if (id === scope.task || id === shown) {
      report(`task \`${id}\` cannot read its own ${String(field ?? 'state')}`);
      return ANY;
    }
    if (facts.isUpstream !== undefined && !facts.isUpstream(id, scope.task)) {
      report(
        `task \`${id}\` is not upstream of \`${shown}\`, so its ${String(field ?? 'state')} may not exist yet`,
        `add \`${id}\` to the dependsOn of \`${shown}\``,
      );
      return ANY;
    }
  }
  if (field === undefined) return ANY;
  const name = path[3];
  switch (field) {
    case 'outputs': {
      const declared = task.outputs;
      if (name === undefined) {
        if (declared === undefined) return { kind: 'object' };
        return objectOf(
          new Map(Object.keys(declared).map((k) => [k, typeSpecToStatic(declared[k])])),
        );
      }
      if (declared === undefined) return ANY;
      const spec = Object.hasOwn(declared, String(name)) ? declared[String(name)] : undefined;
      const t = spec === undefined ? undefined : typeSpecToStatic(spec);
      if (t === undefined) {
        report(
          `task \`${id}\` has no output \`${String(name)}\``,
          didYouMean(String(name), Object.keys(declared)) ??
            `declared outputs: ${Object.keys(declared).join(', ') || 'none'}`,
        );
        return ANY;
      }
      return descend(t, path, 4, `output \`${id}.${String(name)}\``, report);
    }
    case 'status':
    case 'state':
      return STRING;
    case 'error':
      return descend(ERROR_TYPE, path, 3, `\`tasks.${id}.error\``, report);
    case 'attempts':
      return INTEGER;
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

function isWholeSource(source: string, ref: Reference): boolean {
  for (let i = 0; i < ref.start; i++) if (source.charCodeAt(i) > 32) return false;
  for (let i = ref.end; i < source.length; i++) if (source.charCodeAt(i) > 32) return false;
  return true;
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
  // One reporter per site, pointing at the reference being resolved (this runs for every
  // expression of a workflow: no closure per reference).
  let at = 0;
  const report: Report = (message, hint) => {
    checker.error(site.path, 'INVALID_REFERENCE', message, hint, at);
  };
  for (const { expression, offset } of site.template.expressions) {
    const refs = expression.references;
    const only = refs.length === 1 ? refs[0] : undefined;
    if (only !== undefined && isWholeSource(expression.source, only)) {
      // A bare path: nothing to infer beyond what it reads.
      at = offset + only.start;
      type = resolve(only, scope, facts, report);
      continue;
    }
    const inferred = inferType(expression, (ref) => {
      at = offset + ref.start;
      return resolve(ref, scope, facts, report);
    });
    for (const p of inferred.problems) {
      checker.error(site.path, 'TYPE_MISMATCH', p.message, p.hint, offset + p.start);
    }
    type = inferred.type;
  }
  return site.template.kind === 'expression' ? type : STRING;
}
