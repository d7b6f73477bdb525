/** `llm-orchestrator graph <file>`: the task graph as Mermaid or DOT, or its analysis. */
import { toDot, toMermaid, type Dag, type ValidatedDocument } from '@llm-orchestrator/core';
import { CliError, ExitCode } from '../exit-codes.js';
import { validateFiles, type LoadOptions } from '../load.js';
import { serialise, table } from '../output.js';
import { textReport } from './validate.js';

export const GRAPH_FORMATS = ['mermaid', 'dot', 'json', 'yaml', 'table'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export interface GraphCommandOptions extends LoadOptions {
  readonly format: GraphFormat;
  readonly direction: 'TD' | 'LR';
  readonly name?: string;
}

function pick(
  documents: readonly ValidatedDocument[],
  name: string | undefined,
  file: string,
): ValidatedDocument {
  const runnable = documents.filter((d) => d.document.kind !== 'Template');
  const candidates = runnable.length > 0 ? runnable : documents;
  if (name !== undefined) {
    const found = documents.find((d) => d.document.metadata.name === name);
    if (found === undefined) {
      throw new CliError(
        `${file} has no document named "${name}"; it has: ${documents.map((d) => d.document.metadata.name).join(', ')}`,
        ExitCode.Usage,
      );
    }
    return found;
  }
  const [only, ...rest] = candidates;
  if (only === undefined) throw new CliError(`${file} holds no workflow`, ExitCode.Invalid);
  if (rest.length > 0) {
    throw new CliError(
      `${file} holds ${candidates.length} workflows (${candidates.map((d) => d.document.metadata.name).join(', ')}); pick one with --name`,
      ExitCode.Usage,
    );
  }
  return only;
}

function analysis(doc: ValidatedDocument, dag: Dag) {
  return {
    workflow: `${doc.document.metadata.name}@${doc.document.metadata.version}`,
    tasks: doc.tasks.map((t) => ({
      id: t.id,
      executor: t.executor ?? null,
      level: dag.levelOf(t.id),
      dependsOn: t.dependsOn.map((d) =>
        d.kind === 'success'
          ? d.id
          : `${d.id} (${d.kind}${d.outputKey === undefined ? '' : `: ${d.outputKey}`})`,
      ),
    })),
    order: dag.order,
    levels: dag.levels,
    criticalPath: dag.criticalPath.ids,
  };
}

export async function graphCommand(file: string, options: GraphCommandOptions): Promise<number> {
  const [result] = await validateFiles([file], options);
  if (result === undefined) return ExitCode.Internal;
  if (!result.ok) {
    process.stderr.write(
      `${file} is invalid; fix these first:\n${textReport([result], true, process.stderr)}`,
    );
    return ExitCode.Invalid;
  }
  const doc = pick(result.documents, options.name, file);
  const dag = doc.dag;
  if (dag === undefined) return ExitCode.Internal;
  const executorOf = new Map(doc.tasks.map((t) => [t.id, t.executor]));
  const render = {
    title: doc.document.metadata.name,
    direction: options.direction,
    label: (id: string) => executorOf.get(id),
  };
  switch (options.format) {
    case 'mermaid':
      process.stdout.write(`${toMermaid(dag, render)}\n`);
      break;
    case 'dot':
      process.stdout.write(`${toDot(dag, render)}\n`);
      break;
    case 'json':
    case 'yaml':
      process.stdout.write(serialise(analysis(doc, dag), options.format));
      break;
    case 'table': {
      const a = analysis(doc, dag);
      const critical = new Set(a.criticalPath);
      process.stdout.write(
        table(
          ['task', 'executor', 'level', 'depends on', 'critical'],
          a.tasks.map((t) => [
            t.id,
            t.executor ?? '',
            t.level,
            t.dependsOn.join(', '),
            critical.has(t.id) ? '*' : '',
          ]),
        ),
      );
      break;
    }
  }
  return ExitCode.Ok;
}
