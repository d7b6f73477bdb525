/**
 * The CLI on a durable store: runs kept in a SQLite file under the state directory, listed and
 * inspected by later processes; detached runs finished by background workers; the registry; the
 * dead-letter queue; store selection and its errors.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SLOW, StateDir, countPerTask, tempDir, writeFile } from './cli-durable-helpers.js';

const files = tempDir('llmo-durable-files-');
const slow = writeFile(files, 'slow.yaml', SLOW);

const GREET = writeFile(
  files,
  'greet.yaml',
  [
    'apiVersion: orchestrator.llm/v1',
    'kind: Workflow',
    'metadata: {name: greet, version: 1.0.0}',
    'spec:',
    '  inputs:',
    '    - {name: name, type: string, default: World}',
    '  tasks:',
    '    - {id: hello, executor: expression, inputs: {value: "${{ \'Hello, \' + workflow.inputs.name }}"}}',
    '    - {id: shout, executor: expression, dependsOn: [hello], inputs: {value: "${{ upper(tasks.hello.outputs.result) }}"}}',
    '  outputs:',
    '    text: "${{ tasks.shout.outputs.result }}"',
    '',
  ].join('\n'),
);

/** Fails unless LLMO_DLQ_VALUE is set (and allowed): its failures go to the dead-letter queue. */
const DEAD = writeFile(
  files,
  'dead.yaml',
  [
    'apiVersion: orchestrator.llm/v1',
    'kind: Workflow',
    'metadata: {name: dead, version: 1.0.0}',
    'spec:',
    '  config:',
    '    failurePolicy: {deadLetterQueue: true}',
    '  tasks:',
    '    - id: check',
    '      executor: validate:json-schema',
    '      inputs:',
    '        data: "${{ env.LLMO_DLQ_VALUE }}"',
    '        schema: {type: string}',
    '        failOnInvalid: true',
    '  outputs:',
    '    valid: "${{ tasks.check.outputs.valid }}"',
    '',
  ].join('\n'),
);

