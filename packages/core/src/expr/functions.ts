import { ExpressionEvaluationError } from '../errors.js';
import {
  charge,
  chargeChars,
  checkArray,
  checkString,
  deepEqual,
  displayString,
  errorText,
  isPlainObject,
  sanitize,
  toJsonText,
  tooLongString,
  truthy,
  typeOfValue,
  type EvalState,
  type Evaluator,
} from './values.js';

/** A built-in function. Eager ones get argument values; lazy ones decide what to evaluate. */
export type BuiltinFunction = {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Shown in hints: `round(number, decimals?)`. */
  readonly usage: string;
} & (
  | { readonly lazy: false; call(args: unknown[], state: EvalState): unknown }
  | {
      readonly lazy: true;
      call(
        args: readonly Evaluator[],
        ctx: Readonly<Record<string, unknown>>,
        s: EvalState,
      ): unknown;
    }
);

function fail(name: string, message: string): never {
  throw new ExpressionEvaluationError(`${name}(): ${message}`);
}

function badArg(name: string, args: unknown[], i: number, expected: string): never {
  return fail(name, `argument ${i + 1} must be ${expected}, got ${typeOfValue(args[i])}`);
}

function str(name: string, args: unknown[], i: number): string {
  const v = args[i];
  return typeof v === 'string' ? v : badArg(name, args, i, 'a string');
}

function num(name: string, args: unknown[], i: number): number {
  const v = args[i];
  return typeof v === 'number' ? v : badArg(name, args, i, 'a number');
}

function finite(name: string, n: number): number {
  if (!Number.isFinite(n)) fail(name, 'result is not a finite number');
  return n === 0 ? 0 : n;
}

function strings(name: string, fn: (s: string) => string) {
  return {
    minArgs: 1,
    maxArgs: 1,
    usage: `${name}(string)`,
    lazy: false,
    call(args: unknown[], state: EvalState): string {
      const s = str(name, args, 0);
      chargeChars(state, s.length);
      return checkString(state, fn(s));
    },
  } as const;
}

function math(name: string, fn: (n: number) => number) {
  return {
    minArgs: 1,
    maxArgs: 1,
    usage: `${name}(number)`,
    lazy: false,
    call: (args: unknown[]): number => finite(name, fn(num(name, args, 0))),
  } as const;
}

function extremum(name: string, pick: (a: number, b: number) => boolean) {
  return {
    minArgs: 1,
    maxArgs: Infinity,
    usage: `${name}(number, ...) or ${name}(array)`,
    lazy: false,
    call(args: unknown[], state: EvalState): number {
      const first = args[0];
      const list: unknown[] = args.length === 1 && Array.isArray(first) ? first : args;
      charge(state, list.length);
      if (list.length === 0) fail(name, 'needs at least one number');
      let best = NaN;
      for (let i = 0; i < list.length; i++) {
        const v = list[i];
        if (typeof v !== 'number')
          fail(name, `item ${i + 1} must be a number, got ${typeOfValue(v)}`);
        if (i === 0 || pick(v, best)) best = v;
      }
      return best;
    },
  } as const;
}

function roundTo(x: number, decimals: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a >= 1e21) return x;
  if (decimals === 0) return sign * Math.round(a);
  const text = String(a);
  if (text.includes('e')) return (sign * Math.round(a * 10 ** decimals)) / 10 ** decimals;
  // Rounding through decimal text avoids binary artefacts: round(1.005, 2) is 1.01.
  return sign * Number(`${Math.round(Number(`${text}e${decimals}`))}e-${decimals}`);
}

