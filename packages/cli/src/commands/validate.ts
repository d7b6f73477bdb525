/** `llm-orchestrator validate <file...>`: every problem of every file, at once. */
import {
  countErrors,
  formatPath,
  type Diagnostic,
  type ValidationResult,
} from '@llm-orchestrator/core';
import { ExitCode } from '../exit-codes.js';
import { validateFiles, type LoadOptions } from '../load.js';
import { colours, serialise, table, type OutputFormat } from '../output.js';

export interface ValidateCommandOptions extends LoadOptions {
  readonly output: OutputFormat;
  readonly quiet?: boolean;
}

function summary(result: ValidationResult) {
  return {
    file: result.file ?? '<input>',
    ok: result.ok,
    documents: result.documents.map((d) => ({
      kind: d.document.kind,
      name: d.document.metadata.name,
      version: d.document.metadata.version,
      tasks: d.tasks.length,
      ...(d.dag === undefined
        ? {}
        : { levels: d.dag.levels.length, criticalPath: d.dag.criticalPath.ids }),
    })),
    diagnostics: result.diagnostics.map((d) => ({
      severity: d.severity,
      code: d.code,
      message: d.message,
      path: formatPath(d.path),
      ...(d.line === undefined ? {} : { line: d.line, column: d.column }),
      ...(d.document === undefined ? {} : { document: d.document }),
      ...(d.hint === undefined ? {} : { hint: d.hint }),
    })),
  };
}

/** Compiler-style lines (`file:line:col: error CODE: message`), then a verdict per file. */
export function textReport(
  results: readonly ValidationResult[],
  quiet: boolean,
  stream: NodeJS.WriteStream,
): string {
  const c = colours(stream);
  const lines: string[] = [];
  const where = (d: Diagnostic) =>
    [d.file ?? '<input>', d.line, d.column].filter((x) => x !== undefined).join(':');
  for (const r of results) {
    for (const d of r.diagnostics) {
      const sev = d.severity === 'error' ? c.red('error') : c.yellow('warning');
      lines.push(
        `${where(d)}: ${sev} ${d.code}: ${d.message} ${c.dim(`(at ${formatPath(d.path)})`)}`,
      );
      if (d.hint !== undefined) lines.push(`    ${c.dim('hint:')} ${d.hint}`);
    }
    if (quiet) continue;
    const errors = countErrors(r.diagnostics);
    if (errors === 0) {
      const docs = r.documents.map(
        (d) =>
          `${d.document.kind} ${d.document.metadata.name}@${d.document.metadata.version} (${d.tasks.length} task${d.tasks.length === 1 ? '' : 's'})`,
      );
      lines.push(`${c.green('✓')} ${r.file ?? '<input>'}: valid: ${docs.join(', ')}`);
    } else {
      lines.push(`${c.red('✗')} ${r.file ?? '<input>'}: ${errors} error${errors === 1 ? '' : 's'}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export async function validateCommand(
  files: readonly string[],
  options: ValidateCommandOptions,
): Promise<number> {
  const results = await validateFiles(files, options);
  const ok = results.every((r) => r.ok);
  switch (options.output) {
    case 'json':
    case 'yaml':
      process.stdout.write(serialise({ ok, files: results.map(summary) }, options.output));
      break;
    case 'table': {
      const rows = results.flatMap((r) =>
        r.diagnostics.map((d) => [
          `${d.file ?? ''}:${d.line ?? '?'}:${d.column ?? '?'}`,
          d.severity,
          d.code,
          d.message + (d.hint === undefined ? '' : `\nhint: ${d.hint}`),
        ]),
      );
      process.stdout.write(
        rows.length === 0
          ? `all ${results.length} file(s) valid\n`
          : table(['where', 'severity', 'code', 'message'], rows),
      );
      break;
    }
    case 'text':
      process.stdout.write(textReport(results, options.quiet === true, process.stdout));
      break;
  }
  return ok ? ExitCode.Ok : ExitCode.Invalid;
}
