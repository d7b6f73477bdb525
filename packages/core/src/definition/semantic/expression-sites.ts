/**
 * Finds every `${{ }}` inside a value (deeply, through mappings and lists) and compiles it once.
 * A site remembers where it came from so that later checks can point at it.
 */
import { ExpressionSyntaxError } from '../../errors.js';
import { compileTemplate, containsExpression, type CompiledTemplate } from '../../expr/index.js';
import type { JsonPath } from '../diagnostics.js';
import type { Checker } from './checker.js';

export interface ExpressionSite {
  readonly path: JsonPath;
  readonly text: string;
  readonly template: CompiledTemplate;
}

/** Compiles the expressions in `value`; syntax errors are reported and the site left out. */
export function collectSites(
  value: unknown,
  path: JsonPath,
  checker: Checker,
  out: ExpressionSite[] = [],
): ExpressionSite[] {
  if (typeof value === 'string') {
    if (!containsExpression(value)) return out;
    try {
      out.push({ path, text: value, template: compileTemplate(value) });
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      checker.error(path, 'EXPRESSION_SYNTAX', err.message, err.hint, err.offset);
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => collectSites(v, [...path, i], checker, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectSites(v, [...path, k], checker, out);
  }
  return out;
}

/** The task ids an expression site reads (`tasks.<id>...`). */
export function referencedTasks(sites: readonly ExpressionSite[]): Set<string> {
  const ids = new Set<string>();
  for (const site of sites) {
    for (const { expression } of site.template.expressions) {
      for (const ref of expression.references) {
        const [root, id] = ref.path;
        if (root === 'tasks' && typeof id === 'string') ids.add(id);
      }
    }
  }
  return ids;
}
