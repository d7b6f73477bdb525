/** The commands on what LLM tasks leave in the store: `metrics`, the usage log's report. */
import { Option, type Command } from 'commander';
import { METRICS_GROUPINGS, metricsCommand, parseGrouping } from './commands/metrics.js';
import { storeOptions, withStoreOptions, type StoreFlags } from './options.js';
import { parseOutputFormat } from './output.js';

type SetExit = (code: number) => void;

interface MetricsFlags extends StoreFlags {
  by: string;
  since?: string;
  until?: string;
  workflow?: string;
  model?: string;
  provider?: string;
  run?: string;
  label?: string;
  output: string;
}

export function registerLlmCommands(program: Command, setExit: SetExit): void {
  const metrics = program
    .command('metrics')
    .description(
      'model calls, tokens, cost, latency and quality, per model, workflow, day or provider',
    )
    .addOption(
      new Option('--by <grouping>', 'one row per model, workflow, day (UTC) or provider')
        .choices(METRICS_GROUPINGS)
        .default('model'),
    )
    .option(
      '--since <time>',
      'only what was recorded at or after this time: an ISO date or time, or a duration back from now (7d, 24h)',
    )
    .option('--until <time>', 'only what was recorded before this time (same forms as --since)')
    .option('--workflow <name>', 'only this workflow')
    .option('--model <name>', 'only this model')
    .option('--provider <name>', 'only this provider')
    .option('--run <id>', 'only this run')
    .option('--label <key=value>', "only runs with this label (the workflow's metadata.labels)")
    .addOption(new Option('-o, --output <format>', 'text, table, json or yaml').default('table'));
  withStoreOptions(metrics).action(async (opts: MetricsFlags) => {
    setExit(
      await metricsCommand({
        ...storeOptions(opts),
        by: parseGrouping(opts.by),
        output: parseOutputFormat(opts.output),
        ...(opts.since === undefined ? {} : { since: opts.since }),
        ...(opts.until === undefined ? {} : { until: opts.until }),
        ...(opts.workflow === undefined ? {} : { workflow: opts.workflow }),
        ...(opts.model === undefined ? {} : { model: opts.model }),
        ...(opts.provider === undefined ? {} : { provider: opts.provider }),
        ...(opts.run === undefined ? {} : { run: opts.run }),
        ...(opts.label === undefined ? {} : { label: opts.label }),
      }),
    );
  });
}
