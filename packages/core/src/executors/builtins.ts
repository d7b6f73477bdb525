/** The built-in executors, and a registry holding them all. */
import { aggregateArrayExecutor } from './builtin/aggregate-array.js';
import { aggregateMapExecutor } from './builtin/aggregate-map.js';
import { aggregateReduceExecutor } from './builtin/aggregate-reduce.js';
import { expressionExecutor } from './builtin/expression.js';
import { httpRequestExecutor } from './builtin/http-request.js';
import { JSON_TRANSFORM_ALIAS, jsonPathExecutor } from './builtin/jsonpath.js';
import { sleepExecutor } from './builtin/sleep.js';
import { templateOutputsExecutor } from './builtin/template-outputs.js';
import { textTransformExecutor } from './builtin/text-transform.js';
import { templateExecutor } from './builtin/transform-template.js';
import { validateJsonSchemaExecutor } from './builtin/validate-json-schema.js';
import { ExecutorRegistry } from './registry.js';
import type { Executor } from './types.js';

/** Every built-in executor (`orchestrator:fan-out` is not one: the engine runs fan-out itself). */
export const BUILTIN_EXECUTORS: readonly Executor[] = Object.freeze([
  templateExecutor,
  textTransformExecutor,
  jsonPathExecutor,
  validateJsonSchemaExecutor,
  expressionExecutor,
  sleepExecutor,
  httpRequestExecutor,
  aggregateArrayExecutor,
  aggregateMapExecutor,
  aggregateReduceExecutor,
  templateOutputsExecutor,
]);

/** Built-in aliases: alias → executor name. */
export const BUILTIN_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  [JSON_TRANSFORM_ALIAS]: jsonPathExecutor.name,
});

/** A new registry with every built-in executor and alias; register your own on top. */
export function createBuiltinRegistry(): ExecutorRegistry {
  const registry = new ExecutorRegistry();
  for (const executor of BUILTIN_EXECUTORS) registry.register(executor.name, executor);
  for (const [alias, target] of Object.entries(BUILTIN_ALIASES)) registry.alias(alias, target);
  return registry;
}
