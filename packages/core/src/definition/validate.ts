/**
 * Validation of workflow files: YAML/JSON syntax, then the schema (structure), then the semantic
 * checks (meaning). Reports every problem at once, each with file, line, column and JSON path.
 */
import { readFile } from 'node:fs/promises';
import type { Dag } from '../graph/index.js';
import { countErrors, type Diagnostic } from './diagnostics.js';
import { Document, type DefinitionDocument, type TemplateDocument } from './schema.js';
import { isLarge, passesShapeCheck } from './fast-shape-check.js';
import { schemaDiagnostics } from './schema-diagnostics.js';
import { Checker, type Located } from './semantic/checker.js';
import type { ExecutorCatalog } from './semantic/task-checks.js';
import { TemplateLibrary } from './semantic/templates.js';
import { checkDocument, type TaskNode } from './semantic/workflow.js';
import { parseSource, type SourceDocument } from './source.js';

export interface ValidateOptions {
  /** Shown in diagnostics. */
  readonly file?: string;
  /** When given, every executor a task names must be in it. */
  readonly executors?: ExecutorCatalog;
  /** Templates defined elsewhere (documents of the file itself are always available). */
  readonly templates?: readonly TemplateDocument[];
  /** Environment variables expressions may read: names, or prefixes ending in `*`. */
  readonly allowEnv?: readonly string[];
  /** Secret names, when known; then `secrets.<name>` must be one of them. */
  readonly secrets?: readonly string[];
}

export interface ValidatedDocument {
  readonly index: number;
  readonly document: DefinitionDocument;
  /** The flattened tasks (branches and template instances included). */
  readonly tasks: readonly TaskNode[];
  /** The DAG, when the dependencies allow one. */
  readonly dag: Dag | undefined;
  /** True when this document has no errors. */
  readonly valid: boolean;
}

export interface ValidationResult {
  readonly file: string | undefined;
  /** No errors in any document (warnings allowed). */
  readonly ok: boolean;
  /** Sorted by document, line and column. */
  readonly diagnostics: readonly Diagnostic[];
  /** The documents that passed the schema (each may still have semantic errors: see `valid`). */
  readonly documents: readonly ValidatedDocument[];
}

function envMatcher(allow: readonly string[]): (name: string) => boolean {
  const exact = new Set(allow.filter((a) => !a.endsWith('*')));
  const prefixes = allow.filter((a) => a.endsWith('*')).map((a) => a.slice(0, -1));
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p));
}

function place(
  d: Located,
  source: SourceDocument | undefined,
  file: string | undefined,
): Diagnostic {
  const pos = source?.locate(d.path, {
    ...(d.key === true ? { key: true } : {}),
    ...(d.offset === undefined ? {} : { offset: d.offset }),
  });
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    path: d.path,
    ...(file === undefined ? {} : { file }),
    ...(pos === undefined ? {} : { line: pos.line, column: pos.column }),
    ...(d.document === undefined ? {} : { document: d.document }),
    ...(d.hint === undefined ? {} : { hint: d.hint }),
  };
}

interface ParsedDocument {
  readonly source: SourceDocument;
  readonly document: DefinitionDocument | undefined;
  readonly checker: Checker;
}

/** Validates documents that are already plain values (from a parser, or built in code). */
function validateDocuments(
  sources: readonly SourceDocument[],
  options: ValidateOptions,
  syntax: readonly Diagnostic[],
): ValidationResult {
  const file = options.file;
  const library = new TemplateLibrary();
  for (const t of options.templates ?? []) library.add(t);
  const parsed: ParsedDocument[] = sources.map((source) => {
    const checker = new Checker(source.index);
    if (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value)) {
      checker.error(
        [],
        'NOT_A_DOCUMENT',
        'a workflow document must be a mapping with apiVersion, kind, metadata and spec',
      );
      return { source, document: undefined, checker };
    }
    if (isLarge(source.value) && passesShapeCheck(source.value)) {
      return { source, document: source.value as DefinitionDocument, checker };
    }
    const result = Document.safeParse(source.value);
    if (result.success) return { source, document: result.data, checker };
    const issues = schemaDiagnostics(result.error.issues, source.value);
    checker.adopt(issues.map((d) => ({ ...d, document: source.index })));
    // Unknown fields alone do not stop the semantic checks: the rest of the document is sound.
    const onlyUnknown = issues.every((d) => d.code === 'UNKNOWN_FIELD');
    return {
      source,
      document: onlyUnknown ? (source.value as DefinitionDocument) : undefined,
      checker,
    };
  });
  const seen = new Map<string, number>();
  for (const p of parsed) {
    if (p.document === undefined) continue;
    const key = `${p.document.kind}:${p.document.metadata.name}@${p.document.metadata.version}`;
    if (seen.has(key)) {
      p.checker.error(
        ['metadata', 'name'],
        'DUPLICATE_DOCUMENT',
        `${p.document.kind} ${p.document.metadata.name}@${p.document.metadata.version} is defined twice in this file`,
      );
    }
    seen.set(key, p.source.index);
    if (p.document.kind === 'Template') library.add(p.document);
  }
  const semantic = {
    executors: options.executors,
    templates: library,
    envAllowed: envMatcher(options.allowEnv ?? []),
    secrets: options.secrets === undefined ? undefined : new Set(options.secrets),
  };
  const documents: ValidatedDocument[] = [];
  const diagnostics: Diagnostic[] = [...syntax];
  for (const p of parsed) {
    if (p.document !== undefined) {
      const checked = checkDocument(p.document, p.checker, semantic);
      documents.push({
        index: p.source.index,
        document: p.document,
        ...checked,
        valid: countErrors(p.checker.diagnostics) === 0,
      });
    }
    for (const d of p.checker.diagnostics) diagnostics.push(place(d, p.source, file));
  }
  diagnostics.sort(
    (a, b) =>
      (a.document ?? 0) - (b.document ?? 0) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0),
  );
  return { file, ok: countErrors(diagnostics) === 0, diagnostics, documents };
}

/** Validates the text of a workflow file (YAML with one or more documents, or JSON). */
export function validateSource(text: string, options: ValidateOptions = {}): ValidationResult {
  const parsed = parseSource(text, options.file);
  return validateDocuments(parsed.documents, options, parsed.diagnostics);
}

/** Validates a definition given as a value (e.g. built in code); diagnostics carry paths only. */
export function validateDefinition(
  value: unknown,
  options: ValidateOptions = {},
): ValidationResult {
  const values = Array.isArray(value) ? value : [value];
  const sources: SourceDocument[] = values.map((v: unknown, index) => ({
    index,
    value: v,
    locate: () => undefined,
  }));
  return validateDocuments(sources, options, []);
}

/** Reads and validates a workflow file. */
export async function validateFile(
  path: string,
  options: Omit<ValidateOptions, 'file'> = {},
): Promise<ValidationResult> {
  const text = await readFile(path, 'utf8');
  return validateSource(text, { ...options, file: path });
}
