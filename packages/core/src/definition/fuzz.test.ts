import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from './diagnostics.js';
import { expectWellFormed, readRepoFile, repoFile, toYaml } from './test-helpers.js';
import { validateDefinition, validateSource } from './validate.js';

/** Generous bound per input: a guard against hangs, not a performance test. */
const MAX_MS_PER_INPUT = 1000;
const RUNS = 200;

const EXAMPLES = readdirSync(repoFile('examples'))
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .map((f) => readRepoFile(`examples/${f}`));
const SEED = readRepoFile('test/fixtures/seed-example.yaml');

function timed<T>(stats: { maxMs: number }, fn: () => T): T {
  const start = performance.now();
  const out = fn();
  stats.maxMs = Math.max(stats.maxMs, performance.now() - start);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text inputs

const YAML_PIECES = [
  ...'apiVersion: orchestrator.llm/v1 ¦ kind: Workflow ¦ kind: Template ¦ kind: CronWorkflow ¦ metadata:'
    .concat(
      ' ¦ name: x ¦ version: 1.0.0 ¦ spec: ¦ tasks: ¦ - id: a ¦ - id: b ¦ id: a ¦ executor: x',
    )
    .concat(
      ' ¦ template: t ¦ dependsOn: [a, b] ¦ dependsOn: ¦ - a ¦ inputs: ¦ outputs: ¦ branches:',
    )
    .concat(' ¦ v: ${{ tasks.a.outputs.x }} ¦ v: ${{ workflow.inputs.q ? 1 : 2 }} ¦ v: ${{ 1 + }}')
    .concat(
      ' ¦ v: \'${{ item }}\' ¦ - condition: ${{ true }} ¦ schedule: "* * * * *" ¦ timeout: 5m',
    )
    .concat(
      ' ¦ --- ¦ ... ¦ | ¦ >- ¦ # comment ¦ &a x ¦ *a ¦ *b ¦ <<: *a ¦ ? k ¦ : v ¦ !tag x ¦ %YAML 1.2',
    )
    .concat(' ¦ { ¦ } ¦ [ ¦ ] ¦ " ¦ \' ¦ , ¦ : ¦ ${{ ¦ }} ¦ \u00e9')
    .split(' ¦ '),
  '\t',
  '\ufeff',
  '',
];

const yamlishLine = fc
  .tuple(
    fc.nat({ max: 8 }),
    fc.array(fc.constantFrom(...YAML_PIECES), { minLength: 1, maxLength: 3 }),
  )
  .map(([indent, parts]) => ' '.repeat(indent) + parts.join(' '));
const yamlishText = fc.array(yamlishLine, { maxLength: 40 }).map((lines) => lines.join('\n'));

type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'swap'; at: number; with: number }
  | { op: 'char'; at: number; char: string }
  | { op: 'insert'; at: number; char: string };

const MUTATION_CHARS = fc.constantFrom(...' \t:-#{}[]\'"$\nx1*&|'.split(''));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('char' as const), at: fc.nat(), char: MUTATION_CHARS }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), char: MUTATION_CHARS }),
);

function mutate(text: string, mutations: readonly Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const lines = out.split('\n');
    const i = m.at % Math.max(1, lines.length);
    switch (m.op) {
      case 'delete':
        lines.splice(i, 1);
        break;
      case 'duplicate':
        lines.splice(i, 0, lines[i] ?? '');
        break;
      case 'swap': {
        const j = m.with % Math.max(1, lines.length);
        const a = lines[i] ?? '';
        lines[i] = lines[j] ?? '';
        lines[j] = a;
        break;
      }
      case 'char':
      case 'insert': {
        const p = m.at % Math.max(1, out.length);
        out = out.slice(0, p) + m.char + out.slice(m.op === 'char' ? p + 1 : p);
        continue;
      }
    }
    out = lines.join('\n');
  }
  return out;
}

const lineCount = (text: string): number => text.split('\n').length;

describe('validateSource never throws', () => {
  it('on random YAML-ish text', () => {
    const stats = { maxMs: 0 };
    fc.assert(
      fc.property(yamlishText, (text) => {
        const result = timed(stats, () => validateSource(text, { file: 'fuzz.yaml' }));
        expectWellFormed(result, lineCount(text));
      }),
      { numRuns: RUNS },
    );
    expect(stats.maxMs).toBeLessThan(MAX_MS_PER_INPUT);
  });

  it('on random mutations of the example files and the seed', () => {
    const stats = { maxMs: 0 };
    const sources = [...EXAMPLES, SEED];
    fc.assert(
      fc.property(
        fc.nat({ max: sources.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (which, mutations) => {
          const text = mutate(sources[which] ?? '', mutations);
          const result = timed(stats, () =>
            validateSource(text, {
              executors: new Set(['expression']),
              allowEnv: ['APP_*'],
              secrets: ['k'],
            }),
          );
          expectWellFormed(result, lineCount(text));
        },
      ),
      { numRuns: RUNS },
    );
    expect(stats.maxMs).toBeLessThan(MAX_MS_PER_INPUT);
  });

  it('on arbitrary strings, including JSON-looking ones', () => {
    const stats = { maxMs: 0 };
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 100 }),
      fc.json({ maxDepth: 4 }),
      fc.json({ maxDepth: 3 }).map((j) => j.slice(0, Math.max(0, j.length - 1))),
    );
    fc.assert(
      fc.property(text, (t) => {
        expectWellFormed(
          timed(stats, () => validateSource(t)),
          lineCount(t),
        );
      }),
      { numRuns: RUNS },
    );
    expect(stats.maxMs).toBeLessThan(MAX_MS_PER_INPUT);
  });
});

