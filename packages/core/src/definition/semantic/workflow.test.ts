import { describe, expect, it } from 'vitest';
import { formatPath } from '../diagnostics.js';
import {
  brief,
  codes,
  expectClean,
  one,
  posOf,
  single,
  task,
  workflow,
  workflowYaml,
} from '../test-helpers.js';
import { validateDefinition, validateSource } from '../validate.js';

describe('task ids', () => {
  it('reports a duplicate id at the second task', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          executor: x
        - id: a
          executor: x
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'DUPLICATE_ID',
      severity: 'error',
      path: 'spec.tasks[1].id',
      line: 10,
      column: 11,
    });
    expect(d.message).toBe('task id `a` is used more than once');
  });

  it('reports a duplicate id across the tasks, a branch and its else', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          executor: x
      branches:
        - condition: true
          tasks:
            - id: a
              executor: x
          else:
            - id: a
              executor: x
    `);
    const result = validateSource(text);
    expect(result.diagnostics.map(brief)).toEqual([
      {
        code: 'DUPLICATE_ID',
        severity: 'error',
        path: 'spec.branches[0].tasks[0].id',
        line: 13,
        column: 15,
      },
      {
        code: 'DUPLICATE_ID',
        severity: 'error',
        path: 'spec.branches[0].else[0].id',
        line: 16,
        column: 15,
      },
    ]);
    // No DAG while ids are ambiguous.
    expect(result.documents[0]?.dag).toBeUndefined();
  });

  it.each(['Fetch', 'fetch.data', 'fetch data', 'größe'])(
    'rejects the id "%s" with a suggestion',
    (id) => {
      const d = single(validateDefinition(workflow([task(id)])));
      expect(brief(d)).toEqual({ code: 'INVALID_ID', severity: 'error', path: 'spec.tasks[0].id' });
      expect(d.hint).toMatch(/^try "[a-z0-9_-]+"$/);
    },
  );

  it('accepts lowercase letters, digits, _ and -', () => {
    expectClean(validateDefinition(workflow([task('a-1_b'), task('2nd')])));
  });

  it('reports a workflow without tasks', () => {
    const text = workflowYaml('tasks: []');
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'NO_TASKS',
      severity: 'error',
      path: 'spec.tasks',
      line: 7,
      column: 10,
    });
  });

  it('counts branch tasks as tasks', () => {
    expectClean(
      validateDefinition(
        workflow([], { spec: { branches: [{ condition: true, tasks: [task('a')] }] } }),
      ),
    );
  });
});

describe('dependsOn', () => {
  const text = workflowYaml(`
    tasks:
      - id: fetch
        executor: x
      - id: summarise
        executor: x
        dependsOn: [fetchh, summarise, fetch, fetch, { task: fetch, kind: data }]
  `);
  const result = validateSource(text);

  it('reports an unknown task with a did-you-mean hint', () => {
    const d = one(result, 'UNKNOWN_DEPENDENCY');
    expect(brief(d)).toEqual({
      code: 'UNKNOWN_DEPENDENCY',
      severity: 'error',
      path: 'spec.tasks[1].dependsOn[0]',
      ...posOf(text, 'fetchh'),
    });
    expect(d.message).toBe('task `summarise` depends on unknown task `fetchh`');
    expect(d.hint).toBe('did you mean "fetch"?');
  });

  it('reports a task depending on itself', () => {
    const d = one(result, 'SELF_DEPENDENCY');
    expect(brief(d)).toEqual({
      code: 'SELF_DEPENDENCY',
      severity: 'error',
      path: 'spec.tasks[1].dependsOn[1]',
      ...posOf(text, 'summarise,'),
    });
  });

  it('warns about each repeated dependency', () => {
    const warnings = result.diagnostics.filter((d) => d.code === 'DUPLICATE_DEPENDENCY');
    expect(warnings.map(brief)).toEqual([
      {
        code: 'DUPLICATE_DEPENDENCY',
        severity: 'warning',
        path: 'spec.tasks[1].dependsOn[3]',
        ...posOf(text, 'fetch', 3),
      },
      {
        code: 'DUPLICATE_DEPENDENCY',
        severity: 'warning',
        path: 'spec.tasks[1].dependsOn[4]',
        ...posOf(text, '{ task'),
      },
    ]);
    expect(result.diagnostics).toHaveLength(4);
  });

  it('a duplicate dependency alone is only a warning', () => {
    const r = validateDefinition(workflow([task('a'), task('b', { dependsOn: ['a', 'a'] })]));
    expect(r.ok).toBe(true);
    expect(codes(r)).toEqual(['DUPLICATE_DEPENDENCY']);
    expect(r.documents[0]?.dag?.dependencies('b')).toEqual([{ id: 'a', kind: 'success' }]);
  });

  it('lists known tasks when no name is close', () => {
    const d = single(
      validateDefinition(workflow([task('a'), task('b', { dependsOn: ['zzzzzz'] })])),
    );
    expect(d.hint).toBe('known tasks: a, b');
  });

  it('rejects an output on a dependency that is not a data dependency', () => {
    const r = validateDefinition(
      workflow([
        task('a'),
        task('b', { dependsOn: [{ task: 'a', kind: 'completion', output: 'x' }] }),
      ]),
    );
    expect(single(r)).toMatchObject({
      code: 'CONFLICTING_FIELDS',
      path: ['spec', 'tasks', 1, 'dependsOn', 0, 'output'],
    });
  });

  it('passes dependency kinds to the DAG (output implies data)', () => {
    const r = validateDefinition(
      workflow([
        task('a'),
        task('b', { dependsOn: [{ task: 'a', output: 'result' }] }),
        task('c', { dependsOn: [{ task: 'a', kind: 'completion' }, 'b'] }),
      ]),
    );
    expectClean(r);
    const dag = r.documents[0]?.dag;
    expect(dag?.dependencies('b')).toEqual([{ id: 'a', kind: 'data', outputKey: 'result' }]);
    expect(dag?.dependencies('c')).toEqual([
      { id: 'a', kind: 'completion' },
      { id: 'b', kind: 'success' },
    ]);
  });

  it('checks join: atLeast against the number of dependencies', () => {
    const r = validateDefinition(
      workflow([task('a'), task('b', { dependsOn: ['a'], join: { atLeast: 2 } })]),
    );
    expect(brief(single(r))).toEqual({
      code: 'OUT_OF_RANGE',
      severity: 'error',
      path: 'spec.tasks[1].join.atLeast',
    });
  });
});

describe('cycles', () => {
  it('reports a 2-task cycle with its path, at the first task dependsOn', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          executor: x
          dependsOn: [b]
        - id: b
          executor: x
          dependsOn: [a]
    `);
    const result = validateSource(text);
    const d = single(result);
    expect(brief(d)).toEqual({
      code: 'CYCLE',
      severity: 'error',
      path: 'spec.tasks[0].dependsOn',
      line: 10,
      column: 18,
    });
    expect(d.message).toBe('dependency cycle: a -> b -> a');
    expect(d.hint).toMatch(/remove one of the dependsOn/);
    expect(result.documents[0]?.dag).toBeUndefined();
  });

  it('reports a 3-task cycle as a -> b -> c -> a', () => {
    const r = validateDefinition(
      workflow([
        task('a', { dependsOn: ['c'] }),
        task('b', { dependsOn: ['a'] }),
        task('c', { dependsOn: ['b'] }),
      ]),
    );
    const d = single(r);
    expect(d.code).toBe('CYCLE');
    expect(d.message).toBe('dependency cycle: a -> b -> c -> a');
    expect(formatPath(d.path)).toBe('spec.tasks[0].dependsOn');
  });

  it('reports two separate cycles, each once', () => {
    const r = validateDefinition(
      workflow([
        task('a', { dependsOn: ['b'] }),
        task('b', { dependsOn: ['a'] }),
        task('ok'),
        task('c', { dependsOn: ['e', 'ok'] }),
        task('d', { dependsOn: ['c'] }),
        task('e', { dependsOn: ['d'] }),
      ]),
    );
    expect(r.diagnostics.map((d) => [d.code, d.message, formatPath(d.path)])).toEqual([
      ['CYCLE', 'dependency cycle: a -> b -> a', 'spec.tasks[0].dependsOn'],
      ['CYCLE', 'dependency cycle: c -> d -> e -> c', 'spec.tasks[3].dependsOn'],
    ]);
  });

  it('finds a cycle through a branch task', () => {
    const r = validateDefinition(
      workflow([task('a', { dependsOn: ['b'] })], {
        spec: { branches: [{ condition: true, tasks: [task('b', { dependsOn: ['a'] })] }] },
      }),
    );
    expect(single(r).message).toBe('dependency cycle: a -> b -> a');
  });

  it('skips the upstream rule while there is a cycle (no cascade of errors)', () => {
    const r = validateDefinition(
      workflow([
        task('a', { dependsOn: ['b'], inputs: { v: '${{ tasks.b.outputs.x }}' } }),
        task('b', { dependsOn: ['a'], inputs: { v: '${{ tasks.a.outputs.x }}' } }),
      ]),
    );
    expect(codes(r)).toEqual(['CYCLE']);
  });
});

