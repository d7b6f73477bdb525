import { describe, expect, it } from 'vitest';
import { compileExpression } from './index.js';
import fc from 'fast-check';
import { ev, syntaxError } from './test-helpers.js';
import { DEFAULT_EXPRESSION_LIMITS } from './limits.js';
import { parseExpression, parseTokens } from './parser.js';

describe('literals', () => {
  it('reads numbers in every form', () => {
    expect(ev('42')).toBe(42);
    expect(ev('0.5')).toBe(0.5);
    expect(ev('1e3')).toBe(1000);
    expect(ev('2.5E-1')).toBe(0.25);
    expect(ev('1e+2')).toBe(100);
    expect(ev('-7')).toBe(-7);
  });

  it('reads strings with escapes in both quote styles', () => {
    expect(ev("'it\\'s'")).toBe("it's");
    expect(ev('"say \\"hi\\""')).toBe('say "hi"');
    expect(ev("'a\\nb\\tc\\\\d'")).toBe('a\nb\tc\\d');
    expect(ev("'\\u00e9\\u0041'")).toBe('éA');
    expect(ev('"it\'s"')).toBe("it's");
    expect(ev("''")).toBe('');
  });

  it('reads keywords, arrays and objects', () => {
    expect(ev('true')).toBe(true);
    expect(ev('false')).toBe(false);
    expect(ev('null')).toBe(null);
    expect(ev('[1, "a", [true], null]')).toEqual([1, 'a', [true], null]);
    expect(ev('[]')).toEqual([]);
    expect(ev('{a: 1, \'b c\': [2], "d": {e: null}}')).toEqual({
      a: 1,
      'b c': [2],
      d: { e: null },
    });
    expect(ev('{}')).toEqual({});
    expect(ev('[1, 2,]')).toEqual([1, 2]);
    expect(ev('{a: 1,}')).toEqual({ a: 1 });
  });
});

describe('precedence and associativity', () => {
  const cases: [string, unknown][] = [
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['2 * 3 % 4', 2],
    ['7 % 4 * 2', 6],
    ['-2 * 3', -6],
    ['2 - -3', 5],
    ['- - 3', 3],
    ['1 + 2 < 4', true],
    ['1 < 2 == true', true],
    ['1 == 1 && 2 == 3', false],
    ['true || false && false', true],
    ['(true || false) && false', false],
    ['0 ?? 1 || 2', 0],
    ['null ?? 0 || 2', 2],
    ['!true == false', true],
    ['!(1 == 1)', false],
    ['true ? 1 : 0 ? 2 : 3', 1],
    ['false ? 1 : true ? 2 : 3', 2],
    ['null ?? false ? 1 : 2', 2],
    ['1 + 1 == 2 ? "y" : "n"', 'y'],
    ['-x.y', -4],
    ['!x.z', true],
    ["'a' + 1 + 2", 'a12'],
    ["1 + 2 + 'a'", '3a'],
  ];
  it.each(cases)('%s', (src, expected) => {
    expect(ev(src, { x: { y: 4 } })).toEqual(expected);
  });
});

describe('syntax errors', () => {
  const cases: [string, number, RegExp][] = [
    ['1 +', 3, /unexpected end/],
    ['1 2', 2, /unexpected number 2/],
    ['(1', 2, /expected '\)'/],
    ["'abc", 0, /unterminated string/],
    ['1 @ 2', 2, /unexpected character "@"/],
    ['a.', 2, /property name/],
    ['a.1', 2, /property name/],
    ['', 0, /empty expression/],
    ['   ', 3, /empty expression/],
    ['1abc', 0, /invalid number/],
    ['1e', 0, /exponent/],
    ['1e999', 0, /too large/],
    ["'\\x'", 1, /invalid escape/],
    ["'\\u12'", 1, /\\u escape/],
    ['a = 1', 2, /unexpected '='/],
    ['a === b', 2, /'==='/],
    ['a !== b', 2, /'!=='/],
    ['a & b', 2, /'&'/],
    ['a | b', 2, /'\|'/],
    ['a.b(1)', 3, /only built-in functions/],
    ['(a)(1)', 3, /only built-in functions/],
    ['x(1)', 0, /unknown function 'x'/],
    ['{a: 1, a: 2}', 7, /duplicate key/],
    ['{1: 2}', 1, /object key/],
    ['[1, 2', 5, /expected '\]'/],
    ["lower('a',)", 10, /unexpected '\)'/],
    ['a ? b', 5, /expected ':'/],
    ['${{ a }}', 0, /inside an expression/],
    ['true(1)', 4, /only built-in functions/],
  ];
  it.each(cases)('%s fails at offset %i', (src, offset, message) => {
    const e = syntaxError(() => compileExpression(src));
    expect(e.message).toMatch(message);
    expect(e.offset).toBe(offset);
    expect(e.source).toBe(src);
    expect(e.code).toBe('EXPRESSION_SYNTAX');
  });

  it('gives hints for common mistakes', () => {
    expect(syntaxError(() => compileExpression('a = 1')).hint).toMatch(/==/);
    expect(syntaxError(() => compileExpression('a.0')).hint).toMatch(/\[0\]/);
    expect(syntaxError(() => compileExpression('a & b')).hint).toMatch(/&&/);
  });
});

