/**
 * Running `llm-orchestrator serve` from the sources as a child process in the tests: started on a
 * free port (read from its "listening on" line), killed after each test if still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach } from 'vitest';
import { repoRoot } from './cli.js';

export interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export function spawnCli(
  args: readonly string[],
  env: Record<string, string>,
): Served & { ready: Promise<string> } {
  const child = spawn(
    process.execPath,
    [
      '--conditions=llm-orchestrator-source',
      '--import',
      'tsx',
      `${repoRoot}packages/cli/src/bin.ts`,
      ...args,
    ],
    { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env } },
  );
  children.push(child);
  let stderr = '';
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const ready = new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    void exited.then((code) => {
      reject(new Error(`serve exited (${String(code)}): ${stderr}`));
    });
  });
  child.stdout.resume();
  return { child, url: '', stderr: () => stderr, exited, ready };
}

export async function serve(dir: string, extra: readonly string[] = []): Promise<Served> {
  const s = spawnCli(['serve', '--port', '0', '--lease-ttl', '1500', ...extra], {
    LLM_ORCHESTRATOR_HOME: dir,
    LLM_ORCHESTRATOR_STORE: '',
  });
  return { ...s, url: await s.ready };
}

/** Three tasks, the middle one sleeping `ms`: a run slow enough to control, kill or cut off. */
export const slow = (ms: number): Record<string, unknown> => ({
  apiVersion: 'orchestrator.llm/v1',
  kind: 'Workflow',
  metadata: { name: 'slow', version: '1.0.0' },
  spec: {
    tasks: [
      { id: 'first', executor: 'transform:template', inputs: { template: 'one' } },
      { id: 'wait', executor: 'sleep', dependsOn: ['first'], inputs: { duration: ms } },
      {
        id: 'last',
        executor: 'transform:template',
        dependsOn: ['wait'],
        inputs: { template: 'done' },
      },
    ],
    outputs: { result: '${{ tasks.last.outputs.result }}' },
  },
});
