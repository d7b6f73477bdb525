import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpressionEvaluationError, ExpressionSyntaxError } from '../errors.js';
import { FUNCTIONS, type FunctionName } from './functions.js';
import { compileExpression, compileTemplate, type ExpressionContext } from './index.js';
import { isJsonData } from './test-helpers.js';

/** Generous safety bound per input (compile + evaluate); this is not a performance test. */
const MAX_MS_PER_INPUT = 200;

const ROOTS = ['a', 'b', 'item', 'tasks', 'x'] as const;

const GRAMMAR_CHARS = 'ab01.,[](){}\'"!?:+-*/%<>=&|$\\ '.split('');

const PROTOTYPE_BEFORE = Object.getOwnPropertyNames(Object.prototype).sort();

const contextArb: fc.Arbitrary<ExpressionContext> = fc.record(
  Object.fromEntries(ROOTS.map((r) => [r, fc.jsonValue({ maxDepth: 3 })])) as Record<
    (typeof ROOTS)[number],
    fc.Arbitrary<unknown>
  >,
  { requiredKeys: [] },
);

/**
 * Messages of the last-resort wrappers that turn unexpected JS errors into expression errors.
 * Plain JSON inputs of this size must never need them: reaching one means an internal bug.
 */
const SAFETY_NET = /^(expression could not be parsed|expression failed|interpolation failed)/;

type Outcome = 'compiled' | 'syntax' | 'evaluated' | 'evaluation';

/** Runs one input; fails the property on any error other than the two expression errors. */
function exercise(
  compile: () => { evaluate(c: ExpressionContext): unknown },
  ctx: ExpressionContext,
): Outcome {
  let compiled: { evaluate(c: ExpressionContext): unknown };
  try {
    compiled = compile();
  } catch (e) {
    if (!(e instanceof ExpressionSyntaxError)) throw e;
    expect(e.message).not.toMatch(SAFETY_NET);
    expect(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= e.source.length).toBe(true);
    return 'syntax';
  }
  try {
    const result = compiled.evaluate(ctx);
    if (!isJsonData(result)) throw new Error(`not JSON data: ${String(result)}`);
    return 'evaluated';
  } catch (e) {
    if (!(e instanceof ExpressionEvaluationError)) throw e;
    expect(e.message).not.toMatch(SAFETY_NET);
    return 'evaluation';
  }
}

function timed(fn: () => Outcome, stats: { maxMs: number; counts: Map<Outcome, number> }): void {
  const start = performance.now();
  const outcome = fn();
  stats.maxMs = Math.max(stats.maxMs, performance.now() - start);
  stats.counts.set(outcome, (stats.counts.get(outcome) ?? 0) + 1);
}

const TOKENS = [
  '0',
  '1',
  '2',
  '-1',
  '2.5',
  '1e3',
  '1e308',
  "'a'",
  '"b"',
  "''",
  "'{0}'",
  "'{'",
  "','",
  "'__proto__'",
  "'constr'",
  "'uctor'",
  'true',
  'false',
  'null',
  ...ROOTS,
  'length',
  '__proto__',
  'constructor',
  '.',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  ',',
  ':',
  '?',
  '!',
  '-',
  '+',
  '*',
  '/',
  '%',
  '<',
  '<=',
  '>',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '??',
  '=',
  '&',
  '@',
  '"',
  "'",
  '\\',
  '${{',
  '}}',
  'lower(',
  'upper(',
  'format(',
  'join(',
  'split(',
  'contains(',
  'toJSON(',
  'fromJSON(',
  'min(',
  'max(',
  'round(',
  'coalesce(',
  'if(',
  'replace(',
  'length(',
  'abs(',
];

const tokenSoup = fc
  .tuple(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), fc.constantFrom('', ' '))
  .map(([tokens, sep]) => tokens.join(sep));

