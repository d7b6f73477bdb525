/**
 * Template instances. A task `{id: eval, template: name@version, parameters: {...}}` expands into:
 * - `eval:parameters`, a task that evaluates the parameters (with defaults) in the instance's scope;
 * - the template's tasks, renamed `eval.<id>`; those without dependencies depend on the parameters;
 * - `eval`, a task that evaluates the template's outputs, so `tasks.eval.outputs.x` works downstream.
 * Inside the template, `parameters.x` reads `tasks['eval:parameters'].outputs.x` and
 * `tasks.<id>` reads `tasks['eval.<id>']`. Expressions are rewritten on their parsed references,
 * never by text search.
 */
import {
  compileTemplate,
  containsExpression,
  type CompiledExpression,
  type Reference,
} from '../../expr/index.js';
import { didYouMean } from '../../suggest.js';
import type { JsonPath } from '../diagnostics.js';
import type { TaskDefinition, TemplateDocument, TypeSpec } from '../schema.js';
import { literalTypeProblem } from '../value-types.js';
import type { Checker } from './checker.js';
import { TEMPLATE_OUTPUTS_EXECUTOR } from './task-checks.js';

export const MAX_TEMPLATE_DEPTH = 8;

/** The templates a workflow may instantiate, by name and version. */
export class TemplateLibrary {
  private readonly byName = new Map<string, TemplateDocument[]>();

  add(doc: TemplateDocument): void {
    const list = this.byName.get(doc.metadata.name) ?? [];
    list.push(doc);
    list.sort((a, b) => compareSemver(b.metadata.version, a.metadata.version));
    this.byName.set(doc.metadata.name, list);
  }