function format(template: string, args: unknown[], state: EvalState): string {
  const max = state.limits.maxStringLength;
  const cache = new Map<number, string>();
  let out = '';
  let i = 0;
  const n = template.length;
  const append = (piece: string): void => {
    if (out.length + piece.length > max) tooLongString(state);
    chargeChars(state, piece.length);
    out += piece;
  };
  while (i < n) {
    const ch = template[i];
    if (ch === '{') {
      if (template[i + 1] === '{') {
        append('{');
        i += 2;
        continue;
      }
      const close = template.indexOf('}', i);
      const digits = close < 0 ? '' : template.slice(i + 1, close);
      if (!/^\d{1,4}$/.test(digits)) {
        fail(
          'format',
          `invalid placeholder at index ${i}: use {0}, {1}, ... or {{ for a literal {`,
        );
      }
      const k = Number(digits);
      if (k + 1 >= args.length) {
        fail('format', `placeholder {${k}} has no argument (${args.length - 1} given)`);
      }
      let text = cache.get(k);
      if (text === undefined) {
        text = displayString(args[k + 1]);
        cache.set(k, text);
      }
      append(text);
      i = close + 1;
    } else if (ch === '}') {
      if (template[i + 1] !== '}')
        fail('format', `unmatched } at index ${i}: use }} for a literal }`);
      append('}');
      i += 2;
    } else {
      let j = i + 1;
      while (j < n && template[j] !== '{' && template[j] !== '}') j++;
      append(template.slice(i, j));
      i = j;
    }
  }
  return out;
}

function join(list: unknown[], sep: string, state: EvalState): string {
  charge(state, list.length);
  const pieces: string[] = new Array<string>(list.length);
  let length = list.length > 0 ? (list.length - 1) * sep.length : 0;
  for (let i = 0; i < list.length; i++) {
    const piece = displayString(sanitize(list[i]));
    length += piece.length;
    if (length > state.limits.maxStringLength) tooLongString(state);
    pieces[i] = piece;
  }
  chargeChars(state, length);
  return pieces.join(sep);
}

function replaceAll(s: string, from: string, to: string, state: EvalState): string {
  chargeChars(state, s.length);
  // An empty search matches between all characters and at both ends, as in JavaScript.
  const parts = from === '' ? ['', ...s.split(''), ''] : s.split(from);
  const length = s.length + (parts.length - 1) * (to.length - from.length);
  if (length > state.limits.maxStringLength) tooLongString(state);
  chargeChars(state, length);
  return parts.join(to);
}

