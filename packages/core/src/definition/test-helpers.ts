/**
 * Tiny builders and assertions shared by the validator's tests. Test-only: nothing in the
 * library imports this file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { formatDiagnostic, formatPath, type Diagnostic } from './diagnostics.js';
import { validateDefinition, type ValidateOptions, type ValidationResult } from './validate.js';

/** Absolute path of a file relative to the repository root. */
export function repoFile(relative: string): string {
  return fileURLToPath(new URL(`../../../../${relative}`, import.meta.url));
}

export function readRepoFile(relative: string): string {
  return readFileSync(repoFile(relative), 'utf8');
}

/** Removes the common indentation and the first and last blank lines of a template literal. */
export function dedent(text: string): string {
  const lines = text
    .replace(/^\n/, '')
    .replace(/\n[ \t]*$/, '')
    .split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return `${lines.map((l) => l.slice(cut)).join('\n')}\n`;
}

function indent(text: string, by: number): string {
  const pad = ' '.repeat(by);
  return text
    .split('\n')
    .map((l) => (l.trim() === '' ? l : pad + l))
    .join('\n');
}

export interface HeaderOptions {
  readonly kind?: string;
  readonly name?: string;
  readonly version?: string;
}

/** The first five lines of a document; `spec:` follows on line 6. */
export function header(options: HeaderOptions = {}): string {
  return [
    'apiVersion: orchestrator.llm/v1',
    `kind: ${options.kind ?? 'Workflow'}`,
    'metadata:',
    `  name: ${options.name ?? 'test'}`,
    `  version: ${options.version ?? '1.0.0'}`,
    '',
  ].join('\n');
}

/**
 * A YAML document whose `spec` is `spec` (written unindented; it is indented under `spec:`).
 * The header takes lines 1–5 and `spec:` is line 6, so the first spec line is line 7.
 */
export function workflowYaml(spec: string, options: HeaderOptions = {}): string {
  return `${header(options)}spec:\n${indent(dedent(spec), 2)}`;
}

export type Obj = Record<string, unknown>;

/** A task with an executor, so that it is valid on its own. */
export function task(id: string, extra: Obj = {}): Obj {
  return { id, executor: 'expression', ...extra };
}

export interface WorkflowExtra {
  readonly kind?: string;
  readonly metadata?: Obj;
  /** Merged into `spec` (after `tasks`). */
  readonly spec?: Obj;
}

/** A workflow document as a plain value. */
export function workflow(tasks: readonly Obj[], extra: WorkflowExtra = {}): Obj {
  return {
    apiVersion: 'orchestrator.llm/v1',
    kind: extra.kind ?? 'Workflow',
    metadata: { name: 'test', version: '1.0.0', ...extra.metadata },
    spec: { tasks, ...extra.spec },
  };
}

/** A value as YAML text (no line folding). */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

/** 1-based line and column of the `nth` (0-based) occurrence of `needle` in `text`. */
export function posOf(text: string, needle: string, nth = 0): { line: number; column: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" (#${nth}) not found in the text`);
  }
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: (before[before.length - 1] ?? '').length + 1 };
}

/** What tests compare: code, formatted path and (when known) line and column. */
export interface Brief {
  code: string;
  severity: string;
  path: string;
  line?: number;
  column?: number;
}

export function brief(d: Diagnostic): Brief {
  return {
    code: d.code,
    severity: d.severity,
    path: formatPath(d.path),
    ...(d.line === undefined ? {} : { line: d.line }),
    ...(d.column === undefined ? {} : { column: d.column }),
  };
}

export function codes(result: ValidationResult): string[] {
  return result.diagnostics.map((d) => d.code);
}

export function errors(result: ValidationResult): Diagnostic[] {
  return result.diagnostics.filter((d) => d.severity === 'error');
}

/** Asserts that the result holds exactly one diagnostic, and returns it. */
export function single(result: ValidationResult): Diagnostic {
  expect(result.diagnostics.map(brief)).toHaveLength(1);
  const d = result.diagnostics[0];
  if (d === undefined) throw new Error('unreachable');
  return d;
}

/** Asserts that exactly one diagnostic has `code`, and returns it. */
export function one(result: ValidationResult, code: string): Diagnostic {
  const found = result.diagnostics.filter((d) => d.code === code);
  expect(found.map(brief), `diagnostics with code ${code}`).toHaveLength(1);
  const d = found[0];
  if (d === undefined) throw new Error('unreachable');
  return d;
}

/** Asserts that the result has no diagnostics at all (shows them when it has). */
export function expectClean(result: ValidationResult): void {
  expect(result.diagnostics.map((d) => `${brief(d).code} ${brief(d).path}: ${d.message}`)).toEqual(
    [],
  );
  expect(result.ok).toBe(true);
}

/** Asserts that the result has no errors (warnings allowed). */
export function expectNoErrors(result: ValidationResult): void {
  expect(errors(result).map((d) => `${d.code} ${formatPath(d.path)}: ${d.message}`)).toEqual([]);
  expect(result.ok).toBe(true);
}

const isPositiveInt = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 1;

/**
 * Every diagnostic has the documented shape (code, message, path; line and column positive,
 * within `lineCount` lines when given); `ok` and each document's `valid` agree with the errors.
 */
export function expectWellFormed(result: ValidationResult, lineCount?: number): void {
  const problems: string[] = [];
  const bad = (d: Diagnostic, what: string): void => {
    problems.push(`${what}: ${JSON.stringify(d)}`);
  };
  for (const d of result.diagnostics) {
    if (typeof d.code !== 'string' || !/^[A-Z][A-Z_]+$/.test(d.code)) bad(d, 'code');
    if (typeof d.message !== 'string' || d.message === '') bad(d, 'message');
    if (d.severity !== 'error' && d.severity !== 'warning') bad(d, 'severity');
    if (!Array.isArray(d.path)) bad(d, 'path');
    else if (!d.path.every((s) => typeof s === 'string' || (Number.isInteger(s) && s >= 0)))
      bad(d, 'path segment');
    if ((d.line === undefined) !== (d.column === undefined)) bad(d, 'line without column');
    if (d.line !== undefined && !isPositiveInt(d.line)) bad(d, 'line');
    if (d.column !== undefined && !isPositiveInt(d.column)) bad(d, 'column');
    if (lineCount !== undefined && d.line !== undefined && d.line > lineCount + 1)
      bad(d, 'line past the end');
    if (d.document !== undefined && !(Number.isInteger(d.document) && d.document >= 0))
      bad(d, 'document');
    if (d.hint !== undefined && typeof d.hint !== 'string') bad(d, 'hint');
    if (typeof formatDiagnostic(d) !== 'string') bad(d, 'format');
  }
  expect(problems).toEqual([]);
  expect(result.ok).toBe(!result.diagnostics.some((d) => d.severity === 'error'));
  for (const doc of result.documents) {
    expect(Number.isInteger(doc.index)).toBe(true);
    expect(doc.valid).toBe(
      !result.diagnostics.some((d) => d.severity === 'error' && (d.document ?? 0) === doc.index),
    );
  }
}

/** Validates a workflow of `tasks` (with `spec` merged in) given as a value. */
export function checkTasks(
  tasks: Obj[],
  spec: Obj = {},
  options: ValidateOptions = {},
): ValidationResult {
  return validateDefinition(workflow(tasks, { spec }), options);
}

/** Each diagnostic as `[code, path]`. */
export function codesAndPaths(result: ValidationResult): [string, string][] {
  return result.diagnostics.map((d) => [d.code, formatPath(d.path)]);
}
