import { describe, expect, it } from 'vitest';
import { ExpressionEvaluationError, ExpressionSyntaxError } from '../errors.js';
import { DEFAULT_EXPRESSION_LIMITS, compileExpression } from './index.js';
import { ev, evalError, syntaxError } from './test-helpers.js';

const nest = (open: string, inner: string, close: string, n: number): string =>
  open.repeat(n) + inner + close.repeat(n);

describe('limits', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_EXPRESSION_LIMITS).toEqual({
      maxLength: 4096,
      maxDepth: 64,
      maxSteps: 100_000,
      maxStringLength: 1_000_000,
      maxArrayLength: 100_000,
    });
    expect(Object.isFrozen(DEFAULT_EXPRESSION_LIMITS)).toBe(true);
  });

  it('rejects sources longer than maxLength', () => {
    const fits = `'${'a'.repeat(4094)}'`;
    expect(ev(fits)).toHaveLength(4094);
    const e = syntaxError(() => compileExpression(`'${'a'.repeat(4095)}'`));
    expect(e.message).toMatch(/longer than 4096/);
    expect(e.offset).toBe(4096);
    expect(() => compileExpression('1 + 1', { maxLength: 4 })).toThrow(/longer than 4/);
  });

  it('rejects nesting deeper than maxDepth', () => {
    expect(ev(nest('(', '1', ')', 64))).toBe(1);
    expect(syntaxError(() => compileExpression(nest('(', '1', ')', 65))).message).toMatch(
      /nested deeper than 64/,
    );
    expect(ev(nest('[', '1', ']', 64))).toBeInstanceOf(Array);
    syntaxError(() => compileExpression(nest('[', '1', ']', 65)));
    syntaxError(() => compileExpression(nest('{a:', '1', '}', 65)));
    syntaxError(() => compileExpression(nest('lower(', "'a'", ')', 65)));
    syntaxError(() => compileExpression(nest('a[', '0', ']', 65)));
    syntaxError(() => compileExpression('!'.repeat(65) + 'x'));
    syntaxError(() => compileExpression('-'.repeat(65) + '1'));
    syntaxError(() => compileExpression(nest('true ? ', '1', ' : 0', 65)));
    expect(ev(Array.from({ length: 65 }, () => '1').join('+'))).toBe(65);
    syntaxError(() => compileExpression(Array.from({ length: 66 }, () => '1').join('+')));
    expect(ev(nest('(', '2', ')', 3), {}, { maxDepth: 3 })).toBe(2);
    syntaxError(() => compileExpression(nest('(', '2', ')', 4), { maxDepth: 3 }));
  });

  it('fails cleanly on nesting far beyond any stack, even with huge custom limits', () => {
    const deep = nest('(', '1', ')', 200_000);
    const limits = { maxLength: 1_000_000, maxDepth: 1_000_000 };
    syntaxError(() => compileExpression(deep, { maxLength: 1_000_000 }));
    const e = syntaxError(() => compileExpression(deep, limits));
    expect(e).toBeInstanceOf(ExpressionSyntaxError);
    syntaxError(() => compileExpression(nest('[', '1', ']', 200_000), limits));
  });

  it('rejects invalid limits as syntax errors', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity]) {
      syntaxError(() => compileExpression('1', { maxSteps: bad }));
    }
    expect(() => compileExpression('1', { maxSteps: '5' as never })).toThrow(ExpressionSyntaxError);
  });

  it('stops evaluations that exceed the step budget', () => {
    const big = `[${Array.from({ length: 200 }, (_, i) => i).join(',')}]`;
    expect(ev(big)).toHaveLength(200);
    expect(evalError(() => ev(big, {}, { maxSteps: 100 })).message).toMatch(
      /exceeded its work budget of 100 steps/,
    );
    const data = { big: Array.from({ length: 150_000 }, (_, i) => i) };
    evalError(() => ev('contains(big, -1)', data));
    evalError(() => ev("join(big, ',')", data));
    evalError(() => ev('max(big)', data));
    const copy = { a: data.big, b: [...data.big] };
    evalError(() => ev('a == b', copy));
    // Each split/join round costs the string sizes: repeating them exhausts the budget.
    const rounds = Array.from({ length: 40 }, () => "length(join(split(s, ''), ''))").join(' + ');
    evalError(() => ev(rounds, { s: 'x'.repeat(5_000) }));
  });

  it('stops strings that grow too long', () => {
    const start = Date.now();
    const s = 'x'.repeat(2_000);
    expect(evalError(() => ev(`join(split('${s}', ''), '${s}')`)).message).toMatch(
      /string longer than 1000000/,
    );
    const ten = `'${'{0}'.repeat(10)}'`;
    const exploding = `format(${ten}, format(${ten}, format(${ten}, format(${ten}, format(${ten}, format(${ten}, 'abcdef'))))))`;
    evalError(() => ev(exploding));
    evalError(() => ev(`replace('${'a'.repeat(1_000)}', 'a', '${s}')`));
    evalError(() => ev(`join(split(format(${ten}, '${'a,'.repeat(1_000)}'), ','), '${s}')`));
    evalError(() => ev("s + 'y'", { s: 'x'.repeat(1_000_000) }));
    evalError(() => ev('toJSON(a)', { a: 'x'.repeat(999_999) }));
    evalError(() => ev("upper('ab')", {}, { maxStringLength: 1 }));
    expect(Date.now() - start).toBeLessThan(5_000);
  });

  it('stops arrays that grow too long', () => {
    evalError(() => ev("split(s, '')", { s: 'x'.repeat(100_001) }));
    expect(ev("split(s, '')", { s: 'x'.repeat(100_000) }, { maxSteps: 1_000_000 })).toHaveLength(
      100_000,
    );
    expect(
      evalError(() => ev("split('a,b,c,d,e,f', ',')", {}, { maxArrayLength: 5 })).message,
    ).toMatch(/array longer than 5/);
  });

  it('turns stack overflows and cyclic data into evaluation errors', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const [src, data] of [
      ['toJSON(a)', { a: deep }],
      ['a == b', { a: deep, b: [deep] }],
      ["'' + a", { a: cyclic }],
      ['toJSON(a)', { a: cyclic }],
      ['toJSON(a)', { a: { n: 10n } }],
    ] as const) {
      expect(() => ev(src, data), src).toThrow(ExpressionEvaluationError);
    }
  });
});
