import { ExpressionEvaluationError } from '../errors.js';
import { FORBIDDEN_NAMES, type BinaryNode, type Node, type PathSegment } from './ast.js';
import { FUNCTIONS, type FunctionName } from './functions.js';
import {
  budgetExceeded,
  checkString,
  concatString,
  deepEqual,
  excerpt,
  getIndex,
  getMember,
  sanitize,
  truthy,
  typeOfValue,
  type EvalState,
  type Evaluator,
} from './values.js';

/**
 * Turns a syntax tree into a tree of closures, built once per compiled expression. Every closure
 * charges one step to the budget before doing its work.
 */
export function buildEvaluator(node: Node, source: string, maxSteps: number): Evaluator {
  const build = (n: Node): Evaluator => {
    switch (n.kind) {
      case 'literal': {
        const value = n.value;
        return (_c, s) => {
          if (++s.steps > maxSteps) budgetExceeded(s);
          return value;
        };
      }
      case 'array': {
        const items = n.items.map(build);
        return (c, s) => {
          if (++s.steps > maxSteps) budgetExceeded(s);
          const out: unknown[] = new Array<unknown>(items.length);
          for (let i = 0; i < items.length; i++) out[i] = (items[i] as Evaluator)(c, s);
          return out;
        };
      }
      case 'object': {
        const keys = n.entries.map((e) => e.key);
        const values = n.entries.map((e) => build(e.value));
        return (c, s) => {
          if (++s.steps > maxSteps) budgetExceeded(s);
          // Keys are static and never __proto__ (rejected by the parser), so assignment is safe.
          const out: Record<string, unknown> = {};
          for (let i = 0; i < keys.length; i++) {
            out[keys[i] as string] = (values[i] as Evaluator)(c, s);
          }
          return out;
        };
      }
      case 'path':
        return buildPath(
          n.root,
          n.steps.map((st) => st.key),
          maxSteps,
        );
      case 'member': {
        const object = build(n.object);
        const key = n.key;
        return (c, s) => {
          if (++s.steps > maxSteps) budgetExceeded(s);
          return access(object(c, s), key);
        };
      }
      case 'index': {
        const object = build(n.object);
        const index = build(n.index);
        const where = excerpt(source, n.start, n.end);
        return (c, s) => {
          if (++s.steps > maxSteps) budgetExceeded(s);
          const target = object(c, s);
          const key = index(c, s);
          if (typeof key === 'number') return getIndex(target, key);
          if (typeof key === 'string') {
            if (FORBIDDEN_NAMES.has(key)) {
              throw new ExpressionEvaluationError(
                `property name '${key}' is not allowed in ${where}`,
              );
            }
            return getMember(target, key);
          }
          throw new ExpressionEvaluationError(
            `index must be a string or a number, got ${typeOfValue(key)} in ${where}`,
          );
        };
      }
      case 'call':
        return buildCall(n.name, n.args.map(build), maxSteps);
      case 'unary': {
        const operand = build(n.operand);
        if (n.op === '!') {
          return (c, s) => {
            if (++s.steps > maxSteps) budgetExceeded(s);
            return !truthy(operand(c, s));
          };
        }
        const where = excerpt(source, n.start, n.end);
        return (c, s) => {
          if (++s.steps > maxSteps) budgetExceeded(s);
          const v = operand(c, s);
          if (typeof v !== 'number') {
            throw new ExpressionEvaluationError(`cannot negate ${typeOfValue(v)} in ${where}`);
          }
          return v === 0 ? 0 : -v;
        };
      }
      case 'binary':
        return buildBinary(n, build(n.left), build(n.right), source, maxSteps);
      case 'conditional': {
        const test = build(n.test);
        const yes = build(n.consequent);
        const no = build(n.alternate);
        return (c, s) => {
          if (++s.steps > maxSteps) budgetExceeded(s);
          return truthy(test(c, s)) ? yes(c, s) : no(c, s);
        };
      }
    }
  };
  return build(node);
}

function access(v: unknown, key: PathSegment): unknown {
  return typeof key === 'number' ? getIndex(v, key) : getMember(v, key);
}

