import { describe, expect, it } from 'vitest';

import {
  brief,
  expectClean,
  posOf,
  single,
  task,
  workflow,
  workflowYaml,
  type Obj,
  codesAndPaths,
} from '../test-helpers.js';
import { validateDefinition, validateSource } from '../validate.js';

const TASKS = [
  task('a', { outputs: { score: 'float', text: 'string' } }),
  task('b', { dependsOn: ['a'] }),
];

function withSpec(spec: Obj, kind = 'Workflow') {
  return validateDefinition(workflow(TASKS, { kind, spec }));
}

describe('workflow outputs', () => {
  it('accepts {value, fallback}, any task (no upstream rule) and outputs.<other>', () => {
    const r = withSpec({
      outputs: {
        best: {
          value: '${{ tasks.b.outputs.x }}',
          fallback: '${{ tasks.a.outputs.text }}',
          description: 'd',
        },
        score: '${{ tasks.a.outputs.score }}',
        rounded: { value: '${{ outputs.score }}', transform: { type: 'round', decimals: 2 } },
        shout: { value: '${{ tasks.a.outputs.text }}', transform: { type: 'upper' } },
        json: { value: '${{ tasks.a.outputs.score }}', transform: { type: 'toJson' } },
        literal: { value: 42 },
        both: '${{ workflow.outputs.score }}',
      },
    });
    expectClean(r);
  });

  it('reports transform round on a string-typed value, in YAML at the transform', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          executor: x
          outputs:
            text: string
      outputs:
        total:
          value: \${{ tasks.a.outputs.text }}
          transform:
            type: round
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'TYPE_MISMATCH',
      severity: 'error',
      path: 'spec.outputs.total.transform',
      ...posOf(text, 'type: round'),
    });
    expect(d.message).toBe('transform `round` needs a number, but the value is string');
  });

  it('reports a string transform on a number, and decimals on anything but round', () => {
    const r = withSpec({
      outputs: {
        o: { value: '${{ tasks.a.outputs.score }}', transform: { type: 'lower', decimals: 1 } },
      },
    });
    expect(codesAndPaths(r)).toEqual([
      ['CONFLICTING_FIELDS', 'spec.outputs.o.transform.decimals'],
      ['TYPE_MISMATCH', 'spec.outputs.o.transform'],
    ]);
  });

  it('does not type-check an interpolation or an untyped value', () => {
    expectClean(
      withSpec({
        outputs: { o: { value: 'n=${{ tasks.a.outputs.score }}', transform: { type: 'upper' } } },
      }),
    );
    expectClean(
      withSpec({
        outputs: { o: { value: '${{ tasks.b.outputs.n }}', transform: { type: 'round' } } },
      }),
    );
  });

  it('reports an output reading itself or an undefined output', () => {
    const r = withSpec({
      outputs: { x: '${{ outputs.x }}', y: { value: 1, fallback: '${{ outputs.nope }}' } },
    });
    expect(codesAndPaths(r)).toEqual([
      ['INVALID_REFERENCE', 'spec.outputs.x'],
      ['INVALID_REFERENCE', 'spec.outputs.y.fallback'],
    ]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'workflow output `x` cannot read itself',
      'workflow output `nope` is not defined',
    ]);
  });

  it('reports bad references in value and fallback', () => {
    const r = withSpec({
      outputs: {
        o: { value: '${{ tasks.zz.outputs.x }}', fallback: '${{ tasks.a.outputs.nope }}' },
      },
    });
    expect(codesAndPaths(r)).toEqual([
      ['INVALID_REFERENCE', 'spec.outputs.o.value'],
      ['INVALID_REFERENCE', 'spec.outputs.o.fallback'],
    ]);
  });

  it('outputs.<name> is only for outputs', () => {
    const r = validateDefinition(
      workflow([task('a', { inputs: { v: '${{ outputs.x }}' } })], {
        spec: { outputs: { x: '${{ 1 }}' } },
      }),
    );
    expect(single(r).message).toBe('`outputs` is not available here');
  });
});

