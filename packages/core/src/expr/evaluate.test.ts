import { describe, expect, it } from 'vitest';
import { ExpressionEvaluationError } from '../errors.js';
import { compileExpression } from './index.js';
import { ev, evalError, syntaxError } from './test-helpers.js';

const ctx = {
  tasks: { a: { outputs: { score: 0.5, items: [10, 20, 30], 'x-y': 'dash' } } },
  workflow: { inputs: { enabled: true, name: 'Ada', empty: '' } },
  item: 'it',
  nil: null,
};

describe('arithmetic', () => {
  it('computes with numbers', () => {
    expect(ev('7 - 2')).toBe(5);
    expect(ev('3 * 4')).toBe(12);
    expect(ev('7 / 2')).toBe(3.5);
    expect(ev('7 % 3')).toBe(1);
    expect(ev('-7 % 3')).toBe(-1);
    expect(ev('0.1 + 0.2')).toBeCloseTo(0.3);
    expect(ev('-(2 + 3)')).toBe(-5);
    expect(Object.is(ev('-0'), 0)).toBe(true);
    expect(Object.is(ev('0 * -1'), 0)).toBe(true);
  });

  it('concatenates when either side is a string', () => {
    expect(ev("'a' + 1")).toBe('a1');
    expect(ev("1.5 + 'a'")).toBe('1.5a');
    expect(ev("'a' + null")).toBe('anull');
    expect(ev("'a' + true")).toBe('atrue');
    expect(ev("'x' + [1, 'b']")).toBe('x[1,"b"]');
    expect(ev("'x' + {a: 1}")).toBe('x{"a":1}');
    expect(ev("'' + tasks.missing")).toBe('null');
  });

  it.each([
    ['1 / 0', /division by zero/],
    ['1 % 0', /division by zero/],
    ["'a' - 1", /'-' needs numbers, got string and number/],
    ['null + 1', /'\+' needs numbers or a string, got null and number/],
    ['[1] + [2]', /got array and array/],
    ['true + 1', /got boolean and number/],
    ['{} * 2', /got object and number/],
    ['1e308 * 10', /not a finite number/],
    ["-'a'", /cannot negate string/],
    ['-nil', /cannot negate null/],
  ])('%s fails', (src, message) => {
    const e = evalError(() => ev(src, ctx));
    expect(e.message).toMatch(message);
    expect(e.code).toBe('EXPRESSION_EVALUATION');
  });

  it('names the failing part of the expression', () => {
    expect(evalError(() => ev('1 + (2 / tasks.zero)', { tasks: { zero: 0 } })).message).toMatch(
      /in 2 \/ tasks\.zero/,
    );
  });
});

describe('comparison and equality', () => {
  it.each([
    ['1 < 2', true],
    ['2 <= 2', true],
    ['3 > 4', false],
    ['4 >= 4', true],
    ["'a' < 'b'", true],
    ["'B' < 'a'", true],
    ["'abc' >= 'abd'", false],
    ['1 == 1', true],
    ["1 == '1'", false],
    ['0 == false', false],
    ['null == null', true],
    ['tasks.missing == null', true],
    ['1 != 2', true],
    ['[1, [2, {a: 3}]] == [1, [2, {a: 3}]]', true],
    ['{a: 1, b: [1]} == {b: [1], a: 1}', true],
    ['{a: 1} == {a: 1, b: 2}', false],
    ['{a: null} == {b: null}', false],
    ['[1, 2] == [2, 1]', false],
    ['[] == {}', false],
    ['[1] != [1]', false],
    ['tasks.a.outputs.items == [10, 20, 30]', true],
  ])('%s is %s', (src, expected) => {
    expect(ev(src, ctx)).toBe(expected);
  });

  it.each(["1 < 'a'", 'null < 1', 'true < false', '[1] < [2]', "{} >= 'a'"])(
    '%s is an evaluation error',
    (src) => {
      expect(evalError(() => ev(src)).message).toMatch(/two numbers or two strings/);
    },
  );
});

describe('logic', () => {
  it('returns the deciding operand and short-circuits', () => {
    expect(ev("0 || 'x'")).toBe('x');
    expect(ev("'a' && 'b'")).toBe('b');
    expect(ev("'' && 'b'")).toBe('');
    expect(ev('0 && nil.y.z')).toBe(0);
    expect(ev('false && 1 / 0')).toBe(false);
    expect(ev('true || 1 / 0')).toBe(true);
    expect(ev('1 ?? 1 / 0')).toBe(1);
    expect(ev('0 ?? 5')).toBe(0);
    expect(ev("'' ?? 5")).toBe('');
    expect(ev('nil ?? 5', ctx)).toBe(5);
    expect(() => ev('null ?? 1 / 0')).toThrow(ExpressionEvaluationError);
    expect(ev('true ? 1 : 1 / 0')).toBe(1);
    expect(ev('false ? 1 / 0 : 2')).toBe(2);
  });

  it('uses JS-like truthiness', () => {
    for (const falsy of ['false', 'null', '0', "''", 'tasks.none'])
      expect(ev(`!${falsy}`)).toBe(true);
    for (const t of ['true', '1', "'0'", '[]', '{}', '-1']) expect(ev(`!${t}`)).toBe(false);
    expect(ev("[] ? 'y' : 'n'")).toBe('y');
    expect(ev('!!workflow.inputs.empty', ctx)).toBe(false);
  });
});

