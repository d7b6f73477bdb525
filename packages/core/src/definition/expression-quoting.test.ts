import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { quoteExpressionValues } from './expression-quoting.js';

describe('quoting expression values before YAML parsing', () => {
  it('lets unquoted expressions hold YAML indicators', () => {
    const src = [
      "a: ${{ x ? 'yes' : 'no' }}",
      "b: ${{ format('{0}: {1}', p, q) }}",
      'list:',
      "  - ${{ '#' + tag }}",
      'c: "${{ already quoted }}"',
      'd: plain',
    ].join('\n');
    const { text, lines } = quoteExpressionValues(src);
    expect([...lines]).toEqual([1, 2, 4]);
    expect(parse(text)).toEqual({
      a: "${{ x ? 'yes' : 'no' }}",
      b: "${{ format('{0}: {1}', p, q) }}",
      list: ["${{ '#' + tag }}"],
      c: '${{ already quoted }}',
      d: 'plain',
    });
  });

  it('keeps line numbers and the start column of the value', () => {
    const { text } = quoteExpressionValues('x:\n  key: ${{ a : b }}\n');
    expect(text.split('\n')[1]?.indexOf("'")).toBe('  key: '.length);
  });

  it('leaves block scalars and lines with trailing comments alone', () => {
    const src = 'script: |\n  value: ${{ a ? b : c }}\nother: ${{ a }} # comment\n';
    const { text, lines } = quoteExpressionValues(src);
    expect(lines.size).toBe(0);
    expect(text).toBe(src);
    expect(parse(text)).toEqual({ script: 'value: ${{ a ? b : c }}\n', other: '${{ a }}' });
  });
});