  /** `name` (the highest version) or `name@version`. */
  get(ref: string): TemplateDocument | undefined {
    const [name = '', version] = ref.split('@');
    const list = this.byName.get(name);
    if (version === undefined) return list?.[0];
    return list?.find((t) => t.metadata.version === version);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  versions(name: string): string[] {
    return (this.byName.get(name) ?? []).map((t) => t.metadata.version);
  }
}

function compareSemver(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map(Number);
  const pb = b.split(/[.+-]/).map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.includes('-') === b.includes('-') ? 0 : a.includes('-') ? -1 : 1;
}

/** A task after expansion, with where it came from. */
export interface ExpandedTask {
  readonly def: TaskDefinition;
  /** Where to point diagnostics about this task (the instance, for generated tasks). */
  readonly path: JsonPath;
  /** Written by the user (not generated): its id and fields get the single-task checks. */
  readonly own: boolean;
  /**
   * Check the task's expressions here, reading them from `inputsField` of the written task. False
   * for a template's own tasks: their expressions were checked with the template.
   */
  readonly checkExpressions: boolean;
  readonly inputsField: 'inputs' | 'parameters';
  /** The template instance the user wrote here, for the single-task checks (id, conflicts...). */
  readonly instance?: TaskDefinition;
}

function segmentText(seg: string | number): string {
  if (typeof seg === 'number') return `[${seg}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
}

/** Renders a reference path as expression source. */
function renderPath(path: readonly (string | number)[]): string {
  const [root, ...rest] = path;
  return String(root) + rest.map(segmentText).join('');
}

function rewriteReference(
  ref: Reference,
  instance: string,
  innerIds: ReadonlySet<string>,
): string | undefined {
  const [root, first, ...rest] = ref.path;
  if (root === 'parameters') {
    return renderPath([
      'tasks',
      `${instance}:parameters`,
      'outputs',
      ...(first === undefined ? [] : [first]),
      ...rest,
    ]);
  }
  if (root === 'tasks' && typeof first === 'string' && innerIds.has(first)) {
    return renderPath(['tasks', `${instance}.${first}`, ...rest]);
  }
  return undefined;
}

function rewriteExpression(
  expr: CompiledExpression,
  instance: string,
  innerIds: ReadonlySet<string>,
): string {
  let src = expr.source;
  const refs = [...expr.references].sort((a, b) => b.start - a.start);
  for (const ref of refs) {
    const replacement = rewriteReference(ref, instance, innerIds);
    if (replacement !== undefined) src = src.slice(0, ref.start) + replacement + src.slice(ref.end);
  }
  return src;
}

/** Rewrites every expression inside a value (deeply) for the instance. */
function rewriteValue(value: unknown, instance: string, innerIds: ReadonlySet<string>): unknown {
  if (typeof value === 'string') {
    if (!containsExpression(value)) return value;
    let compiled;
    try {
      compiled = compileTemplate(value);
    } catch {
      return value; // reported where the template is validated
    }
    let text = value;
    const parts = [...compiled.expressions].sort((a, b) => b.offset - a.offset);
    for (const { expression, offset } of parts) {
      const rewritten = rewriteExpression(expression, instance, innerIds);
      text = text.slice(0, offset) + rewritten + text.slice(offset + expression.source.length);
    }
    return text;
  }
  if (Array.isArray(value)) return value.map((v) => rewriteValue(v, instance, innerIds));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, rewriteValue(v, instance, innerIds)]),
    );
  }
  return value;
}

function depId(dep: NonNullable<TaskDefinition['dependsOn']>[number]): string {
  return typeof dep === 'string' ? dep : dep.task;
}

export interface ExpandContext {
  readonly library: TemplateLibrary;
  readonly checker: Checker;
}

/** Expands template instances among `tasks` (recursively), checking each instance's parameters. */
export function expandTemplates(
  tasks: readonly TaskDefinition[],
  basePath: JsonPath,
  ctx: ExpandContext,
): ExpandedTask[] {
  const out: ExpandedTask[] = [];
  tasks.forEach((task, i) => {
    expandOne(task, [...basePath, i], true, ctx, [], out);
  });
  return out;
}

function expandOne(
  task: TaskDefinition,
  path: JsonPath,
  own: boolean,
  ctx: ExpandContext,
  stack: readonly string[],
  out: ExpandedTask[],
): void {
  if (task.template === undefined) {
    out.push({ def: task, path, own, checkExpressions: own, inputsField: 'inputs' });
    return;
  }
  const template = ctx.library.get(task.template);
  const [name = ''] = task.template.split('@');
  const written = own ? { instance: task } : {};
  // When the instance cannot be expanded, a stand-in keeps its id and dependencies, so that tasks
  // reading or depending on it are not reported as well.
  const standIn = (): void => {
    const { id, dependsOn, condition, join } = task;
    const def = stripUndefined({
      id,
      type: 'template',
      executor: TEMPLATE_OUTPUTS_EXECUTOR,
      dependsOn,
      condition,
      join,
    });
    out.push({
      def,
      path,
      own: false,
      checkExpressions: false,
      inputsField: 'parameters',
      ...written,
    });
  };
  if (template === undefined) {
    const versions = ctx.library.versions(name);
    ctx.checker.error(
      [...path, 'template'],
      'UNKNOWN_TEMPLATE',
      `unknown template \`${task.template}\``,
      versions.length > 0
        ? `available versions: ${versions.join(', ')}`
        : (didYouMean(name, ctx.library.names()) ??
            'define it as a `kind: Template` document in the same file, or load it with --templates'),
    );
    standIn();
    return;
  }
  if (stack.includes(name) || stack.length >= MAX_TEMPLATE_DEPTH) {
    const recursive = stack.includes(name);
    ctx.checker.error(
      [...path, 'template'],
      recursive ? 'TEMPLATE_RECURSION' : 'TEMPLATE_TOO_DEEP',
      recursive
        ? `template \`${name}\` instantiates itself: ${[...stack, name].join(' -> ')}`
        : `templates are nested more than ${MAX_TEMPLATE_DEPTH} deep: ${[...stack, name].join(' -> ')}`,
      recursive
        ? 'a template cannot use itself, directly or through others'
        : 'flatten the nesting',
    );
    standIn();
    return;
  }
  const instance = task.id;
  const params = template.spec.parameters ?? [];
  const given = task.parameters ?? {};
  const paramValues: Record<string, unknown> = {};
  const paramOutputs: Record<string, TypeSpec> = {};
  for (const key of Object.keys(given)) {
    if (!params.some((p) => p.name === key)) {
      ctx.checker.error(
        [...path, 'parameters', key],
        'UNKNOWN_PARAMETER',
        `template \`${name}\` has no parameter \`${key}\``,
        didYouMean(
          key,
          params.map((p) => p.name),
        ),
      );
    }
  }
  for (const p of params) {
    paramOutputs[p.name] = p.type;
    const value = Object.hasOwn(given, p.name) ? given[p.name] : p.default;
    if (value === undefined) {
      if (p.required === true) {
        ctx.checker.error(
          [...path, 'parameters'],
          'MISSING_PARAMETER',
          `template \`${name}\` needs parameter \`${p.name}\``,
        );
      }
      paramValues[p.name] = null;
      continue;
    }
    paramValues[p.name] = value;
    if (typeof value !== 'string' || !containsExpression(value)) {
      const problem = literalTypeProblem(value, p);
      if (problem !== undefined) {
        ctx.checker.error(
          [...path, 'parameters', p.name],
          'TYPE_MISMATCH',
          `parameter \`${p.name}\`: ${problem}`,
        );
      }
    }
  }
  const paramsId = `${instance}:parameters`;
  out.push({
    def: {
      id: paramsId,
      type: 'template',
      executor: TEMPLATE_OUTPUTS_EXECUTOR,
      inputs: paramValues,
      outputs: paramOutputs,
      ...(task.dependsOn === undefined ? {} : { dependsOn: task.dependsOn }),
      ...(task.condition === undefined ? {} : { condition: task.condition }),
      ...(task.join === undefined ? {} : { join: task.join }),
    },
    path,
    own: false,
    checkExpressions: own,
    inputsField: 'parameters',
    ...written,
  });
  const innerIds = new Set(template.spec.tasks.map((t) => t.id));
  const dependedOn = new Set(template.spec.tasks.flatMap((t) => (t.dependsOn ?? []).map(depId)));
  const nextStack = [...stack, name];
  for (const inner of template.spec.tasks) {
    const deps = (inner.dependsOn ?? []).map((d) =>
      typeof d === 'string' ? `${instance}.${d}` : { ...d, task: `${instance}.${d.task}` },
    );
    const rewritten = rewriteValue(
      { ...inner, id: undefined, dependsOn: undefined },
      instance,
      innerIds,
    ) as Record<string, unknown>;
    const def = {
      ...rewritten,
      id: `${instance}.${inner.id}`,
      dependsOn: deps.length > 0 ? deps : [paramsId],
      ...(task.priority !== undefined && inner.priority === undefined
        ? { priority: task.priority }
        : {}),
    } as TaskDefinition;
    expandOne(stripUndefined(def), path, false, ctx, nextStack, out);
  }
  const leaves = template.spec.tasks
    .filter((t) => !dependedOn.has(t.id))
    .map((t) => `${instance}.${t.id}`);
  const outputs = template.spec.outputs ?? {};
  const outputInputs: Record<string, unknown> = {};
  const declared: Record<string, TypeSpec> = {};
  for (const [key, mapping] of Object.entries(outputs)) {
    declared[key] = 'any';
    const value =
      typeof mapping === 'string' ? mapping : combineFallback(mapping.value, mapping.fallback);
    outputInputs[key] = rewriteValue(value, instance, innerIds);
  }
  out.push({
    def: {
      id: instance,
      type: 'template',
      executor: TEMPLATE_OUTPUTS_EXECUTOR,
      dependsOn: leaves.length > 0 ? leaves : [paramsId],
      inputs: outputInputs,
      outputs: declared,
    },
    path,
    own: false,
    checkExpressions: false,
    inputsField: 'inputs',
  });
}

/** `{value, fallback}` as one expression: `(value) ?? (fallback)` when both are single expressions. */
function combineFallback(value: unknown, fallback: unknown): unknown {
  if (fallback === undefined || typeof value !== 'string') return value;
  const single = (text: string): string | undefined => {
    try {
      const t = compileTemplate(text);
      return t.kind === 'expression' ? t.expressions[0]?.expression.source : undefined;
    } catch {
      return undefined; // reported where the template is validated
    }
  };
  const vs = single(value);
  if (vs === undefined) return value;
  const fs = typeof fallback === 'string' ? single(fallback) : undefined;
  // A literal fallback (any JSON value) is written as an expression literal.
  return `\${{ (${vs}) ?? (${fs ?? JSON.stringify(fallback)}) }}`;
}

function stripUndefined(def: TaskDefinition): TaskDefinition {
  return Object.fromEntries(
    Object.entries(def).filter(([, v]) => v !== undefined),
  ) as TaskDefinition;
}
