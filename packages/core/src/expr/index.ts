/**
 * The `${{ ... }}` expression language of workflow files.
 *
 * Syntax: literals (numbers, '...' or "..." strings with \n \t \\ \' \" \uXXXX escapes, true,
 * false, null, [arrays], {objects}); root identifiers (any name, the caller decides which are legal);
 * member access `a.b`, index access `a[0]`, `a['x-y']`, `a[expr]`; calls of built-in functions
 * `name(args)`; unary `! -`; binary `* / %`, `+ -`, `< <= > >=`, `== !=`, `&&`, `||`, `??`;
 * ternary `c ? a : b`. Precedence from tight to loose in that order; the ternary is loosest.
 *
 * Semantics:
 * - Access is lenient: on null, on a missing property or out of range it reads null, so `??` and
 *   coalesce() supply fallbacks. Only own properties of plain objects and arrays are readable;
 *   strings and arrays also have `length` and integer indexes. Any other value (function, symbol,
 *   class instance member...) reads as null: globals, prototypes and functions are unreachable.
 * - `__proto__`, `constructor` and `prototype` are rejected as names: at compile time when written
 *   statically (`a.constructor`, `a['prototype']`, object keys), at evaluation when computed.
 * - `+` concatenates when either side is a string (null reads `null`, arrays/objects as JSON),
 *   adds numbers, and fails otherwise. `- * / %` take numbers only; dividing by zero fails; every
 *   arithmetic result must be finite.
 * - `== !=` are strict for primitives (1 != '1') and structural for arrays and objects.
 *   `< <= > >=` compare two numbers or two strings (UTF-16 order); anything else fails.
 * - Truthiness: false, null, 0, '' and NaN are falsy; empty arrays and objects are truthy.
 *   `&&`/`||` short-circuit and return the deciding operand, `!` returns a boolean, `??` takes the
 *   right side when the left is null, the ternary and if() evaluate only the chosen branch.
 * - Functions (case-sensitive): length, contains (case-sensitive; strings or deep-equal array
 *   items), startsWith, endsWith, lower, upper, trim, replace (literal, all occurrences), join
 *   (separator ',' by default), split, format ({0} placeholders, {{ and }} escapes), toJSON/toJson
 *   (compact), fromJSON/fromJson, min, max (numbers or one array), round (half away from zero,
 *   0..15 decimals), floor, ceil, abs, coalesce (first non-null, lazy), if(cond, a, b) (lazy).
 *   Functions check their argument types and fail on a wrong one, null included. In join, format
 *   and interpolations null is '' and arrays/objects are JSON.
 * - Unknown functions, wrong argument counts, bad syntax and exceeded size limits are
 *   ExpressionSyntaxError at compile time; everything going wrong at run time is an
 *   ExpressionEvaluationError. No other error escapes.
 * - Results are JSON-compatible (null, never undefined; finite numbers) as long as the context is.
 * - Limits (DEFAULT_EXPRESSION_LIMITS, overridable per call): source length, nesting depth
 *   (parentheses, brackets, operands and syntax-tree height), work steps per evaluation, produced
 *   string and array sizes. Steps count node visits (a path `a.b.c` counts 3), array elements
 *   handled by functions and equality, and one step per 16 characters of strings functions scan
 *   or build. The length limit applies to each expression inside a template, not to the whole
 *   text; the string limit also applies to the interpolated result.
 */
export type { PathSegment } from './ast.js';
export {
  compileExpression,
  type CompiledExpression,
  type ExpressionContext,
  type Reference,
} from './compile.js';
export { DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from './limits.js';
export {
  compileTemplate,
  containsExpression,
  type CompiledTemplate,
  type TemplateExpression,
} from './template.js';
export { inferType, type TypeInference, type TypeProblem } from './infer-type.js';
export {
  formatType,
  isAssignable,
  typeOfMember,
  typeOfPath,
  unifyTypes,
  type MemberAccess,
  type PathAccess,
  type StaticType,
} from './static-type.js';
export { functionNames as expressionFunctionNames } from './functions.js';
