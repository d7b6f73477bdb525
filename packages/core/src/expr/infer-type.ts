import type { BinaryNode, Node, Span } from './ast.js';
import { internalsOf, type CompiledExpression, type Reference } from './compile.js';
import type { FunctionName } from './functions.js';
import {
  ANY,
  BOOLEAN,
  INTEGER,
  NULL,
  NUMBER,
  STRING,
  arrayOf,
  formatType,
  isInteger,
  typeOfMember,
  unifyTypes,
  type StaticType,
} from './static-type.js';

export interface TypeProblem {
  readonly message: string;
  readonly start: number;
  readonly end: number;
  readonly hint?: string;
}

export interface TypeInference {
  readonly type: StaticType;
  readonly problems: readonly TypeProblem[];
}

type Kind = StaticType['kind'];

interface Arg {
  readonly type: StaticType;
  readonly node: Node;
}

interface Checker {
  /** Reports a problem unless the argument's type is `any` or one of `kinds`. */
  want(args: readonly Arg[], i: number, kinds: readonly Kind[], fn: string): void;
}

const ARRAY_ANY = arrayOf(ANY);

function unifyAll(types: readonly StaticType[]): StaticType {
  let out: StaticType | undefined;
  for (const t of types) out = out === undefined ? t : unifyTypes(out, t);
  return out ?? ANY;
}

function stringFn(name: string) {
  return (args: readonly Arg[], c: Checker): StaticType => {
    for (let i = 0; i < args.length; i++) c.want(args, i, ['string'], name);
    return STRING;
  };
}

function predicate(name: string) {
  return (args: readonly Arg[], c: Checker): StaticType => {
    c.want(args, 0, ['string'], name);
    c.want(args, 1, ['string'], name);
    return BOOLEAN;
  };
}

function mathFn(name: string, integer: boolean) {
  return (args: readonly Arg[], c: Checker): StaticType => {
    c.want(args, 0, ['number'], name);
    return integer ? INTEGER : args[0]?.type.kind === 'number' ? args[0].type : NUMBER;
  };
}

function extremum(name: string) {
  return (args: readonly Arg[], c: Checker): StaticType => {
    const first = args[0];
    if (args.length === 1 && first !== undefined) {
      c.want(args, 0, ['number', 'array'], name);
      if (first.type.kind === 'array') {
        const items = first.type.items;
        if (items.kind !== 'any' && items.kind !== 'number') {
          c.want([{ type: items, node: first.node }], 0, ['number'], name);
        }
        return items.kind === 'number' ? items : NUMBER;
      }
      return first.type.kind === 'number' ? first.type : NUMBER;
    }
    for (let i = 0; i < args.length; i++) c.want(args, i, ['number'], name);
    return args.every((a) => isInteger(a.type)) ? INTEGER : NUMBER;
  };
}

/** Argument checks and result types of the built-in functions. */
const SIGNATURES: Record<FunctionName, (args: readonly Arg[], c: Checker) => StaticType> = {
  length: (args, c) => {
    c.want(args, 0, ['string', 'array', 'object'], 'length');
    return INTEGER;
  },
  contains: (args, c) => {
    c.want(args, 0, ['string', 'array'], 'contains');
    if (args[0]?.type.kind === 'string') c.want(args, 1, ['string'], 'contains');
    return BOOLEAN;
  },
  startsWith: predicate('startsWith'),
  endsWith: predicate('endsWith'),
  lower: stringFn('lower'),
  upper: stringFn('upper'),
  trim: stringFn('trim'),
  replace: stringFn('replace'),
  join: (args, c) => {
    c.want(args, 0, ['array'], 'join');
    c.want(args, 1, ['string'], 'join');
    return STRING;
  },
  split: (args, c) => {
    c.want(args, 0, ['string'], 'split');
    c.want(args, 1, ['string'], 'split');
    return arrayOf(STRING);
  },
  format: (args, c) => {
    c.want(args, 0, ['string'], 'format');
    return STRING;
  },
  toJSON: () => STRING,
  fromJSON: (args, c) => {
    c.want(args, 0, ['string'], 'fromJSON');
    return ANY;
  },
  min: extremum('min'),
  max: extremum('max'),
  round: (args, c) => {
    c.want(args, 0, ['number'], 'round');
    c.want(args, 1, ['number'], 'round');
    return args.length === 1 ? INTEGER : NUMBER;
  },
  floor: mathFn('floor', true),
  ceil: mathFn('ceil', true),
  abs: mathFn('abs', false),
  coalesce: (args) => unifyAll(args.map((a) => a.type)),
  if: (args) => unifyTypes(args[1]?.type ?? ANY, args[2]?.type ?? ANY),
};

/**
 * Infers the type of an expression. `resolve` types each Reference (return `{kind: 'any'}` when
 * unknown); accesses beyond a reference are typed from object fields and array items. Only
 * problems that are certain are reported; `any` never produces one.
 */
