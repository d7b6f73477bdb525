import { ExpressionEvaluationError, ExpressionSyntaxError } from '../errors.js';
import type { Node, PathNode, PathSegment } from './ast.js';
import { buildEvaluator } from './evaluate.js';
import { resolveLimits, type ExpressionLimits } from './limits.js';
import { parseExpression } from './parser.js';
import { errorText, type EvalState, type Evaluator } from './values.js';

/**
 * A static member chain rooted at an identifier, e.g. `tasks.a.outputs['x']` gives
 * `['tasks', 'a', 'outputs', 'x']`. The chain stops at the first dynamic index. `start`/`end` are
 * offsets into the expression source.
 */
export interface Reference {
  readonly path: readonly PathSegment[];
  readonly start: number;
  readonly end: number;
}

export type ExpressionContext = Readonly<Record<string, unknown>>;

export interface CompiledExpression {
  /** The text inside `${{ }}`, untrimmed; all offsets point into it. */
  readonly source: string;
  readonly references: readonly Reference[];
  /** Evaluates against `context`; the result is JSON-compatible data (null, never undefined). */
  evaluate(context: ExpressionContext): unknown;
}

/** What the static checker needs besides the public face of a compiled expression. */
export interface ExpressionInternals {
  readonly ast: Node;
  readonly referenceOf: ReadonlyMap<PathNode, Reference>;
}

/**
 * The one implementation of CompiledExpression. The evaluator (a tree of closures) is built on the
 * first `evaluate`, so validation, which only compiles, allocates no closures.
 */
class Compiled implements CompiledExpression, ExpressionInternals {
  private run: Evaluator | undefined;

  constructor(
    readonly source: string,
    readonly references: readonly Reference[],
    readonly ast: Node,
    readonly referenceOf: ReadonlyMap<PathNode, Reference>,
    private readonly limits: Readonly<ExpressionLimits>,
  ) {
    Object.freeze(this.references);
  }

  evaluate(context: ExpressionContext): unknown {
    if (typeof context !== 'object' || context === null) {
      throw new ExpressionEvaluationError('expression context must be an object');
    }
    this.run ??= buildEvaluator(this.ast, this.source, this.limits.maxSteps);
    const state: EvalState = { steps: 0, limits: this.limits };
    try {
      const result = this.run(context, state);
      return result === undefined ? null : result;
    } catch (e) {
      if (e instanceof ExpressionEvaluationError) throw e;
      // E.g. a stack overflow on pathologically deep data, or a cyclic context in toJSON.
      throw new ExpressionEvaluationError(`expression failed: ${errorText(e)}`, { cause: e });
    }
  }
}

/** Parses and prepares an expression for fast repeated evaluation. */
export function compileExpression(
  source: string,
  limits?: Partial<ExpressionLimits>,
): CompiledExpression {
  if (typeof source !== 'string') {
    throw new ExpressionSyntaxError('expression source must be a string', String(source), 0);
  }
  const resolved = resolveLimits(source, limits);
  let ast: Node;
  try {
    ast = parseExpression(source, resolved);
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) throw e;
    // Only reachable with huge custom limits (e.g. a stack overflow): still a typed error.
    throw new ExpressionSyntaxError(`expression could not be parsed: ${errorText(e)}`, source, 0, {
      cause: e,
      hint: 'the expression is too large or too deeply nested',
    });
  }
  const referenceOf = collectReferences(ast);
  return new Compiled(source, [...referenceOf.values()], ast, referenceOf, resolved);
}

/** The syntax tree behind a compiled expression (recompiled if it was not made here). */
export function internalsOf(expr: CompiledExpression): ExpressionInternals {
  if (expr instanceof Compiled) return expr;
  const again = compileExpression(expr.source);
  if (!(again instanceof Compiled)) {
    throw new ExpressionSyntaxError('internal: no syntax tree', expr.source, 0);
  }
  return again;
}

/** Every path node in source order, mapped to its Reference. Iterative: no recursion limits. */
function collectReferences(ast: Node): Map<PathNode, Reference> {
  if (ast.kind === 'path') return new Map([[ast, referenceOf(ast)]]); // the common case
  const paths: PathNode[] = [];
  const stack: Node[] = [ast];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    switch (n.kind) {
      case 'literal':
        break;
      case 'path':
        paths.push(n);
        break;
      case 'array':
        stack.push(...n.items);
        break;
      case 'object':
        for (const e of n.entries) stack.push(e.value);
        break;
      case 'member':
        stack.push(n.object);
        break;
      case 'index':
        stack.push(n.object, n.index);
        break;
      case 'call':
        stack.push(...n.args);
        break;
      case 'unary':
        stack.push(n.operand);
        break;
      case 'binary':
        stack.push(n.left, n.right);
        break;
      case 'conditional':
        stack.push(n.test, n.consequent, n.alternate);
        break;
    }
  }
  paths.sort((a, b) => a.start - b.start);
  const out = new Map<PathNode, Reference>();
  for (const p of paths) out.set(p, referenceOf(p));
  return out;
}

function referenceOf(p: PathNode): Reference {
  const path: PathSegment[] = [p.root];
  for (const step of p.steps) path.push(step.key);
  return Object.freeze({ path: Object.freeze(path), start: p.start, end: p.end });
}
