import { describe, expect, it } from 'vitest';
import { formatPath } from '../diagnostics.js';
import type { ValidateOptions } from '../validate.js';
import {
  brief,
  expectClean,
  posOf,
  single,
  task,
  workflow,
  workflowYaml,
  type Obj,
} from '../test-helpers.js';
import { validateDefinition, validateSource } from '../validate.js';

const INPUTS = [
  { name: 'name', type: 'string' },
  { name: 'count', type: 'int' },
  { name: 'cfg', type: 'object', schema: { temperature: 'float', max_tokens: 'int' } },
  { name: 'docs', type: 'array', items: 'string' },
];

/** A workflow with the inputs above, an upstream task `up` (outputs declared) and `loose`. */
function probe(expr: string, options: ValidateOptions = {}, extra: Obj = {}) {
  return validateDefinition(
    workflow(
      [
        task('up', {
          outputs: {
            text: 'string',
            score: 'float',
            meta: { type: 'object', schema: { n: 'int' } },
          },
        }),
        task('loose'),
        task('later'),
        task('t', { dependsOn: ['up', 'loose'], inputs: { v: expr }, ...extra }),
      ],
      { spec: { inputs: INPUTS } },
    ),
    options,
  );
}

/** The single diagnostic of `probe(expr)`, checked to be at the probe's input. */
function problem(expr: string, options: ValidateOptions = {}) {
  const d = single(probe(expr, options));
  expect(formatPath(d.path)).toBe('spec.tasks[3].inputs.v');
  return d;
}

describe('references in YAML: code, path, line and column of the reference', () => {
  const text = workflowYaml(`
    inputs:
      - name: topic
        type: string
    tasks:
      - id: a
        executor: x
        outputs:
          text: string
      - id: b
        executor: x
        inputs:
          undeclared: \${{ workflow.inputs.topik }}
          unknown_task: \${{ tasks.zzz.outputs.x }}
          not_upstream: \${{ tasks.a.outputs.text }}
          own: \${{ tasks.b.outputs.x }}
          root: "prefix \${{ foo.bar }}"
        outputs:
          x: string
  `);
  const result = validateSource(text);
  const at = (field: string) =>
    result.diagnostics.find((d) => formatPath(d.path).endsWith(`.${field}`));

  it.each([
    [
      'undeclared',
      'workflow.inputs.topik',
      'workflow input `topik` is not declared',
      'did you mean "topic"?',
    ],
    ['unknown_task', 'tasks.zzz', 'unknown task `zzz`', undefined],
    [
      'not_upstream',
      'tasks.a.outputs.text',
      'task `a` is not upstream of `b`, so its outputs may not exist yet',
      'add `a` to the dependsOn of `b`',
    ],
    ['own', 'tasks.b.outputs.x', 'task `b` cannot read its own outputs', undefined],
    [
      'root',
      'foo.bar',
      '`foo` is not available here',
      'expressions here can read: workflow, env, secrets, system, tasks',
    ],
  ])('%s', (field, ref, message, hint) => {
    const d = at(field);
    expect(d && brief(d)).toEqual({
      code: 'INVALID_REFERENCE',
      severity: 'error',
      path: `spec.tasks[1].inputs.${field}`,
      ...posOf(text, ref),
    });
    expect(d?.message).toBe(message);
    expect(d?.hint).toBe(hint);
  });

  it('reports nothing else', () => {
    expect(result.diagnostics).toHaveLength(5);
  });
});