/** Canonical functions. Aliases (e.g. `toJson`) are listed in FUNCTION_ALIASES. */
export const FUNCTIONS = {
  length: {
    minArgs: 1,
    maxArgs: 1,
    usage: 'length(string | array | object)',
    lazy: false,
    call(args: unknown[], state: EvalState): number {
      const v = args[0];
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (isPlainObject(v)) {
        const n = Object.keys(v).length;
        charge(state, n);
        return n;
      }
      return badArg('length', args, 0, 'a string, array or object');
    },
  },
  contains: {
    minArgs: 2,
    maxArgs: 2,
    usage: 'contains(string | array, value)',
    lazy: false,
    call(args: unknown[], state: EvalState): boolean {
      const [hay, needle] = args;
      if (typeof hay === 'string') {
        chargeChars(state, hay.length);
        return hay.includes(str('contains', args, 1));
      }
      if (Array.isArray(hay)) {
        charge(state, hay.length);
        return hay.some((x) => deepEqual(sanitize(x), needle, state));
      }
      return badArg('contains', args, 0, 'a string or an array');
    },
  },
  startsWith: {
    minArgs: 2,
    maxArgs: 2,
    usage: 'startsWith(string, prefix)',
    lazy: false,
    call: (args: unknown[]): boolean =>
      str('startsWith', args, 0).startsWith(str('startsWith', args, 1)),
  },
  endsWith: {
    minArgs: 2,
    maxArgs: 2,
    usage: 'endsWith(string, suffix)',
    lazy: false,
    call: (args: unknown[]): boolean => str('endsWith', args, 0).endsWith(str('endsWith', args, 1)),
  },
  lower: strings('lower', (s) => s.toLowerCase()),
  upper: strings('upper', (s) => s.toUpperCase()),
  trim: strings('trim', (s) => s.trim()),
  replace: {
    minArgs: 3,
    maxArgs: 3,
    usage: 'replace(string, search, replacement)',
    lazy: false,
    call: (args: unknown[], state: EvalState): string =>
      replaceAll(str('replace', args, 0), str('replace', args, 1), str('replace', args, 2), state),
  },
  join: {
    minArgs: 1,
    maxArgs: 2,
    usage: "join(array, separator = ',')",
    lazy: false,
    call(args: unknown[], state: EvalState): string {
      const list = args[0];
      if (!Array.isArray(list)) return badArg('join', args, 0, 'an array');
      const sep = args.length > 1 ? str('join', args, 1) : ',';
      return join(list, sep, state);
    },
  },
  split: {
    minArgs: 2,
    maxArgs: 2,
    usage: 'split(string, separator)',
    lazy: false,
    call(args: unknown[], state: EvalState): string[] {
      const s = str('split', args, 0);
      const sep = str('split', args, 1);
      chargeChars(state, s.length);
      const parts = checkArray(state, s.split(sep, state.limits.maxArrayLength + 1));
      charge(state, parts.length);
      return parts;
    },
  },
  format: {
    minArgs: 1,
    maxArgs: Infinity,
    usage: 'format(template, ...values) with {0}, {1} placeholders',
    lazy: false,
    call: (args: unknown[], state: EvalState): string =>
      format(str('format', args, 0), args, state),
  },
  toJSON: {
    minArgs: 1,
    maxArgs: 1,
    usage: 'toJSON(value)',
    lazy: false,
    call(args: unknown[], state: EvalState): string {
      const text = toJsonText(args[0]);
      chargeChars(state, text.length);
      return checkString(state, text);
    },
  },
  fromJSON: {
    minArgs: 1,
    maxArgs: 1,
    usage: 'fromJSON(string)',
    lazy: false,
    call(args: unknown[], state: EvalState): unknown {
      const text = str('fromJSON', args, 0);
      chargeChars(state, text.length);
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        return fail('fromJSON', `invalid JSON: ${errorText(e)}`);
      }
    },
  },
  min: extremum('min', (a, b) => a < b),
  max: extremum('max', (a, b) => a > b),
  round: {
    minArgs: 1,
    maxArgs: 2,
    usage: 'round(number, decimals = 0)',
    lazy: false,
    call(args: unknown[]): number {
      const x = num('round', args, 0);
      const d = args.length > 1 ? num('round', args, 1) : 0;
      if (!Number.isInteger(d) || d < 0 || d > 15)
        fail('round', 'decimals must be an integer 0..15');
      return finite('round', roundTo(x, d));
    },
  },
  floor: math('floor', Math.floor),
  ceil: math('ceil', Math.ceil),
  abs: math('abs', Math.abs),
  coalesce: {
    minArgs: 1,
    maxArgs: Infinity,
    usage: 'coalesce(value, ...)',
    lazy: true,
    call(
      args: readonly Evaluator[],
      ctx: Readonly<Record<string, unknown>>,
      s: EvalState,
    ): unknown {
      for (const arg of args) {
        const v = arg(ctx, s);
        if (v !== null && v !== undefined) return v;
      }
      return null;
    },
  },
  if: {
    minArgs: 3,
    maxArgs: 3,
    usage: 'if(condition, then, else)',
    lazy: true,
    call(
      args: readonly Evaluator[],
      ctx: Readonly<Record<string, unknown>>,
      s: EvalState,
    ): unknown {
      const [test, yes, no] = args as [Evaluator, Evaluator, Evaluator];
      return truthy(test(ctx, s)) ? yes(ctx, s) : no(ctx, s);
    },
  },
} as const satisfies Record<string, BuiltinFunction>;

export type FunctionName = keyof typeof FUNCTIONS;

export const FUNCTION_ALIASES: Readonly<Record<string, FunctionName>> = {
  toJson: 'toJSON',
  fromJson: 'fromJSON',
};

const BY_NAME: ReadonlyMap<string, FunctionName> = new Map<string, FunctionName>([
  ...(Object.keys(FUNCTIONS) as FunctionName[]).map((k) => [k, k] as const),
  ...Object.entries(FUNCTION_ALIASES),
]);

/** The canonical name of a function as written (alias-aware, case-sensitive), if it exists. */
export function lookupFunction(name: string): FunctionName | undefined {
  return BY_NAME.get(name);
}

export function functionSpec(name: FunctionName): BuiltinFunction {
  return FUNCTIONS[name];
}

/** `1 argument`, `1 to 2 arguments`, `at least 1 argument`... */
export function arityText(spec: BuiltinFunction): string {
  const { minArgs: min, maxArgs: max } = spec;
  const count = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  return `${count} argument${count === '1' ? '' : 's'}`;
}

/** Every accepted spelling, for hints. */
export function functionNames(): string[] {
  return [...BY_NAME.keys()];
}
