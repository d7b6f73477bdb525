import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const examples = readdirSync('examples').map((f) => `examples/${f}`);
const scratch = mkdtempSync(join(tmpdir(), 'llmo-cli-'));

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

describe('llm-orchestrator validate', () => {
  it('accepts every example and says so, exit 0', () => {
    const run = runCli(['validate', ...examples]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const f of examples) expect(run.stdout).toContain(`✓ ${f}: valid`);
  });

  it('reports the one mistake of the seed example with file, line, column, path and hint, exit 1', () => {
    const run = runCli(['validate', '-w', 'test/fixtures/seed-example.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'test/fixtures/seed-example.yaml:76:27: error INVALID_REFERENCE: workflow input `expected_response` is not declared (at spec.tasks[2].inputs.ground_truth)',
    );
    expect(run.stdout).toContain('hint: declare it under spec.inputs');
    expect(run.stdout).toContain('1 error');
    expect(run.stdout).not.toMatch(/\n\s+at .*\(/); // no stack trace
  });

  it('prints every error of a broken file at once, as JSON when asked', () => {
    const broken = file(
      'broken.yaml',
      [
        'apiVersion: orchestrator.llm/v1',
        'kind: Workflow',
        'metadata: {name: broken, version: 1.0.0}',
        'spec:',
        '  tasks:',
        '    - id: a',
        '      executor: expression',
        '      dependsOn: [c]',
        '    - id: b',
        '      executor: expression',
        '      dependsOn: [a, nope]',
        '      timeout: 2d',
        '    - id: c',
        '      executor: expression',
        '      dependsOn: [b]',
        '      inputs:',
        '        value: ${{ tasks.zz.outputs.x ? 1 : 2 }}',
      ].join('\n'),
    );
    const run = runCli(['validate', broken, '--output', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      files: { diagnostics: { code: string; line: number; message: string }[] }[];
    };
    expect(report.ok).toBe(false);
    const codes = report.files[0]?.diagnostics.map((d) => `${d.code}@${d.line}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'UNKNOWN_DEPENDENCY@11',
        'OUT_OF_RANGE@12',
        'CYCLE@8',
        'INVALID_REFERENCE@17',
      ]),
    );
    const cycle = report.files[0]?.diagnostics.find((d) => d.code === 'CYCLE');
    expect(cycle?.message).toBe('dependency cycle: a -> b -> c -> a');
  });

  it('speaks YAML and tables too', () => {
    const yaml = runCli(['validate', 'examples/hello.json', '-o', 'yaml']);
    expect(yaml.code).toBe(0);
    expect(parse(yaml.stdout)).toMatchObject({
      ok: true,
      files: [{ file: 'examples/hello.json', ok: true }],
    });
    const table = runCli(['validate', 'test/fixtures/seed-example.yaml', '-o', 'table']);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('INVALID_REFERENCE');
    expect(table.stdout).toContain('┌');
  });

  it('distinguishes usage and I/O errors from invalid files', () => {
    const missing = runCli(['validate', 'no/such/file.yaml']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe('llm-orchestrator: cannot read no/such/file.yaml: no such file\n');
    const noArgs = runCli(['validate']);
    expect(noArgs.code).toBe(2);
    const unknown = runCli(['valdate', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('validate');
    const badOutput = runCli(['validate', 'examples/hello.json', '-o', 'xml']);
    expect(badOutput.code).toBe(2);
    expect(badOutput.stderr).toContain('--output must be one of');
  });

  it('reads templates from other files and env names from --allow-env', () => {
    const templates = file(
      'templates.yaml',
      [
        'apiVersion: orchestrator.llm/v1',
        'kind: Template',
        'metadata: {name: shout, version: 1.0.0}',
        'spec:',
        '  parameters: [{name: text, type: string, required: true}]',
        '  tasks:',
        '    - id: up',
        '      executor: expression',
        '      inputs: {value: "${{ upper(parameters.text) }}"}',
        '  outputs: {loud: "${{ tasks.up.outputs.value }}"}',
      ].join('\n'),
    );
    const wf = file(
      'uses-template.yaml',
      [
        'apiVersion: orchestrator.llm/v1',
        'kind: Workflow',
        'metadata: {name: uses, version: 1.0.0}',
        'spec:',
        '  tasks:',
        '    - id: s',
        '      template: shout',
        '      parameters: {text: "${{ env.GREETING }}"}',
        '  outputs: {loud: "${{ tasks.s.outputs.loud }}"}',
      ].join('\n'),
    );
    const without = runCli(['validate', wf]);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('UNKNOWN_TEMPLATE');
    const withTemplates = runCli(['validate', wf, '--templates', templates]);
    expect(withTemplates.code).toBe(1);
    expect(withTemplates.stdout).toContain('environment variable `GREETING` is not allowed');
    const allowed = runCli(['validate', wf, '-t', templates, '--allow-env', 'GREET*']);
    expect(allowed.stdout).toContain('valid');
    expect(allowed.code).toBe(0);
  });
});

describe('llm-orchestrator schema and graph', () => {
  it('prints the JSON Schema', () => {
    const run = runCli(['schema']);
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout) as { $defs: Record<string, unknown> };
    expect(Object.keys(schema.$defs)).toContain('Task');
  });

  it('draws the seed pipeline as Mermaid and DOT, and analyses it', () => {
    const mermaid = runCli(['graph', 'examples/llm-inference-pipeline.yaml']);
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout).toMatch(/^---\ntitle: "llm-inference-pipeline"\n---\nflowchart TD/);
    const dot = runCli([
      'graph',
      'examples/llm-inference-pipeline.yaml',
      '--format',
      'dot',
      '-d',
      'LR',
    ]);
    expect(dot.stdout).toContain('digraph');
    expect(dot.stdout).toContain('rankdir=LR');
    const json = runCli(['graph', 'examples/llm-inference-pipeline.yaml', '-o', 'json']);
    const analysis = JSON.parse(json.stdout) as { levels: string[][]; criticalPath: string[] };
    expect(analysis.levels[0]).toEqual(['prompt_preprocessing']);
    expect(analysis.criticalPath).toEqual([
      'prompt_preprocessing',
      'model_inference',
      'response_evaluation',
      'optimization_feedback',
    ]);
  });

  it('labels tasks with the executor they run, defaults included', () => {
    const run = runCli(['graph', 'examples/fan-out-summaries.yaml', '-o', 'json']);
    const analysis = JSON.parse(run.stdout) as { tasks: { id: string; executor: string }[] };
    expect(analysis.tasks.find((t) => t.id === 'summarise_each')?.executor).toBe(
      'orchestrator:fan-out',
    );
  });

  it('takes --allow-env like validate', () => {
    const wf = file(
      'env.yaml',
      'apiVersion: orchestrator.llm/v1\nkind: Workflow\nmetadata: {name: e, version: 1.0.0}\nspec:\n  tasks: [{id: t, executor: expression, inputs: {v: "${{ env.REGION }}"}}]\n',
    );
    expect(runCli(['graph', wf]).code).toBe(1);
    expect(runCli(['graph', wf, '--allow-env', 'REGION']).code).toBe(0);
  });

  it('refuses to draw an invalid workflow and explains why on stderr', () => {
    const run = runCli(['graph', 'test/fixtures/seed-example.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('INVALID_REFERENCE');
  });

  it('asks which workflow when a file holds several', () => {
    const two = file(
      'two.yaml',
      ['a', 'b']
        .map(
          (n) =>
            `apiVersion: orchestrator.llm/v1\nkind: Workflow\nmetadata: {name: ${n}, version: 1.0.0}\nspec:\n  tasks: [{id: t, executor: expression}]\n`,
        )
        .join('---\n'),
    );
    expect(runCli(['graph', two]).code).toBe(2);
    expect(runCli(['graph', two, '--name', 'b']).code).toBe(0);
  });
});

describe('README', () => {
  it('shows a workflow that validates', () => {
    const readme = readFileSync('README.md', 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml).toBeDefined();
    const run = runCli(['validate', file('readme.yaml', yaml ?? '')]);
    expect(run.stdout).toContain('valid');
    expect(run.code).toBe(0);
  });
});

describe('README library example', () => {
  it('runs as shown', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const ts = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(ts).toContain('createEngine');
    const { createEngine, workflow } = await import('@llm-orchestrator/core');
    const body = ts
      .replace(/^import .*$/m, '')
      .replace('const result = await', 'return await')
      .replace(/\/\/.*$/gm, '');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- runs the README's own snippet
    const run = new Function('createEngine', 'workflow', `return (async () => { ${body} })();`) as (
      c: typeof createEngine,
      w: typeof workflow,
    ) => Promise<{ status: string; outputs: Record<string, unknown> }>;
    const result = await run(createEngine, workflow);
    expect(result.status).toBe('completed');
    expect(result.outputs).toEqual({ greeting: 'HELLO ADA' });
  });
});
