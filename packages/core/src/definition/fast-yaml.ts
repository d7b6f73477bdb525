/**
 * A fast first read of YAML text. js-yaml reads large files many times faster than the `yaml`
 * library, but keeps no positions; positions are only needed when there is a diagnostic, so the
 * positioned parse runs lazily then. Anything unusual (a syntax error, aliases, which could expand
 * exponentially) takes the careful path instead.
 */
import jsyaml from 'js-yaml';

/** Documents as plain values, or undefined when the careful parser should read this text. */
export function fastLoadAll(text: string): unknown[] | undefined {
  if (/(^|[\s[{,])\*[^\s,\]}]/m.test(text) || text.includes('\t')) return undefined;
  try {
    return jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA });
  } catch {
    return undefined;
  }
}