describe('branches', () => {
  const doc = workflow(
    [
      task('score', { outputs: { value: 'float' } }),
      task('other', { outputs: { text: 'string' } }),
    ],
    {
      spec: {
        branches: [
          {
            condition: '${{ tasks.score.outputs.value < 0.7 }}',
            tasks: [task('retry', { inputs: { v: '${{ tasks.score.outputs.value }}' } })],
            else: [task('accept', { inputs: { v: '${{ tasks.score.outputs.value }}' } })],
          },
        ],
      },
    },
  );

  it('branch and else tasks depend on the tasks their condition reads', () => {
    const r = validateDefinition(doc);
    expectClean(r);
    const dag = r.documents[0]?.dag;
    expect(dag?.dependencies('retry')).toEqual([{ id: 'score', kind: 'success' }]);
    expect(dag?.dependencies('accept')).toEqual([{ id: 'score', kind: 'success' }]);
    const tasks = r.documents[0]?.tasks ?? [];
    expect(tasks.map((t) => [t.id, t.branch, t.generated, formatPath(t.path)])).toEqual([
      ['score', undefined, false, 'spec.tasks[0]'],
      ['other', undefined, false, 'spec.tasks[1]'],
      ['retry', { index: 0, else: false }, false, 'spec.branches[0].tasks[0]'],
      ['accept', { index: 0, else: true }, false, 'spec.branches[0].else[0]'],
    ]);
  });

  it('but not on other tasks: reading one needs dependsOn', () => {
    const r = validateDefinition(
      workflow([task('score'), task('other')], {
        spec: {
          branches: [
            {
              condition: '${{ tasks.score.outputs.value < 0.7 }}',
              tasks: [task('retry', { inputs: { v: '${{ tasks.other.outputs.text }}' } })],
            },
          ],
        },
      }),
    );
    const d = single(r);
    expect(brief(d)).toEqual({
      code: 'INVALID_REFERENCE',
      severity: 'error',
      path: 'spec.branches[0].tasks[0].inputs.v',
    });
    expect(d.hint).toBe('add `other` to the dependsOn of `retry`');
  });

  it('checks the condition itself', () => {
    const r = validateDefinition(
      workflow([task('a')], {
        spec: { branches: [{ condition: '${{ tasks.nope.status }}', tasks: [task('b')] }] },
      }),
    );
    expect(brief(single(r))).toEqual({
      code: 'INVALID_REFERENCE',
      severity: 'error',
      path: 'spec.branches[0].condition',
    });
  });

  it('a branch task may depend on a task by dependsOn as well (no duplicate warning)', () => {
    const r = validateDefinition(
      workflow([task('a')], {
        spec: {
          branches: [
            {
              condition: '${{ tasks.a.status == "success" }}',
              tasks: [task('b', { dependsOn: ['a'] })],
            },
          ],
        },
      }),
    );
    expectClean(r);
  });
});
