import { ExpressionEvaluationError, ExpressionSyntaxError } from '../errors.js';
import { compileExpression, type CompiledExpression, type ExpressionContext } from './compile.js';
import { resolveLimits, type ExpressionLimits } from './limits.js';
import { displayString, errorText } from './values.js';

export interface TemplateExpression {
  readonly expression: CompiledExpression;
  /** Index in the original text where the expression's source starts (just after `${{`). */
  readonly offset: number;
}

/** A YAML string value that may hold `${{ }}` markers. */
export interface CompiledTemplate {
  readonly kind: 'literal' | 'expression' | 'interpolation';
  readonly expressions: readonly TemplateExpression[];
  evaluate(context: ExpressionContext): unknown;
}

const OPEN = '${{';

/** True when the text holds at least one `${{` marker. */
export function containsExpression(text: string): boolean {
  return text.includes(OPEN);
}

/**
 * Index of the `}}` that closes a marker whose source starts at `from`, or -1. Quotes and braces
 * are tracked so `'}}'` inside a string and `{a: {b: 1}}` object literals do not close it.
 */
function findClose(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"') {
      for (i++; i < text.length && text[i] !== ch; i++) if (text[i] === '\\') i++;
      if (i >= text.length) return -1;
    } else if (ch === '{') {
      depth++;
    } else if (ch === '}') {
      if (depth === 0 && text[i + 1] === '}') return i;
      if (depth > 0) depth--;
    }
  }
  return -1;
}

function shifted(e: ExpressionSyntaxError, text: string, offset: number): ExpressionSyntaxError {
  return new ExpressionSyntaxError(e.message, text, offset + e.offset, {
    cause: e,
    ...(e.hint === undefined ? {} : { hint: e.hint }),
  });
}

/**
 * Compiles a string value. `"${{ a }}"` alone (surrounding whitespace allowed) is kind
 * `expression` and keeps the value's type; text mixed with markers is `interpolation` and always
 * gives a string (null as '', arrays/objects as JSON); text without markers is `literal`.
 */
export function compileTemplate(
  text: string,
  limits?: Partial<ExpressionLimits>,
): CompiledTemplate {
  if (typeof text !== 'string') {
    throw new ExpressionSyntaxError('template must be a string', String(text), 0);
  }
  if (limits !== undefined) return compileUncached(text, limits);
  // Compiled templates are immutable, so the same text (often repeated across tasks) is shared.
  let compiled = CACHE.get(text);
  if (compiled === undefined) {
    compiled = compileUncached(text, undefined);
    if (CACHE.size >= CACHE_SIZE) CACHE.clear();
    CACHE.set(text, compiled);
  }
  return compiled;
}

const CACHE_SIZE = 1024;
const CACHE = new Map<string, CompiledTemplate>();

function compileUncached(
  text: string,
  limits: Partial<ExpressionLimits> | undefined,
): CompiledTemplate {
  const resolved = resolveLimits(text, limits);
  const literals: string[] = [];
  const expressions: TemplateExpression[] = [];
  let i = 0;
  for (;;) {
    const open = text.indexOf(OPEN, i);
    if (open < 0) break;
    const start = open + OPEN.length;
    const close = findClose(text, start);
    if (close < 0) {
      throw new ExpressionSyntaxError("unclosed '${{': missing '}}'", text, open, {
        hint: 'close the expression with }}',
      });
    }
    let expression: CompiledExpression;
    try {
      expression = compileExpression(text.slice(start, close), resolved);
    } catch (e) {
      if (e instanceof ExpressionSyntaxError) throw shifted(e, text, start);
      throw e;
    }
    literals.push(text.slice(i, open));
    expressions.push(Object.freeze({ expression, offset: start }));
    i = close + 2;
  }
  const tail = text.slice(i);
  const frozen = Object.freeze(expressions);
  const only = expressions[0];
  if (only === undefined) {
    return Object.freeze({ kind: 'literal', expressions: frozen, evaluate: () => text });
  }
  if (expressions.length === 1 && literals[0]?.trim() === '' && tail.trim() === '') {
    return Object.freeze({
      kind: 'expression',
      expressions: frozen,
      evaluate: (context: ExpressionContext) => only.expression.evaluate(context),
    });
  }
  const max = resolved.maxStringLength;
  return Object.freeze({
    kind: 'interpolation',
    expressions: frozen,
    evaluate(context: ExpressionContext): string {
      let out = '';
      for (let k = 0; k < expressions.length; k++) {
        let piece: string;
        try {
          piece = displayString(
            (expressions[k] as TemplateExpression).expression.evaluate(context),
          );
        } catch (e) {
          if (e instanceof ExpressionEvaluationError) throw e;
          throw new ExpressionEvaluationError(`interpolation failed: ${errorText(e)}`, {
            cause: e,
          });
        }
        out += (literals[k] ?? '') + piece;
        if (out.length > max) {
          throw new ExpressionEvaluationError(
            `interpolated string is longer than ${max} characters`,
          );
        }
      }
      out += tail;
      if (out.length > max) {
        throw new ExpressionEvaluationError(`interpolated string is longer than ${max} characters`);
      }
      return out;
    },
  });
}
