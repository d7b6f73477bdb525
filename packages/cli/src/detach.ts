/**
 * Background workers for `--detach`: this same program, started again as `worker --run <id>`,
 * detached from the terminal (its own process group, no standard streams), so that it outlives
 * the command that started it.
 */
import { spawn } from 'node:child_process';
import { STORE_ENV, storeArgument, type StoreLocation } from './store.js';

export interface WorkerSpawnOptions {
  readonly leaseTtlMs: number;
  readonly allowEnv?: readonly string[];
  /** The LLM configuration file, made absolute (the worker resolves it from the same cwd). */
  readonly config?: string;
}

/** The arguments and environment of a worker for `runId`: exported for the tests of the CLI. */
export function workerCommand(
  runId: string,
  location: StoreLocation,
  options: WorkerSpawnOptions,
): { args: string[]; env: NodeJS.ProcessEnv } {
  const script = process.argv[1] ?? '';
  const args = [
    // The same runtime flags (e.g. a TypeScript loader when run from source) and script.
    ...process.execArgv,
    script,
    'worker',
    '--run',
    runId,
    '--lease-ttl',
    String(options.leaseTtlMs),
    ...(options.allowEnv ?? []).flatMap((a) => ['--allow-env', a]),
    ...(options.config === undefined ? [] : ['--config', options.config]),
  ];
  const env = { ...process.env };
  const store = storeArgument(location);
  // A URL with a password goes through the environment: command lines are visible to others.
  if (location.kind === 'postgres' && new URL(location.url).password !== '') env[STORE_ENV] = store;
  else args.push('--store', store);
  return { args, env };
}

export function spawnWorker(
  runId: string,
  location: StoreLocation,
  options: WorkerSpawnOptions,
): void {
  const { args, env } = workerCommand(runId, location, options);
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: 'ignore',
    env,
    cwd: process.cwd(),
    windowsHide: true,
  });
  child.on('error', (err) => {
    process.stderr.write(
      `llm-orchestrator: could not start a background worker for run ${runId}: ${err.message}; ` +
        `start one with: llm-orchestrator worker\n`,
    );
  });
  child.unref();
}
