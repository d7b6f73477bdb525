/**
 * Bad executor inputs, and helpers that read typed inputs. Executors read every input through
 * these helpers so that a wrong type becomes an `InvalidInputError` naming the input, never a bare
 * `TypeError` from deep inside a library.
 *
 * Optional helpers treat `undefined` and `null` alike as "not given": an expression that evaluates
 * to null (a missing field) then falls back to the default instead of failing.
 */
import { OrchestratorError, type OrchestratorErrorOptions } from '../errors.js';

export type Inputs = Readonly<Record<string, unknown>>;

/** An input is missing or has the wrong type or value. Never retryable. */
export class ExecutorInputError extends OrchestratorError {
  /** The input at fault (`config.pattern` for a nested field), when there is one. */
  readonly input: string | undefined;

  constructor(
    message: string,
    options: Omit<OrchestratorErrorOptions, 'retryable'> & { readonly input?: string } = {},
  ) {
    super('InvalidInputError', message, { ...options, retryable: false });
    this.input = options.input;
  }
}

/** `string`, `number`, `null`, `array`, `object`, ... for messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

/** A JSON-like object: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function absent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

function wrongType(name: string, expected: string, value: unknown): ExecutorInputError {
  return new ExecutorInputError(
    `input \`${name}\` must be ${expected}, got ${describeType(value)}`,
    {
      input: name,
    },
  );
}

function missing(name: string, expected: string): ExecutorInputError {
  return new ExecutorInputError(`input \`${name}\` is required (${expected})`, { input: name });
}

/** The input as given; fails when it is undefined. */
export function requireInput(inputs: Inputs, name: string, expected = 'a value'): unknown {
  const value = inputs[name];
  if (value === undefined) throw missing(name, expected);
  return value;
}

export function requireString(inputs: Inputs, name: string): string {
  const value = inputs[name];
  if (absent(value)) throw missing(name, 'a string');
  if (typeof value !== 'string') throw wrongType(name, 'a string', value);
  return value;
}

export function optionalString(inputs: Inputs, name: string): string | undefined {
  const value = inputs[name];
  if (absent(value)) return undefined;
  if (typeof value !== 'string') throw wrongType(name, 'a string', value);
  return value;
}

export function requireNumber(inputs: Inputs, name: string): number {
  const value = inputs[name];
  if (absent(value)) throw missing(name, 'a number');
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw wrongType(name, 'a finite number', value);
  }
  return value;
}

export function optionalNumber(inputs: Inputs, name: string): number | undefined {
  return absent(inputs[name]) ? undefined : requireNumber(inputs, name);
}

/** A whole number in `[min, max]`. */
export function optionalInteger(
  inputs: Inputs,
  name: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const value = optionalNumber(inputs, name);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new ExecutorInputError(
      `input \`${name}\` must be a whole number ${range}, got ${value}`,
      {
        input: name,
      },
    );
  }
  return value;
}

export function optionalBoolean(inputs: Inputs, name: string): boolean | undefined {
  const value = inputs[name];
  if (absent(value)) return undefined;
  if (typeof value !== 'boolean') throw wrongType(name, 'a boolean', value);
  return value;
}

export function requireArray(inputs: Inputs, name: string): readonly unknown[] {
  const value = inputs[name];
  if (absent(value)) throw missing(name, 'an array');
  if (!Array.isArray(value)) throw wrongType(name, 'an array', value);
  return value;
}

export function optionalArray(inputs: Inputs, name: string): readonly unknown[] | undefined {
  return absent(inputs[name]) ? undefined : requireArray(inputs, name);
}

export function requireObject(inputs: Inputs, name: string): Readonly<Record<string, unknown>> {
  const value = inputs[name];
  if (absent(value)) throw missing(name, 'an object');
  if (!isPlainObject(value)) throw wrongType(name, 'an object', value);
  return value;
}

export function optionalObject(
  inputs: Inputs,
  name: string,
): Readonly<Record<string, unknown>> | undefined {
  return absent(inputs[name]) ? undefined : requireObject(inputs, name);
}

/** One of `choices`, or `fallback` when absent. */
export function optionalChoice<T extends string>(
  inputs: Inputs,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = optionalString(inputs, name);
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new ExecutorInputError(
      `input \`${name}\` must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got '${value}'`,
      { input: name },
    );
  }
  return value as T;
}

/**
 * A nested object's fields under dotted names, to read them with the same helpers and name them in
 * messages: `requireString(nested(config, 'config'), 'config.pattern')` fails with "input
 * `config.pattern` ...".
 */
export function nested(
  object: Readonly<Record<string, unknown>> | undefined,
  parent: string,
): Inputs {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(object ?? {})) out.set(`${parent}.${key}`, value);
  return Object.fromEntries(out);
}