describe('functions at compile time', () => {
  it('rejects unknown functions with close names as hint', () => {
    const e = syntaxError(() => compileExpression('x + lowr(a)'));
    expect(e.message).toBe("unknown function 'lowr'");
    expect(e.offset).toBe(4);
    expect(e.hint).toBe('did you mean lower?');
    expect(syntaxError(() => compileExpression('Lower(a)')).hint).toBe('did you mean lower?');
    expect(syntaxError(() => compileExpression('tojson(a)')).hint).toMatch(/toJSON/);
    expect(syntaxError(() => compileExpression('zzzzzz(a)')).hint).toMatch(/available functions: /);
  });

  it('names are case-sensitive, aliases accepted', () => {
    expect(ev('toJson(1)')).toBe('1');
    expect(ev("fromJson('2')")).toBe(2);
    syntaxError(() => compileExpression('UPPER(a)'));
  });

  it('checks arity with a usage hint', () => {
    const e = syntaxError(() => compileExpression('1 + round(1, 2, 3)'));
    expect(e.message).toBe('round() takes 1 to 2 arguments, got 3');
    expect(e.offset).toBe(4);
    expect(e.hint).toMatch(/round\(number/);
    expect(syntaxError(() => compileExpression('lower()')).message).toMatch(/takes 1 argument,/);
    expect(syntaxError(() => compileExpression('if(1, 2)')).message).toMatch(/takes 3 arguments/);
    expect(syntaxError(() => compileExpression('min()')).message).toMatch(/at least 1/);
    expect(syntaxError(() => compileExpression('contains(1)')).message).toMatch(/takes 2/);
  });
});

describe('references', () => {
  const refs = (src: string) =>
    compileExpression(src).references.map((r) => ({
      path: r.path,
      text: src.slice(r.start, r.end),
    }));

  it('extracts static member chains', () => {
    expect(refs("tasks.a.outputs['x']")).toEqual([
      { path: ['tasks', 'a', 'outputs', 'x'], text: "tasks.a.outputs['x']" },
    ]);
    expect(refs("tasks['my-task'].outputs[0].v")).toEqual([
      { path: ['tasks', 'my-task', 'outputs', 0, 'v'], text: "tasks['my-task'].outputs[0].v" },
    ]);
  });

  it('stops a chain at the first dynamic index', () => {
    expect(refs('tasks.a.outputs[i].x')).toEqual([
      { path: ['tasks', 'a', 'outputs'], text: 'tasks.a.outputs' },
      { path: ['i'], text: 'i' },
    ]);
    expect(refs('a[1 + 1].b')).toEqual([{ path: ['a'], text: 'a' }]);
    expect(refs('a[-1]')).toEqual([{ path: ['a'], text: 'a' }]);
    expect(refs('a[b.c]')).toEqual([
      { path: ['a'], text: 'a' },
      { path: ['b', 'c'], text: 'b.c' },
    ]);
  });

  it('lists every root use in source order, and nothing else', () => {
    expect(refs('item')).toEqual([{ path: ['item'], text: 'item' }]);
    expect(refs("a.b + lower(c.d) + {k: e}.k + 'f'")).toEqual([
      { path: ['a', 'b'], text: 'a.b' },
      { path: ['c', 'd'], text: 'c.d' },
      { path: ['e'], text: 'e' },
    ]);
    expect(refs('x == x')).toHaveLength(2);
    expect(refs('(a).b')).toEqual([{ path: ['a'], text: 'a' }]);
    expect(refs('1 + 2')).toEqual([]);
  });

  it('keeps the untrimmed source', () => {
    const e = compileExpression('  a.b ');
    expect(e.source).toBe('  a.b ');
    expect(e.references[0]).toMatchObject({ start: 2, end: 5 });
  });
});

describe('the shortcut for plain dotted paths', () => {
  it('builds exactly the tree the general parser builds', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
    fc.assert(
      fc.property(
        fc.array(name, { minLength: 1, maxLength: 6 }),
        fc.string({ unit: fc.constantFrom(' ', '\t', '\n'), maxLength: 2 }),
        (names, pad) => {
          const src = `${pad}${names.join('.')}${pad}`;
          let slow: unknown;
          try {
            slow = parseTokens(src, DEFAULT_EXPRESSION_LIMITS);
          } catch (e) {
            slow = e instanceof Error ? e.message : e;
          }
          let fast: unknown;
          try {
            fast = parseExpression(src, DEFAULT_EXPRESSION_LIMITS);
          } catch (e) {
            fast = e instanceof Error ? e.message : e;
          }
          expect(fast).toEqual(slow);
        },
      ),
    );
  });

  it('leaves keywords and reserved names to the parser', () => {
    expect(parseExpression('true', DEFAULT_EXPRESSION_LIMITS)).toMatchObject({ kind: 'literal' });
    expect(() => parseExpression('a.constructor', DEFAULT_EXPRESSION_LIMITS)).toThrow(
      /reserved|cannot be used/,
    );
  });
});
