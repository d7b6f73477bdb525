/** Checks the expressions of one task: its inputs (or a template instance's parameters), condition, join and fallback. */
import type { JsonPath } from '../diagnostics.js';
import type { TaskDefinition } from '../schema.js';
import type { Checker } from './checker.js';
import { collectSites } from './expression-sites.js';
import { checkSite, type Scope, type WorkflowFacts } from './references.js';
import { effectiveExecutor, FAN_OUT_EXECUTOR } from './task-checks.js';

const PARAMETERS_SUFFIX = ':parameters';

function check(
  value: unknown,
  path: JsonPath,
  scope: Scope,
  facts: WorkflowFacts,
  checker: Checker,
) {
  for (const site of collectSites(value, path, checker)) checkSite(site, scope, facts, checker);
}

export function checkTaskExpressions(
  def: TaskDefinition,
  path: JsonPath,
  inputsField: 'inputs' | 'parameters',
  dependencyCount: number,
  facts: WorkflowFacts,
  checker: Checker,
): void {
  // A template instance's parameters are evaluated by its generated `<id>:parameters` task;
  // messages name the instance as the user wrote it.
  const shown = def.id.endsWith(PARAMETERS_SUFFIX)
    ? def.id.slice(0, -PARAMETERS_SUFFIX.length)
    : def.id;
  const scope: Scope = { kind: 'task', task: def.id, shown };
  const isFanOut = effectiveExecutor(def) === FAN_OUT_EXECUTOR;
  const inputs = def.inputs;
  if (inputs !== undefined) {
    for (const key of Object.keys(inputs)) {
      const value = inputs[key];
      // The common case, a plain string, costs nothing more than this test.
      if (
        typeof value === 'string'
          ? !value.includes('${{')
          : value === null || typeof value !== 'object'
      )
        continue;
      const itemScope = isFanOut && key === 'task_template';
      check(
        value,
        [...path, inputsField, key],
        itemScope ? { ...scope, fanOutItem: true } : scope,
        facts,
        checker,
      );
    }
  }
  if (def.condition !== undefined)
    check(def.condition, [...path, 'condition'], scope, facts, checker);
  const join = def.join;
  if (typeof join === 'string') check(join, [...path, 'join'], scope, facts, checker);
  if (def.fallback?.value !== undefined) {
    check(def.fallback.value, [...path, 'fallback', 'value'], scope, facts, checker);
  }
  if (typeof join === 'object' && join.atLeast > dependencyCount) {
    checker.error(
      [...path, 'join', 'atLeast'],
      'OUT_OF_RANGE',
      `join atLeast ${join.atLeast} is more than the task's ${dependencyCount} dependencies`,
    );
  }
}
