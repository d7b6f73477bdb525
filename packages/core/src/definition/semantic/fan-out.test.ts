import { describe, expect, it } from 'vitest';

import {
  brief,
  expectClean,
  posOf,
  single,
  task,
  workflowYaml,
  checkTasks,
  codesAndPaths,
} from '../test-helpers.js';
import { validateSource } from '../validate.js';

describe('fan-out tasks', () => {
  const template = {
    executor: 'summarise',
    inputs: { text: '${{ item }}', n: '${{ index + 1 }}' },
  };

  it('accepts type fan-out (default executor) and the fan-out executor, reading item and index', () => {
    const r = checkTasks(
      [
        {
          id: 'a',
          type: 'fan-out',
          inputs: { items: '${{ workflow.inputs.docs }}', task_template: template },
        },
        task('b', {
          executor: 'orchestrator:fan-out',
          inputs: { items: [1, 2], task_template: template },
        }),
      ],
      { inputs: [{ name: 'docs', type: 'array' }] },
      { executors: new Set(['orchestrator:fan-out', 'summarise', 'expression']) },
    );
    expectClean(r);
  });

  it('reports missing items and task_template', () => {
    const r = checkTasks([{ id: 'a', type: 'fan-out', inputs: {} }]);
    expect(codesAndPaths(r)).toEqual([
      ['MISSING_FIELD', 'spec.tasks[0].inputs'],
      ['MISSING_FIELD', 'spec.tasks[0].inputs'],
    ]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'a fan-out task needs `inputs.items` (the array to map over)',
      'a fan-out task needs `inputs.task_template` (the task to run for each item)',
    ]);
  });

  it('reports items that are neither a list nor an expression', () => {
    const r = checkTasks([
      { id: 'a', type: 'fan-out', inputs: { items: 5, task_template: template } },
    ]);
    expect(codesAndPaths(r)).toEqual([['WRONG_TYPE', 'spec.tasks[0].inputs.items']]);
  });

  it('reports an unknown field in task_template at its key, with a hint', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          type: fan-out
          inputs:
            items: [1, 2]
            task_template:
              exectuor: summarise
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'UNKNOWN_FIELD',
      severity: 'error',
      path: 'spec.tasks[0].inputs.task_template.exectuor',
      ...posOf(text, 'exectuor'),
    });
    expect(d.hint).toBe('did you mean "executor"?');
  });

  it('reports a task_template without executor, with meaningless fields, or an unknown executor', () => {
    const r = checkTasks(
      [
        { id: 'a', type: 'fan-out', inputs: { items: [], task_template: { inputs: {} } } },
        {
          id: 'b',
          type: 'fan-out',
          inputs: { items: [], task_template: { executor: 'x', dependsOn: ['a'], join: 'any' } },
        },
        {
          id: 'c',
          type: 'fan-out',
          inputs: { items: [], task_template: { executor: 'nope', timeout: '30h' } },
        },
      ],
      {},
      { executors: new Set(['orchestrator:fan-out', 'x']) },
    );
    expect(codesAndPaths(r)).toEqual([
      ['MISSING_EXECUTOR', 'spec.tasks[0].inputs.task_template'],
      ['CONFLICTING_FIELDS', 'spec.tasks[1].inputs.task_template.dependsOn'],
      ['CONFLICTING_FIELDS', 'spec.tasks[1].inputs.task_template.join'],
      ['UNKNOWN_EXECUTOR', 'spec.tasks[2].inputs.task_template.executor'],
      ['OUT_OF_RANGE', 'spec.tasks[2].inputs.task_template.timeout'],
    ]);
  });

  it('reports the fan-out executor missing from the catalog at `type`', () => {
    const r = checkTasks(
      [{ id: 'a', type: 'fan-out', inputs: { items: [], task_template: { executor: 'x' } } }],
      {},
      {
        executors: new Set(['x']),
      },
    );
    expect(codesAndPaths(r)).toEqual([['UNKNOWN_EXECUTOR', 'spec.tasks[0].type']]);
  });

  it('item is not readable outside task_template, nor in a task that is not a fan-out', () => {
    const r = checkTasks([
      { id: 'a', type: 'fan-out', inputs: { items: '${{ item }}', task_template: template } },
      task('b', { inputs: { task_template: template } }),
    ]);
    expect(codesAndPaths(r)).toEqual([
      ['INVALID_REFERENCE', 'spec.tasks[0].inputs.items'],
      ['INVALID_REFERENCE', 'spec.tasks[1].inputs.task_template.inputs.text'],
      ['INVALID_REFERENCE', 'spec.tasks[1].inputs.task_template.inputs.n'],
    ]);
  });
});
