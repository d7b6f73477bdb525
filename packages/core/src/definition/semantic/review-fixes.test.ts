/** Rules added after a review of the language reference against the validator. */
import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../expr/index.js';
import type { TemplateDocument } from '../schema.js';
import { codes, posOf, single, task, workflow, workflowYaml, type Obj } from '../test-helpers.js';
import { validateDefinition, validateSource } from '../validate.js';

function template(spec: Obj): TemplateDocument {
  return {
    apiVersion: 'orchestrator.llm/v1',
    kind: 'Template',
    metadata: { name: 'tpl', version: '1.0.0' },
    spec: spec as TemplateDocument['spec'],
  };
}

const TPL = template({
  parameters: [{ name: 'text', type: 'string', required: true }],
  tasks: [task('up', { inputs: { v: '${{ parameters.text }}' }, outputs: { result: 'string' } })],
  outputs: { loud: { value: '${{ tasks.up.outputs.result }}', fallback: 0 } },
});

describe('template instances', () => {
  it('reject fields that belong inside the template', () => {
    const r = validateDefinition(
      workflow([
        {
          id: 'i',
          template: 'tpl',
          parameters: { text: 'x' },
          inputs: { text: 'x' },
          timeout: '5s',
          fallback: { strategy: 'skip' },
        },
      ]),
      { templates: [TPL] },
    );
    expect(r.diagnostics.map((d) => `${d.code} ${d.path.join('.')}`)).toEqual([
      'CONFLICTING_FIELDS spec.tasks.0.inputs',
      'CONFLICTING_FIELDS spec.tasks.0.timeout',
      'CONFLICTING_FIELDS spec.tasks.0.fallback',
    ]);
    expect(r.diagnostics[0]?.hint).toBe('pass values to the template with `parameters:`');
  });

  it('name the instance, not its generated task, in messages about parameters', () => {
    const r = validateDefinition(
      workflow([
        task('src'),
        { id: 'i', template: 'tpl', parameters: { text: '${{ tasks.src.outputs.x }}' } },
      ]),
      { templates: [TPL] },
    );
    const d = single(r);
    expect(d.message).toBe('task `src` is not upstream of `i`, so its outputs may not exist yet');
    expect(d.hint).toBe('add `src` to the dependsOn of `i`');
  });

  it('keep a literal fallback of a template output', () => {
    const r = validateDefinition(
      workflow([{ id: 'i', template: 'tpl', parameters: { text: 'x' } }]),
      {
        templates: [TPL],
      },
    );
    expect(r.ok).toBe(true);
    const outputs = r.documents[0]?.tasks.find((t) => t.id === 'i');
    const loud = compileTemplate(String(outputs?.definition.inputs?.loud));
    expect(loud.evaluate({ tasks: { 'i.up': { outputs: { result: 'HI' } } } })).toBe('HI');
    expect(loud.evaluate({ tasks: { 'i.up': { outputs: {} } } })).toBe(0);
  });

  it('report nesting deeper than allowed apart from recursion', () => {
    const chain: TemplateDocument[] = Array.from({ length: 10 }, (_, i) =>
      template({ tasks: [i === 9 ? task('leaf') : { id: 'n', template: `t${i + 1}` }] }),
    ).map((t, i) => ({ ...t, metadata: { name: `t${i}`, version: '1.0.0' } }));
    const r = validateDefinition(workflow([{ id: 'root', template: 't0' }]), { templates: chain });
    expect(codes(r)).toEqual(['TEMPLATE_TOO_DEEP']);
  });
});

describe('template documents', () => {
  it('check the custom validation of parameters, and refuse event sources', () => {
    const text = workflowYaml(
      `
      parameters:
        - name: p
          type: string
          source: \${{ event.data }}
          validation:
            custom: \${{ nosuch(value) }}
      tasks:
        - id: t
          executor: expression
      outputs:
        o:
          value: \${{ tasks.t.outputs.x }}
          transform: { type: round }
      `,
      { kind: 'Template' },
    );
    const r = validateSource(text);
    expect(codes(r).sort()).toEqual([
      'CONFLICTING_FIELDS',
      'CONFLICTING_FIELDS',
      'EXPRESSION_SYNTAX',
    ]);
  });
});

describe('template outputs with a fallback', () => {
  it('need one expression as value, and a literal or one expression as fallback', () => {
    const bad = template({
      tasks: [task('t')],
      outputs: {
        a: { value: 'score: ${{ tasks.t.status }}', fallback: 0 },
        b: { value: '${{ tasks.t.status }}', fallback: 'was ${{ tasks.t.status }}' },
      },
    });
    const r = validateDefinition(bad);
    expect(r.diagnostics.map((d) => `${d.code} ${d.path.join('.')}`)).toEqual([
      'INVALID_VALUE spec.outputs.a.value',
      'INVALID_VALUE spec.outputs.b.fallback',
    ]);
  });

  it('may not read other outputs: templates have no `outputs` root', () => {
    const r = validateDefinition(
      template({
        tasks: [task('t')],
        outputs: { a: '${{ outputs.b }}', b: '${{ tasks.t.status }}' },
      }),
    );
    expect(single(r).message).toBe('`outputs` is not available here');
  });
});

