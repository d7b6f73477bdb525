import { describe, expect, it } from 'vitest';

import {
  brief,
  expectClean,
  posOf,
  single,
  task,
  workflowYaml,
  type Obj,
  checkTasks,
  codesAndPaths,
} from '../test-helpers.js';
import { validateSource } from '../validate.js';

describe('timeouts', () => {
  it('reports 0.5s and 25h in YAML, at the value', () => {
    const text = workflowYaml(`
      config:
        timeout: 25h
      tasks:
        - id: a
          executor: x
          timeout: 0.5s
    `);
    const result = validateSource(text);
    expect(result.diagnostics.map(brief)).toEqual([
      {
        code: 'OUT_OF_RANGE',
        severity: 'error',
        path: 'spec.config.timeout',
        ...posOf(text, '25h'),
      },
      {
        code: 'OUT_OF_RANGE',
        severity: 'error',
        path: 'spec.tasks[0].timeout',
        ...posOf(text, '0.5s'),
      },
    ]);
    expect(result.diagnostics[0]?.message).toBe('timeout 1d1h is outside 1s–24h');
    expect(result.diagnostics[1]?.message).toBe('timeout 500ms is outside 1s–24h');
  });

  it('accepts the bounds 1s and 24h, and numbers of seconds', () => {
    expectClean(
      checkTasks([
        task('a', { timeout: '1s' }),
        task('b', { config: { timeout: '24h' } }),
        task('c', { timeout: 86400 }),
      ]),
    );
  });

  it('checks the timeout under config, and a number of seconds', () => {
    expect(
      codesAndPaths(
        checkTasks([task('a', { config: { timeout: '250ms' } }), task('b', { timeout: 90000 })]),
      ),
    ).toEqual([
      ['OUT_OF_RANGE', 'spec.tasks[0].config.timeout'],
      ['OUT_OF_RANGE', 'spec.tasks[1].timeout'],
    ]);
  });

  it('rejects a timeout set both on the task and under its config', () => {
    const r = checkTasks([task('a', { timeout: '5s', config: { timeout: '6s' } })]);
    expect(brief(single(r))).toEqual({
      code: 'CONFLICTING_FIELDS',
      severity: 'error',
      path: 'spec.tasks[0].timeout',
    });
  });
});

describe('retry policies', () => {
  it('reports maxInterval shorter than initialInterval at every level', () => {
    const policy = { initialInterval: '10s', maxInterval: '1s' };
    const r = checkTasks(
      [task('a', { retryPolicy: policy }), task('b', { config: { retryPolicy: policy } })],
      {
        config: { retryPolicy: policy },
      },
    );
    expect(codesAndPaths(r)).toEqual([
      ['INVALID_RETRY_POLICY', 'spec.config.retryPolicy.maxInterval'],
      ['INVALID_RETRY_POLICY', 'spec.tasks[0].retryPolicy.maxInterval'],
      ['INVALID_RETRY_POLICY', 'spec.tasks[1].config.retryPolicy.maxInterval'],
    ]);
    expect(r.diagnostics[0]?.message).toBe('maxInterval 1s is shorter than initialInterval 10s');
  });

  it('accepts equal intervals, and either one alone', () => {
    expectClean(
      checkTasks([
        task('a', { retryPolicy: { initialInterval: '1s', maxInterval: '1000ms' } }),
        task('b', { retryPolicy: { maxInterval: '1s' } }),
      ]),
    );
  });

  it('rejects retryPolicy both on the task and under its config', () => {
    const r = checkTasks([
      task('a', { retryPolicy: { maxAttempts: 2 }, config: { retryPolicy: { maxAttempts: 3 } } }),
    ]);
    expect(codesAndPaths(r)).toEqual([['CONFLICTING_FIELDS', 'spec.tasks[0].retryPolicy']]);
  });
});

describe('resources', () => {
  it.each<[Obj, string, string]>([
    [{ cpu: 100 }, 'cpu', 'cpu 100 is outside 0.1–64 cores'],
    [{ cpu: '50m' }, 'cpu', 'cpu 0.05 is outside 0.1–64 cores'],
    [{ memory: '1Mi' }, 'memory', 'memory 1Mi is outside 128Mi–256Gi'],
    [{ memory: '300Gi' }, 'memory', 'memory 300Gi is outside 128Mi–256Gi'],
  ])('rejects %j', (resources, key, message) => {
    const d = single(checkTasks([task('a', { resources })]));
    expect(brief(d)).toEqual({
      code: 'OUT_OF_RANGE',
      severity: 'error',
      path: `spec.tasks[0].resources.${key}`,
    });
    expect(d.message).toBe(message);
  });

  it('accepts the bounds', () => {
    expectClean(
      checkTasks([
        task('a', { resources: { cpu: '100m', memory: '128Mi' } }),
        task('b', { resources: { cpu: 64, memory: '256Gi' } }),
      ]),
    );
  });

  it('checks the workflow resourceLimits themselves', () => {
    const r = checkTasks([task('a')], {
      config: { concurrency: { resourceLimits: { cpu: 128 } } },
    });
    expect(codesAndPaths(r)).toEqual([
      ['OUT_OF_RANGE', 'spec.config.concurrency.resourceLimits.cpu'],
    ]);
  });

  it('reports a task asking for more than the workflow limits (task level and under config)', () => {
    const text = workflowYaml(`
      config:
        concurrency:
          resourceLimits: { cpu: 4, memory: 8Gi, gpu: 1 }
      tasks:
        - id: a
          executor: x
          resources: { cpu: 8 }
        - id: b
          executor: x
          config:
            resources: { memory: 16Gi, gpu: 2, cpu: '2' }
    `);
    const result = validateSource(text);
    expect(result.diagnostics.map(brief)).toEqual([
      {
        code: 'EXCEEDS_RESOURCE_LIMIT',
        severity: 'error',
        path: 'spec.tasks[0].resources.cpu',
        ...posOf(text, '8 }'),
      },
      {
        code: 'EXCEEDS_RESOURCE_LIMIT',
        severity: 'error',
        path: 'spec.tasks[1].config.resources.memory',
        ...posOf(text, '16Gi'),
      },
      {
        code: 'EXCEEDS_RESOURCE_LIMIT',
        severity: 'error',
        path: 'spec.tasks[1].config.resources.gpu',
        ...posOf(text, '2,'),
      },
    ]);
    expect(result.diagnostics[1]?.message).toBe(
      "the task asks for memory 16Gi, more than the workflow's limit 8Gi",
    );
    expect(result.diagnostics[0]?.hint).toMatch(/resourceLimits/);
  });

  it('rejects resources both on the task and under its config', () => {
    const r = checkTasks([task('a', { resources: { cpu: 1 }, config: { resources: { cpu: 2 } } })]);
    expect(codesAndPaths(r)).toEqual([['CONFLICTING_FIELDS', 'spec.tasks[0].resources']]);
  });
});

