/**
 * Checks input (and template parameter) declarations: unique names, validation rules that fit the
 * type, defaults that fit the type and the rules, and regular expressions that compile.
 */
import type { StaticType } from '../../expr/index.js';
import type { JsonPath } from '../diagnostics.js';
import type { InputParameter } from '../schema.js';
import { inputToStatic, literalTypeProblem } from '../value-types.js';
import type { Checker } from './checker.js';

const NUMERIC = new Set(['int', 'integer', 'float', 'number']);
const LENGTHY = new Set(['string', 'array']);

/** Checks a value against an input's validation rules; returns the first rule it breaks. */
export function validationProblem(input: InputParameter, value: unknown): string | undefined {
  const v = input.validation;
  if (v === undefined) return undefined;
  const length = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
  if (length !== undefined && v.minLength !== undefined && length < v.minLength) {
    return `is shorter than minLength ${v.minLength}`;
  }
  if (length !== undefined && v.maxLength !== undefined && length > v.maxLength) {
    return `is longer than maxLength ${v.maxLength}`;
  }
  if (typeof value === 'number' && v.minimum !== undefined && value < v.minimum)
    return `is below minimum ${v.minimum}`;
  if (typeof value === 'number' && v.maximum !== undefined && value > v.maximum)
    return `is above maximum ${v.maximum}`;
  if (typeof value === 'string' && v.pattern !== undefined) {
    try {
      if (!new RegExp(v.pattern, 'u').test(value)) return `does not match pattern ${v.pattern}`;
    } catch {
      return undefined; // reported where the pattern is declared
    }
  }
  if (v.enum !== undefined && !v.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return `is not one of ${v.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  }
  return undefined;
}

/** Checks the declarations and returns each input's static type, by name. */
export function checkInputs(
  inputs: readonly InputParameter[] | undefined,
  basePath: JsonPath,
  checker: Checker,
  what = 'input',
): Map<string, StaticType> {
  const types = new Map<string, StaticType>();
  (inputs ?? []).forEach((input, i) => {
    const path = [...basePath, i];
    if (types.has(input.name)) {
      checker.error(
        [...path, 'name'],
        'DUPLICATE_INPUT',
        `${what} \`${input.name}\` is declared twice`,
      );
    }
    types.set(input.name, inputToStatic(input));
    const v = input.validation;
    const vPath = [...path, 'validation'];
    if (v !== undefined) {
      if ((v.minLength !== undefined || v.maxLength !== undefined) && !LENGTHY.has(input.type)) {
        checker.error(
          vPath,
          'INVALID_VALIDATION',
          `minLength/maxLength apply to strings and arrays, not to ${input.type}`,
        );
      }
      if ((v.minimum !== undefined || v.maximum !== undefined) && !NUMERIC.has(input.type)) {
        checker.error(
          vPath,
          'INVALID_VALIDATION',
          `minimum/maximum apply to numbers, not to ${input.type}`,
        );
      }
      if (v.pattern !== undefined) {
        if (input.type !== 'string') {
          checker.error(
            [...vPath, 'pattern'],
            'INVALID_VALIDATION',
            `pattern applies to strings, not to ${input.type}`,
          );
        }
        try {
          new RegExp(v.pattern, 'u');
        } catch (err) {
          checker.error(
            [...vPath, 'pattern'],
            'INVALID_PATTERN',
            `invalid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`,
          );
        }
      }
      if (v.minLength !== undefined && v.maxLength !== undefined && v.minLength > v.maxLength) {
        checker.error(
          vPath,
          'INVALID_VALIDATION',
          `minLength ${v.minLength} is greater than maxLength ${v.maxLength}`,
        );
      }
      if (v.minimum !== undefined && v.maximum !== undefined && v.minimum > v.maximum) {
        checker.error(
          vPath,
          'INVALID_VALIDATION',
          `minimum ${v.minimum} is greater than maximum ${v.maximum}`,
        );
      }
      (v.enum ?? []).forEach((value, j) => {
        const problem = literalTypeProblem(value, input);
        if (problem !== undefined)
          checker.error([...vPath, 'enum', j], 'TYPE_MISMATCH', `enum value: ${problem}`);
      });
    }
    if (input.schema !== undefined && input.type !== 'object') {
      checker.error(
        [...path, 'schema'],
        'INVALID_SCHEMA',
        `\`schema\` describes object fields; \`${input.name}\` is ${input.type}`,
        'use `items` for arrays',
      );
    }
    if (input.items !== undefined && input.type !== 'array') {
      checker.error(
        [...path, 'items'],
        'INVALID_SCHEMA',
        `\`items\` describes array elements; \`${input.name}\` is ${input.type}`,
      );
    }
    if (input.default !== undefined) {
      const problem = literalTypeProblem(input.default, input);
      if (problem !== undefined) {
        checker.error(
          [...path, 'default'],
          'TYPE_MISMATCH',
          `default of ${what} \`${input.name}\`: ${problem}`,
        );
      } else {
        const broken = validationProblem(input, input.default);
        if (broken !== undefined) {
          checker.error(
            [...path, 'default'],
            'INVALID_DEFAULT',
            `default of ${what} \`${input.name}\` ${broken}`,
          );
        }
      }
      if (input.required === true) {
        checker.warning(
          [...path, 'required'],
          'REQUIRED_WITH_DEFAULT',
          `${what} \`${input.name}\` is required but has a default, which will never be used`,
        );
      }
    }
  });
  return types;
}