describe('workflow outputs', () => {
  it('may not read each other in a circle through workflow.outputs either', () => {
    const r = validateDefinition(
      workflow([task('t')], {
        spec: { outputs: { x: '${{ workflow.outputs.y }}', y: '${{ workflow.outputs.x }}' } },
      }),
    );
    expect(single(r).code).toBe('CYCLE');
  });

  it('may not read each other in a circle', () => {
    const r = validateDefinition(
      workflow([task('t')], {
        spec: { outputs: { x: '${{ outputs.y }}', y: '${{ outputs.x }}', z: '${{ outputs.x }}' } },
      }),
    );
    const d = single(r);
    expect(d.code).toBe('CYCLE');
    expect(d.message).toBe('workflow outputs read each other in a circle: x -> y -> x');
  });

  it('must exist when an event handler reads them', () => {
    const r = validateDefinition(
      workflow([task('t')], {
        spec: {
          outputs: { answer: '${{ tasks.t.outputs.x }}' },
          events: { onSuccess: [{ type: 'alert', message: '${{ workflow.outputs.anser }}' }] },
        },
      }),
    );
    const d = single(r);
    expect(d.message).toBe('workflow output `anser` is not defined');
    expect(d.hint).toBe('did you mean "answer"?');
  });
});

describe('messages', () => {
  it('suggest brackets for an id with a hyphen', () => {
    const r = validateDefinition(
      workflow([
        task('fetch-context'),
        task('use', {
          dependsOn: ['fetch-context'],
          inputs: { v: '${{ tasks.fetch-context.outputs.x }}' },
        }),
      ]),
    );
    const d = r.diagnostics.find((x) => x.message === 'unknown task `fetch`');
    expect(d?.hint).toBe("an id with '-' needs brackets: tasks['fetch-context']");
  });

  it('list the choices of `join` and suggest the close one', () => {
    const text = workflowYaml(`
      tasks:
        - { id: a, executor: expression }
        - { id: b, executor: expression, dependsOn: [a], join: anyy }
    `);
    const d = single(validateSource(text));
    expect(d.code).toBe('INVALID_VALUE');
    expect(d.message).toBe(
      '`join` must be "all", "any", {atLeast: n} or an expression; got the string "anyy"',
    );
    expect(d.hint).toBe('did you mean "any"?');
    expect({ line: d.line, column: d.column }).toEqual(posOf(text, 'anyy'));
  });

  it('name the startingDeadline of a cron workflow', () => {
    const text = workflowYaml(
      `
      schedule: '0 * * * *'
      startingDeadline: 30h
      tasks: [{ id: a, executor: expression }]
    `,
      { kind: 'CronWorkflow' },
    );
    expect(single(validateSource(text)).message).toBe('startingDeadline 1d6h is outside 1s–24h');
  });
});

describe('JSON workflow files', () => {
  it('may name their JSON Schema', () => {
    const doc = { $schema: './workflow.schema.json', ...workflow([task('a')]) };
    expect(validateSource(JSON.stringify(doc, null, 2)).diagnostics).toEqual([]);
  });
});

describe('large YAML files (read by the fast reader)', () => {
  it('still place each diagnostic at its line and column', () => {
    const tasks = Array.from({ length: 2000 }, (_, i) =>
      i === 1500
        ? `  - id: t${i}\n    executor: expression\n    dependsOn: [t${i - 1}]\n    inputs:\n      v: \${{ tasks.t9999.outputs.x }}`
        : `  - id: t${i}\n    executor: expression${i > 0 ? `\n    dependsOn: [t${i - 1}]` : ''}`,
    );
    const text = `apiVersion: orchestrator.llm/v1\nkind: Workflow\nmetadata: {name: big, version: 1.0.0}\nspec:\n  tasks:\n${tasks.join('\n')}\n`;
    expect(text.length).toBeGreaterThan(64 * 1024);
    const d = single(validateSource(text, { file: 'big.yaml' }));
    expect(d.code).toBe('INVALID_REFERENCE');
    expect({ line: d.line, column: d.column }).toEqual(posOf(text, 'tasks.t9999'));
  });

  it('fall back to the careful reader for aliases and syntax errors', () => {
    const filler = Array.from(
      { length: 3000 },
      (_, i) => `# filler line ${i} to pass the size threshold`,
    ).join('\n');
    const broken = `${filler}\napiVersion: orchestrator.llm/v1\nkind: [Workflow\n`;
    expect(single(validateSource(broken)).code).toBe('SYNTAX');
    const aliased = `${filler}\n${workflowYaml('tasks:\n  - &t { id: a, executor: expression }\n  - *t\n')}`;
    expect(codes(validateSource(aliased))).toEqual(['DUPLICATE_ID']);
  });
});
