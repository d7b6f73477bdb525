import { describe, expect, it } from 'vitest';
import { formatPath } from '../definition/diagnostics.js';
import {
  compileExpression,
  formatType,
  inferType,
  isAssignable,
  typeOfMember,
  typeOfPath,
  unifyTypes,
  type StaticType,
} from './index.js';

const S: StaticType = { kind: 'string' };
const N: StaticType = { kind: 'number' };
const I: StaticType = { kind: 'number', integer: true };
const B: StaticType = { kind: 'boolean' };
const A: StaticType = { kind: 'any' };
const NULL: StaticType = { kind: 'null' };
const arr = (items: StaticType): StaticType => ({ kind: 'array', items });
const obj = (fields?: Record<string, StaticType>): StaticType =>
  fields === undefined ? { kind: 'object' } : { kind: 'object', fields };

const known: Record<string, StaticType> = {
  s: S,
  n: N,
  i: I,
  b: B,
  nil: NULL,
  list: arr(S),
  nums: arr(I),
  o: obj({ score: N, name: S, tags: arr(S) }),
  open: obj(),
  'tasks.a.outputs.score': N,
};
const resolve = (ref: { path: readonly (string | number)[] }): StaticType =>
  known[formatPath(ref.path)] ?? A;

function infer(src: string) {
  const { type, problems } = inferType(compileExpression(src), resolve);
  return { type: formatType(type), problems: problems.map((p) => p.message) };
}

describe('inferType: result types', () => {
  it.each([
    ['1 + 2', 'integer'],
    ['1 / 2', 'number'],
    ['i * i', 'integer'],
    ['i % 2', 'integer'],
    ['n - 1', 'number'],
    ["'a' + 1", 'string'],
    ['x + 1', 'any'],
    ['-i', 'integer'],
    ['!x', 'boolean'],
    ['x == 1', 'boolean'],
    ['tasks.a.outputs.score < 0.7', 'boolean'],
    ['x ? 1 : 2.5', 'number'],
    ["x ? 1 : 'a'", 'any'],
    ["s ?? 'd'", 'string'],
    ['null ?? 1', 'integer'],
    ['b && b', 'boolean'],
    ['[1, 2]', 'array<integer>'],
    ['[]', 'array<any>'],
    ["{a: 1, b: 's'}", 'object{a: integer, b: string}'],
    ['length(s)', 'integer'],
    ["split(s, ',')", 'array<string>'],
    ['fromJSON(s)', 'any'],
    ["if(x, 'a', 'b')", 'string'],
    ["coalesce(null, 'a')", 'string'],
    ["coalesce(x, 'a')", 'any'],
    ['round(n)', 'integer'],
    ['round(n, 2)', 'number'],
    ['floor(n)', 'integer'],
    ['abs(i)', 'integer'],
    ['min(nums)', 'integer'],
    ['max(1, 2.5)', 'number'],
    ["contains(list, 'a')", 'boolean'],
    ["format('{0}', x)", 'string'],
    ['o.tags', 'any'],
    ['(o).tags', 'array<string>'],
    ['(o).tags[x]', 'string'],
    ['(list).length', 'integer'],
    ['(s)[0]', 'string'],
    ['(open).anything', 'any'],
    ["split(s, ',')[0]", 'string'],
    ['(nil).x', 'null'],
  ])('%s is %s', (src, type) => {
    expect(infer(src)).toEqual({ type, problems: [] });
  });
});

