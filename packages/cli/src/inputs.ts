/** A run's inputs from the command line: `--inputs-file`, then `--inputs`, then each `-i`. */
import { parse as parseYaml } from 'yaml';
import { parseInputAssignments } from '@llm-orchestrator/core';
import { CliError, ExitCode } from './exit-codes.js';
import { readText } from './load.js';

export interface InputOptions {
  readonly inputs: readonly string[];
  readonly inputsJson?: string;
  readonly inputsFile?: string;
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError(
      `${where} must be a JSON/YAML mapping of input names to values`,
      ExitCode.Usage,
    );
  }
  return value as Record<string, unknown>;
}

export async function gatherInputs(
  options: InputOptions,
  declared: Parameters<typeof parseInputAssignments>[1],
): Promise<Record<string, unknown>> {
  let inputs: Record<string, unknown> = {};
  if (options.inputsFile !== undefined) {
    const text = await readText(options.inputsFile);
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new CliError(
        `--inputs-file ${options.inputsFile} is not valid JSON or YAML: ${(err as Error).message}`,
        ExitCode.Usage,
      );
    }
    inputs = { ...inputs, ...asObject(parsed, `--inputs-file ${options.inputsFile}`) };
  }
  if (options.inputsJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.inputsJson);
    } catch (err) {
      throw new CliError(`--inputs is not valid JSON: ${(err as Error).message}`, ExitCode.Usage);
    }
    inputs = { ...inputs, ...asObject(parsed, '--inputs') };
  }
  try {
    return { ...inputs, ...parseInputAssignments(options.inputs, declared) };
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.Usage);
  }
}
