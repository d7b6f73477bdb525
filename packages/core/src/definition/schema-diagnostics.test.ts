import { describe, expect, it } from 'vitest';
import { Document } from './schema.js';
import { schemaDiagnostics } from './schema-diagnostics.js';
import { brief, header, posOf, single, task, workflow, workflowYaml } from './test-helpers.js';
import { validateSource } from './validate.js';

/** The schema diagnostics of a value, without positions. */
function structural(value: unknown) {
  const parsed = Document.safeParse(value);
  if (parsed.success) return [];
  return schemaDiagnostics(parsed.error.issues, value);
}

describe('unknown fields', () => {
  it('points at the key and suggests the field meant (exectuor → executor)', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          exectuor: expression
    `);
    const result = validateSource(text);
    const d = result.diagnostics.find((x) => x.code === 'UNKNOWN_FIELD');
    expect(d && brief(d)).toEqual({
      code: 'UNKNOWN_FIELD',
      severity: 'error',
      path: 'spec.tasks[0].exectuor',
      line: 9,
      column: 7,
    });
    expect(d?.message).toBe('unknown field `exectuor`');
    expect(d?.hint).toBe('did you mean "executor"?');
    // The misspelling is the one problem: no second error about a missing executor.
    expect(result.diagnostics.map((x) => x.code)).toEqual(['UNKNOWN_FIELD']);
  });

  it.each([
    [
      'metadata',
      'metadata.labls',
      'labels',
      `${header()}  labls: {}\nspec:\n  tasks: [{ id: a, executor: x }]\n`,
    ],
    ['spec', 'spec.taks', 'tasks', workflowYaml('tasks: [{ id: a, executor: x }]\ntaks: []')],
    [
      'config',
      'spec.config.timout',
      'timeout',
      workflowYaml('config: { timout: 1m }\ntasks: [{ id: a, executor: x }]'),
    ],
    [
      'retry policy',
      'spec.tasks[0].retryPolicy.maxAtempts',
      'maxAttempts',
      workflowYaml('tasks: [{ id: a, executor: x, retryPolicy: { maxAtempts: 2 } }]'),
    ],
    [
      'events',
      'spec.events.onSucess',
      'onSuccess',
      workflowYaml('tasks: [{ id: a, executor: x }]\nevents: { onSucess: [] }'),
    ],
    [
      'input',
      'spec.inputs[0].defualt',
      'default',
      workflowYaml(
        'inputs: [{ name: a, type: string, defualt: x }]\ntasks: [{ id: a, executor: x }]',
      ),
    ],
  ])('in %s: suggests the right field', (_, path, meant, text) => {
    const d = single(validateSource(text));
    const key = path.split('.').pop() ?? '';
    expect(brief(d)).toEqual({
      code: 'UNKNOWN_FIELD',
      severity: 'error',
      path,
      ...posOf(text, key),
    });
    expect(d.hint).toBe(`did you mean "${meant}"?`);
  });

  it('gives no hint when nothing is close', () => {
    const d = single(validateSource(workflowYaml('tasks: [{ id: a, executor: x, colour: blue }]')));
    expect(d.code).toBe('UNKNOWN_FIELD');
    expect(d.hint).toBeUndefined();
  });

  it('marks the diagnostic as pointing at the key', () => {
    const [d] = structural(workflow([task('a', { bogus: 1 })]));
    expect(d).toMatchObject({
      code: 'UNKNOWN_FIELD',
      path: ['spec', 'tasks', 0, 'bogus'],
      key: true,
    });
  });
});

describe('document header', () => {
  const body = 'spec:\n  tasks: [{ id: a, executor: x }]\n';

  it('rejects another apiVersion, with a hint', () => {
    const text = `apiVersion: orchestrator.llm/v2\nkind: Workflow\nmetadata: { name: a, version: 1.0.0 }\n${body}`;
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'INVALID_VALUE',
      severity: 'error',
      path: 'apiVersion',
      line: 1,
      column: 13,
    });
    expect(d.message).toContain('"orchestrator.llm/v1"');
    expect(d.hint).toBe('did you mean "orchestrator.llm/v1"?');
  });

  it('reports a missing apiVersion as a missing field', () => {
    const text = `kind: Workflow\nmetadata: { name: a, version: 1.0.0 }\n${body}`;
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'MISSING_FIELD',
      severity: 'error',
      path: 'apiVersion',
      line: 1,
      column: 1,
    });
  });

  it('rejects an unknown kind with a hint', () => {
    const text = `apiVersion: orchestrator.llm/v1\nkind: Workfow\nmetadata: { name: a, version: 1.0.0 }\n${body}`;
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'INVALID_VALUE',
      severity: 'error',
      path: 'kind',
      line: 2,
      column: 7,
    });
    expect(d.message).toContain('"CronWorkflow"');
    expect(d.hint).toBe('did you mean "Workflow"?');
  });

  it('reports a missing kind', () => {
    const d = single(
      validateSource(
        `apiVersion: orchestrator.llm/v1\nmetadata: { name: a, version: 1.0.0 }\n${body}`,
      ),
    );
    expect(d.code).toBe('MISSING_FIELD');
    expect(d.path).toEqual(['kind']);
  });

  it('reports a missing metadata.version at the metadata mapping', () => {
    const text = `apiVersion: orchestrator.llm/v1\nkind: Workflow\nmetadata:\n  name: a\n${body}`;
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'MISSING_FIELD',
      severity: 'error',
      path: 'metadata.version',
      line: 4,
      column: 3,
    });
    expect(d.message).toBe('`version` is required');
  });

  it.each(['v1.0.0', '1.0.0.0', '01.2.3', '1.2'])('rejects the version "%s"', (version) => {
    const text = header({ version: `'${version}'` }) + body;
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'INVALID_FORMAT',
      severity: 'error',
      path: 'metadata.version',
      line: 5,
      column: 12,
    });
  });

  it('says a bare 1.0 is a number, not a string', () => {
    const d = single(validateSource(header({ version: '1.0' }) + body));
    expect(brief(d)).toMatchObject({ code: 'WRONG_TYPE', path: 'metadata.version', line: 5 });
  });

  it.each(['1.0.0-rc.1', '2.10.3+build.5', '0.0.1'])('accepts the version %s', (version) => {
    expect(validateSource(header({ version }) + body).diagnostics).toEqual([]);
  });

  it.each(['My Flow', 'flow.v2', 'Flow'])('rejects the workflow name "%s" with a hint', (name) => {
    const d = single(validateSource(header({ name: `'${name}'` }) + body));
    expect(brief(d)).toEqual({
      code: 'INVALID_FORMAT',
      severity: 'error',
      path: 'metadata.name',
      line: 4,
      column: 9,
    });
    expect(d.hint).toMatch(/lowercase/);
  });

  it('rejects an invalid label key, pointing at the key', () => {
    const text = `${header()}  labels:\n    Team: x\n    ok.key-1: y\n${body}`;
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'INVALID_FORMAT',
      severity: 'error',
      path: 'metadata.labels.Team',
      line: 7,
      column: 5,
    });
    expect(d.message).toBe('the key "Team" is not a label key');
    expect(d.hint).toMatch(/lowercase/);
  });

  it('rejects metadata that is not a mapping', () => {
    const text = `apiVersion: orchestrator.llm/v1\nkind: Workflow\nmetadata: [1]\n${body}`;
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'WRONG_TYPE',
      severity: 'error',
      path: 'metadata',
      line: 3,
      column: 11,
    });
    expect(d.message).toBe('`metadata` must be a mapping, not a list');
  });
});

describe('formats: durations, memory, cpu', () => {
  function taskField(field: string, value: string) {
    const text = workflowYaml(`tasks:\n  - id: a\n    executor: x\n    ${field}: ${value}\n`);
    return { text, d: single(validateSource(text)) };
  }

  it('rejects the duration "5 m" with a hint', () => {
    const { text, d } = taskField('timeout', '5 m');
    expect(brief(d)).toEqual({
      code: 'INVALID_FORMAT',
      severity: 'error',
      path: 'spec.tasks[0].timeout',
      ...posOf(text, '5 m'),
    });
    expect(d.message).toBe('the string "5 m" is not a duration');
    expect(d.hint).toBe('write durations like 30s, 5m, 1h30m or 250ms');
  });

  it.each(['soon', '5 minutes', '-1s', '1.s', 'PT5M'])('rejects the duration %s', (value) => {
    expect(taskField('timeout', `'${value}'`).d).toMatchObject({
      code: 'INVALID_FORMAT',
      path: ['spec', 'tasks', 0, 'timeout'],
    });
  });

  it('rejects the memory size 8GB with a hint', () => {
    const { text, d } = taskField('resources', '{ memory: 8GB }');
    expect(brief(d)).toEqual({
      code: 'INVALID_FORMAT',
      severity: 'error',
      path: 'spec.tasks[0].resources.memory',
      ...posOf(text, '8GB'),
    });
    expect(d.hint).toBe('write sizes like 512Mi, 8Gi or 1G');
  });

  it('rejects a cpu quantity like "lots" with a hint', () => {
    const { d } = taskField('resources', '{ cpu: lots }');
    expect(d).toMatchObject({
      code: 'INVALID_FORMAT',
      path: ['spec', 'tasks', 0, 'resources', 'cpu'],
    });
    expect(d.hint).toMatch(/millicores/);
  });

  it('rejects a negative gpu count', () => {
    const { d } = taskField('resources', '{ gpu: -1 }');
    expect(d).toMatchObject({
      code: 'OUT_OF_RANGE',
      path: ['spec', 'tasks', 0, 'resources', 'gpu'],
    });
  });
});

describe('enumerations', () => {
  it('rejects an unknown dependency kind, with a hint', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          executor: x
        - id: b
          executor: x
          dependsOn:
            - task: a
              kind: sucess
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'INVALID_VALUE',
      severity: 'error',
      path: 'spec.tasks[1].dependsOn[0].kind',
      ...posOf(text, 'sucess'),
    });
    expect(d.message).toBe(
      '`kind` must be one of "success", "completion", "data"; got the string "sucess"',
    );
    expect(d.hint).toBe('did you mean "success"?');
  });

  it('rejects an unknown alert severity and an unknown handler type', () => {
    const text = workflowYaml(`
      tasks: [{ id: a, executor: x }]
      events:
        onFailure:
          - type: alert
            severity: urgent
          - type: webhok
            url: https://example.com
    `);
    const result = validateSource(text);
    expect(result.diagnostics.map(brief)).toEqual([
      {
        code: 'INVALID_VALUE',
        severity: 'error',
        path: 'spec.events.onFailure[0].severity',
        ...posOf(text, 'urgent'),
      },
      {
        code: 'INVALID_VALUE',
        severity: 'error',
        path: 'spec.events.onFailure[1].type',
        ...posOf(text, 'webhok'),
      },
    ]);
    expect(result.diagnostics[1]?.hint).toBe('did you mean "webhook"?');
  });

  it.each([
    [
      'an input type',
      'inputs: [{ name: a, type: strng }]\ntasks: [{ id: a, executor: x }]',
      'spec.inputs[0].type',
      'string',
    ],
    [
      'a fallback strategy',
      'tasks: [{ id: a, executor: x, fallback: { strategy: cache } }]',
      'spec.tasks[0].fallback.strategy',
      'cached',
    ],
    [
      'a task type',
      'tasks: [{ id: a, executor: x, type: tranform }]',
      'spec.tasks[0].type',
      'transform',
    ],
    [
      'a failure mode',
      'config: { failurePolicy: { mode: failfast } }\ntasks: [{ id: a, executor: x }]',
      'spec.config.failurePolicy.mode',
      'failFast',
    ],
  ])('rejects %s with a hint', (_, spec, path, meant) => {
    const d = single(validateSource(workflowYaml(spec)));
    expect(brief(d)).toMatchObject({ code: 'INVALID_VALUE', path });
    expect(d.hint).toBe(`did you mean "${meant}"?`);
  });

  it('suggests a declared type name for a misspelt output type', () => {
    const d = single(
      validateSource(workflowYaml('tasks: [{ id: a, executor: x, outputs: { r: strng } }]')),
    );
    expect(brief(d)).toMatchObject({ code: 'WRONG_TYPE', path: 'spec.tasks[0].outputs.r' });
    expect(d.hint).toBe('did you mean "string"?');
  });
});
