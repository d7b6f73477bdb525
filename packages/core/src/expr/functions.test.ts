import { describe, expect, it } from 'vitest';
import { FUNCTIONS, FUNCTION_ALIASES, functionNames } from './functions.js';
import { ev, evalError } from './test-helpers.js';

const ctx = {
  tags: ['Alpha', 'Beta'],
  obj: { a: 1, b: 2 },
  text: '  Hello World  ',
  nums: [3, 1, 2],
};

const ok: [string, unknown][] = [
  ["length('abc')", 3],
  ["length('')", 0],
  ['length([1, 2])', 2],
  ['length(obj)', 2],
  ['length({})', 0],
  ["contains('hello', 'ell')", true],
  ["contains('hello', 'L')", false],
  ["contains('hello', '')", true],
  ["contains(tags, 'Beta')", true],
  ["contains(tags, 'beta')", false],
  ['contains([1, [2], {a: 1}], {a: 1})', true],
  ['contains([1, [2]], [2])', true],
  ["contains([1], '1')", false],
  ['contains([null], null)', true],
  ["startsWith('hello', 'he')", true],
  ["startsWith('hello', 'lo')", false],
  ["endsWith('hello', 'lo')", true],
  ["endsWith('hello', 'he')", false],
  ["lower('AbC')", 'abc'],
  ["upper('AbC')", 'ABC'],
  ['trim(text)', 'Hello World'],
  ["replace('a.b.c', '.', '-')", 'a-b-c'],
  ["replace('a+b', '+', '$&$&')", 'a$&$&b'],
  ["replace('aaa', 'a', 'aa')", 'aaaaaa'],
  ["replace('abc', '', '-')", '-a-b-c-'],
  ["replace('abc', 'x', 'y')", 'abc'],
  ["join(['a', 'b'])", 'a,b'],
  ["join(['a', 'b'], ' | ')", 'a | b'],
  ["join([1, 'a', null, true, [1], {k: 2}], ';')", '1;a;;true;[1];{"k":2}'],
  ["join([], '-')", ''],
  ["split('a,b,,c', ',')", ['a', 'b', '', 'c']],
  ["split('abc', '')", ['a', 'b', 'c']],
  ["split('', ',')", ['']],
  ["split('a--b', '--')", ['a', 'b']],
  ["format('{0}-{1}', 'a', 2)", 'a-2'],
  ["format('{1}{0}{1}', 'x', 'y')", 'yxy'],
  ["format('{{0}} {0}', 'x')", '{0} x'],
  ["format('}}{{')", '}{'],
  ["format('no placeholders')", 'no placeholders'],
  ["format('[{0}]', null)", '[]'],
  ["format('{0} {1} {2}', [1], {a: true}, false)", '[1] {"a":true} false'],
  ["toJSON({a: [1, 'x', null]})", '{"a":[1,"x",null]}'],
  ['toJson(null)', 'null'],
  ["toJSON('x')", '"x"'],
  ["fromJSON('[1, 2]')", [1, 2]],
  ['fromJson(\'{"a": {"b": true}}\').a.b', true],
  ['fromJSON(\'"s"\')', 's'],
  ['min(3, 1, 2)', 1],
  ['max(3, 1, 2)', 3],
  ['min(nums)', 1],
  ['max([5])', 5],
  ['max(7)', 7],
  ['min(-1, -5)', -5],
  ['round(2.5)', 3],
  ['round(-2.5)', -3],
  ['round(2.4)', 2],
  ['round(1.005, 2)', 1.01],
  ['round(1.2345, 3)', 1.235],
  ['round(-1.2345, 3)', -1.235],
  ['round(1234.5678, 0)', 1235],
  ['round(0.0000001, 8)', 1e-7],
  ['round(1e22, 2)', 1e22],
  ['floor(-1.5)', -2],
  ['floor(1.9)', 1],
  ['ceil(1.1)', 2],
  ['ceil(-1.1)', -1],
  ['abs(-3)', 3],
  ['abs(2.5)', 2.5],
  ['coalesce(null, missing.x, 0, 1)', 0],
  ["coalesce(null, '', 'x')", ''],
  ['coalesce(null)', null],
  ['coalesce(1, 1 / 0)', 1],
  ['if(true, 1, 1 / 0)', 1],
  ["if(0, 1 / 0, 'b')", 'b'],
  ["if(tags, 'y', 'n')", 'y'],
];

describe('built-in functions', () => {
  it.each(ok)('%s', (src, expected) => {
    expect(ev(src, ctx)).toEqual(expected);
  });

  const failures: [string, RegExp][] = [
    ['length(5)', /length\(\): argument 1 must be a string, array or object, got number/],
    ['length(null)', /got null/],
    ["contains(null, 'a')", /contains\(\): argument 1 must be a string or an array, got null/],
    ["contains('abc', 1)", /argument 2 must be a string/],
    ["startsWith(1, 'a')", /startsWith\(\): argument 1/],
    ["endsWith('a', null)", /endsWith\(\): argument 2/],
    ['lower(1)', /lower\(\): argument 1 must be a string, got number/],
    ['upper([])', /got array/],
    ['trim(null)', /got null/],
    ["replace('a', 1, 'b')", /replace\(\): argument 2/],
    ["join('abc')", /join\(\): argument 1 must be an array, got string/],
    ["join(['a'], 1)", /join\(\): argument 2/],
    ["split('abc', null)", /split\(\): argument 2/],
    ["format('{1}', 'a')", /placeholder \{1\} has no argument \(1 given\)/],
    ["format('{0}')", /no argument/],
    ["format('{', 'a')", /invalid placeholder at index 0/],
    ["format('a}b')", /unmatched \} at index 1/],
    ["format('{x}', 1)", /invalid placeholder/],
    ["format('{-1}', 1)", /invalid placeholder/],
    ['format(1)', /format\(\): argument 1 must be a string/],
    ["fromJSON('nope')", /fromJSON\(\): invalid JSON/],
    ["fromJSON('')", /invalid JSON/],
    ['fromJSON(1)', /argument 1 must be a string/],
    ['min([])', /needs at least one number/],
    ["min(1, 'a')", /item 2 must be a number, got string/],
    ["max(['a'])", /item 1 must be a number/],
    ["round('x')", /round\(\): argument 1 must be a number/],
    ['round(1, 1.5)', /decimals must be an integer 0..15/],
    ['round(1, 16)', /decimals/],
    ['round(1, -1)', /decimals/],
    ["floor('a')", /floor\(\)/],
    ['ceil(null)', /ceil\(\)/],
    ['abs(true)', /abs\(\)/],
  ];
  it.each(failures)('%s fails', (src, message) => {
    expect(evalError(() => ev(src, ctx)).message).toMatch(message);
  });

  it('has every function covered by these tests, under every spelling', () => {
    const tested = [...ok, ...failures].map(([src]) => /^[A-Za-z]+/.exec(src)?.[0]);
    for (const name of functionNames()) expect(tested, name).toContain(name);
    expect(Object.keys(FUNCTION_ALIASES).every((a) => functionNames().includes(a))).toBe(true);
    expect(Object.keys(FUNCTIONS)).toHaveLength(21);
  });

  it('evaluates only the chosen branch of if() and stops coalesce() early', () => {
    expect(ev("if(false, fromJSON('bad'), 2)")).toBe(2);
    expect(ev("coalesce('a', fromJSON('bad'))")).toBe('a');
  });
});
