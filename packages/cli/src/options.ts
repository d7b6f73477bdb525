/** Options several commands share, and parsers for option values. */
import { Option, type Command } from 'commander';
import { CliError, ExitCode } from './exit-codes.js';
import { parseOutputFormat, type OutputFormat } from './output.js';
import { CONFIG_ENV } from './llm-config.js';
import { HOME_ENV, LEASE_TTL_ENV, STORE_ENV } from './store.js';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** What commander gives the store options. */
export interface StoreFlags {
  store?: string;
  stateDir?: string;
  leaseTtl?: string;
  allowEnv?: string[];
  verbose?: boolean;
  config?: string;
}

/** `--store` and `--state-dir`: every command that reads or writes state. */
export function withStoreOptions(command: Command): Command {
  return command
    .option(
      '--store <location>',
      `the store: a SQLite file, a postgres:// URL (?schema=name picks the schema) or :memory: (env ${STORE_ENV}; default: <state dir>/state.db)`,
    )
    .option(
      '--state-dir <dir>',
      `where the default store lives (env ${HOME_ENV}; default: $XDG_STATE_HOME/llm-orchestrator or ~/.local/state/llm-orchestrator)`,
    );
}

/** `--lease-ttl`, `--allow-env` and `-v`: commands that execute runs. */
export function withExecutionOptions(command: Command): Command {
  return command
    .option(
      '--lease-ttl <ms>',
      `how long a run stays claimed by this process without a heartbeat (env ${LEASE_TTL_ENV}; default 15000)`,
    )
    .option(
      '--allow-env <name>',
      'an environment variable expressions may read (repeatable)',
      collect,
    )
    .option(
      '--config <file>',
      `the LLM configuration: providers, aliases, prices, cache, budgets, policies (env ${CONFIG_ENV})`,
    )
    .option('-v, --verbose', 'structured JSON logs on stderr');
}

export function withOutputOption(command: Command, formats = 'table, json or yaml'): Command {
  return command.addOption(new Option('-o, --output <format>', formats).default('table'));
}

/** The store options as the commands take them. */
export function storeOptions(flags: StoreFlags): {
  store?: string;
  stateDir?: string;
  leaseTtl?: string;
  allowEnv?: string[];
  verbose?: boolean;
  config?: string;
} {
  return {
    ...(flags.store === undefined ? {} : { store: flags.store }),
    ...(flags.stateDir === undefined ? {} : { stateDir: flags.stateDir }),
    ...(flags.leaseTtl === undefined ? {} : { leaseTtl: flags.leaseTtl }),
    ...(flags.allowEnv === undefined ? {} : { allowEnv: flags.allowEnv }),
    ...(flags.config === undefined ? {} : { config: flags.config }),
    ...(flags.verbose === true ? { verbose: true } : {}),
  };
}

export function dataFormat(value: string): OutputFormat {
  return parseOutputFormat(value, ['table', 'json', 'yaml']);
}

/** A whole number of at least `min`. */
export function parseCount(value: string, option: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new CliError(
      `${option} must be a whole number, at least ${min}; got "${value}"`,
      ExitCode.Usage,
    );
  }
  return n;
}
