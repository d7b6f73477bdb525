/**
 * Running `llm-orchestrator serve` from the sources as a child process in the tests: started on a
 * free port (read from its "listening on" line), killed after each test if still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Role } from '@llm-orchestrator/server';
import { ApiKeys } from '@llm-orchestrator/server/auth';
import { openSqliteStore } from '@llm-orchestrator/sqlite';
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

/** The gRPC address of a server started with `--grpc-port 0`, read from its "grpc listening" line. */
export async function grpcAddress(server: Served): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const port = /grpc listening on 127\.0\.0\.1:(\d+)/.exec(server.stderr())?.[1];
    if (port !== undefined) return `127.0.0.1:${port}`;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the server printed no gRPC address: ${server.stderr()}`);
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

/** API keys made in the SQLite store of `dir` (before `serve`), one per name given, by role. */
export async function createKeys<N extends string>(
  dir: string,
  roles: Readonly<Record<N, Role>>,
): Promise<Record<N, string>> {
  const store = openSqliteStore(join(dir, 'state.db'));
  try {
    const keys = new ApiKeys(store.cache);
    const made = {} as Record<N, string>;
    for (const [name, role] of Object.entries(roles) as [N, Role][]) {
      made[name] = (await keys.create({ name, role })).key;
    }
    return made;
  } finally {
    await store.close();
  }
}

/** A REST call with an API key (or none); the body parsed when it is JSON. */
export async function call(
  url: string,
  key: string | undefined,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (metrics)
  }
  return { status: res.status, body: parsed, text };
}
