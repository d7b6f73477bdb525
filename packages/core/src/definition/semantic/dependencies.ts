/**
 * Dependencies of the flattened tasks: each `dependsOn` entry normalised to `{id, kind, outputKey}`
 * and checked, then the DAG built, with every cycle reported as a readable path.
 */
import { CycleError } from '../../errors.js';
import { buildDag, findCycles, type Dag, type DependencySpec } from '../../graph/index.js';
import { didYouMean } from '../../suggest.js';
import type { JsonPath } from '../diagnostics.js';
import type { TaskDefinition } from '../schema.js';
import type { Checker } from './checker.js';

export interface DependentTask {
  readonly def: TaskDefinition;
  readonly path: JsonPath;
  /** Tasks a branch's condition reads: the branch's tasks wait for them. */
  readonly implicit?: ReadonlySet<string>;
}

/** Normalises and checks the dependencies of each task; unknown and self dependencies are dropped. */
export function normaliseDependencies(
  tasks: readonly DependentTask[],
  ids: ReadonlySet<string>,
  checker: Checker,
): DependencySpec[][] {
  return tasks.map((t) => {
    const deps: DependencySpec[] = [];
    const list = t.def.dependsOn ?? [];
    for (let j = 0; j < list.length; j++) {
      const dep = list[j];
      if (dep === undefined) continue;
      const id = typeof dep === 'string' ? dep : dep.task;
      if (!ids.has(id)) {
        checker.error(
          [...t.path, 'dependsOn', j],
          'UNKNOWN_DEPENDENCY',
          `task \`${t.def.id}\` depends on unknown task \`${id}\``,
          didYouMean(id, ids) ?? `known tasks: ${[...ids].slice(0, 10).join(', ')}`,
        );
      } else if (id === t.def.id) {
        checker.error(
          [...t.path, 'dependsOn', j],
          'SELF_DEPENDENCY',
          `task \`${id}\` depends on itself`,
        );
      } else if (deps.some((d) => d.id === id)) {
        checker.warning(
          [...t.path, 'dependsOn', j],
          'DUPLICATE_DEPENDENCY',
          `\`${id}\` is listed twice in dependsOn`,
        );
      } else if (typeof dep === 'string') {
        deps.push({ id, kind: 'success' });
      } else {
        const kind = dep.kind ?? (dep.output === undefined ? 'success' : 'data');
        if (dep.output !== undefined && kind !== 'data') {
          checker.error(
            [...[...t.path, 'dependsOn', j], 'output'],
            'CONFLICTING_FIELDS',
            `\`output\` names the data a \`data\` dependency consumes; this one is \`${kind}\``,
          );
        }
        deps.push({ id, kind, ...(dep.output === undefined ? {} : { outputKey: dep.output }) });
      }
    }
    for (const id of t.implicit ?? []) {
      if (ids.has(id) && id !== t.def.id && !deps.some((d) => d.id === id)) {
        deps.push({ id, kind: 'success' });
      }
    }
    return deps;
  });
}

/** Builds the DAG; on cycles reports each one (as `a -> b -> a`) and returns undefined. */
export function buildGraph(
  tasks: readonly DependentTask[],
  deps: readonly DependencySpec[][],
  checker: Checker,
): Dag | undefined {
  const nodes = tasks.map((t, i) => ({ id: t.def.id, dependsOn: deps[i] ?? [] }));
  try {
    return buildDag(nodes);
  } catch (err) {
    if (!(err instanceof CycleError)) throw err;
  }
  const pathOf = new Map(tasks.map((t) => [t.def.id, t.path]));
  for (const cycle of findCycles(nodes)) {
    const first = cycle[0] === undefined ? undefined : pathOf.get(cycle[0]);
    checker.error(
      first === undefined ? ['spec', 'tasks'] : [...first, 'dependsOn'],
      'CYCLE',
      `dependency cycle: ${cycle.join(' -> ')}`,
      'remove one of the dependsOn entries along the cycle',
    );
  }
  return undefined;
}
