import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, formatPath } from './diagnostics.js';
import type { TemplateDocument } from './schema.js';
import {
  brief,
  codes,
  expectClean,
  one,
  readRepoFile,
  repoFile,
  single,
  task,
  workflow,
  workflowYaml,
} from './test-helpers.js';
import { validateDefinition, validateFile, validateSource } from './validate.js';

const SEED = 'test/fixtures/seed-example.yaml';

describe('the seed example (design document §2.1.1)', () => {
  it('has exactly one problem: the undeclared input expected_response', () => {
    const result = validateSource(readRepoFile(SEED), { file: SEED });
    const d = single(result);
    expect(brief(d)).toEqual({
      code: 'INVALID_REFERENCE',
      severity: 'error',
      path: 'spec.tasks[2].inputs.ground_truth',
      line: 76,
      column: 27,
    });
    expect(d.message).toContain('expected_response');
    expect(d.file).toBe(SEED);
    expect(d.document).toBe(0);
    expect(result.ok).toBe(false);
    expect(formatDiagnostic(d)).toMatch(
      /^test\/fixtures\/seed-example\.yaml:76:27: error INVALID_REFERENCE: .*\(at spec\.tasks\[2\]\.inputs\.ground_truth\)/,
    );
  });

  it('still yields its document and DAG: the error is semantic, not structural', () => {
    const result = validateSource(readRepoFile(SEED));
    expect(result.documents).toHaveLength(1);
    expect(result.documents[0]?.valid).toBe(false);
    expect(result.documents[0]?.dag?.size).toBe(6);
  });

  it('validateFile reads the file and names it in every diagnostic', async () => {
    const result = await validateFile(repoFile(SEED));
    expect(result.file).toBe(repoFile(SEED));
    expect(result.diagnostics.map((d) => d.file)).toEqual([repoFile(SEED)]);
  });

  it('the corrected copy in examples/ has no diagnostics, and the expected DAG', () => {
    const result = validateSource(readRepoFile('examples/llm-inference-pipeline.yaml'));
    expectClean(result);
    const dag = result.documents[0]?.dag;
    expect(dag?.levels).toEqual([
      ['prompt_preprocessing'],
      ['model_inference'],
      ['response_evaluation', 'cost_tracking'],
      ['optimization_feedback', 'fallback_inference'],
    ]);
    expect(dag?.criticalPath).toEqual({
      ids: [
        'prompt_preprocessing',
        'model_inference',
        'response_evaluation',
        'optimization_feedback',
      ],
      length: 4,
    });
    // The branch task depends on the task its condition reads.
    expect(dag?.dependencies('fallback_inference').map((d) => d.id)).toEqual([
      'response_evaluation',
    ]);
    const fallback = result.documents[0]?.tasks.find((t) => t.id === 'fallback_inference');
    expect(fallback?.branch).toEqual({ index: 0, else: false });
  });
});

describe('the examples', () => {
  const files = readdirSync(repoFile('examples')).filter((f) => /\.(ya?ml|json)$/.test(f));

  it('are all found', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
    expect(files).toContain('templates.yaml');
    expect(files).toContain('hello.json');
  });

  it.each(files)('examples/%s validates with no errors', (file) => {
    const result = validateSource(readRepoFile(`examples/${file}`), { file });
    expect(result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual(
      [],
    );
    expect(result.ok).toBe(true);
    expect(result.documents.length).toBeGreaterThan(0);
    expect(result.documents.every((d) => d.valid)).toBe(true);
  });

  it('templates.yaml holds two documents, a Template then a Workflow', () => {
    const result = validateSource(readRepoFile('examples/templates.yaml'));
    expect(result.documents.map((d) => [d.index, d.document.kind])).toEqual([
      [0, 'Template'],
      [1, 'Workflow'],
    ]);
  });
});