// ---------------------------------------------------------------------------------------------
// Value inputs shaped loosely like workflows

const IDS = ['a', 'b', 'c', 'd', 'e', 'Bad', 'a.b', 'inst'] as const;
const id = fc.constantFrom(...IDS);

const REFS = (
  'workflow.inputs.q ¦ workflow.inputs.n ¦ workflow.inputs.nope ¦ workflow.outputs.o ¦ workflow.id' +
  " ¦ workflow.error.message ¦ tasks.a.outputs.x ¦ tasks.b.outputs.y.z ¦ tasks.c.status ¦ tasks['d'].error" +
  ' ¦ tasks.zz.outputs ¦ tasks.a ¦ item ¦ index ¦ event.data.key ¦ env.HOME ¦ env.APP_X ¦ secrets.k' +
  " ¦ system.user ¦ parameters.p ¦ outputs.o ¦ value ¦ foo.bar ¦ null ¦ true ¦ 1 ¦ 2.5 ¦ 's'"
).split(' ¦ ');

const OPERATORS = ['+', '-', '*', '/', '==', '<', '&&', '||', '??'];
const FUNCTIONS = ['length', 'upper', 'round', 'format', 'contains', 'toJson', 'nope'];

const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...REFS),
    fc
      .tuple(tie('expr'), fc.constantFrom(...OPERATORS), tie('expr'))
      .map(([l, op, r]) => `${l} ${op} ${r}`),
    fc.tuple(fc.constantFrom(...FUNCTIONS), tie('expr')).map(([f, a]) => `${f}(${a})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, a, b]) => `${c} ? ${a} : ${b}`),
    tie('expr').map((e) => `(${e})`),
    tie('expr').map((e) => `!${e}`),
  ),
}));

const exprString = fc.oneof(
  expr.map((e) => `\${{ ${e} }}`),
  expr.map((e) => `text \${{ ${e} }} more`),
);
const exprValue = fc.oneof(
  exprString,
  expr.map((e) => `\${{ ${e}`),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Mostly sound values, sometimes a broken one (so that most documents reach the semantics). */
function mostly<T>(good: readonly T[], bad: readonly T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 40, arbitrary: fc.constantFrom(...good) },
    { weight: 1, arbitrary: fc.constantFrom(...bad) },
  );
}

const optional = <T>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
  fc.record(fields, { requiredKeys: [] });

const dependency = fc.oneof(
  id,
  fc.record(
    {
      task: id,
      kind: mostly(['success', 'completion', 'data'], ['nope']),
      output: fc.constant('x'),
    },
    { requiredKeys: ['task'] },
  ),
);

const taskArb = fc.record(
  {
    id,
    type: mostly(['transform', 'llm', 'fan-out', 'template'], ['bogus']),
    executor: fc.constantFrom('expression', 'orchestrator:fan-out', 'unknown:exec'),
    template: fc.constantFrom('tpl', 'tpl@1.0.0', 'tpl@9.9.9', 'nope'),
    parameters: fc.dictionary(fc.constantFrom('p', 'q', 'zz'), exprValue, { maxKeys: 2 }),
    dependsOn: fc.array(dependency, { maxLength: 4 }),
    inputs: fc.dictionary(
      fc.constantFrom('v', 'w', 'items', 'task_template'),
      fc.oneof(
        exprValue,
        fc.record({ executor: fc.constant('x'), inputs: fc.record({ v: exprValue }) }),
      ),
      { maxKeys: 3 },
    ),
    outputs: fc.dictionary(
      fc.constantFrom('x', 'y'),
      mostly(['string', 'float', 'object'], ['strng']),
    ),
    condition: fc.oneof(exprString, fc.boolean()),
    timeout: mostly<string | number>(['1s', '0.5s', '25h', 5], ['5 m']),
    resources: optional({
      cpu: mostly<string | number>([1, 100, '500m'], ['x']),
      memory: mostly(['1Gi', '1Mi'], ['8GB']),
    }),
    fallback: fc.record(
      {
        strategy: fc.constantFrom('cached', 'executor', 'default', 'skip'),
        value: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: ['strategy'] },
    ),
    join: fc.constantFrom<unknown>('all', 'any', { atLeast: 2 }),
    junk: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['id'] },
);

const inputArb = fc.record(
  {
    name: fc.constantFrom('q', 'n'),
    type: mostly(['string', 'int', 'object', 'array'], ['strng']),
    default: fc.jsonValue({ maxDepth: 1 }),
    required: fc.boolean(),
    validation: optional({
      minLength: fc.nat(5),
      maximum: fc.integer({ min: -5, max: 5 }),
      pattern: fc.constantFrom('^a', '('),
    }),
  },
  { requiredKeys: ['name', 'type'] },
);

const outputArb = fc.oneof(
  exprString,
  fc.record(
    {
      value: exprValue,
      fallback: exprValue,
      transform: fc.record({ type: fc.constantFrom('round', 'upper') }),
    },
    { requiredKeys: ['value'] },
  ),
);

const specArb = fc.record(
  {
    inputs: fc.array(inputArb, { maxLength: 3 }),
    tasks: fc.array(taskArb, { maxLength: 6 }),
    branches: fc.array(
      fc.record({
        condition: exprString,
        tasks: fc.array(taskArb, { maxLength: 2 }),
        else: fc.array(taskArb, { maxLength: 2 }),
      }),
      { maxLength: 2 },
    ),
    outputs: fc.dictionary(fc.constantFrom('o', 'p'), outputArb, { maxKeys: 2 }),
    events: optional({
      onSuccess: fc.array(
        fc.record({
          type: fc.constant('webhook'),
          url: fc.oneof(exprString, fc.constantFrom('https://x.example', 'nope')),
        }),
        { maxLength: 2 },
      ),
    }),
    schedule: fc.constantFrom('* * * * *', '61 * * * *', '@daily'),
    timezone: fc.constantFrom('UTC', 'Mars/Base'),
    trigger: fc.record(
      { eventSource: fc.constant('s'), filter: exprString },
      { requiredKeys: ['eventSource'] },
    ),
    parameters: fc.array(
      fc.record({
        name: fc.constantFrom('p', 'q'),
        type: fc.constantFrom('string', 'float'),
        required: fc.boolean(),
      }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: ['tasks', 'schedule', 'trigger'] },
);

const documentArb = fc.record(
  {
    apiVersion: mostly(['orchestrator.llm/v1'], ['v2']),
    kind: mostly(['Workflow', 'Workflow', 'Template', 'CronWorkflow', 'EventWorkflow'], ['Job']),
    metadata: fc.record({
      name: mostly(['w', 'tpl'], ['Bad Name']),
      version: mostly(['1.0.0', '2.0.0'], ['1.0']),
    }),
    spec: specArb,
  },
  { requiredKeys: ['apiVersion', 'kind', 'metadata', 'spec'] },
);

describe('validateDefinition never throws', () => {
  it('on random values shaped loosely like workflows (one or several documents)', () => {
    const stats = { maxMs: 0 };
    const counts = { ok: 0, failed: 0, checked: 0, withDag: 0 };
    fc.assert(
      fc.property(
        fc.oneof(
          documentArb,
          fc.array(documentArb, { minLength: 1, maxLength: 3 }),
          fc.jsonValue({ maxDepth: 3 }),
        ),
        (value) => {
          const result = timed(stats, () =>
            validateDefinition(value, {
              executors: new Set(['expression', 'orchestrator:fan-out']),
              allowEnv: ['APP_*'],
              secrets: ['k'],
            }),
          );
          expectWellFormed(result);
          expect(result.diagnostics.every((d) => d.line === undefined)).toBe(true);
          if (result.ok) counts.ok++;
          else counts.failed++;
          if (result.documents.length > 0) counts.checked++;
          if (result.documents.some((d) => d.dag !== undefined)) counts.withDag++;
        },
      ),
      { numRuns: RUNS },
    );
    expect(stats.maxMs).toBeLessThan(MAX_MS_PER_INPUT);
    // The generator reaches the semantic checks, not only the schema.
    expect(counts.checked).toBeGreaterThan(RUNS / 5);
    expect(counts.withDag).toBeGreaterThan(0);
    expect(counts.failed).toBeGreaterThan(0);
  });

  it('on the same values written as YAML and JSON text', () => {
    const stats = { maxMs: 0 };
    fc.assert(
      fc.property(documentArb, fc.boolean(), (value, asJson) => {
        const text = asJson ? JSON.stringify(value, null, 2) : toYaml(value);
        const fromText = timed(stats, () => validateSource(text));
        expectWellFormed(fromText, lineCount(text));
        // Positions aside, text and value give the same diagnostics.
        const fromValue = validateDefinition(value);
        const key = (d: Diagnostic): string => `${d.code} ${JSON.stringify(d.path)}`;
        expect(fromText.diagnostics.map(key).sort()).toEqual(fromValue.diagnostics.map(key).sort());
      }),
      { numRuns: RUNS },
    );
    expect(stats.maxMs).toBeLessThan(MAX_MS_PER_INPUT);
  });
});