describe('llm-orchestrator run on the default store', { timeout: 120_000 }, () => {
  it('keeps the run: list, status and history show it from other processes', () => {
    const state = new StateDir();
    const run = state.cli(['run', GREET, '-i', 'name=Ada', '-o', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { runId: string; outputs: unknown };
    expect(result.outputs).toEqual({ text: 'HELLO, ADA' });

    const list = state.cli(['list', '-o', 'json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject([
      {
        id: result.runId,
        workflow: { name: 'greet', version: '1.0.0' },
        status: 'completed',
        owner: null,
      },
    ]);
    const table = state.cli(['list']);
    expect(table.stdout).toContain(result.runId);
    expect(table.stdout).toContain('greet@1.0.0');

    const status = state.status(result.runId);
    expect(status).toMatchObject({ status: 'completed', outputs: { text: 'HELLO, ADA' } });
    expect(status.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
      ['hello', 'completed', 1],
      ['shout', 'completed', 1],
    ]);
    const text = state.cli(['status', result.runId]);
    expect(text.stdout).toMatch(/status\s+completed/);
    expect(text.stdout).toMatch(/│ shout\s+│ completed │ 1\s+│/);

    const history = state.history(result.runId);
    expect(history.map((h) => h.type)).toEqual([
      'run.created',
      'run.status',
      'task.started',
      'task.completed',
      'task.started',
      'task.completed',
      'run.outputs',
      'run.status',
    ]);
    expect(history.map((h) => h.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(history[0]?.detail).toBe('greet@1.0.0');
    expect(history.at(-1)?.detail).toBe('completed');
  });

  it('shows tokens and cost columns when task outputs report usage', () => {
    const state = new StateDir();
    const usage = writeFile(
      state.dir,
      'usage.yaml',
      [
        'apiVersion: orchestrator.llm/v1',
        'kind: Workflow',
        'metadata: {name: usage, version: 1.0.0}',
        'spec:',
        '  tasks:',
        '    - id: ask',
        '      executor: orchestrator:template-outputs',
        '      inputs: {answer: yes, usage: {total_tokens: 120}, cost_usd: 0.0025}',
        '    - id: check',
        '      executor: orchestrator:template-outputs',
        '      dependsOn: [ask]',
        '      inputs: {usage: {totalTokens: 30}, cost: 0.001}',
        '    - {id: plain, executor: expression, dependsOn: [check], inputs: {value: 1}}',
        '',
      ].join('\n'),
    );
    expect(state.cli(['run', usage, '--run-id', 'u1']).code).toBe(0);
    const view = state.status('u1') as unknown as {
      tokens: number;
      cost: number;
      tasks: { id: string; tokens?: number; cost?: number }[];
    };
    expect(view.tokens).toBe(150);
    expect(view.cost).toBeCloseTo(0.0035);
    expect(view.tasks).toMatchObject([
      { id: 'ask', tokens: 120, cost: 0.0025 },
      { id: 'check', tokens: 30, cost: 0.001 },
      { id: 'plain' },
    ]);
    const text = state.cli(['status', 'u1']).stdout;
    expect(text).toMatch(/│ task\s+│ state\s+│ attempts │ duration │ tokens │ cost\s+│ detail │/);
    expect(text).toMatch(/│ ask\s+│ completed │ 1\s+│ \S+\s+│ 120\s+│ \$0\.0025 │/);
    expect(text).toMatch(/^tokens\s+150$/m);

    expect(state.cli(['run', GREET, '--run-id', 'g1']).code).toBe(0);
    expect(state.cli(['status', 'g1']).stdout).not.toContain('tokens');
  });

  it('exits 5 for a run it does not know', () => {
    const state = new StateDir();
    for (const command of ['status', 'history', 'cancel', 'resume']) {
      const run = state.cli([command, 'no-such-run']);
      expect(run.code, command).toBe(5);
      expect(run.stderr, command).toBe('llm-orchestrator: no run no-such-run\n');
    }
  });

  it('refuses a run id that is taken, and a control request the state does not allow', () => {
    const state = new StateDir();
    expect(state.cli(['run', GREET, '--run-id', 'g1']).code).toBe(0);
    const again = state.cli(['run', GREET, '--run-id', 'g1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('a run with id g1 already exists');
    const pause = state.cli(['pause', 'g1']);
    expect(pause.code).toBe(1);
    expect(pause.stderr).toContain('cannot pause run g1: it has ended (completed)');
  });

  it('runs with --detach: only the id on stdout, a background worker completes the run', async () => {
    const state = new StateDir();
    const run = state.cli(['run', slow, '-i', 'step=100ms', '--detach']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const id = run.stdout.trim();
    expect(run.stdout).toBe(`${id}\n`);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const view = await state.waitFor(id, (v) => v.status === 'completed');
    expect(view.outputs).toEqual({ total: 400 });
    expect(view.tasks.every((t) => t.status === 'completed' && t.attempts === 1)).toBe(true);
  });

  it('runs on --store :memory: (nothing kept), and gives exit 3 for a store it cannot open', () => {
    const state = new StateDir();
    const run = state.cli(['run', GREET, '--store', ':memory:', '-o', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ outputs: { text: 'HELLO, WORLD' } });
    expect(state.cli(['list', '-o', 'json']).stdout).toBe('[]\n');

    const blocker = writeFile(state.dir, 'not-a-dir', 'x');
    const bad = state.cli(['run', GREET, '--store', join(blocker, 'sub', 'state.db')]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toBe(
      `llm-orchestrator: cannot open the store ${join(blocker, 'sub', 'state.db')}: ${blocker} is not a directory\n`,
    );
    const dir = state.cli(['list', '--store', state.dir]);
    expect(dir.code).toBe(3);
    expect(dir.stderr).toContain('it is a directory');
    const env = new StateDir({ LLM_ORCHESTRATOR_STORE: join(blocker, 'state.db') });
    expect(env.cli(['list']).code).toBe(3);
  });
});

describe('llm-orchestrator workflows', { timeout: 120_000 }, () => {
  it('registers name@version, lists it, runs it by name, and refuses a changed definition', () => {
    const state = new StateDir();
    const empty = state.cli(['workflows', 'list']);
    expect(empty.stdout).toBe('(no registered workflows)\n');

    const register = state.cli(['workflows', 'register', GREET]);
    expect(register.code).toBe(0);
    expect(register.stdout).toMatch(/^greet@1\.0\.0 [0-9a-f]{64}\n$/);
    const hash = register.stdout.trim().split(' ')[1];
    const again = state.cli(['workflows', 'register', GREET]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`greet@1.0.0 ${hash ?? ''} (already registered)\n`);

    const list = state.cli(['workflows', 'list', '-o', 'json']);
    expect(JSON.parse(list.stdout)).toMatchObject([
      { name: 'greet', version: '1.0.0', definition: hash, latest: true },
    ]);

    for (const ref of ['greet@1.0.0', 'greet']) {
      const run = state.cli(['run', ref, '-i', 'name=Registry', '-o', 'json']);
      expect(run.code, ref).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ outputs: { text: 'HELLO, REGISTRY' } });
    }
    const missing = state.cli(['run', 'greet@9.9.9']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain(
      'no registered workflow greet@9.9.9 (versions of greet: 1.0.0)',
    );

    const changed = join(state.dir, 'greet-changed.yaml');
    writeFileSync(changed, SLOW.replace('name: slow', 'name: greet'));
    const refused = state.cli(['workflows', 'register', changed]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('greet@1.0.0 is already registered with another definition');
  });
});

describe('llm-orchestrator dlq', { timeout: 120_000 }, () => {
  it('lists and purges an empty queue', () => {
    const state = new StateDir();
    expect(state.cli(['dlq', 'list'])).toMatchObject({ code: 0, stdout: '(no dead letters)\n' });
    expect(state.cli(['dlq', 'list', '-o', 'json']).stdout).toBe('[]\n');
    expect(state.cli(['dlq', 'purge'])).toMatchObject({
      code: 0,
      stdout: 'purged 0 dead letters\n',
    });
    expect(state.cli(['dlq', 'retry', 'nope']).code).toBe(5);
  });

  it('keeps a failed task as a dead letter, re-drives it, and purges', () => {
    const state = new StateDir();
    const failed = state.cli(['run', DEAD, '--allow-env', 'LLMO_DLQ_VALUE', '--run-id', 'dl1']);
    expect(failed.code).toBe(4);

    const list = state.cli(['dlq', 'list', '-o', 'json']);
    const letters = JSON.parse(list.stdout) as { id: string; runId: string; taskId: string }[];
    expect(letters).toMatchObject([
      {
        kind: 'task',
        runId: 'dl1',
        taskId: 'check',
        queue: 'default',
        workflow: { name: 'dead', version: '1.0.0' },
        error: { code: 'ValidationError' },
      },
    ]);
    expect(JSON.parse(state.cli(['dlq', 'list', '--run', 'other', '-o', 'json']).stdout)).toEqual(
      [],
    );
    expect(state.cli(['dlq', 'list']).stdout).toContain('│ dl1 │ check │ dead@1.0.0 │');

    // Re-driven where the value is there: the run completes and the dead letter is gone.
    const fixed = new StateDir({ LLM_ORCHESTRATOR_HOME: state.dir, LLMO_DLQ_VALUE: 'fine' });
    const retry = fixed.cli([
      'dlq',
      'retry',
      letters[0]?.id ?? '',
      '--allow-env',
      'LLMO_DLQ_VALUE',
      '-o',
      'json',
    ]);
    expect(retry.stderr).toBe('');
    expect(retry.code).toBe(0);
    expect(JSON.parse(retry.stdout)).toMatchObject({
      runId: 'dl1',
      status: 'completed',
      outputs: { valid: true },
    });
    expect(state.cli(['dlq', 'list', '-o', 'json']).stdout).toBe('[]\n');
    expect(countPerTask(state.history('dl1'), 'task.started')).toEqual({ check: 2 });

    expect(state.cli(['run', DEAD, '--allow-env', 'LLMO_DLQ_VALUE']).code).toBe(4);
    expect(state.cli(['dlq', 'purge', '--older-than', '7d']).stdout).toBe(
      'purged 0 dead letters\n',
    );
    expect(state.cli(['dlq', 'purge', '--older-than', 'soon']).code).toBe(2);
    expect(state.cli(['dlq', 'purge', '--queue', 'default']).stdout).toBe('purged 1 dead letter\n');
    expect(state.cli(['dlq', 'list', '-o', 'json']).stdout).toBe('[]\n');
  });
});