describe('workflow inputs', () => {
  it.each([
    '${{ workflow.inputs.name }}',
    '${{ workflow.inputs.cfg.temperature * 2 }}',
    '${{ workflow.inputs.docs[0] }}',
    '${{ length(workflow.inputs.docs) + workflow.inputs.docs.length }}',
    '${{ workflow.inputs.name.length > 3 }}',
    '${{ workflow.inputs }}',
  ])('accepts %s', (expr) => {
    expectClean(probe(expr));
  });

  it('reports a field an object input with `schema` does not have, with a hint', () => {
    const d = problem('${{ workflow.inputs.cfg.temprature }}');
    expect(d.code).toBe('INVALID_REFERENCE');
    expect(d.message).toBe('input `cfg` has no field `temprature`');
    expect(d.hint).toBe('did you mean "temperature"?');
  });

  it('reports a field read on a list', () => {
    const d = problem('${{ workflow.inputs.docs.first }}');
    expect(d.message).toBe('input `docs` is a list; it has no field `first`');
    expect(d.hint).toBe('index a list with [0]');
  });

  it('explains how to declare an input when no name is close', () => {
    expect(problem('${{ workflow.inputs.expected_response }}').hint).toBe(
      'declare it under spec.inputs: - name: expected_response',
    );
  });
});

describe('task references', () => {
  it('reads declared outputs of an upstream task, and its status fields', () => {
    for (const expr of [
      '${{ tasks.up.outputs.text }}',
      '${{ tasks.up.outputs.meta.n + 1 }}',
      '${{ tasks.up.status == "success" && tasks.up.state != "failed" }}',
      '${{ tasks.up.error.message }}',
      '${{ tasks.up.attempts > 1 }}',
      '${{ tasks.up.config.timeout }}',
      "${{ tasks['up'].outputs['text'] }}",
    ]) {
      expectClean(probe(expr));
    }
  });

  it('reports an output the task does not declare, listing the declared ones', () => {
    const d = problem('${{ tasks.up.outputs.result }}');
    expect(d.code).toBe('INVALID_REFERENCE');
    expect(d.message).toBe('task `up` has no output `result`');
    expect(d.hint).toBe('declared outputs: text, score, meta');
    expect(problem('${{ tasks.up.outputs.scor }}').hint).toBe('did you mean "score"?');
  });

  it('allows any output of a task that declares none', () => {
    expectClean(probe('${{ tasks.loose.outputs.whatever.deep[0] }}'));
  });

  it('reports a task that is not upstream, but accepts one upstream through another', () => {
    const d = problem('${{ tasks.later.outputs.x }}');
    expect(d.hint).toBe('add `later` to the dependsOn of `t`');
    const chain = validateDefinition(
      workflow([
        task('a'),
        task('b', { dependsOn: ['a'] }),
        task('c', { dependsOn: ['b'], inputs: { v: '${{ tasks.a.outputs.x }}' } }),
      ]),
    );
    expectClean(chain);
  });

  it('reports unknown task fields and unknown tasks with a hint', () => {
    expect(problem('${{ tasks.up.foo }}').hint).toBe(
      'available: outputs, status, state, error, config, attempts',
    );
    expect(problem('${{ tasks.up.outptus }}').hint).toBe('did you mean "outputs"?');
    expect(problem('${{ tasks.upp.outputs.text }}').hint).toBe('did you mean "up"?');
  });

  it('checks expressions in condition, join and fallback.value too', () => {
    const r = validateDefinition(
      workflow([
        task('a', {
          condition: '${{ tasks.nope.status }}',
          join: '${{ workflow.inputs.nope }}',
          fallback: { strategy: 'default', value: '${{ system.nope }}' },
        }),
      ]),
    );
    expect(r.diagnostics.map((d) => [d.code, formatPath(d.path)])).toEqual([
      ['INVALID_REFERENCE', 'spec.tasks[0].condition'],
      ['INVALID_REFERENCE', 'spec.tasks[0].join'],
      ['INVALID_REFERENCE', 'spec.tasks[0].fallback.value'],
    ]);
  });
});