describe('event handlers', () => {
  it('read workflow.outputs, workflow.error and any task', () => {
    const r = withSpec({
      outputs: { score: '${{ tasks.a.outputs.score }}' },
      events: {
        onSuccess: [
          {
            type: 'webhook',
            url: 'https://hooks.example.com/x',
            body: { s: '${{ workflow.outputs.score }}' },
          },
        ],
        onFailure: [{ type: 'alert', channel: 'slack', message: '${{ workflow.error.message }}' }],
        onTimeout: [{ type: 'deadletter', queue: 'q' }],
        onCancel: [{ type: 'custom', executor: 'notify', inputs: { t: '${{ tasks.b.status }}' } }],
      },
    });
    expectClean(r);
  });

  it.each(['not a url', 'ftp://files.example.com/x', '/relative/path', 'mailto:x@example.com'])(
    'rejects the webhook url %j',
    (url) => {
      const text = workflowYaml(`
        tasks: [{ id: a, executor: x }]
        events:
          onSuccess:
            - type: webhook
              url: '${url}'
      `);
      const d = single(validateSource(text));
      expect(brief(d)).toEqual({
        code: 'INVALID_URL',
        severity: 'error',
        path: 'spec.events.onSuccess[0].url',
        ...posOf(text, `'${url}'`),
      });
    },
  );

  it('accepts a webhook url built by an expression', () => {
    expectClean(
      withSpec({ events: { onSuccess: [{ type: 'webhook', url: '${{ secrets.hook_url }}' }] } }),
    );
  });

  it('checks references in handlers', () => {
    const r = withSpec({
      events: { onFailure: [{ type: 'alert', message: '${{ workflow.error.mesage }}' }] },
    });
    const d = single(r);
    expect(brief(d)).toEqual({
      code: 'INVALID_REFERENCE',
      severity: 'error',
      path: 'spec.events.onFailure[0].message',
    });
    expect(d.hint).toBe('did you mean "message"?');
  });
});

describe('input validation.custom', () => {
  it('reads value and workflow inputs, not tasks', () => {
    const ok = withSpec({
      inputs: [{ name: 'q', type: 'string', validation: { custom: '${{ length(value) > 2 }}' } }],
    });
    expectClean(ok);
    const r = withSpec({
      inputs: [
        { name: 'q', type: 'string', validation: { custom: "${{ tasks.a.status == 'x' }}" } },
      ],
    });
    const d = single(r);
    expect(brief(d)).toEqual({
      code: 'INVALID_REFERENCE',
      severity: 'error',
      path: 'spec.inputs[0].validation.custom',
    });
    expect(d.hint).toBe('expressions here can read: workflow, env, secrets, system, value');
  });
});

describe('EventWorkflow', () => {
  const trigger = { eventSource: 'storage', eventType: 'object.created' };

  it('tasks and the trigger filter may read event', () => {
    const r = withSpec(
      {
        trigger: { ...trigger, filter: "${{ endsWith(event.data.key, '.md') }}" },
        inputs: [{ name: 'key', type: 'string', source: '${{ event.data.key }}' }],
        outputs: { k: '${{ event.data.key }}' },
      },
      'EventWorkflow',
    );
    expectClean(r);
  });

  it('the filter and input sources may read only event, env, secrets and system', () => {
    const r = withSpec(
      {
        trigger: { ...trigger, filter: '${{ workflow.inputs.key == "x" }}' },
        inputs: [
          { name: 'key', type: 'string' },
          { name: 'other', type: 'string', source: '${{ tasks.a.outputs.text }}' },
        ],
      },
      'EventWorkflow',
    );
    expect(codesAndPaths(r)).toEqual([
      ['INVALID_REFERENCE', 'spec.inputs[1].source'],
      ['INVALID_REFERENCE', 'spec.trigger.filter'],
    ]);
    expect(r.diagnostics[1]?.hint).toBe('expressions here can read: event, env, secrets, system');
  });

  it('an input `source` is only for EventWorkflow, and event.* only there', () => {
    const text = workflowYaml(`
      inputs:
        - name: key
          type: string
          source: \${{ event.data.key }}
      tasks:
        - id: a
          executor: x
          inputs:
            k: \${{ event.data.key }}
    `);
    const result = validateSource(text);
    expect(result.diagnostics.map(brief)).toEqual([
      {
        code: 'CONFLICTING_FIELDS',
        severity: 'error',
        path: 'spec.inputs[0].source',
        ...posOf(text, '${{ event'),
      },
      {
        code: 'INVALID_REFERENCE',
        severity: 'error',
        path: 'spec.tasks[0].inputs.k',
        ...posOf(text, 'event.data.key', 1),
      },
    ]);
  });
});
