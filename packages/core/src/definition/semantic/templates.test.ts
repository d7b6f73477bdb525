import { describe, expect, it } from 'vitest';
import { formatPath } from '../diagnostics.js';
import type { TemplateDocument } from '../schema.js';
import {
  brief,
  codes,
  expectClean,
  header,
  posOf,
  readRepoFile,
  single,
  task,
  workflow,
  workflowYaml,
  type Obj,
} from '../test-helpers.js';
import { validateDefinition, validateSource } from '../validate.js';
import { TemplateLibrary } from './templates.js';

function template(name: string, version: string, spec: Obj): TemplateDocument {
  return {
    apiVersion: 'orchestrator.llm/v1',
    kind: 'Template',
    metadata: { name, version },
    spec: spec as TemplateDocument['spec'],
  };
}

const SCORE_V1 = template('score', '1.0.0', {
  parameters: [
    { name: 'answer', type: 'string', required: true },
    { name: 'threshold', type: 'float', default: 0.7 },
  ],
  tasks: [
    task('sim', {
      inputs: { a: '${{ parameters.answer }}', t: '${{ parameters.threshold }}' },
      outputs: { score: 'float' },
    }),
    task('verdict', {
      dependsOn: ['sim'],
      inputs: { v: '${{ tasks.sim.outputs.score >= parameters.threshold }}' },
    }),
  ],
  outputs: {
    score: '${{ tasks.sim.outputs.score }}',
    verdict: '${{ tasks.verdict.outputs.result }}',
  },
});
const SCORE_V2 = template('score', '2.0.0', {
  parameters: [{ name: 'answer', type: 'string' }],
  tasks: [task('only')],
});

function instantiate(tasks: Obj[], templates: TemplateDocument[] = [SCORE_V1, SCORE_V2]) {
  return validateDefinition(workflow(tasks), { templates });
}

describe('template instances', () => {
  it('expand into `inst:parameters`, `inst.<task>` and `inst`, wired in order', () => {
    const r = instantiate([
      task('src', { outputs: { text: 'string' } }),
      {
        id: 'inst',
        template: 'score@1.0.0',
        dependsOn: ['src'],
        parameters: { answer: '${{ tasks.src.outputs.text }}' },
      },
      task('use', {
        dependsOn: ['inst'],
        inputs: { v: '${{ tasks.inst.outputs.score }}', w: '${{ tasks.inst.outputs.verdict }}' },
      }),
    ]);
    expectClean(r);
    const doc = r.documents[0];
    expect(
      doc?.tasks.map((t) => [t.id, t.generated, t.dependsOn.map((d) => d.id), formatPath(t.path)]),
    ).toEqual([
      ['src', false, [], 'spec.tasks[0]'],
      ['inst:parameters', true, ['src'], 'spec.tasks[1]'],
      ['inst.sim', true, ['inst:parameters'], 'spec.tasks[1]'],
      ['inst.verdict', true, ['inst.sim'], 'spec.tasks[1]'],
      ['inst', true, ['inst.verdict'], 'spec.tasks[1]'],
      ['use', false, ['inst'], 'spec.tasks[2]'],
    ]);
    expect(doc?.dag?.order).toEqual([
      'src',
      'inst:parameters',
      'inst.sim',
      'inst.verdict',
      'inst',
      'use',
    ]);
    // Parameters (with defaults) become the inputs of the parameters task; references are rewritten.
    const params = doc?.tasks[1]?.definition;
    expect(params?.inputs).toEqual({ answer: '${{ tasks.src.outputs.text }}', threshold: 0.7 });
    expect(doc?.tasks[3]?.definition.inputs).toEqual({
      v: '${{ tasks["inst.sim"].outputs.score >= tasks["inst:parameters"].outputs.threshold }}',
    });
  });

  it('reports an output the template does not declare', () => {
    const r = instantiate([
      { id: 'inst', template: 'score@1.0.0', parameters: { answer: 'x' } },
      task('use', { dependsOn: ['inst'], inputs: { v: '${{ tasks.inst.outputs.nope }}' } }),
    ]);
    const d = single(r);
    expect(d).toMatchObject({
      code: 'INVALID_REFERENCE',
      path: ['spec', 'tasks', 1, 'inputs', 'v'],
    });
    expect(d.hint).toBe('declared outputs: score, verdict');
  });

  it('checks the parameter expressions where the instance is written', () => {
    const r = instantiate([
      task('src'),
      { id: 'inst', template: 'score@1.0.0', parameters: { answer: '${{ tasks.src.outputs.x }}' } },
    ]);
    expect(brief(single(r))).toEqual({
      code: 'INVALID_REFERENCE',
      severity: 'error',
      path: 'spec.tasks[1].parameters.answer',
    });
  });

  it('selects the highest version by name, or the one asked for', () => {
    const latest = instantiate([{ id: 'i', template: 'score', parameters: { answer: 'x' } }]);
    expect(latest.documents[0]?.tasks.map((t) => t.id)).toEqual(['i:parameters', 'i.only', 'i']);
    const pinned = instantiate([{ id: 'i', template: 'score@1.0.0', parameters: { answer: 'x' } }]);
    expect(pinned.documents[0]?.tasks.map((t) => t.id)).toEqual([
      'i:parameters',
      'i.sim',
      'i.verdict',
      'i',
    ]);
  });

  it('TemplateLibrary orders versions by semver, a pre-release below its release', () => {
    const lib = new TemplateLibrary();
    for (const v of ['1.2.0', '1.10.0', '1.10.0-rc.1', '0.9.9'])
      lib.add(template('t', v, { tasks: [] }));
    expect(lib.versions('t')).toEqual(['1.10.0', '1.10.0-rc.1', '1.2.0', '0.9.9']);
    expect(lib.get('t')?.metadata.version).toBe('1.10.0');
    expect(lib.get('t@1.2.0')?.metadata.version).toBe('1.2.0');
    expect(lib.get('t@3.0.0')).toBeUndefined();
    expect(lib.names()).toEqual(['t']);
  });
});