describe('several problems at once', () => {
  const text = workflowYaml(`
    inputs:
      - name: topic
        type: string
        default: 3
    tasks:
      - id: a
        executor: expression
        timeout: 48h
      - id: b
        executor: expression
        dependsOn: [c]
        inputs:
          v: \${{ workflow.inputs.nope }}
      - id: a
        executor: expression
  `);

  it('reports five problems in one pass, sorted by line', () => {
    const result = validateSource(text);
    expect(result.diagnostics.map(brief)).toEqual([
      {
        code: 'TYPE_MISMATCH',
        severity: 'error',
        path: 'spec.inputs[0].default',
        line: 10,
        column: 16,
      },
      {
        code: 'OUT_OF_RANGE',
        severity: 'error',
        path: 'spec.tasks[0].timeout',
        line: 14,
        column: 16,
      },
      {
        code: 'UNKNOWN_DEPENDENCY',
        severity: 'error',
        path: 'spec.tasks[1].dependsOn[0]',
        line: 17,
        column: 19,
      },
      {
        code: 'INVALID_REFERENCE',
        severity: 'error',
        path: 'spec.tasks[1].inputs.v',
        line: 19,
        column: 16,
      },
      { code: 'DUPLICATE_ID', severity: 'error', path: 'spec.tasks[2].id', line: 20, column: 11 },
    ]);
    expect(result.ok).toBe(false);
    expect(result.documents[0]?.valid).toBe(false);
    // Duplicate ids leave no DAG.
    expect(result.documents[0]?.dag).toBeUndefined();
  });

  it('a structural error stops the semantic checks of its document only', () => {
    const broken = workflowYaml(`
      tasks:
        - id: a
          executor: 42
          dependsOn: [zz]
    `);
    const good = workflowYaml(
      `
      tasks:
        - id: b
          executor: expression
          dependsOn: [zz]
    `,
      { name: 'other' },
    );
    const result = validateSource(`${broken}---\n${good}`);
    expect(result.diagnostics.map((d) => [d.document, d.code, formatPath(d.path), d.line])).toEqual(
      [
        [0, 'WRONG_TYPE', 'spec.tasks[0].executor', 9],
        [1, 'UNKNOWN_DEPENDENCY', 'spec.tasks[0].dependsOn[0]', 21],
      ],
    );
    expect(result.documents.map((d) => d.index)).toEqual([1]);
  });

  it('unknown fields alone let the semantic checks run: an unknown field and a cycle', () => {
    const cyclic = workflowYaml(`
      tasks:
        - id: a
          executor: expression
          dependsOn: [b]
          colour: blue
        - id: b
          executor: expression
          dependsOn: [a]
    `);
    const result = validateSource(cyclic);
    expect(result.diagnostics.map(brief)).toEqual([
      { code: 'CYCLE', severity: 'error', path: 'spec.tasks[0].dependsOn', line: 10, column: 18 },
      {
        code: 'UNKNOWN_FIELD',
        severity: 'error',
        path: 'spec.tasks[0].colour',
        line: 11,
        column: 7,
      },
    ]);
    expect(result.documents).toHaveLength(1);
    expect(result.documents[0]?.valid).toBe(false);
  });
});

describe('documents of one file', () => {
  it('reports a second document with the same kind, name and version', () => {
    const doc = workflowYaml(`
      tasks:
        - id: a
          executor: expression
    `);
    const text = `${doc}---\n${doc}---\n${doc.replace('1.0.0', '1.0.1')}`;
    const result = validateSource(text);
    const d = single(result);
    expect(brief(d)).toEqual({
      code: 'DUPLICATE_DOCUMENT',
      severity: 'error',
      path: 'metadata.name',
      line: 14,
      column: 9,
    });
    expect(d.document).toBe(1);
    expect(d.message).toBe('Workflow test@1.0.0 is defined twice in this file');
  });

  it('allows the same name for different kinds', () => {
    const tpl = workflowYaml('tasks: [{ id: a, executor: expression }]', { kind: 'Template' });
    const wf = workflowYaml('tasks: [{ id: a, executor: expression }]');
    expectClean(validateSource(`${tpl}---\n${wf}`));
  });
});