export function inferType(
  expr: CompiledExpression,
  resolve: (ref: Reference) => StaticType,
): TypeInference {
  const { ast, referenceOf } = internalsOf(expr);
  const problems: TypeProblem[] = [];
  const report = (message: string, at: Span, hint?: string): void => {
    problems.push({
      message,
      start: at.start,
      end: at.end,
      ...(hint === undefined ? {} : { hint }),
    });
  };
  const checker: Checker = {
    want(args, i, kinds, fn) {
      const a = args[i];
      if (a === undefined || a.type.kind === 'any' || kinds.includes(a.type.kind)) return;
      const expected = kinds.map((k) => (k === 'array' || k === 'object' ? `an ${k}` : `a ${k}`));
      report(
        `${fn}() argument ${i + 1} must be ${expected.join(' or ')}, got ${formatType(a.type)}`,
        a.node,
      );
    },
  };

  const binary = (n: BinaryNode): StaticType => {
    const l = infer(n.left);
    const r = infer(n.right);
    const opSpan = { start: n.opStart, end: n.opStart + n.op.length };
    const known = (t: StaticType): boolean => t.kind !== 'any';
    const bad = (expected: string): void => {
      report(
        `'${n.op}' needs ${expected}, got ${formatType(l)} and ${formatType(r)}`,
        known(l) && known(r) ? n : opSpan,
      );
    };
    switch (n.op) {
      case '&&':
      case '||':
        return unifyTypes(l, r);
      case '??':
        return l.kind === 'null' ? r : unifyTypes(l, r);
      case '==':
      case '!=':
        return BOOLEAN;
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const ok = (t: StaticType): boolean =>
          !known(t) || t.kind === 'number' || t.kind === 'string';
        if (!ok(l) || !ok(r) || (known(l) && known(r) && l.kind !== r.kind)) {
          bad('two numbers or two strings');
        }
        return BOOLEAN;
      }
      case '+': {
        if (l.kind === 'string' || r.kind === 'string') return STRING;
        const ok = (t: StaticType): boolean => !known(t) || t.kind === 'number';
        if (!ok(l) || !ok(r)) {
          // A known non-number can still be concatenated when the other side may be a string.
          if (known(l) && known(r)) bad('numbers or a string');
          return ANY;
        }
        if (known(l) && known(r)) return isInteger(l) && isInteger(r) ? INTEGER : NUMBER;
        return ANY;
      }
      default: {
        const ok = (t: StaticType): boolean => !known(t) || t.kind === 'number';
        if (!ok(l) || !ok(r)) bad('numbers');
        const integer = isInteger(l) && isInteger(r) && n.op !== '/';
        return integer ? INTEGER : NUMBER;
      }
    }
  };

  const infer = (n: Node): StaticType => {
    switch (n.kind) {
      case 'literal': {
        const v = n.value;
        if (v === null) return NULL;
        if (typeof v === 'string') return STRING;
        if (typeof v === 'boolean') return BOOLEAN;
        return Number.isInteger(v) ? INTEGER : NUMBER;
      }
      case 'array':
        return n.items.length === 0 ? ARRAY_ANY : arrayOf(unifyAll(n.items.map(infer)));
      case 'object': {
        const fields: Record<string, StaticType> = {};
        for (const e of n.entries) fields[e.key] = infer(e.value);
        return { kind: 'object', fields };
      }
      case 'path': {
        const ref = referenceOf.get(n);
        return ref === undefined ? ANY : resolve(ref);
      }
      case 'member': {
        const access = typeOfMember(infer(n.object), n.key);
        if (access.problem !== undefined) {
          report(access.problem.message, { start: n.keyStart, end: n.end }, access.problem.hint);
        }
        return access.type;
      }
      case 'index': {
        const target = infer(n.object);
        const key = infer(n.index);
        if (key.kind !== 'any' && key.kind !== 'string' && key.kind !== 'number') {
          report(`an index must be a string or a number, got ${formatType(key)}`, n.index);
          return ANY;
        }
        switch (target.kind) {
          case 'array':
            if (key.kind === 'string') report('arrays are indexed by numbers', n.index);
            return key.kind === 'string' ? NULL : target.items;
          case 'string':
            return key.kind === 'number' ? STRING : ANY;
          case 'number':
          case 'boolean':
            report(`a ${target.kind} cannot be indexed`, n);
            return NULL;
          case 'null':
            return NULL;
          default:
            return ANY;
        }
      }
      case 'call': {
        const args = n.args.map((a) => ({ type: infer(a), node: a }));
        return SIGNATURES[n.name](args, checker);
      }
      case 'unary': {
        const t = infer(n.operand);
        if (n.op === '!') return BOOLEAN;
        if (t.kind !== 'any' && t.kind !== 'number') {
          report(`cannot negate ${formatType(t)}`, n.operand);
          return NUMBER;
        }
        return t.kind === 'number' ? t : NUMBER;
      }
      case 'binary':
        return binary(n);
      case 'conditional':
        infer(n.test);
        return unifyTypes(infer(n.consequent), infer(n.alternate));
    }
  };

  const type = infer(ast);
  problems.sort((a, b) => a.start - b.start);
  return { type, problems };
}
