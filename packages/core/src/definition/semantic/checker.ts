/** Collects the diagnostics of one document while the semantic checks walk it. */
import type { Diagnostic, JsonPath } from '../diagnostics.js';

export interface Located extends Diagnostic {
  /** Point at the key of the last path segment rather than its value (unknown fields). */
  readonly key?: boolean;
  /** Character offset inside the scalar at `path` (expression errors). */
  readonly offset?: number;
}

export class Checker {
  readonly diagnostics: Located[] = [];

  constructor(readonly document: number) {}

  error(path: JsonPath, code: string, message: string, hint?: string, offset?: number): void {
    this.push('error', path, code, message, hint, offset);
  }

  warning(path: JsonPath, code: string, message: string, hint?: string): void {
    this.push('warning', path, code, message, hint, undefined);
  }

  /** Re-files diagnostics found in another document (a template) under that document. */
  adopt(diagnostics: readonly Located[]): void {
    this.diagnostics.push(...diagnostics);
  }

  private push(
    severity: Diagnostic['severity'],
    path: JsonPath,
    code: string,
    message: string,
    hint: string | undefined,
    offset: number | undefined,
  ): void {
    this.diagnostics.push({
      severity,
      code,
      message,
      path,
      document: this.document,
      ...(hint === undefined ? {} : { hint }),
      ...(offset === undefined ? {} : { offset }),
    });
  }
}
