import { describe, expect, it, vi } from 'vitest';
import * as yaml from 'yaml';
import { parseSource } from './source.js';
import {
  brief,
  expectClean,
  header,
  posOf,
  readRepoFile,
  single,
  workflowYaml,
} from './test-helpers.js';
import { validateSource } from './validate.js';

// Spy on the YAML parser to see when JSON input needs it (positions are computed lazily).
vi.mock('yaml', async (importOriginal) => {
  const actual = await importOriginal<typeof import('yaml')>();
  return { ...actual, parseAllDocuments: vi.fn(actual.parseAllDocuments) };
});

const VALID = workflowYaml(`
  tasks:
    - id: a
      executor: expression
`);

describe('YAML syntax errors', () => {
  it('points at the broken line and suggests quoting when it holds ${{', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          executor: expression
          inputs:
            v: \${{ a }} x: y
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'SYNTAX',
      severity: 'error',
      path: '$',
      ...posOf(text, '${{'),
    });
    expect(d.line).toBe(11);
    expect(d.message).toMatch(/^invalid YAML\/JSON: /);
    expect(d.hint).toMatch(/^quote the value/);
    expect(d.document).toBe(0);
  });

  it('gives no quoting hint when the broken line has no expression', () => {
    const d = single(validateSource(`${header()}spec:\n  tasks: [a, b\n`));
    expect(d.code).toBe('SYNTAX');
    expect(d.hint).toBeUndefined();
  });

  it('explains tabs used for indentation', () => {
    const d = single(validateSource(`${header()}spec:\n  tasks:\n\t- id: a\n`));
    expect(brief(d)).toEqual({ code: 'SYNTAX', severity: 'error', path: '$', line: 8, column: 1 });
    expect(d.hint).toMatch(/tabs/);
  });

  it('reports one diagnostic per broken document and still checks the sound ones', () => {
    const bad = VALID.replace(
      'executor: expression',
      'executor: expression\n      dependsOn: [zz]',
    );
    const text = `a: [\n---\n${bad}---\nb: {\n`;
    const result = validateSource(text);
    expect(result.diagnostics.map((d) => [d.document, d.code, d.line])).toEqual([
      [0, 'SYNTAX', 2],
      [1, 'UNKNOWN_DEPENDENCY', posOf(text, 'zz').line],
      [2, 'SYNTAX', 15],
    ]);
    expect(result.documents.map((d) => d.index)).toEqual([1]);
  });

  it('reports only the first error of a document with many', () => {
    const text = 'a: [\nb: {\nc: "\n';
    const result = validateSource(text);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['SYNTAX']);
  });

  it('reports duplicate keys at the second key', () => {
    const text = VALID.replace(
      'executor: expression',
      'executor: expression\n      executor: other',
    );
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'SYNTAX',
      severity: 'error',
      path: '$',
      ...posOf(text, 'executor: other'),
    });
    expect(d.message).toMatch(/^duplicate key: /);
  });

  it('reports an alias without an anchor instead of throwing', () => {
    const d = single(validateSource('a: &x [1]\nb: *nope\n'));
    expect(d.code).toBe('SYNTAX');
    expect(d.message).toContain('nope');
    expect(d.line).toBe(1);
  });

  it('reports an alias bomb instead of expanding it', () => {
    const rows = ['a: &a ["x", "x"]'];
    for (const [name, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
    ] as const) {
      rows.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${prev}`).join(', ')}]`);
    }
    const d = single(validateSource(`${rows.join('\n')}\n`));
    expect(d.code).toBe('SYNTAX');
    expect(d.message).toMatch(/alias/i);
  });

  it('accepts a few anchors and aliases', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          executor: expression
          retryPolicy: &retry
            maxAttempts: 3
        - id: b
          executor: expression
          retryPolicy: *retry
    `);
    expectClean(validateSource(text));
  });
});

describe('files without a workflow document', () => {
  it.each([
    ['empty', ''],
    ['blank', '  \n\n'],
    ['comments only', '# nothing here\n# at all\n'],
    ['document markers only', '---\n---\n'],
  ])('reports EMPTY_FILE for a %s file', (_, text) => {
    const d = single(validateSource(text, { file: 'x.yaml' }));
    expect(d.code).toBe('EMPTY_FILE');
    expect(d.path).toEqual([]);
    expect(d.file).toBe('x.yaml');
    expect(d.line).toBeUndefined();
    expect(d.hint).toContain('apiVersion');
  });

  it.each([
    ['a list', '- a\n- b\n'],
    ['a scalar', 'hello\n'],
    ['a number', '42\n'],
    ['null', 'null\n'],
  ])('reports NOT_A_DOCUMENT for %s', (_, text) => {
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'NOT_A_DOCUMENT',
      severity: 'error',
      path: '$',
      line: 1,
      column: 1,
    });
  });

  it('ignores empty documents: a leading or trailing ---, or one holding only a comment', () => {
    expectClean(validateSource(`---\n${VALID}`));
    expectClean(validateSource(`${VALID}---\n`));
    expectClean(validateSource(`${VALID}---`));
    expectClean(validateSource(`${VALID}---\n# the end\n`));
  });
});

