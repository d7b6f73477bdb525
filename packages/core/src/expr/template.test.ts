import { describe, expect, it } from 'vitest';
import { ExpressionEvaluationError } from '../errors.js';
import { compileTemplate, containsExpression } from './index.js';
import { syntaxError } from './test-helpers.js';

const ctx = { a: { n: 3, s: 'txt', list: [1, 'x'], obj: { k: true } }, nil: null };

describe('compileTemplate', () => {
  it('keeps text without markers as a literal', () => {
    const t = compileTemplate('plain text with $ and {{ braces }}');
    expect(t.kind).toBe('literal');
    expect(t.expressions).toEqual([]);
    expect(t.evaluate(ctx)).toBe('plain text with $ and {{ braces }}');
    expect(compileTemplate('').evaluate(ctx)).toBe('');
  });

  it('keeps the type of a single whole-value expression', () => {
    expect(compileTemplate('${{ a.n + 1 }}').evaluate(ctx)).toBe(4);
    const t = compileTemplate('  ${{ a.list }}\n');
    expect(t.kind).toBe('expression');
    expect(t.evaluate(ctx)).toEqual([1, 'x']);
    expect(compileTemplate('${{nil}}').evaluate(ctx)).toBe(null);
    expect(compileTemplate('${{ {a: {b: 1}} }}').evaluate(ctx)).toEqual({ a: { b: 1 } });
  });

  it('interpolates into a string', () => {
    const t = compileTemplate('n=${{ a.n }}, s=${{ a.s }}, nil=[${{ nil }}], ok=${{ a.obj.k }}');
    expect(t.kind).toBe('interpolation');
    expect(t.evaluate(ctx)).toBe('n=3, s=txt, nil=[], ok=true');
    expect(compileTemplate('${{ a.list }} ${{ a.obj }}').evaluate(ctx)).toBe('[1,"x"] {"k":true}');
    expect(compileTemplate('${{ 1 }}${{ 2 }}').evaluate(ctx)).toBe('12');
    expect(compileTemplate('${{ 1 }}${{ 2 }}').kind).toBe('interpolation');
    expect(compileTemplate('x ${{ nil }}').evaluate(ctx)).toBe('x ');
  });

  it('finds the closing braces past strings and object literals', () => {
    expect(compileTemplate("${{ '}}' }}").evaluate(ctx)).toBe('}}');
    expect(compileTemplate("${{ format('{{0}}', 1) }}!").evaluate(ctx)).toBe('{0}!');
    expect(compileTemplate('[${{ {a: {b: 1}}.a.b }}]').evaluate(ctx)).toBe('[1]');
    expect(compileTemplate("${{ 'it\\'s }}' }}").evaluate(ctx)).toBe("it's }}");
    expect(compileTemplate('${{ 1 }}}').evaluate(ctx)).toBe('1}');
  });

  it('reports where each expression starts in the original text', () => {
    const text = 'x ${{ a.n }} y ${{a.s}}';
    const t = compileTemplate(text);
    expect(t.expressions.map((e) => e.offset)).toEqual([5, 18]);
    const spans = t.expressions.flatMap((e) =>
      e.expression.references.map((r) => text.slice(e.offset + r.start, e.offset + r.end)),
    );
    expect(spans).toEqual(['a.n', 'a.s']);
    expect(t.expressions[0]?.expression.source).toBe(' a.n ');
  });

  it('reports unclosed markers at the marker', () => {
    const e = syntaxError(() => compileTemplate('abc ${{ 1 + 2'));
    expect(e.message).toMatch(/unclosed/);
    expect(e.offset).toBe(4);
    expect(e.source).toBe('abc ${{ 1 + 2');
    expect(syntaxError(() => compileTemplate("${{ 'open }}")).offset).toBe(0);
    expect(syntaxError(() => compileTemplate('ok ${{ 1 }} then ${{ 2 }')).offset).toBe(17);
  });

  it('shifts syntax error offsets into the original text', () => {
    const text = 'abc ${{ 1 + }} x';
    const e = syntaxError(() => compileTemplate(text));
    expect(e.offset).toBe(12);
    expect(e.source).toBe(text);
    expect(e.message).toMatch(/unexpected end/);
    const e2 = syntaxError(() => compileTemplate('a ${{ 1 }} b ${{ lowr(x) }}'));
    expect(e2.offset).toBe(17);
    expect(e2.hint).toBe('did you mean lower?');
    expect(syntaxError(() => compileTemplate('${{ }}')).message).toMatch(/empty/);
  });

  it('applies limits per expression and to the interpolated result', () => {
    const long = `${'text '.repeat(2_000)}\${{ a.n }}`;
    expect(compileTemplate(long).evaluate(ctx)).toMatch(/3$/);
    expect(() => compileTemplate('${{ 1 + 1 }}', { maxLength: 3 })).toThrow(/longer than 3/);
    const t = compileTemplate('abc ${{ a.s }}', { maxStringLength: 5 });
    expect(() => t.evaluate(ctx)).toThrow(ExpressionEvaluationError);
    expect(() =>
      compileTemplate('${{ a }} and more', { maxStringLength: 5 }).evaluate({ a: 'x' }),
    ).toThrow(/longer than 5/);
  });

  it('propagates evaluation errors as such', () => {
    expect(() => compileTemplate('x ${{ 1 / 0 }}').evaluate(ctx)).toThrow(
      ExpressionEvaluationError,
    );
    expect(() => compileTemplate('${{ 1 / 0 }}').evaluate(ctx)).toThrow(ExpressionEvaluationError);
    expect(() => compileTemplate('x ${{ a }}').evaluate({ a: { n: 1n } })).toThrow(
      ExpressionEvaluationError,
    );
  });
});

describe('containsExpression', () => {
  it('detects markers', () => {
    expect(containsExpression('a ${{ b }}')).toBe(true);
    expect(containsExpression('${{')).toBe(true);
    expect(containsExpression('$ {{ b }}')).toBe(false);
    expect(containsExpression('{{ b }}')).toBe(false);
  });
});
