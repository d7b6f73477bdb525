import { describe, expect, it } from 'vitest';
import { formatPath } from '../diagnostics.js';
import {
  brief,
  expectClean,
  posOf,
  single,
  task,
  workflow,
  workflowYaml,
  type Obj,
} from '../test-helpers.js';
import { validateDefinition, validateSource } from '../validate.js';
import type { InputParameter } from '../schema.js';
import { validationProblem } from './inputs.js';

function withInputs(...inputs: Obj[]) {
  return validateDefinition(workflow([task('a')], { spec: { inputs } }));
}

/** The single diagnostic for one input declaration. */
function declaration(input: Obj) {
  return single(withInputs(input));
}

describe('input declarations', () => {
  it('reports a duplicate name at the second declaration, with its line', () => {
    const text = workflowYaml(`
      inputs:
        - name: topic
          type: string
        - name: topic
          type: int
      tasks: [{ id: a, executor: x }]
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'DUPLICATE_INPUT',
      severity: 'error',
      path: 'spec.inputs[1].name',
      line: 10,
      column: 13,
    });
    expect(d.message).toBe('input `topic` is declared twice');
  });

  it.each<[string, Obj, string]>([
    ['int', { default: 'hello' }, 'expected an integer, got the string "hello"'],
    ['int', { default: 1.5 }, 'expected an integer, got the number 1.5'],
    ['float', { default: '0.5' }, 'expected a number, got the string "0.5"'],
    ['boolean', { default: 'yes' }, 'expected true or false, got the string "yes"'],
    ['string', { default: 3 }, 'expected a string, got the integer 3'],
    ['array', { default: 'a,b' }, 'expected a list, got the string "a,b"'],
    ['array', { items: 'int', default: [1, 'x'] }, '[1]: expected an integer, got the string "x"'],
    ['object', { default: [] }, 'expected a mapping, got a list'],
    [
      'object',
      { schema: { t: 'float' }, default: { t: 'hot' } },
      't: expected a number, got the string "hot"',
    ],
    [
      'object',
      { schema: { t: { type: 'float', required: true } }, default: {} },
      'missing required field `t`',
    ],
  ])('reports a %s default of the wrong type (%j)', (type, extra, problem) => {
    const d = declaration({ name: 'x', type, ...extra });
    expect(brief(d)).toEqual({
      code: 'TYPE_MISMATCH',
      severity: 'error',
      path: 'spec.inputs[0].default',
    });
    expect(d.message).toBe(`default of input \`x\`: ${problem}`);
  });

  it.each<[string, Obj]>([
    ['integer', { default: 3 }],
    ['number', { default: 3 }],
    ['float', { default: 0.7 }],
    ['any', { default: { anything: [1] } }],
    ['object', { schema: { t: 'float' }, default: { t: 0.2, extra: true } }],
    ['array', { items: { type: 'object', schema: { n: 'int' } }, default: [{ n: 1 }] }],
  ])('accepts a %s default that fits (%j)', (type, extra) => {
    expectClean(withInputs({ name: 'x', type, ...extra }));
  });

  it.each<[string, Obj, string]>([
    [
      'minLength',
      { type: 'string', default: 'ab', validation: { minLength: 3 } },
      'is shorter than minLength 3',
    ],
    [
      'maxLength',
      { type: 'array', default: [1, 2, 3], validation: { maxLength: 2 } },
      'is longer than maxLength 2',
    ],
    ['minimum', { type: 'float', default: -1, validation: { minimum: 0 } }, 'is below minimum 0'],
    ['maximum', { type: 'int', default: 11, validation: { maximum: 10 } }, 'is above maximum 10'],
    [
      'pattern',
      { type: 'string', default: 'ABC', validation: { pattern: '^[a-z]+$' } },
      'does not match pattern ^[a-z]+$',
    ],
    [
      'enum',
      { type: 'string', default: 'loud', validation: { enum: ['concise', 'detailed'] } },
      'is not one of "concise", "detailed"',
    ],
  ])('reports a default breaking %s', (_, input, broken) => {
    const d = declaration({ name: 'x', ...input });
    expect(brief(d)).toEqual({
      code: 'INVALID_DEFAULT',
      severity: 'error',
      path: 'spec.inputs[0].default',
    });
    expect(d.message).toBe(`default of input \`x\` ${broken}`);
  });

  it.each<[string, Obj, string, string]>([
    [
      'minLength on an integer',
      { type: 'int', validation: { minLength: 1 } },
      'spec.inputs[0].validation',
      'minLength/maxLength apply to strings and arrays, not to int',
    ],
    [
      'maximum on a string',
      { type: 'string', validation: { maximum: 1 } },
      'spec.inputs[0].validation',
      'minimum/maximum apply to numbers, not to string',
    ],
    [
      'min > max',
      { type: 'float', validation: { minimum: 5, maximum: 1 } },
      'spec.inputs[0].validation',
      'minimum 5 is greater than maximum 1',
    ],
    [
      'minLength > maxLength',
      { type: 'string', validation: { minLength: 5, maxLength: 2 } },
      'spec.inputs[0].validation',
      'minLength 5 is greater than maxLength 2',
    ],
    [
      'pattern on a number',
      { type: 'int', validation: { pattern: '^1' } },
      'spec.inputs[0].validation.pattern',
      'pattern applies to strings, not to int',
    ],
  ])('rejects %s', (_, input, path, message) => {
    const d = declaration({ name: 'x', ...input });
    expect(brief(d)).toEqual({ code: 'INVALID_VALIDATION', severity: 'error', path });
    expect(d.message).toBe(message);
  });

  it('reports an invalid regular expression at the pattern, with its line', () => {
    const text = workflowYaml(`
      inputs:
        - name: code
          type: string
          validation:
            pattern: "([a-z"
      tasks: [{ id: a, executor: x }]
    `);
    const d = single(validateSource(text));
    expect(brief(d)).toEqual({
      code: 'INVALID_PATTERN',
      severity: 'error',
      path: 'spec.inputs[0].validation.pattern',
      ...posOf(text, '"([a-z"'),
    });
    expect(d.line).toBe(11);
    expect(d.message).toMatch(/^invalid regular expression: /);
  });

  it('reports enum values of the wrong type', () => {
    const d = declaration({ name: 'x', type: 'string', validation: { enum: ['a', 1] } });
    expect(brief(d)).toEqual({
      code: 'TYPE_MISMATCH',
      severity: 'error',
      path: 'spec.inputs[0].validation.enum[1]',
    });
  });

  it('reports schema on a non-object and items on a non-array', () => {
    const d = declaration({ name: 'x', type: 'string', schema: { a: 'int' } });
    expect(brief(d)).toEqual({
      code: 'INVALID_SCHEMA',
      severity: 'error',
      path: 'spec.inputs[0].schema',
    });
    expect(d.hint).toBe('use `items` for arrays');
    expect(brief(declaration({ name: 'x', type: 'object', items: 'int' }))).toEqual({
      code: 'INVALID_SCHEMA',
      severity: 'error',
      path: 'spec.inputs[0].items',
    });
  });

  it('warns when a required input has a default', () => {
    const r = withInputs({ name: 'x', type: 'string', required: true, default: 'y' });
    expect(r.ok).toBe(true);
    const d = single(r);
    expect(brief(d)).toEqual({
      code: 'REQUIRED_WITH_DEFAULT',
      severity: 'warning',
      path: 'spec.inputs[0].required',
    });
  });

  it('reports every problem of several inputs, in order', () => {
    const r = withInputs(
      { name: 'a', type: 'int', default: 'x' },
      { name: 'a', type: 'string' },
      { name: 'b', type: 'string', validation: { pattern: '(' } },
    );
    expect(r.diagnostics.map((d) => [d.code, formatPath(d.path)])).toEqual([
      ['TYPE_MISMATCH', 'spec.inputs[0].default'],
      ['DUPLICATE_INPUT', 'spec.inputs[1].name'],
      ['INVALID_PATTERN', 'spec.inputs[2].validation.pattern'],
    ]);
  });

  it('checks template parameters the same way', () => {
    const r = validateDefinition(
      workflow([task('a')], {
        kind: 'Template',
        spec: {
          parameters: [
            { name: 'p', type: 'int', default: 'x' },
            { name: 'p', type: 'int' },
          ],
        },
      }),
    );
    expect(r.diagnostics.map((d) => [d.code, formatPath(d.path), d.message])).toEqual([
      [
        'TYPE_MISMATCH',
        'spec.parameters[0].default',
        'default of parameter `p`: expected an integer, got the string "x"',
      ],
      ['DUPLICATE_INPUT', 'spec.parameters[1].name', 'parameter `p` is declared twice'],
    ]);
  });
});

describe('validationProblem (used for run-time input values too)', () => {
  const input: InputParameter = {
    name: 'x',
    type: 'string',
    validation: { minLength: 2, maxLength: 4, pattern: '^[a-z]+$', enum: ['ab', 'abc', 'ABCD'] },
  };

  it('returns the first rule a value breaks, or undefined', () => {
    expect(validationProblem(input, 'ab')).toBeUndefined();
    expect(validationProblem(input, 'a')).toBe('is shorter than minLength 2');
    expect(validationProblem(input, 'abcde')).toBe('is longer than maxLength 4');
    expect(validationProblem(input, 'ABCD')).toBe('does not match pattern ^[a-z]+$');
    expect(validationProblem(input, 'abcd')).toBe('is not one of "ab", "abc", "ABCD"');
    expect(validationProblem({ name: 'y', type: 'string' }, 'anything')).toBeUndefined();
  });

  it('ignores a pattern that does not compile (reported at the declaration)', () => {
    expect(
      validationProblem({ name: 'y', type: 'string', validation: { pattern: '(' } }, 'x'),
    ).toBeUndefined();
  });
});