describe('JSON input', () => {
  it('validates the JSON example', () => {
    expectClean(validateSource(readRepoFile('examples/hello.json')));
  });

  const json = JSON.stringify(
    {
      apiVersion: 'orchestrator.llm/v1',
      kind: 'Workflow',
      metadata: { name: 'j', version: '1.0.0' },
      spec: {
        tasks: [{ id: 'a', exectuor: 'x', inputs: { v: '${{ workflow.inputs.nope }}' } }],
      },
    },
    null,
    2,
  );

  it('parses with JSON.parse and only runs the YAML parser when a position is needed', () => {
    const spy = vi.mocked(yaml.parseAllDocuments);
    spy.mockClear();
    const parsed = parseSource(json);
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.documents).toHaveLength(1);
    expect(spy).not.toHaveBeenCalled();
    const doc = parsed.documents[0];
    expect(doc?.locate(['spec', 'tasks', 0, 'exectuor'], { key: true })).toEqual(
      posOf(json, '"exectuor"'),
    );
    expect(doc?.locate(['metadata', 'name'])).toEqual(posOf(json, '"j"'));
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('places diagnostics of JSON input at their line and column', () => {
    const result = validateSource(json);
    expect(result.diagnostics.map(brief)).toEqual([
      {
        code: 'UNKNOWN_FIELD',
        severity: 'error',
        path: 'spec.tasks[0].exectuor',
        ...posOf(json, '"exectuor"'),
      },
      {
        code: 'INVALID_REFERENCE',
        severity: 'error',
        path: 'spec.tasks[0].inputs.v',
        ...posOf(json, 'workflow.inputs.nope'),
      },
    ]);
  });

  it('reports a JSON syntax error with its position', () => {
    const text = '{\n  "apiVersion": "orchestrator.llm/v1",\n  "kind": "Workflow",,\n}';
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({ code: 'SYNTAX', severity: 'error', path: '$', line: 3, column: 22 });
  });

  it('reports an unterminated JSON object', () => {
    const d = single(validateSource('{\n  "kind": "Workflow"\n'));
    expect(d.code).toBe('SYNTAX');
    expect(d.line).toBeGreaterThanOrEqual(2);
  });

  it('reports a JSON array as not a document', () => {
    const d = single(validateSource('[{"kind": "Workflow"}]'));
    expect(brief(d)).toEqual({
      code: 'NOT_A_DOCUMENT',
      severity: 'error',
      path: '$',
      line: 1,
      column: 1,
    });
  });
});

describe('positions of expressions inside values', () => {
  const text = workflowYaml(`
    tasks:
      - id: a
        executor: expression
        inputs:
          plain: \${{ workflow.inputs.p1 }}
          single: '\${{ workflow.inputs.p2 }}'
          double: "\${{ workflow.inputs.p3 }}"
          mixed: text \${{ workflow.inputs.p4 }} more
          list: [x, "\${{ workflow.inputs.p5 }}"]
          commented: \${{ workflow.inputs.p6 }} # why not
          two: "\${{ workflow.inputs.p7 }} and \${{ workflow.inputs.p8 }}"
          ternary: \${{ workflow.inputs.p9 ? 'a: b' : 'c' }}
          block: |
            line \${{ workflow.inputs.p10 }}
  `);
  const result = validateSource(text);

  it.each([
    ['plain', 'p1'],
    ['single', 'p2'],
    ['double', 'p3'],
    ['mixed', 'p4'],
    ['list[1]', 'p5'],
    ['commented', 'p6'],
    ['two', 'p7'],
    ['two', 'p8'],
    ['ternary', 'p9'],
  ])('inputs.%s: the column of the reference to %s', (field, name) => {
    const d = result.diagnostics.find((x) => x.message.includes(`\`${name}\``));
    expect(d && brief(d)).toEqual({
      code: 'INVALID_REFERENCE',
      severity: 'error',
      path: `spec.tasks[0].inputs.${field}`,
      ...posOf(text, `workflow.inputs.${name} `),
    });
  });

  it('points at the start of a block scalar (no column inside it)', () => {
    const d = result.diagnostics.find((x) => x.message.includes('`p10`'));
    expect(d && brief(d)).toEqual({
      code: 'INVALID_REFERENCE',
      severity: 'error',
      path: 'spec.tasks[0].inputs.block',
      ...posOf(text, '|'),
    });
  });

  it('has one diagnostic per reference', () => {
    expect(result.diagnostics).toHaveLength(10);
  });
});

describe('locate', () => {
  const text = workflowYaml(`
    tasks:
      - id: a
        executor: expression
  `);
  const doc = parseSource(text).documents[0];

  it('finds values, keys, and the nearest existing ancestor', () => {
    expect(doc?.locate(['spec', 'tasks', 0, 'executor'])).toEqual(posOf(text, 'expression'));
    expect(doc?.locate(['spec', 'tasks', 0, 'executor'], { key: true })).toEqual(
      posOf(text, 'executor'),
    );
    expect(doc?.locate(['spec', 'tasks', 0, 'nothing', 'deeper'])).toEqual(posOf(text, 'id: a'));
    expect(doc?.locate(['spec', 'tasks', 5])).toEqual(posOf(text, '- id: a'));
    expect(doc?.locate([])).toEqual({ line: 1, column: 1 });
  });

  it('applies an offset only inside one-line strings', () => {
    expect(doc?.locate(['spec', 'tasks', 0, 'executor'], { offset: 3 })).toEqual({
      ...posOf(text, 'expression'),
      column: posOf(text, 'expression').column + 3,
    });
    expect(doc?.locate(['spec', 'tasks', 0], { offset: 3 })).toEqual(posOf(text, 'id: a'));
  });
});
