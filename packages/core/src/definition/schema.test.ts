import { describe, expect, it } from 'vitest';
import {
  Cpu,
  Dependency,
  Document,
  Duration,
  EventHandler,
  InputParameter,
  JoinStrategy,
  Memory,
  OutputMapping,
  TypeSpec,
  toJsonSchema,
} from './schema.js';
import { schemaDiagnostics } from './schema-diagnostics.js';
import { brief, single, task, workflow, workflowYaml, type Obj } from './test-helpers.js';
import { validateSource } from './validate.js';

/** The schema diagnostics of a value, without positions. */
function structural(value: unknown) {
  const parsed = Document.safeParse(value);
  if (parsed.success) return [];
  return schemaDiagnostics(parsed.error.issues, value);
}

function accepts(schema: { safeParse(v: unknown): { success: boolean } }, value: unknown): boolean {
  return schema.safeParse(value).success;
}

describe('Document', () => {
  it('accepts a minimal document of every kind', () => {
    expect(accepts(Document, workflow([task('a')]))).toBe(true);
    expect(accepts(Document, workflow([task('a')], { kind: 'Template' }))).toBe(true);
    expect(
      accepts(
        Document,
        workflow([task('a')], { kind: 'CronWorkflow', spec: { schedule: '@daily' } }),
      ),
    ).toBe(true);
    expect(
      accepts(
        Document,
        workflow([task('a')], { kind: 'EventWorkflow', spec: { trigger: { eventSource: 's' } } }),
      ),
    ).toBe(true);
  });

  it('requires the fields of each kind, and only allows them there', () => {
    expect(accepts(Document, workflow([task('a')], { kind: 'CronWorkflow' }))).toBe(false);
    expect(accepts(Document, workflow([task('a')], { kind: 'EventWorkflow' }))).toBe(false);
    expect(accepts(Document, workflow([task('a')], { spec: { schedule: '@daily' } }))).toBe(false);
    expect(
      accepts(Document, workflow([task('a')], { spec: { trigger: { eventSource: 's' } } })),
    ).toBe(false);
    // Templates have parameters, not inputs, branches or events.
    expect(
      accepts(Document, workflow([task('a')], { kind: 'Template', spec: { parameters: [] } })),
    ).toBe(true);
    expect(
      accepts(Document, workflow([task('a')], { kind: 'Template', spec: { inputs: [] } })),
    ).toBe(false);
    expect(
      accepts(Document, workflow([task('a')], { kind: 'Template', spec: { branches: [] } })),
    ).toBe(false);
    expect(accepts(Document, workflow([task('a')], { spec: { parameters: [] } }))).toBe(false);
  });

  it('accepts the fields the language reference adds to the seed', () => {
    const doc = workflow(
      [
        task('a', {
          metadata: {},
          config: {
            retryPolicy: { maxAttempts: 2 },
            resources: { cpu: '500m', memory: '1Gi', gpu: 1 },
          },
          outputs: { r: { type: 'object', schema: { x: 'int' } }, s: 'integer', t: 'number' },
        }),
      ],
      {
        metadata: { annotations: { 'owner/team': 'x' }, labels: { 'a.b-c_d': 'v' } },
        spec: {
          config: {
            failurePolicy: { mode: 'continueOnError', deadLetterQueue: true },
            retryPolicy: { retryableErrors: ['RateLimitError'] },
            concurrency: { resourceLimits: { gpu: 2 } },
          },
          inputs: [
            { name: 'o', type: 'object', schema: { t: 'float' }, description: 'x' },
            {
              name: 'l',
              type: 'array',
              items: 'string',
              validation: { custom: '${{ length(value) > 0 }}' },
            },
          ],
          branches: [{ condition: true, tasks: [task('b')], else: [task('c')] }],
          outputs: { x: { value: '${{ 1 }}', transform: { type: 'round', decimals: 2 } } },
          events: {
            onSuccess: [
              {
                type: 'webhook',
                url: 'https://x',
                method: 'PUT',
                headers: { a: 'b' },
                body: { k: 1 },
              },
            ],
            onFailure: [{ type: 'alert', channel: 'email', severity: 'low', message: 'm' }],
            onTimeout: [{ type: 'deadletter', queue: 'q' }],
            onCancel: [{ type: 'custom', executor: 'notify', inputs: { a: 1 } }],
          },
        },
      },
    );
    const parsed = Document.safeParse(doc);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('rejects unknown fields at every level (strict objects)', () => {
    for (const extra of [
      { top: 1 },
      { metadata: { name: 'a', version: '1.0.0', owner: 'x' } },
      { spec: { tasks: [task('a')], extra: 1 } },
      { spec: { tasks: [task('a', { extra: 1 })] } },
      { spec: { tasks: [task('a', { config: { extra: 1 } })] } },
    ] as Obj[]) {
      expect(accepts(Document, { ...workflow([task('a')]), ...extra })).toBe(false);
    }
  });
});

describe('value schemas', () => {
  it.each([
    ['30s', true],
    ['1h30m', true],
    ['250ms', true],
    ['1.5h', true],
    ['1d', true],
    [3600, true],
    [0.5, true],
    [0, false],
    [-5, false],
    ['5 m', false],
    ['5', false],
    ['', false],
    ['m', false],
  ])('Duration %j → %s', (value, ok) => {
    expect(accepts(Duration, value)).toBe(ok);
  });

  it.each([
    ['512Mi', true],
    ['8Gi', true],
    ['1G', true],
    ['1.5Gi', true],
    [1024, true],
    [1.5, false],
    ['8GB', false],
    ['8 Gi', false],
    [-1, false],
  ])('Memory %j → %s', (value, ok) => {
    expect(accepts(Memory, value)).toBe(ok);
  });

  it.each([
    [4, true],
    [0.5, true],
    ['500m', true],
    ['2', true],
    [0, false],
    ['2 cores', false],
    ['500M', false],
  ])('Cpu %j → %s', (value, ok) => {
    expect(accepts(Cpu, value)).toBe(ok);
  });

  it('Dependency: an id or {task, kind, output}', () => {
    expect(accepts(Dependency, 'a')).toBe(true);
    expect(accepts(Dependency, { task: 'a' })).toBe(true);
    expect(accepts(Dependency, { task: 'a', kind: 'data', output: 'result' })).toBe(true);
    expect(accepts(Dependency, { task: 'a', kind: 'always' })).toBe(false);
    expect(accepts(Dependency, { id: 'a' })).toBe(false);
    expect(accepts(Dependency, 1)).toBe(false);
  });

  it('JoinStrategy: all, any, {atLeast}, or an expression', () => {
    for (const ok of ['all', 'any', { atLeast: 2 }, '${{ tasks.a.status == "success" }}']) {
      expect(accepts(JoinStrategy, ok)).toBe(true);
    }
    for (const bad of ['some', { atLeast: 0 }, { atMost: 1 }, 2])
      expect(accepts(JoinStrategy, bad)).toBe(false);
  });

  it('TypeSpec: names, aliases and nested {type, schema, items}', () => {
    for (const name of [
      'string',
      'int',
      'integer',
      'float',
      'number',
      'boolean',
      'object',
      'array',
      'any',
    ]) {
      expect(accepts(TypeSpec, name)).toBe(true);
    }
    expect(
      accepts(TypeSpec, { type: 'object', schema: { a: { type: 'array', items: 'int' } } }),
    ).toBe(true);
    expect(accepts(TypeSpec, 'str')).toBe(false);
    expect(accepts(TypeSpec, { type: 'object', fields: {} })).toBe(false);
    expect(accepts(TypeSpec, { type: 'object', schema: { a: 'nope' } })).toBe(false);
  });

  it('InputParameter: name pattern, source must be an expression', () => {
    expect(accepts(InputParameter, { name: 'user_prompt', type: 'string' })).toBe(true);
    expect(accepts(InputParameter, { name: 'User Prompt', type: 'string' })).toBe(false);
    expect(accepts(InputParameter, { name: 'a', type: 'string', source: 'event.data' })).toBe(
      false,
    );
    expect(accepts(InputParameter, { name: 'a', type: 'string', validation: { enum: [] } })).toBe(
      false,
    );
    expect(
      accepts(InputParameter, { name: 'a', type: 'string', validation: { minLength: -1 } }),
    ).toBe(false);
  });

  it('OutputMapping: an expression or {value, fallback, transform}', () => {
    expect(accepts(OutputMapping, '${{ 1 }}')).toBe(true);
    expect(accepts(OutputMapping, { value: 1, fallback: 2 })).toBe(true);
    expect(accepts(OutputMapping, { value: 1, transform: { type: 'lower' } })).toBe(true);
    expect(accepts(OutputMapping, { value: 1, transform: { type: 'reverse' } })).toBe(false);
    expect(accepts(OutputMapping, { fallback: 2, other: 1 })).toBe(false);
  });

  it('EventHandler: discriminated by type, each with its own fields', () => {
    expect(accepts(EventHandler, { type: 'webhook', url: 'https://x' })).toBe(true);
    expect(accepts(EventHandler, { type: 'webhook', url: 'https://x', method: 'GET' })).toBe(false);
    expect(accepts(EventHandler, { type: 'alert', channel: 'teams' })).toBe(false);
    expect(accepts(EventHandler, { type: 'alert', queue: 'q' })).toBe(false);
    expect(accepts(EventHandler, { type: 'custom' })).toBe(false);
    expect(accepts(EventHandler, { type: 'sms' })).toBe(false);
  });
});

describe('toJsonSchema', () => {
  it('describes every kind, with named definitions and no zod-only keywords', () => {
    const schema = toJsonSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const defs = schema.$defs as Record<string, Record<string, unknown>>;
    for (const name of [
      'Workflow',
      'Template',
      'CronWorkflow',
      'EventWorkflow',
      'Task',
      'Duration',
      'TypeSpec',
    ]) {
      expect(defs[name], name).toBeDefined();
    }
    expect(Object.values(defs).some((d) => 'id' in d)).toBe(false);
    expect(JSON.stringify(schema)).toContain('orchestrator.llm/v1');
  });
});

describe('wrong types and ranges', () => {
  it.each<[string, Obj, string, string, string]>([
    [
      'executor',
      { executor: 5 },
      'spec.tasks[0].executor',
      'WRONG_TYPE',
      '`executor` must be a string, not the integer 5',
    ],
    [
      'inputs',
      { inputs: [1] },
      'spec.tasks[0].inputs',
      'WRONG_TYPE',
      '`inputs` must be a mapping, not a list',
    ],
    [
      'dependsOn',
      { dependsOn: 'x' },
      'spec.tasks[0].dependsOn',
      'WRONG_TYPE',
      '`dependsOn` must be a list, not the string "x"',
    ],
    [
      'maxAttempts',
      { retryPolicy: { maxAttempts: 0 } },
      'spec.tasks[0].retryPolicy.maxAttempts',
      'OUT_OF_RANGE',
      '`maxAttempts` must be at least 1',
    ],
    [
      'backoffMultiplier',
      { retryPolicy: { backoffMultiplier: 0.5 } },
      'spec.tasks[0].retryPolicy.backoffMultiplier',
      'OUT_OF_RANGE',
      '`backoffMultiplier` must be at least 1',
    ],
    [
      'jitter',
      { retryPolicy: { jitter: 2 } },
      'spec.tasks[0].retryPolicy.jitter',
      'OUT_OF_RANGE',
      '`jitter` must be at most 1',
    ],
    [
      'condition',
      { condition: 5 },
      'spec.tasks[0].condition',
      'WRONG_TYPE',
      '`condition` must be a string or true or false; got the integer 5',
    ],
    [
      'maxParallel',
      { config: { maxParallel: 1.5 } },
      'spec.tasks[0].config.maxParallel',
      'WRONG_TYPE',
      '`maxParallel` must be an integer, not the number 1.5',
    ],
  ])('%s', (_, fields, path, code, message) => {
    const [d, ...rest] = structural(workflow([task('a', fields)]));
    expect(rest).toEqual([]);
    expect(d && brief(d)).toEqual({ code, severity: 'error', path });
    expect(d?.message).toBe(message);
  });

  it('reports a missing tasks list and a tasks mapping', () => {
    expect(structural(workflow([], { spec: { tasks: undefined } })).map(brief)).toEqual([
      { code: 'MISSING_FIELD', severity: 'error', path: 'spec.tasks' },
    ]);
    const text = workflowYaml('tasks:\n  a: 1\n');
    expect(brief(single(validateSource(text)))).toEqual({
      code: 'WRONG_TYPE',
      severity: 'error',
      path: 'spec.tasks',
      line: 8,
      column: 5,
    });
  });

  it('reports a missing task id and a missing dependency task', () => {
    const value = workflow([{ executor: 'x' }, task('b', { dependsOn: [{ tsk: 'a' }] })]);
    expect(structural(value).map(brief)).toEqual([
      { code: 'MISSING_FIELD', severity: 'error', path: 'spec.tasks[0].id' },
      { code: 'MISSING_FIELD', severity: 'error', path: 'spec.tasks[1].dependsOn[0].task' },
      { code: 'UNKNOWN_FIELD', severity: 'error', path: 'spec.tasks[1].dependsOn[0].tsk' },
    ]);
  });

  it('reports output mappings of the wrong shape', () => {
    const value = workflow([task('a')], {
      spec: { outputs: { o: 5, p: { value: 1, transform: { type: 'round', decimals: 16 } } } },
    });
    expect(structural(value).map(brief)).toEqual([
      { code: 'WRONG_TYPE', severity: 'error', path: 'spec.outputs.o' },
      { code: 'OUT_OF_RANGE', severity: 'error', path: 'spec.outputs.p.transform.decimals' },
    ]);
  });

  it('reports a webhook without url and a handler without type as missing fields', () => {
    const value = workflow([task('a')], {
      spec: { events: { onFailure: [{ type: 'webhook' }, { url: 'x' }] } },
    });
    expect(structural(value).map(brief)).toEqual([
      { code: 'MISSING_FIELD', severity: 'error', path: 'spec.events.onFailure[0].url' },
      { code: 'MISSING_FIELD', severity: 'error', path: 'spec.events.onFailure[1].type' },
    ]);
  });
});