describe('template parameters', () => {
  it('reports a missing required parameter, unknown parameters and literals of the wrong type', () => {
    const r = instantiate([
      { id: 'a', template: 'score@1.0.0' },
      {
        id: 'b',
        template: 'score@1.0.0',
        parameters: { answer: 'x', threshold: 'high', treshold: 1 },
      },
    ]);
    expect(r.diagnostics.map((d) => [d.code, formatPath(d.path), d.message, d.hint])).toEqual([
      [
        'MISSING_PARAMETER',
        'spec.tasks[0].parameters',
        'template `score` needs parameter `answer`',
        undefined,
      ],
      [
        'UNKNOWN_PARAMETER',
        'spec.tasks[1].parameters.treshold',
        'template `score` has no parameter `treshold`',
        'did you mean "threshold"?',
      ],
      [
        'TYPE_MISMATCH',
        'spec.tasks[1].parameters.threshold',
        'parameter `threshold`: expected a number, got the string "high"',
        undefined,
      ],
    ]);
  });

  it('does not type-check a parameter given as an expression', () => {
    expectClean(
      instantiate([
        { id: 'a', template: 'score@1.0.0', parameters: { answer: 'x', threshold: '${{ 0.5 }}' } },
      ]),
    );
  });

  it('points at the parameter in YAML', () => {
    const text = readRepoFile('examples/templates.yaml').replace(
      'threshold: 0.8',
      'threshold: high',
    );
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'TYPE_MISMATCH',
      severity: 'error',
      path: 'spec.tasks[3].parameters.threshold',
      ...posOf(text, 'high'),
    });
    expect(d.document).toBe(1);
  });
});

describe('unknown templates', () => {
  it('suggests a close name', () => {
    const d = single(instantiate([{ id: 'a', template: 'scor' }]));
    expect(brief(d)).toEqual({
      code: 'UNKNOWN_TEMPLATE',
      severity: 'error',
      path: 'spec.tasks[0].template',
    });
    expect(d.hint).toBe('did you mean "score"?');
  });

  it('lists the versions when the name exists', () => {
    const d = single(instantiate([{ id: 'a', template: 'score@3.0.0' }]));
    expect(d.message).toBe('unknown template `score@3.0.0`');
    expect(d.hint).toBe('available versions: 2.0.0, 1.0.0');
  });

  it('explains where templates come from when nothing is close', () => {
    expect(single(instantiate([{ id: 'a', template: 'zzzzzz' }])).hint).toMatch(/kind: Template/);
  });

  it('causes no errors in tasks that depend on or read the instance', () => {
    const text = workflowYaml(`
      tasks:
        - id: s
          template: nothere
          dependsOn: [zz]
        - id: b
          executor: x
          dependsOn: [s]
          inputs:
            v: \${{ tasks.s.outputs.score }}
    `);
    const result = validateSource(text);
    expect(result.diagnostics.map(brief)).toEqual([
      {
        code: 'UNKNOWN_TEMPLATE',
        severity: 'error',
        path: 'spec.tasks[0].template',
        ...posOf(text, 'nothere'),
      },
      {
        code: 'UNKNOWN_DEPENDENCY',
        severity: 'error',
        path: 'spec.tasks[0].dependsOn[0]',
        ...posOf(text, 'zz'),
      },
    ]);
  });
});

