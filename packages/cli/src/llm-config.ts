/**
 * The LLM layer for commands that execute runs: the configuration file (`--config`, or the
 * `LLM_ORCHESTRATOR_CONFIG` variable; YAML or JSON: providers, aliases, prices, cache, budgets,
 * policies, ...) turned into the plugin that registers the LLM executors and the policy gate.
 * Without a file, the defaults: OpenAI and Anthropic with keys from the environment, and the
 * deterministic test provider.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { LogSink, Store } from '@llm-orchestrator/core';
import type { LlmPlugin } from '@llm-orchestrator/llm';
import { CliError, ExitCode } from './exit-codes.js';

export const CONFIG_ENV = 'LLM_ORCHESTRATOR_CONFIG';

/** The configuration file named by the flag or the environment, if any. */
export function configPath(flag: string | undefined): string | undefined {
  const env = process.env[CONFIG_ENV];
  return flag ?? (env === undefined || env === '' ? undefined : env);
}

async function readConfig(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read the configuration ${file}: ${code === 'ENOENT' ? 'no such file' : String(err)}`,
      ExitCode.Io,
    );
  }
  try {
    return parse(text) as unknown;
  } catch (err) {
    throw new CliError(
      `the configuration ${file} is not valid YAML or JSON: ${err instanceof Error ? err.message : String(err)}`,
      ExitCode.Invalid,
    );
  }
}

/** Loads the LLM package (only commands that execute runs need it) and makes the plugin. */
export async function loadLlmPlugin(
  file: string | undefined,
  store: Store,
  log: LogSink,
): Promise<LlmPlugin> {
  const llm = await import('@llm-orchestrator/llm');
  const raw = file === undefined ? {} : await readConfig(file);
  let config;
  try {
    config = llm.parseLlmConfig(raw, file);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), ExitCode.Invalid);
  }
  return llm.createLlmPlugin({ config, store, log });
}