describe('fallbacks', () => {
  it.each<[Obj, string, string]>([
    [{ strategy: 'executor' }, 'MISSING_FIELD', 'spec.tasks[0].fallback'],
    [{ strategy: 'default' }, 'MISSING_FIELD', 'spec.tasks[0].fallback'],
    [
      { strategy: 'cached', executor: 'y' },
      'CONFLICTING_FIELDS',
      'spec.tasks[0].fallback.executor',
    ],
    [{ strategy: 'skip', maxAge: '1h' }, 'CONFLICTING_FIELDS', 'spec.tasks[0].fallback.maxAge'],
  ])('rejects %j', (fallback, code, path) => {
    expect(brief(single(checkTasks([task('a', { fallback })])))).toEqual({
      code,
      severity: 'error',
      path,
    });
  });

  it.each<Obj>([
    { strategy: 'executor', executor: 'backup' },
    { strategy: 'default', value: null },
    { strategy: 'default', value: { body: [] } },
    { strategy: 'cached', maxAge: '1h' },
    { strategy: 'skip' },
  ])('accepts %j', (fallback) => {
    expectClean(checkTasks([task('a', { fallback })]));
  });

  it('checks the fallback executor against the catalog, with a hint', () => {
    const r = checkTasks(
      [task('a', { fallback: { strategy: 'executor', executor: 'llm:chat-bakup' } })],
      {},
      {
        executors: new Set(['expression', 'llm:chat-backup']),
      },
    );
    const d = single(r);
    expect(brief(d)).toEqual({
      code: 'UNKNOWN_EXECUTOR',
      severity: 'error',
      path: 'spec.tasks[0].fallback.executor',
    });
    expect(d.hint).toBe('did you mean "llm:chat-backup"?');
  });
});

describe('executors', () => {
  it('reports a task with neither executor nor template, at the task', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          type: llm
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'MISSING_EXECUTOR',
      severity: 'error',
      path: 'spec.tasks[0]',
      line: 8,
      column: 7,
    });
    expect(d.hint).toMatch(/executor:/);
  });

  it('accepts any executor when no catalog is given', () => {
    expectClean(checkTasks([task('a', { executor: 'anything:at-all' })]));
  });

  it('reports an unknown executor with a hint from a Set catalog', () => {
    const text = workflowYaml(`
      tasks:
        - id: a
          executor: llm:chta
    `);
    const d = single(validateSource(text, { executors: new Set(['llm:chat', 'expression']) }));
    expect(brief(d)).toEqual({
      code: 'UNKNOWN_EXECUTOR',
      severity: 'error',
      path: 'spec.tasks[0].executor',
      ...posOf(text, 'llm:chta'),
    });
    expect(d.message).toBe('unknown executor `llm:chta`');
    expect(d.hint).toBe('did you mean "llm:chat"?');
  });

  it('takes hints from a catalog with names(), and explains when nothing is close', () => {
    const catalog = { has: (n: string) => n === 'llm:chat', names: () => ['llm:chat'] };
    expect(
      single(checkTasks([task('a', { executor: 'llm:chta' })], {}, { executors: catalog })).hint,
    ).toBe('did you mean "llm:chat"?');
    expect(
      single(checkTasks([task('a', { executor: 'zzz' })], {}, { executors: catalog })).hint,
    ).toBe('register it with engine.registerExecutor()');
  });

  it('accepts known executors', () => {
    expectClean(
      checkTasks([task('a', { executor: 'llm:chat' })], {}, { executors: new Set(['llm:chat']) }),
    );
  });

  it('rejects parameters on a task that is not a template instance', () => {
    const d = single(checkTasks([task('a', { parameters: { x: 1 } })]));
    expect(brief(d)).toEqual({
      code: 'CONFLICTING_FIELDS',
      severity: 'error',
      path: 'spec.tasks[0].parameters',
    });
    expect(d.hint).toBe('for executor inputs use `inputs`');
  });
});
