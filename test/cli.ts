/** Runs the real CLI (from source) as a child process, the way a user runs it. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): CliRun {
  const result = spawnSync(
    process.execPath,
    [
      '--conditions=llm-orchestrator-source',
      '--import',
      'tsx',
      `${repoRoot}packages/cli/src/bin.ts`,
      ...args,
    ],
    {
      cwd: options.cwd ?? repoRoot,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      timeout: 60_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
