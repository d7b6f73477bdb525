import { describe, expect, it } from 'vitest';
import { OrchestratorError } from '../errors.js';
import {
  ExecutorInputError,
  isPlainObject,
  nested,
  optionalArray,
  optionalBoolean,
  optionalChoice,
  optionalInteger,
  optionalNumber,
  optionalObject,
  optionalString,
  requireArray,
  requireInput,
  requireNumber,
  requireObject,
  requireString,
} from './errors.js';

function thrown(fn: () => unknown): ExecutorInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ExecutorInputError);
    return err as ExecutorInputError;
  }
  throw new Error('expected a throw');
}

describe('ExecutorInputError', () => {
  it('is a non-retryable OrchestratorError with code InvalidInputError', () => {
    const e = new ExecutorInputError('bad', { input: 'x', hint: 'fix it' });
    expect(e).toBeInstanceOf(OrchestratorError);
    expect(e).toMatchObject({
      code: 'InvalidInputError',
      retryable: false,
      input: 'x',
      hint: 'fix it',
    });
    expect(e.name).toBe('ExecutorInputError');
  });
});

describe('input helpers', () => {
  const inputs = { s: 'text', n: 3, f: 1.5, b: true, a: [1], o: { k: 1 }, z: null, inf: Infinity };

  it('read values of the right type', () => {
    expect(requireString(inputs, 's')).toBe('text');
    expect(requireNumber(inputs, 'n')).toBe(3);
    expect(optionalNumber(inputs, 'f')).toBe(1.5);
    expect(optionalBoolean(inputs, 'b')).toBe(true);
    expect(requireArray(inputs, 'a')).toEqual([1]);
    expect(requireObject(inputs, 'o')).toEqual({ k: 1 });
    expect(requireInput(inputs, 'z')).toBeNull();
    expect(optionalInteger(inputs, 'n', 0, 10)).toBe(3);
    expect(optionalChoice({ op: 'b' }, 'op', ['a', 'b'], 'a')).toBe('b');
  });

  it('treat null and undefined as absent for optional inputs', () => {
    for (const key of ['z', 'missing']) {
      expect(optionalString(inputs, key)).toBeUndefined();
      expect(optionalNumber(inputs, key)).toBeUndefined();
      expect(optionalBoolean(inputs, key)).toBeUndefined();
      expect(optionalArray(inputs, key)).toBeUndefined();
      expect(optionalObject(inputs, key)).toBeUndefined();
      expect(optionalChoice(inputs, key, ['a'], 'a')).toBe('a');
    }
  });

  it('name the input and what was expected', () => {
    expect(thrown(() => requireString(inputs, 'n')).message).toBe(
      'input `n` must be a string, got number',
    );
    expect(thrown(() => requireString(inputs, 'missing')).message).toBe(
      'input `missing` is required (a string)',
    );
    expect(thrown(() => requireNumber(inputs, 'inf')).message).toBe(
      'input `inf` must be a finite number, got Infinity',
    );
    expect(thrown(() => requireObject(inputs, 'a')).message).toBe(
      'input `a` must be an object, got array',
    );
    expect(thrown(() => requireArray(inputs, 'o')).message).toBe(
      'input `o` must be an array, got object',
    );
    expect(thrown(() => optionalBoolean(inputs, 's')).message).toBe(
      'input `s` must be a boolean, got string',
    );
    expect(thrown(() => optionalInteger(inputs, 'f', 0, 10)).message).toBe(
      'input `f` must be a whole number between 0 and 10, got 1.5',
    );
    expect(thrown(() => optionalChoice({ op: 'c' }, 'op', ['a', 'b'], 'a')).message).toBe(
      "input `op` must be one of 'a', 'b', got 'c'",
    );
    expect(thrown(() => requireInput({}, 'data', 'the document')).input).toBe('data');
  });

  it('read nested fields under dotted names', () => {
    const cfg = nested({ pattern: 5 }, 'config');
    expect(thrown(() => requireString(cfg, 'config.pattern')).message).toBe(
      'input `config.pattern` must be a string, got number',
    );
    expect(nested(undefined, 'config')).toEqual({});
  });

  it('recognise plain objects only', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
    expect(isPlainObject('x')).toBe(false);
  });
});
