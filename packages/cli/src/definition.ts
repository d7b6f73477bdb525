/**
 * The workflow a command runs or registers: a file (validated first, diagnostics printed), or a
 * registered `name@version` / `name`. For a file, the engine is given what keeps the stored
 * definition exact and self-contained: the file's text, or, with `--templates`, the parsed
 * documents of the template files followed by those of the workflow file.
 */
import { statSync } from 'node:fs';
import {
  DefinitionError,
  planFromValidation,
  validateSource,
  type DefinitionSource,
  type Engine,
  type Plan,
  type ValidationResult,
} from '@llm-orchestrator/core';
import { CliError, ExitCode } from './exit-codes.js';
import { readText, validateFiles } from './load.js';
import { textReport } from './commands/validate.js';

export interface WorkflowOptions {
  /** `--name`: which workflow of the file. */
  readonly name?: string;
  readonly templates?: readonly string[];
  readonly allowEnv?: readonly string[];
}

export interface LoadedWorkflow {
  readonly definition: DefinitionSource;
  /** The workflow's name (`StartOptions.workflow`). */
  readonly workflow: string;
  readonly plan: Plan;
  /** `file` or `name@version`, for messages. */
  readonly label: string;
}

function isFile(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A target that is no file and looks like `name` or `name@version` names a registered workflow. */
export function isRegisteredRef(target: string): boolean {
  return !isFile(target) && !/[\\/]/.test(target) && !/\.(ya?ml|json)$/i.test(target);
}

function pickPlan(validation: ValidationResult, name: string | undefined): Plan {
  try {
    return planFromValidation(validation, name);
  } catch (err) {
    if (err instanceof DefinitionError) {
      const which = err.diagnostics.some(
        (d) => d.code === 'AMBIGUOUS_WORKFLOW' || d.code === 'NO_WORKFLOW',
      );
      throw new CliError(
        err.diagnostics.map((d) => d.message).join('\n'),
        which ? ExitCode.Usage : ExitCode.Invalid,
      );
    }
    throw err;
  }
}

async function templateDocuments(
  files: readonly string[],
  allowEnv: readonly string[],
): Promise<unknown[]> {
  const docs: unknown[] = [];
  for (const file of files) {
    const result = validateSource(await readText(file), { file, allowEnv });
    for (const d of result.documents) if (d.document.kind === 'Template') docs.push(d.document);
  }
  return docs;
}

/** Validates a workflow file against the engine's executors; prints its problems when invalid. */
export async function loadWorkflowFile(
  engine: Engine,
  file: string,
  options: WorkflowOptions,
): Promise<LoadedWorkflow> {
  const templates = options.templates ?? [];
  const [validation] = await validateFiles([file], {
    executors: engine.executors,
    templates,
    ...(options.allowEnv === undefined ? {} : { allowEnv: options.allowEnv }),
  });
  if (validation === undefined) throw new CliError('nothing was validated', ExitCode.Internal);
  if (!validation.ok) {
    process.stderr.write(
      `${file} is invalid; fix these first:\n${textReport([validation], true, process.stderr)}`,
    );
    throw new CliError('', ExitCode.Invalid);
  }
  const plan = pickPlan(validation, options.name);
  const definition: DefinitionSource =
    templates.length === 0
      ? await readText(file)
      : [
          ...(await templateDocuments(templates, options.allowEnv ?? [])),
          ...validation.documents.map((d) => d.document),
        ];
  return { definition, workflow: plan.name, plan, label: file };
}

/** A file, or a registered workflow when `target` is no file and looks like `name[@version]`. */
export async function loadWorkflow(
  engine: Engine,
  target: string,
  options: WorkflowOptions,
): Promise<LoadedWorkflow> {
  if (!isRegisteredRef(target)) return loadWorkflowFile(engine, target, options);
  if ((options.templates ?? []).length > 0 || options.name !== undefined) {
    throw new CliError(
      `${target} is a registered workflow: --templates and --name apply to files only`,
      ExitCode.Usage,
    );
  }
  const plan = await engine.registered(target);
  return { definition: plan, workflow: plan.name, plan, label: `${plan.name}@${plan.version}` };
}