describe('lenient access', () => {
  it('reads null through missing data', () => {
    expect(ev('tasks.a.outputs.score', ctx)).toBe(0.5);
    expect(ev('tasks.b.outputs.score', ctx)).toBe(null);
    expect(ev('nil.a.b.c', ctx)).toBe(null);
    expect(ev('undefinedRoot.x')).toBe(null);
    expect(ev('tasks.b.outputs.score ?? 0.9', ctx)).toBe(0.9);
    expect(ev('nil[0]', ctx)).toBe(null);
    expect(ev('nil[item]', ctx)).toBe(null);
    expect(ev('(1).x')).toBe(null);
    expect(ev('true.x')).toBe(null);
  });

  it('indexes arrays, strings and objects', () => {
    expect(ev('tasks.a.outputs.items[1]', ctx)).toBe(20);
    expect(ev('tasks.a.outputs.items[3]', ctx)).toBe(null);
    expect(ev('tasks.a.outputs.items[-1]', ctx)).toBe(null);
    expect(ev('tasks.a.outputs.items[0.5]', ctx)).toBe(null);
    expect(ev('tasks.a.outputs.items[1 + 1]', ctx)).toBe(30);
    expect(ev('tasks.a.outputs.items.length', ctx)).toBe(3);
    expect(ev("tasks.a.outputs['x-y']", ctx)).toBe('dash');
    expect(ev("tasks.a['out' + 'puts'].score", ctx)).toBe(0.5);
    expect(ev("'abc'.length")).toBe(3);
    expect(ev("'abc'[1]")).toBe('b');
    expect(ev("'abc'[5]")).toBe(null);
    expect(ev("'abc'.toUpperCase")).toBe(null);
    expect(ev("{'0': 'zero'}[0]")).toBe('zero');
    expect(ev("[1, 2]['length']")).toBe(2);
    expect(ev("[1, 2]['0']")).toBe(null);
    expect(ev('[[1, 2], [3]][1][0]')).toBe(3);
  });

  it('rejects non-scalar computed indexes', () => {
    expect(evalError(() => ev('tasks[true]', ctx)).message).toMatch(
      /string or a number, got boolean/,
    );
    expect(evalError(() => ev('tasks[null]', ctx)).message).toMatch(/got null/);
    expect(evalError(() => ev('tasks[[1]]', ctx)).message).toMatch(/got array/);
  });

  it('returns data, never undefined', () => {
    expect(ev('missing')).toBe(null);
    expect(ev('a', { a: undefined })).toBe(null);
    expect(ev('a[1]', { a: [1, undefined] })).toBe(null);
    expect(ev('a', { a: [1, 2] })).toEqual([1, 2]);
  });

  it('needs an object context', () => {
    const e = compileExpression('1');
    expect(() => e.evaluate(null as never)).toThrow(ExpressionEvaluationError);
    expect(() => e.evaluate('x' as never)).toThrow(ExpressionEvaluationError);
  });
});

describe('safety', () => {
  const forbiddenStatic = [
    'a.__proto__',
    'a.constructor',
    'a.prototype',
    "a['__proto__']",
    'a["constructor"]',
    "a['prototype'].x",
    '{__proto__: 1}',
    "{'constructor': 1}",
    'constructor',
    'prototype.x',
    '__proto__',
    "lower('x').constructor",
    "fromJSON('{}').__proto__",
  ];
  it.each(forbiddenStatic)('%s is rejected at compile time', (src) => {
    expect(syntaxError(() => compileExpression(src)).message).toMatch(/cannot be used as a name/);
  });

  const forbiddenDynamic = [
    "a['constr' + 'uctor']",
    "a['__pro' + 'to__']",
    "{}['proto' + 'type']",
    "'abc'[lower('CONSTRUCTOR')]",
    "[1][join(['con', 'structor'], '')]",
    'a[k]',
  ];
  it.each(forbiddenDynamic)('%s is rejected at evaluation', (src) => {
    const e = evalError(() => ev(src, { a: { x: 1 }, k: '__proto__' }));
    expect(e.message).toMatch(/is not allowed/);
  });

  it('treats a JSON __proto__ key as plain data', () => {
    const src = '{"__proto__":{"x":1}}';
    expect(ev(`fromJSON('${src}').x`)).toBe(null);
    expect(ev(`toJSON(fromJSON('${src}'))`)).toBe(src);
    expect(ev(`length(fromJSON('${src}'))`)).toBe(1);
    expect(ev(`fromJSON('${src}') == fromJSON('${src}')`)).toBe(true);
    expect(ev(`fromJSON('${src}') == {}`)).toBe(false);
    expect(() => ev(`fromJSON('${src}')['__pro' + 'to__']`)).toThrow(/not allowed/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('never reaches functions, prototypes or globals', () => {
    class Box {
      secret = 42;
      method(): number {
        return this.secret;
      }
    }
    const context = {
      fn: () => 1,
      box: new Box(),
      date: new Date(0),
      map: new Map([['k', 1]]),
      inherited: Object.create({ secret: 1 }) as unknown,
      arr: [() => 2],
      obj: { f: () => 3 },
      nullProto: Object.assign(Object.create(null) as object, { ok: 1 }),
    };
    const nulls = [
      'fn',
      'fn.call',
      'fn.name',
      'box.secret',
      'box.method',
      'date.getTime',
      'map.size',
      'map.k',
      'inherited.secret',
      'arr[0]',
      'obj.f',
      'obj.toString',
      'obj.hasOwnProperty',
      'obj.valueOf',
      'toString',
      'globalThis',
      'process',
      'require',
      'arr.map',
      "'s'.concat",
      '[].push',
    ];
    for (const src of nulls) expect(ev(src, context), src).toBe(null);
    expect(ev('nullProto.ok', context)).toBe(1);
    expect(ev('[fn, obj.f]', context)).toEqual([null, null]);
    expect(ev('fn == null', context)).toBe(true);
  });
});
