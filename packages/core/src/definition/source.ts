/**
 * Reads a workflow file (YAML, one or more `---` documents, or JSON) into plain values, and keeps
 * what is needed to turn a JSON path back into a line and column. JSON takes a fast path
 * (`JSON.parse`); positions are then computed lazily, only when a diagnostic needs them.
 */
import {
  LineCounter,
  parseAllDocuments,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Document,
  type Node,
} from 'yaml';
import type { Diagnostic, JsonPath } from './diagnostics.js';
import { quoteExpressionValues } from './expression-quoting.js';
import { fastLoadAll } from './fast-yaml.js';

export interface SourceDocument {
  readonly index: number;
  readonly value: unknown;
  /** Line and column (1-based) of the value at `path`, or of its nearest existing ancestor. */
  locate(path: JsonPath, options?: LocateOptions): { line: number; column: number } | undefined;
}

export interface LocateOptions {
  /** Point at the key of the last segment (unknown fields) rather than at its value. */
  readonly key?: boolean;
  /** A character offset inside the string at `path`, applied when the string is on one line. */
  readonly offset?: number;
}

export interface ParsedSource {
  readonly file: string | undefined;
  readonly documents: readonly SourceDocument[];
  /** YAML/JSON syntax errors. Documents with syntax errors are left out of `documents`. */
  readonly diagnostics: readonly Diagnostic[];
}

interface YamlDoc {
  readonly contents: unknown;
}

/** Finds the node at `path`; with `key`, the key node of the last segment (for unknown fields). */
function findNode(
  doc: YamlDoc,
  path: JsonPath,
  key: boolean,
): { range?: [number, number, number] | null } | undefined {
  let node: unknown = doc.contents;
  let found: unknown = node;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (pair !== undefined) {
        next = key && i === path.length - 1 ? pair.key : (pair.value ?? pair.key);
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    }
    if (next === undefined || next === null) break;
    node = next;
    found = next;
  }
  return found as { range?: [number, number, number] | null } | undefined;
}

function yamlSyntaxDiagnostic(
  file: string | undefined,
  document: number,
  message: string,
  pos: { line: number; col: number } | undefined,
  code: string,
  sourceLine: string,
): Diagnostic {
  const firstLine = message.split('\n')[0] ?? message;
  const hint = sourceLine.includes('${{')
    ? "quote the value, e.g. key: \"${{ ... }}\" (YAML reads ': ', ' #', '[' and '{' in unquoted text as syntax)"
    : sourceLine.includes('\t')
      ? 'indent with spaces; YAML does not allow tabs for indentation'
      : undefined;
  return {
    severity: 'error',
    code: 'SYNTAX',
    message: `${code === 'DUPLICATE_KEY' ? 'duplicate key' : 'invalid YAML/JSON'}: ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}`,
    path: [],
    document,
    ...(file === undefined ? {} : { file }),
    ...(pos === undefined ? {} : { line: pos.line, column: pos.col }),
    ...(hint === undefined ? {} : { hint }),
  };
}

function looksLikeJson(text: string): boolean {
  const first = /\S/.exec(text);
  return first !== null && (first[0] === '{' || first[0] === '[');
}

/** Below this size the positioned parser is fast enough to read everything itself. */
const FAST_YAML_MIN_LENGTH = 64 * 1024;

/** Large, well-formed YAML: values from the fast reader, positions parsed only when needed. */
function fastYaml(text: string, file: string | undefined): ParsedSource | undefined {
  const values = fastLoadAll(quoteExpressionValues(text).text);
  // Empty or null documents, and anything the fast reader refused, take the careful path.
  if (values === undefined || values.length === 0 || values.some((v) => v === null))
    return undefined;
  let yaml: ParsedYaml | undefined;
  const documents = values.map((value, index): SourceDocument => ({
    index,
    value,
    locate(path, options) {
      yaml ??= parseYaml(text);
      const doc = yaml.docs[index];
      return doc === undefined ? undefined : position(doc, yaml, path, options);
    },
  }));
  return { file, documents, diagnostics: [] };
}

