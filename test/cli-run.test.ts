import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'llmo-run-'));

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

const GREET = file(
  'greet.yaml',
  [
    'apiVersion: orchestrator.llm/v1',
    'kind: Workflow',
    'metadata: {name: greet, version: 1.0.0}',
    'spec:',
    '  inputs:',
    '    - {name: name, type: string, required: true}',
    '    - {name: times, type: integer, default: 1, validation: {maximum: 3}}',
    '  tasks:',
    '    - id: hello',
    '      executor: transform:template',
    '      inputs:',
    "        template: '{% for i in (1..n) %}Hello, {{ who }}! {% endfor %}'",
    '        values: {who: "${{ workflow.inputs.name }}", n: "${{ workflow.inputs.times }}"}',
    '  outputs:',
    '    text: "${{ trim(tasks.hello.outputs.result) }}"',
  ].join('\n'),
);

describe('llm-orchestrator run', () => {
  it('runs the fan-out example with its default inputs', () => {
    const run = runCli(['run', 'examples/fan-out-summaries.yaml']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      status: string;
      outputs: { documents: number; digest: string };
    };
    expect(out.status).toBe('completed');
    expect(out.outputs.documents).toBe(3);
    expect(out.outputs.digest.split('\n')).toHaveLength(3);
  });

  it('takes inputs from --input, --inputs and --inputs-file, later ones winning', () => {
    const inputs = file('inputs.yaml', 'name: File\ntimes: 3\n');
    const run = runCli([
      'run',
      GREET,
      '--inputs-file',
      inputs,
      '--inputs',
      '{"times": 2}',
      '-i',
      'name=Ada',
      '-o',
      'yaml',
    ]);
    expect(run.code).toBe(0);
    expect(parse(run.stdout)).toMatchObject({
      status: 'completed',
      outputs: { text: 'Hello, Ada! Hello, Ada!' },
    });
  });

  it('reads a string input as it is, even when it looks like JSON', () => {
    const run = runCli(['run', GREET, '-i', 'name=42']);
    expect(JSON.parse(run.stdout)).toMatchObject({ outputs: { text: 'Hello, 42!' } });
  });

  it('refuses bad inputs with a usage error listing each problem', () => {
    const run = runCli(['run', GREET, '-i', 'times=9', '-i', 'nope=1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('`nope` is not an input of this workflow');
    expect(run.stderr).toContain('`name` is required');
    expect(run.stderr).toContain('`times` is above maximum 3');
  });

  it('exits 4 when the run fails, with the reason on stderr', () => {
    const failing = file(
      'fail.yaml',
      'apiVersion: orchestrator.llm/v1\nkind: Workflow\nmetadata: {name: f, version: 1.0.0}\nspec:\n  tasks:\n    - id: bad\n      executor: validate:json-schema\n      inputs: {data: 1, schema: {type: string}, failOnInvalid: true}\n',
    );
    const run = runCli(['run', failing, '-o', 'json']);
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'failed',
      error: { code: 'ValidationError' },
    });
    expect(run.stderr).toMatch(/^run .* failed: task `bad` failed/);
  });

  it('refuses an invalid file before running anything, exit 1', () => {
    const run = runCli(['run', 'test/fixtures/seed-example.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('INVALID_REFERENCE');
  });

  it('reports executors that are not registered', () => {
    const wf = file(
      'unknown-executor.yaml',
      [
        'apiVersion: orchestrator.llm/v1',
        'kind: Workflow',
        'metadata: {name: mystery, version: 1.0.0}',
        'spec:',
        '  tasks:',
        '    - {id: a, executor: "acme:does-not-exist"}',
      ].join('\n'),
    );
    const run = runCli(['run', wf]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('UNKNOWN_EXECUTOR');
    expect(run.stderr).toContain('acme:does-not-exist');
  });
});

describe('llm-orchestrator run on a terminal', () => {
  // `script` gives the CLI a pseudo-terminal, as a person's shell would.
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

  it.skipIf(!hasScript)('shows live per-task progress, then the outputs as a table', () => {
    const cli = `node --conditions=llm-orchestrator-source --import tsx packages/cli/src/bin.ts run examples/fan-out-summaries.yaml`;
    const run = spawnSync('script', ['-qec', cli, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    const screen = run.stdout.replace(/\r/g, '');
    expect(screen).toMatch(/✓ summarise_each \d+ms/);
    expect(screen).toMatch(/✓ digest \d+ms/);
    expect(screen).toMatch(/│ words_per_document │/);
  });
});

describe('llm-orchestrator run with templates from another file', () => {
  it('runs the instances of templates given with --templates', () => {
    const text = readFileSync('test/fixtures/template-instance.yaml', 'utf8');
    const [templateDoc, workflowDoc] = text.split('\n---\n');
    const templates = file('shout-template.yaml', templateDoc ?? '');
    const wf = file('uses-shout.yaml', workflowDoc ?? '');
    expect(runCli(['run', wf]).code).toBe(1);
    const run = runCli(['run', wf, '--templates', templates, '-i', 'word=ok']);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      outputs: { result: 'OKOKOK!' },
    });
  });
});

describe('llm-orchestrator run and alerts', () => {
  it('prints the alerts of the workflow event handlers on stderr', () => {
    const wf = file(
      'alerting.yaml',
      [
        'apiVersion: orchestrator.llm/v1',
        'kind: Workflow',
        'metadata: {name: alerting, version: 1.0.0}',
        'spec:',
        '  tasks: [{id: a, executor: expression, inputs: {value: 7}}]',
        '  outputs: {n: "${{ tasks.a.outputs.result }}"}',
        '  events:',
        '    onSuccess:',
        '      - {type: alert, channel: slack, message: "done with ${{ workflow.outputs.n }}"}',
      ].join('\n'),
    );
    const run = runCli(['run', wf]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('alert [low] slack: done with 7\n');
  });
});