function buildPath(root: string, keys: readonly PathSegment[], maxSteps: number): Evaluator {
  const cost = keys.length + 1;
  return (c, s) => {
    s.steps += cost;
    if (s.steps > maxSteps) budgetExceeded(s);
    let v = Object.hasOwn(c, root) ? sanitize(c[root]) : null;
    for (let i = 0; i < keys.length && v !== null; i++) v = access(v, keys[i] as PathSegment);
    return v;
  };
}

function buildCall(name: FunctionName, args: Evaluator[], maxSteps: number): Evaluator {
  const spec = FUNCTIONS[name];
  if (spec.lazy) {
    return (c, s) => {
      if (++s.steps > maxSteps) budgetExceeded(s);
      return spec.call(args, c, s);
    };
  }
  return (c, s) => {
    if (++s.steps > maxSteps) budgetExceeded(s);
    const values: unknown[] = new Array<unknown>(args.length);
    for (let i = 0; i < args.length; i++) values[i] = (args[i] as Evaluator)(c, s);
    return spec.call(values, s);
  };
}

function buildBinary(
  n: BinaryNode,
  left: Evaluator,
  right: Evaluator,
  source: string,
  maxSteps: number,
): Evaluator {
  const where = excerpt(source, n.start, n.end);
  const op = n.op;
  const typeError = (a: unknown, b: unknown, expected: string): never => {
    throw new ExpressionEvaluationError(
      `'${op}' needs ${expected}, got ${typeOfValue(a)} and ${typeOfValue(b)} in ${where}`,
    );
  };
  const finite = (r: number): number => {
    if (!Number.isFinite(r)) {
      throw new ExpressionEvaluationError(`'${op}' result is not a finite number in ${where}`);
    }
    return r === 0 ? 0 : r;
  };
  const ordered = (a: unknown, b: unknown): number => {
    if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
    if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
    return typeError(a, b, 'two numbers or two strings');
  };
  const numbers = (a: unknown, b: unknown): [number, number] =>
    typeof a === 'number' && typeof b === 'number' ? [a, b] : typeError(a, b, 'numbers');
  const divisor = (b: number): number => {
    if (b === 0) throw new ExpressionEvaluationError(`division by zero in ${where}`);
    return b;
  };
  type Op = (a: unknown, b: unknown, s: EvalState) => unknown;
  let apply: Op;
  switch (op) {
    case '&&':
      return (c, s) => {
        if (++s.steps > maxSteps) budgetExceeded(s);
        const a = left(c, s);
        return truthy(a) ? right(c, s) : a;
      };
    case '||':
      return (c, s) => {
        if (++s.steps > maxSteps) budgetExceeded(s);
        const a = left(c, s);
        return truthy(a) ? a : right(c, s);
      };
    case '??':
      return (c, s) => {
        if (++s.steps > maxSteps) budgetExceeded(s);
        const a = left(c, s);
        return a === null || a === undefined ? right(c, s) : a;
      };
    case '<':
      apply = (a, b) => ordered(a, b) < 0;
      break;
    case '<=':
      apply = (a, b) => ordered(a, b) <= 0;
      break;
    case '>':
      apply = (a, b) => ordered(a, b) > 0;
      break;
    case '>=':
      apply = (a, b) => ordered(a, b) >= 0;
      break;
    case '==':
      apply = (a, b, s) => a === b || deepEqual(a, b, s);
      break;
    case '!=':
      apply = (a, b, s) => !(a === b || deepEqual(a, b, s));
      break;
    case '+':
      apply = (a, b, s) => {
        if (typeof a === 'number' && typeof b === 'number') return finite(a + b);
        if (typeof a === 'string' || typeof b === 'string') {
          return checkString(s, concatString(a) + concatString(b));
        }
        return typeError(a, b, 'numbers or a string');
      };
      break;
    case '-':
      apply = (a, b) => {
        const [x, y] = numbers(a, b);
        return finite(x - y);
      };
      break;
    case '*':
      apply = (a, b) => {
        const [x, y] = numbers(a, b);
        return finite(x * y);
      };
      break;
    case '/':
      apply = (a, b) => {
        const [x, y] = numbers(a, b);
        return finite(x / divisor(y));
      };
      break;
    case '%':
      apply = (a, b) => {
        const [x, y] = numbers(a, b);
        return finite(x % divisor(y));
      };
      break;
  }
  return (c, s) => {
    if (++s.steps > maxSteps) budgetExceeded(s);
    return apply(left(c, s), right(c, s), s);
  };
}
