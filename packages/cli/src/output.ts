/** Output formats shared by the commands: json, yaml, table (and the human `text`). */
import Table from 'cli-table3';
import { stringify } from 'yaml';
import { CliError, ExitCode } from './exit-codes.js';

export const OUTPUT_FORMATS = ['text', 'json', 'yaml', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(
  value: string,
  allowed: readonly string[] = OUTPUT_FORMATS,
): OutputFormat {
  if (!allowed.includes(value)) {
    throw new CliError(
      `--output must be one of ${allowed.join(', ')}; got "${value}"`,
      ExitCode.Usage,
    );
  }
  return value as OutputFormat;
}

/** Writes data as JSON or YAML. */
export function serialise(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json'
    ? `${JSON.stringify(data, null, 2)}\n`
    : stringify(data, { lineWidth: 0 });
}

export function table(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const t = new Table({ head: [...head], style: { head: [], border: [] }, wordWrap: true });
  for (const row of rows) t.push(row.map(String));
  return `${t.toString()}\n`;
}

/** Colour only on a terminal, and never when NO_COLOR is set. */
export function colours(stream: NodeJS.WriteStream): {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  dim(s: string): string;
} {
  const on = stream.isTTY && process.env.NO_COLOR === undefined;
  const wrap = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { red: wrap(31), yellow: wrap(33), green: wrap(32), dim: wrap(2) };
}