describe('inferType: problems', () => {
  it.each([
    ["'a' - 1", /'-' needs numbers, got string and integer/],
    ['s - n', /got string and number/],
    ['b * 2', /'\*' needs numbers/],
    ['nil / 2', /got null and integer/],
    ['true < 1', /two numbers or two strings/],
    ['x < true', /two numbers or two strings/],
    ["'a' < 1", /two numbers or two strings/],
    ['list >= 1', /two numbers or two strings/],
    ['1 + true', /needs numbers or a string/],
    ['[1] + [2]', /needs numbers or a string/],
    ["-'a'", /cannot negate string/],
    ["round('x')", /round\(\) argument 1 must be a number, got string/],
    ['length(5)', /length\(\) argument 1 must be a string or an array or an object, got integer/],
    ['lower(n)', /lower\(\) argument 1 must be a string/],
    ["join('a')", /join\(\) argument 1 must be an array/],
    ['join(list, 1)', /join\(\) argument 2 must be a string/],
    ["contains(5, 'a')", /contains\(\) argument 1/],
    ['contains(s, 1)', /contains\(\) argument 2/],
    ['min(list)', /min\(\) argument 1 must be a number/],
    ["max(1, 'a')", /max\(\) argument 2/],
    ['format(1)', /format\(\) argument 1/],
    ["lower('a').foo", /a string has no property 'foo'/],
    ['(n).x', /a number has no property 'x'/],
    ['(b).x', /a boolean has no property 'x'/],
    ['(list).first', /an array has no property 'first'/],
    ['(o).scroe', /unknown field 'scroe'/],
    ['(1)[0]', /a number has no property \[0\]/],
    ['(n)[x]', /a number cannot be indexed/],
    ['(list)[true]', /an index must be a string or a number, got boolean/],
    ['(list)[s]', /arrays are indexed by numbers/],
  ])('%s', (src, message) => {
    const { problems } = infer(src);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('gives positions and hints', () => {
    const src = "x + round('x') + (o).scroe";
    const { problems } = inferType(compileExpression(src), resolve);
    expect(problems.map((p) => src.slice(p.start, p.end))).toEqual(["'x'", '.scroe']);
    expect(problems[1]?.hint).toBe('did you mean score?');
    const whole = inferType(compileExpression("'a' - 1"), resolve).problems[0];
    expect(whole).toMatchObject({ start: 0, end: 7 });
    const half = inferType(compileExpression('x - true'), resolve).problems[0];
    expect(half).toMatchObject({ start: 2, end: 3 });
  });

  it('never complains about any', () => {
    for (const src of [
      'x - y',
      'x < y',
      'x + y',
      'round(x)',
      'length(x)',
      'x.y.z',
      '(x).y[0]',
      '-x',
    ]) {
      expect(infer(src).problems, src).toEqual([]);
    }
  });

  it('passes each reference to the resolver', () => {
    const seen: string[] = [];
    inferType(compileExpression('a.b[c].d + e'), (ref) => {
      seen.push(formatPath(ref.path));
      return A;
    });
    expect(seen).toEqual(['a.b', 'c', 'e']);
  });

  it('works on an expression object it did not compile', () => {
    const foreign = { source: "'a' - 1", references: [], evaluate: () => null };
    expect(inferType(foreign, resolve).problems).toHaveLength(1);
  });
});

describe('type helpers', () => {
  it('formats types', () => {
    expect(formatType(arr(arr(N)))).toBe('array<array<number>>');
    expect(formatType(obj())).toBe('object');
    const wide = Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`f${k}`, B]));
    expect(formatType(obj(wide))).toMatch(/^object\{f0: boolean, .*f5: boolean, \.\.\.\}$/);
  });

  it('checks assignability', () => {
    expect(isAssignable(A, S)).toBe(true);
    expect(isAssignable(S, A)).toBe(true);
    expect(isAssignable(I, N)).toBe(true);
    expect(isAssignable(N, I)).toBe(false);
    expect(isAssignable(S, N)).toBe(false);
    expect(isAssignable(NULL, S)).toBe(false);
    expect(isAssignable(arr(I), arr(N))).toBe(true);
    expect(isAssignable(arr(S), arr(N))).toBe(false);
    expect(isAssignable(obj({ a: I, b: S }), obj({ a: N }))).toBe(true);
    expect(isAssignable(obj({ b: S }), obj({ a: N }))).toBe(false);
    expect(isAssignable(obj(), obj({ a: N }))).toBe(true);
    expect(isAssignable(obj({ a: S }), obj())).toBe(true);
    expect(isAssignable(arr(S), obj())).toBe(false);
  });

  it('unifies and walks members', () => {
    expect(unifyTypes(I, N)).toEqual(N);
    expect(unifyTypes(NULL, S)).toEqual(S);
    expect(unifyTypes(S, B)).toEqual(A);
    expect(unifyTypes(obj({ a: I }), obj({ a: N, b: S }))).toEqual(obj({ a: N, b: S }));
    expect(typeOfMember(arr(S), 3)).toEqual({ type: S });
    expect(typeOfMember(S, 'length')).toEqual({ type: I });
    expect(typeOfMember(obj({ a: S }), 'b').problem?.hint).toBe('known fields: a');
    const outputs = obj({ score: N, items: arr(obj({ id: I })) });
    expect(typeOfPath(outputs, ['items', 0, 'id'])).toEqual({ type: I });
    expect(typeOfPath(outputs, ['items', 'length'])).toEqual({ type: I });
    expect(typeOfPath(outputs, ['score', 'x', 'y']).problem).toMatchObject({
      index: 1,
      message: "a number has no property 'x'",
    });
    expect(typeOfPath(outputs, ['items', 0, 'idd']).problem).toMatchObject({
      index: 2,
      hint: 'did you mean id?',
    });
    expect(typeOfPath(A, ['x', 1])).toEqual({ type: A });
  });
});
