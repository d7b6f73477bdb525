/**
 * Renders a {@link Dag} as a Mermaid flowchart or a Graphviz DOT digraph.
 *
 * Both list nodes in input order, then edges grouped by dependent (input order) and, within a
 * dependent, in `dependencies()` order. Edges point from a dependency to its dependent.
 * - `success` edges are plain arrows;
 * - `completion` edges are dotted (Mermaid) / dashed (DOT) and labelled `completion`;
 * - `data` edges are labelled with their `outputKey` (or `data` when there is none).
 */
import type { Dag, DependencySpec } from './types.js';

export interface RenderOptions {
  readonly title?: string;
  readonly direction?: 'TD' | 'LR';
  /** Extra label per node, e.g. the executor; shown on a second line under the id. */
  readonly label?: (id: string) => string | undefined;
}

function edgeLabel(dep: DependencySpec): string | undefined {
  if (dep.kind === 'completion') return 'completion';
  if (dep.kind === 'data') return dep.outputKey ?? 'data';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Mermaid

/**
 * Escapes text for a double-quoted Mermaid label using Mermaid entity codes (`#quot;`, `#35;`,
 * ...). `#` is escaped first so user text can never form an entity code of its own; line breaks
 * become `<br/>`.
 */
export function escapeMermaidText(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/&/g, '#amp;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\|/g, '#124;')
    .replace(/\r\n|\r|\n/g, '<br/>');
}

/**
 * A Mermaid flowchart, e.g.
 * ```
 * flowchart TD
 *   n0["fetch"]
 *   n1["summarize<br/>openai"]
 *   n0 -->|page| n1
 * ```
 * Node ids are `n<input index>`, so any task id is safe; the task id is the quoted label. Edge
 * labels are written bare when they are plain words and quoted (and escaped) otherwise.
 */
export function toMermaid(dag: Dag, options: RenderOptions = {}): string {
  const lines: string[] = [];
  if (options.title !== undefined) {
    // JSON strings are valid YAML double-quoted scalars.
    lines.push('---', `title: ${JSON.stringify(options.title)}`, '---');
  }
  lines.push(`flowchart ${options.direction ?? 'TD'}`);
  const ids = dag.ids;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    const extra = options.label?.(id);
    const text = extra === undefined ? id : `${id}\n${extra}`;
    lines.push(`  n${i}["${escapeMermaidText(text)}"]`);
  }
  for (let i = 0; i < ids.length; i++) {
    for (const dep of dag.dependencies(ids[i] as string)) {
      const from = `n${dag.indexOf(dep.id) ?? -1}`;
      const label = edgeLabel(dep);
      const arrow = dep.kind === 'completion' ? '-.->' : '-->';
      const text =
        label === undefined
          ? ''
          : /^[A-Za-z0-9_. -]+$/.test(label)
            ? `|${label}|`
            : `|"${escapeMermaidText(label)}"|`;
      lines.push(`  ${from} ${arrow}${text} n${i}`);
    }
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// DOT

/**
 * Quotes a string as a DOT double-quoted string: backslashes and quotes are escaped, line breaks
 * become the `\n` label escape (so they render as line breaks in labels).
 */
export function quoteDot(text: string): string {
  return `"${text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r\n|\r|\n/g, '\\n')}"`;
}

/**
 * A Graphviz digraph, e.g.
 * ```
 * digraph "workflow" {
 *   rankdir=TB;
 *   node [shape=box];
 *   "fetch";
 *   "summarize" [label="summarize\nopenai"];
 *   "fetch" -> "summarize" [label="page"];
 * }
 * ```
 * Node ids are the quoted task ids. A title becomes the graph name and its top label.
 */
export function toDot(dag: Dag, options: RenderOptions = {}): string {
  const title = options.title;
  const lines: string[] = [title === undefined ? 'digraph {' : `digraph ${quoteDot(title)} {`];
  lines.push(`  rankdir=${options.direction === 'LR' ? 'LR' : 'TB'};`);
  if (title !== undefined) lines.push(`  label=${quoteDot(title)};`, '  labelloc=t;');
  lines.push('  node [shape=box];');
  for (const id of dag.ids) {
    const extra = options.label?.(id);
    lines.push(
      extra === undefined
        ? `  ${quoteDot(id)};`
        : `  ${quoteDot(id)} [label=${quoteDot(`${id}\n${extra}`)}];`,
    );
  }
  for (const id of dag.ids) {
    for (const dep of dag.dependencies(id)) {
      const attrs: string[] = [];
      if (dep.kind === 'completion') attrs.push('style=dashed');
      const label = edgeLabel(dep);
      if (label !== undefined) attrs.push(`label=${quoteDot(label)}`);
      const suffix = attrs.length === 0 ? '' : ` [${attrs.join(', ')}]`;
      lines.push(`  ${quoteDot(dep.id)} -> ${quoteDot(id)}${suffix};`);
    }
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
