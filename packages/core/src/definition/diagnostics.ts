/**
 * A diagnostic is one problem found in a workflow file: where it is (file, line, column, JSON
 * path), what is wrong, and, where it helps, how to fix it.
 */
export type Severity = 'error' | 'warning';

export type JsonPath = readonly (string | number)[];

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable code, e.g. `UNKNOWN_DEPENDENCY`; documented in docs/workflow-language.md. */
  readonly code: string;
  readonly message: string;
  /** Path of the offending value inside its document, e.g. `['spec', 'tasks', 2, 'dependsOn', 0]`. */
  readonly path: JsonPath;
  readonly file?: string;
  /** 1-based line and column of the offending value in the file, when known. */
  readonly line?: number;
  readonly column?: number;
  /** Index of the YAML document inside a multi-document file (0-based). */
  readonly document?: number;
  readonly hint?: string;
}

/** Formats a JSON path the way users write it: `spec.tasks[2].dependsOn[0]`. */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '$' : out;
}

/** `file:line:column: error CODE: message (at path)` followed by an indented hint line. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.file ?? '<input>', d.line, d.column].filter((x) => x !== undefined).join(':');
  const head = `${where}: ${d.severity} ${d.code}: ${d.message} (at ${formatPath(d.path)})`;
  return d.hint === undefined ? head : `${head}\n    hint: ${d.hint}`;
}

export function countErrors(diagnostics: readonly Diagnostic[]): number {
  return diagnostics.filter((d) => d.severity === 'error').length;
}
