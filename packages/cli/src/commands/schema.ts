/** `llm-orchestrator schema`: the JSON Schema of workflow files, for editors. */
import { toJsonSchema } from '@llm-orchestrator/core';
import { ExitCode } from '../exit-codes.js';
import { serialise } from '../output.js';

export function schemaCommand(output: 'json' | 'yaml'): number {
  process.stdout.write(serialise(toJsonSchema(), output));
  return ExitCode.Ok;
}