describe('validateDefinition (values built in code)', () => {
  const value = workflow([
    task('fetch'),
    task('summarise', { dependsOn: ['fetch'] }),
    task('classify', { dependsOn: ['fetch'] }),
    task('report', { dependsOn: ['summarise', 'classify'] }),
  ]);

  it('validates a plain object and exposes the DAG', () => {
    const result = validateDefinition(value);
    expectClean(result);
    expect(result.file).toBeUndefined();
    const doc = result.documents[0];
    expect(doc?.valid).toBe(true);
    expect(doc?.tasks.map((t) => t.id)).toEqual(['fetch', 'summarise', 'classify', 'report']);
    expect(doc?.dag?.order).toEqual(['fetch', 'summarise', 'classify', 'report']);
    expect(doc?.dag?.levels).toEqual([['fetch'], ['summarise', 'classify'], ['report']]);
    expect(doc?.dag?.criticalPath).toEqual({ ids: ['fetch', 'summarise', 'report'], length: 3 });
  });

  it('reports paths without positions', () => {
    const bad = workflow([task('a', { dependsOn: ['nope'] }), task('b', { exectuor: 'x' })]);
    const result = validateDefinition(bad, { file: 'built-in-code' });
    // Without positions the order is: structure first, then meaning.
    expect(result.diagnostics.map(brief)).toEqual([
      { code: 'UNKNOWN_FIELD', severity: 'error', path: 'spec.tasks[1].exectuor' },
      { code: 'UNKNOWN_DEPENDENCY', severity: 'error', path: 'spec.tasks[0].dependsOn[0]' },
    ]);
    expect(result.diagnostics.every((d) => d.line === undefined && d.column === undefined)).toBe(
      true,
    );
    expect(result.diagnostics.every((d) => d.file === 'built-in-code')).toBe(true);
  });

  it('takes an array as several documents', () => {
    const result = validateDefinition([
      value,
      { ...value, metadata: { name: 'two', version: '2.0.0' } },
    ]);
    expectClean(result);
    expect(result.documents.map((d) => d.index)).toEqual([0, 1]);
  });

  it('reports a value that is not a mapping', () => {
    for (const v of [null, 42, 'workflow', [[]]]) {
      const d = single(validateDefinition(v));
      expect(d.code).toBe('NOT_A_DOCUMENT');
      expect(formatPath(d.path)).toBe('$');
    }
  });

  it('uses templates passed in options', () => {
    const template: TemplateDocument = {
      apiVersion: 'orchestrator.llm/v1',
      kind: 'Template',
      metadata: { name: 'greet', version: '1.0.0' },
      spec: {
        parameters: [{ name: 'who', type: 'string', required: true }],
        tasks: [{ id: 'say', executor: 'expression', inputs: { v: '${{ parameters.who }}' } }],
        outputs: { text: '${{ tasks.say.outputs.result }}' },
      },
    };
    const wf = workflow([
      { id: 'hello', template: 'greet', parameters: { who: 'world' } },
      task('after', { dependsOn: ['hello'], inputs: { v: '${{ tasks.hello.outputs.text }}' } }),
    ]);
    const result = validateDefinition(wf, { templates: [template] });
    expectClean(result);
    expect(result.documents[0]?.tasks.map((t) => t.id)).toEqual([
      'hello:parameters',
      'hello.say',
      'hello',
      'after',
    ]);
    const missing = validateDefinition(wf);
    expect(one(missing, 'UNKNOWN_TEMPLATE').path).toEqual(['spec', 'tasks', 0, 'template']);
    expect(codes(missing)).toEqual(['UNKNOWN_TEMPLATE']);
  });
});
