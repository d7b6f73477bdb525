/** Reading workflow files for the commands, with I/O problems turned into clear CLI errors. */
import { readFile } from 'node:fs/promises';
import {
  validateSource,
  type ExecutorCatalog,
  type TemplateDocument,
  type ValidateOptions,
  type ValidationResult,
} from '@llm-orchestrator/core';
import { CliError, ExitCode } from './exit-codes.js';

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
    throw new CliError(`cannot read ${path}: ${why}`, ExitCode.Io);
  }
}

export interface LoadOptions {
  readonly templates?: readonly string[];
  readonly allowEnv?: readonly string[];
  /** When given, every executor a task names must be registered in it. */
  readonly executors?: ExecutorCatalog;
}

function templatesOf(result: ValidationResult): TemplateDocument[] {
  return result.documents.flatMap((d) =>
    d.document.kind === 'Template' && d.valid ? [d.document] : [],
  );
}

/**
 * Validates each file. Templates defined in any of the files, or in `--templates` files, can be
 * instantiated by all of them; a `--templates` file is reported only when it has problems.
 */
export async function validateFiles(
  files: readonly string[],
  options: LoadOptions,
): Promise<ValidationResult[]> {
  const base: ValidateOptions = {
    allowEnv: options.allowEnv ?? [],
    ...(options.executors === undefined ? {} : { executors: options.executors }),
  };
  const read = async (file: string) => ({ file, text: await readText(file) });
  const texts = await Promise.all(files.map(read));
  const templateTexts = await Promise.all((options.templates ?? []).map(read));
  const first = texts.map(({ file, text }) => validateSource(text, { ...base, file }));
  const extra = templateTexts.map(({ file, text }) => validateSource(text, { ...base, file }));
  const all = [...first, ...extra];
  const results = texts.map(({ file, text }, i) => {
    const others = all.filter((_, j) => j !== i).flatMap(templatesOf);
    return others.length === 0
      ? (first[i] as ValidationResult)
      : validateSource(text, { ...base, file, templates: others });
  });
  return [...results, ...extra.filter((r) => !r.ok)];
}