/** Well-formed expressions from a small grammar, so evaluation is exercised often. */
const { expr: grammarExpr } = fc.letrec<{ expr: string; atom: string }>((tie) => ({
  atom: fc.oneof(
    fc.constantFrom('1', '0', '-2', '0.5', "'s'", "'{0}-{1}'", "''", 'true', 'null', '[]', '{}'),
    fc.constantFrom(...ROOTS).chain((r) =>
      fc
        .array(fc.constantFrom('.a', '.b', '[0]', '[1]', "['a']", '.length', '[x]'), {
          maxLength: 3,
        })
        .map((steps) => r + steps.join('')),
    ),
  ),
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('atom'),
    fc
      .tuple(
        tie('expr'),
        fc.constantFrom('+', '-', '*', '/', '%', '<', '==', '&&', '||', '??'),
        tie('expr'),
      )
      .map(([l, op, r]) => `${l} ${op} ${r}`),
    fc.tuple(fc.constantFrom('!', '-'), tie('expr')).map(([op, e]) => `${op}(${e})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, t, e]) => `(${c} ? ${t} : ${e})`),
    fc.array(tie('expr'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
    fc.tuple(tie('expr'), tie('expr')).map(([k, v]) => `{k: ${k}, 'v w': ${v}}`),
    fc.tuple(tie('expr'), tie('expr')).map(([o, i]) => `(${o})[${i}]`),
    fc.constantFrom(...(Object.keys(FUNCTIONS) as FunctionName[])).chain((f) =>
      fc
        .array(tie('expr'), {
          minLength: FUNCTIONS[f].minArgs,
          maxLength: Math.min(FUNCTIONS[f].maxArgs, 3),
        })
        .map((args) => `${f}(${args.join(', ')})`),
    ),
  ),
}));

describe('fuzzing', () => {
  const cases: [string, fc.Arbitrary<string>][] = [
    ['random strings', fc.string({ maxLength: 80, unit: 'binary' })],
    [
      'random grammar-character strings',
      fc.string({ maxLength: 60, unit: fc.constantFrom(...GRAMMAR_CHARS) }),
    ],
    ['token soups', tokenSoup],
    ['grammar-generated expressions', grammarExpr],
  ];

  it.each(cases)('%s: expressions only ever throw expression errors', (_name, arb) => {
    const stats = { maxMs: 0, counts: new Map<Outcome, number>() };
    fc.assert(
      fc.property(arb, contextArb, (src, ctx) => {
        timed(() => exercise(() => compileExpression(src), ctx), stats);
      }),
      { numRuns: 1500 },
    );
    expect(stats.maxMs).toBeLessThan(MAX_MS_PER_INPUT);
    expect([...stats.counts.values()].reduce((a, b) => a + b, 0)).toBe(1500);
  });

  it.each(cases)('%s: templates only ever throw expression errors', (_name, arb) => {
    const stats = { maxMs: 0, counts: new Map<Outcome, number>() };
    const texts = fc
      .tuple(fc.string({ maxLength: 10 }), arb, fc.constantFrom('}}', '', '} }'), arb)
      .map(([pre, a, close, b]) => `${pre}\${{${a}${close} mid \${{ ${b} }}`);
    fc.assert(
      fc.property(fc.oneof(arb, texts), contextArb, (text, ctx) => {
        timed(() => exercise(() => compileTemplate(text), ctx), stats);
      }),
      { numRuns: 1000 },
    );
    expect(stats.maxMs).toBeLessThan(MAX_MS_PER_INPUT);
  });

  it('grammar-generated expressions usually compile and often evaluate', () => {
    const stats = { maxMs: 0, counts: new Map<Outcome, number>() };
    fc.assert(
      fc.property(grammarExpr, contextArb, (src, ctx) => {
        timed(() => exercise(() => compileExpression(src), ctx), stats);
      }),
      { numRuns: 1000 },
    );
    // Guards the generator itself: a broken grammar would silently test only the error paths.
    expect(stats.counts.get('syntax') ?? 0).toBeLessThan(50);
    expect(stats.counts.get('evaluated') ?? 0).toBeGreaterThan(150);
    expect(stats.counts.get('evaluation') ?? 0).toBeGreaterThan(150);
  });

  it('leaves Object.prototype untouched', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_BEFORE);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

/** A generated expression with its text, precedence (for minimal parentheses) and meaning. */
interface Gen {
  readonly text: string;
  readonly precedence: number;
  /** The reference result; throws 'error' where the evaluator must fail. */
  value(): unknown;
}

const ATOM = 10;
const BINARY: Record<
  string,
  { precedence: number; apply: (a: () => unknown, b: () => unknown) => unknown }
> = {
  '*': { precedence: 7, apply: (a, b) => finite(num(a()) * num(b())) },
  '/': { precedence: 7, apply: (a, b) => finite(num(a()) / nonZero(num(b()))) },
  '%': { precedence: 7, apply: (a, b) => finite(num(a()) % nonZero(num(b()))) },
  '+': { precedence: 6, apply: (a, b) => finite(num(a()) + num(b())) },
  '-': { precedence: 6, apply: (a, b) => finite(num(a()) - num(b())) },
  '<': { precedence: 5, apply: (a, b) => num(a()) < num(b()) },
  '>=': { precedence: 5, apply: (a, b) => num(a()) >= num(b()) },
  '==': { precedence: 4, apply: (a, b) => a() === b() },
  '!=': { precedence: 4, apply: (a, b) => a() !== b() },
  '&&': {
    precedence: 3,
    apply: (a, b) => {
      const x = a();
      return truthy(x) ? b() : x;
    },
  },
  '||': {
    precedence: 2,
    apply: (a, b) => {
      const x = a();
      return truthy(x) ? x : b();
    },
  },
  '??': {
    precedence: 1,
    apply: (a, b) => {
      const x = a();
      return x === null ? b() : x;
    },
  },
};

function fail(): never {
  throw new Error('error');
}
function num(v: unknown): number {
  return typeof v === 'number' ? v : fail();
}
function finite(v: number): number {
  return Number.isFinite(v) ? (v === 0 ? 0 : v) : fail();
}
function nonZero(v: number): number {
  return v === 0 ? fail() : v;
}
function truthy(v: unknown): boolean {
  return !(v === false || v === null || v === 0);
}

const wrap = (g: Gen, minimum: number): string => (g.precedence < minimum ? `(${g.text})` : g.text);

const { gen } = fc.letrec<{ gen: Gen }>((tie) => ({
  gen: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc
        .integer({ min: 0, max: 20 })
        .map((n): Gen => ({ text: String(n), precedence: ATOM, value: () => n })),
      fc.constantFrom<Gen>(
        { text: 'true', precedence: ATOM, value: () => true },
        { text: 'false', precedence: ATOM, value: () => false },
        { text: 'null', precedence: ATOM, value: () => null },
      ),
    ),
    fc
      .tuple(tie('gen'), fc.constantFrom(...Object.keys(BINARY)), tie('gen'))
      .map(([l, op, r]): Gen => {
        const { precedence, apply } = BINARY[op] ?? fail();
        return {
          // Left-associative: the right operand needs parentheses at equal precedence too.
          text: `${wrap(l, precedence)} ${op} ${wrap(r, precedence + 1)}`,
          precedence,
          value: () =>
            apply(
              () => l.value(),
              () => r.value(),
            ),
        };
      }),
    fc.tuple(fc.constantFrom('-', '!'), tie('gen')).map(([op, e]): Gen => ({
      text: `${op}${wrap(e, 8)}`,
      precedence: 8,
      value: () => (op === '!' ? !truthy(e.value()) : finite(-num(e.value()))),
    })),
    fc.tuple(tie('gen'), tie('gen'), tie('gen')).map(([c, t, e]): Gen => ({
      text: `${wrap(c, 1)} ? ${wrap(t, 0)} : ${wrap(e, 0)}`,
      precedence: 0,
      value: () => (truthy(c.value()) ? t.value() : e.value()),
    })),
  ),
}));

describe('generated expressions against a reference computation', () => {
  it('agree on value or on failure, with minimal parentheses', () => {
    fc.assert(
      fc.property(gen, (g) => {
        let expected: unknown;
        let expectedError = false;
        try {
          expected = g.value();
        } catch {
          expectedError = true;
        }
        const compiled = compileExpression(g.text);
        if (expectedError) {
          expect(() => compiled.evaluate({})).toThrow(ExpressionEvaluationError);
        } else {
          expect(compiled.evaluate({})).toBe(expected);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