describe('roots', () => {
  it('suggests the root meant', () => {
    const d = problem('${{ workflw.inputs.name }}');
    expect(d.message).toBe('`workflw` is not available here');
    expect(d.hint).toBe('did you mean "workflow"?');
  });

  it('workflow.outputs and workflow.error only in event handlers', () => {
    expect(problem('${{ workflow.outputs.x }}').message).toBe(
      '`workflow.outputs` is only available in event handlers',
    );
    expect(problem('${{ workflow.error.message }}').message).toBe(
      '`workflow.error` is only available in event handlers',
    );
  });

  it('event.* only in an EventWorkflow', () => {
    expect(problem('${{ event.data.key }}').message).toBe('`event` is not available here');
  });

  it('item only inside a fan-out task_template', () => {
    expect(problem('${{ item }}').message).toBe('`item` is not available here');
    expect(problem('${{ index }}').message).toBe('`index` is not available here');
  });

  it('workflow, system and metadata fields', () => {
    expectClean(
      probe(
        '${{ workflow.id + workflow.execution_id + workflow.metadata.name + workflow.metadata.version }}',
      ),
    );
    expectClean(probe('${{ system.timestamp + system.user + system.environment }}'));
    expect(problem('${{ workflow.nope }}').message).toBe('`workflow` has no field `nope`');
    expect(problem('${{ workflow.metadata.nope }}').message).toBe(
      '`workflow.metadata` has no field `nope`',
    );
    expect(problem('${{ system.time }}').hint).toBe('available: timestamp, user, environment');
  });
});

describe('environment variables and secrets', () => {
  it('forbids env.X unless allowed', () => {
    const d = problem('${{ env.HOME }}');
    expect(d.message).toBe('environment variable `HOME` is not allowed');
    expect(d.hint).toContain("allowEnv: ['HOME']");
  });

  it('allows names given exactly, and prefixes ending in *', () => {
    const options = { allowEnv: ['HOME', 'APP_*'] };
    expectClean(probe('${{ env.HOME + env.APP_MODE + env.APP_ }}', options));
    expect(problem('${{ env.HOMEDIR }}', options).message).toBe(
      'environment variable `HOMEDIR` is not allowed',
    );
    expect(problem('${{ env.MY_APP_X }}', options).code).toBe('INVALID_REFERENCE');
  });

  it('accepts any secret when none are declared', () => {
    expectClean(probe('${{ secrets.anything }}'));
  });

  it('checks secrets against the declared names', () => {
    const options = { secrets: ['api_key'] };
    expectClean(probe('${{ secrets.api_key }}', options));
    const d = problem('${{ secrets.api_kye }}', options);
    expect(d.message).toBe('unknown secret `api_kye`');
    expect(d.hint).toBe('did you mean "api_key"?');
  });
});

describe('expression syntax', () => {
  it('points inside the expression', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          executor: x
          inputs:
            v: "text \${{ 1 + }} more"
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'EXPRESSION_SYNTAX',
      severity: 'error',
      path: 'spec.tasks[0].inputs.v',
      ...posOf(text, '}} more'),
    });
  });

  it('reports an unknown function at its name', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          executor: x
          inputs:
            v: \${{ upper(lowr('A')) }}
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'EXPRESSION_SYNTAX',
      severity: 'error',
      path: 'spec.tasks[0].inputs.v',
      ...posOf(text, 'lowr'),
    });
    expect(d.hint).toContain('lower');
  });

  it('reports an unclosed expression', () => {
    expect(single(probe('${{ workflow.inputs.name')).code).toBe('EXPRESSION_SYNTAX');
  });
});

describe('static types', () => {
  it('reports arithmetic on a string input', () => {
    const text = workflowYaml(`
      inputs:
        - name: name
          type: string
      tasks:
        - id: a
          executor: x
          inputs:
            v: \${{ workflow.inputs.name - 1 }}
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'TYPE_MISMATCH',
      severity: 'error',
      path: 'spec.tasks[0].inputs.v',
      ...posOf(text, 'workflow.inputs.name'),
    });
  });

  it("reports round('x') at the argument", () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          executor: x
          inputs:
            v: \${{ round('x') }}
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'TYPE_MISMATCH',
      severity: 'error',
      path: 'spec.tasks[0].inputs.v',
      ...posOf(text, "'x'"),
    });
  });

  it('uses declared output types', () => {
    expect(problem('${{ tasks.up.outputs.text * 2 }}').code).toBe('TYPE_MISMATCH');
    expectClean(probe('${{ round(tasks.up.outputs.score, 2) }}'));
    expectClean(probe('${{ workflow.inputs.count + 1 }}'));
  });
});