describe('templates in the same file', () => {
  it('the templates example validates and expands both instances', () => {
    const result = validateSource(readRepoFile('examples/templates.yaml'));
    expectClean(result);
    const ids = result.documents[1]?.tasks.map((t) => t.id);
    expect(ids).toEqual([
      'answer_a',
      'answer_b',
      'score_a:parameters',
      'score_a.similarity',
      'score_a.verdict',
      'score_a',
      'score_b:parameters',
      'score_b.similarity',
      'score_b.verdict',
      'score_b',
    ]);
  });

  it('checks the template document itself', () => {
    const tpl = workflowYaml(
      `
      parameters:
        - name: p
          type: string
      tasks:
        - id: t
          executor: x
          inputs:
            v: \${{ parameters.q }}
    `,
      { kind: 'Template', name: 'tpl' },
    );
    const d = single(validateSource(tpl));
    expect(brief(d)).toEqual({
      code: 'INVALID_REFERENCE',
      severity: 'error',
      path: 'spec.tasks[0].inputs.v',
      ...posOf(tpl, 'parameters.q'),
    });
    expect(d.message).toBe('template parameter `q` is not declared');
  });

  it('nests templates, naming tasks by their path', () => {
    const inner = template('inner', '1.0.0', {
      parameters: [{ name: 'p', type: 'string' }],
      tasks: [task('leaf')],
      outputs: { out: '${{ tasks.leaf.outputs.r }}' },
    });
    const outer = template('outer', '1.0.0', {
      tasks: [
        { id: 'mid', template: 'inner', parameters: { p: 'x' } },
        task('after', { dependsOn: ['mid'], inputs: { v: '${{ tasks.mid.outputs.out }}' } }),
      ],
      outputs: { final: '${{ tasks.after.outputs.r }}' },
    });
    const r = validateDefinition(workflow([{ id: 'inst', template: 'outer' }]), {
      templates: [inner, outer],
    });
    expectClean(r);
    expect(r.documents[0]?.tasks.map((t) => t.id)).toEqual([
      'inst:parameters',
      'inst.mid:parameters',
      'inst.mid.leaf',
      'inst.mid',
      'inst.after',
      'inst',
    ]);
  });

  it('reports a template that instantiates itself, directly or through another, without cascades', () => {
    const text = [
      workflowYaml('tasks:\n  - id: inner\n    template: loop', { kind: 'Template', name: 'loop' }),
      workflowYaml('tasks:\n  - id: x\n    template: ping', { kind: 'Template', name: 'pong' }),
      workflowYaml('tasks:\n  - id: y\n    template: pong', { kind: 'Template', name: 'ping' }),
      workflowYaml(
        'tasks:\n  - id: a\n    template: loop\n  - id: b\n    template: ping\n  - id: c\n    executor: x\n    dependsOn: [a, b]',
      ),
    ].join('---\n');
    const result = validateSource(text);
    expect(codes(result).every((c) => c === 'TEMPLATE_RECURSION')).toBe(true);
    const inWorkflow = result.diagnostics.filter((d) => d.document === 3);
    expect(inWorkflow.map((d) => [formatPath(d.path), d.message])).toEqual([
      ['spec.tasks[0].template', 'template `loop` instantiates itself: loop -> loop'],
      ['spec.tasks[1].template', 'template `ping` instantiates itself: ping -> pong -> ping'],
    ]);
    expect(inWorkflow.map((d) => d.line)).toEqual([
      posOf(text, 'template: loop', 1).line,
      posOf(text, 'template: ping', 1).line,
    ]);
  });

  it('a duplicate Template document is reported once', () => {
    const tpl = workflowYaml('tasks: [{ id: a, executor: x }]', { kind: 'Template', name: 'tpl' });
    const d = single(validateSource(`${tpl}---\n${tpl}`));
    expect(d).toMatchObject({ code: 'DUPLICATE_DOCUMENT', document: 1 });
  });
});

describe('the instance task itself', () => {
  it('gets the single-task checks: id, executor and template together, fields meant for the template', () => {
    const text = `${workflowYaml('tasks: [{ id: t, executor: x }]', { kind: 'Template', name: 'tpl' })}---\n${header()}spec:
  tasks:
    - id: Bad.Id
      template: tpl
      executor: x
      timeout: 30h
`;
    const result = validateSource(text);
    const executor = posOf(text, 'executor: x', 1);
    expect(result.diagnostics.map(brief)).toEqual([
      { code: 'INVALID_ID', severity: 'error', path: 'spec.tasks[0].id', ...posOf(text, 'Bad.Id') },
      {
        code: 'CONFLICTING_FIELDS',
        severity: 'error',
        path: 'spec.tasks[0].executor',
        line: executor.line,
        column: executor.column + 10,
      },
      {
        code: 'CONFLICTING_FIELDS',
        severity: 'error',
        path: 'spec.tasks[0].timeout',
        ...posOf(text, '30h'),
      },
    ]);
  });

  it('reports a duplicate of a generated id', () => {
    const r = instantiate([{ id: 'i', template: 'score@2.0.0' }, task('i.only')]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['INVALID_ID', 'DUPLICATE_ID']);
  });
});
