/**
 * YAML reads `: `, ` #`, `? ` and flow brackets inside an unquoted value as syntax, so
 * `value: ${{ a ? 'x' : 'y' }}` would not parse. As a convenience, an unquoted value that is one
 * `${{ ... }}` expression ending its line is quoted before parsing. Line numbers and the column
 * where the value starts do not change; block scalars (`|`, `>`) are left alone.
 */
const EXPRESSION_VALUE = /^(\s*(?:-\s+)*(?:[^\s#'"{[-][^#]*?:\s+)?)(\$\{\{.*\}\})\s*$/;
const BLOCK_SCALAR_START = /(?::|^\s*-|^)\s*[|>][-+0-9]*\s*(#.*)?$/;

export interface QuotedText {
  readonly text: string;
  /** 1-based numbers of the lines that were changed. */
  readonly lines: ReadonlySet<number>;
}

function indentOf(line: string): number {
  return /^ */.exec(line)?.[0].length ?? 0;
}

export function quoteExpressionValues(text: string): QuotedText {
  if (!text.includes('${{')) return { text, lines: new Set() };
  const lines = text.split('\n');
  const changed = new Set<number>();
  let blockIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (blockIndent >= 0) {
      if (line.trim() === '' || indentOf(line) > blockIndent) continue;
      blockIndent = -1;
    }
    if (BLOCK_SCALAR_START.test(line)) {
      blockIndent = indentOf(line);
      continue;
    }
    if (!line.includes('${{')) continue;
    const m = EXPRESSION_VALUE.exec(line);
    if (m === null) continue;
    const [, head = '', value = ''] = m;
    lines[i] = `${head}'${value.replaceAll("'", "''")}'`;
    changed.add(i + 1);
  }
  return { text: lines.join('\n'), lines: changed };
}