/** Parses the text of a workflow file. Never throws for bad input: problems become diagnostics. */
export function parseSource(text: string, file?: string): ParsedSource {
  if (looksLikeJson(text)) {
    try {
      const value: unknown = JSON.parse(text);
      let yamlDocs: ParsedYaml | undefined;
      const documents: SourceDocument[] = [
        {
          index: 0,
          value,
          locate(path, options) {
            yamlDocs ??= parseYaml(text);
            const doc = yamlDocs.docs[0];
            return doc === undefined ? undefined : position(doc, yamlDocs, path, options);
          },
        },
      ];
      return { file, documents, diagnostics: [] };
    } catch {
      // Not valid JSON: the YAML parser gives a positioned error (JSON is YAML).
    }
  }
  const fast = text.length >= FAST_YAML_MIN_LENGTH ? fastYaml(text, file) : undefined;
  if (fast !== undefined) return fast;
  const yaml = parseYaml(text);
  const { docs, lines } = yaml;
  const documents: SourceDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  docs.forEach((doc, index) => {
    const err = doc.errors[0];
    if (err !== undefined) {
      // Later errors of a document mostly follow from the first one: report that one alone.
      const pos = lines.linePos(err.pos[0]);
      const line = text.split('\n')[pos.line - 1] ?? '';
      diagnostics.push(yamlSyntaxDiagnostic(file, index, err.message, pos, err.code, line));
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // An alias without its anchor, or too many aliases (a "billion laughs" document).
      const pos = lines.linePos(doc.range[0]);
      diagnostics.push(yamlSyntaxDiagnostic(file, index, (e as Error).message, pos, 'ALIAS', ''));
      return;
    }
    const empty = doc.contents === null || (isScalar(doc.contents) && doc.contents.source === '');
    if (value === null && empty) return; // an empty document (e.g. trailing `---`)
    documents.push({
      index,
      value,
      locate: (path, options) => position(doc, yaml, path, options),
    });
  });
  if (docs.length === 0 || (documents.length === 0 && diagnostics.length === 0)) {
    diagnostics.push({
      severity: 'error',
      code: 'EMPTY_FILE',
      message: 'the file holds no workflow document',
      path: [],
      ...(file === undefined ? {} : { file }),
      hint: 'start with `apiVersion: orchestrator.llm/v1` and `kind: Workflow`',
    });
  }
  return { file, documents, diagnostics };
}

interface ParsedYaml {
  readonly docs: Document.Parsed[];
  readonly lines: LineCounter;
  /** Lines whose expression value was quoted for the parser (see expression-quoting.ts). */
  readonly quoted: ReadonlySet<number>;
  /** The text the parser read (after quoting). */
  readonly text: string;
}

function parseYaml(original: string): ParsedYaml {
  const { text, lines: quoted } = quoteExpressionValues(original);
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
  });
  // An empty stream is an empty array-like with extra fields; normalise it to a plain array.
  const docs: Document.Parsed[] = Array.from(parsed as ArrayLike<Document.Parsed>);
  return { docs, lines, quoted, text };
}

function position(
  doc: YamlDoc,
  yaml: ParsedYaml,
  path: JsonPath,
  options: LocateOptions | undefined,
): { line: number; column: number } | undefined {
  const node = findNode(doc, path, options?.key ?? false) as Node | undefined;
  const range = node?.range;
  if (range === undefined || range === null) return undefined;
  const pos = yaml.lines.linePos(range[0]);
  let column = pos.col;
  const offset = options?.offset;
  if (
    offset !== undefined &&
    isScalar(node) &&
    !yaml.text.slice(range[0], range[1]).includes('\n')
  ) {
    if (node.type === 'PLAIN' || yaml.quoted.has(pos.line)) column += offset;
    else if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') column += offset + 1;
  }
  return { line: pos.line, column };
}
