/**
 * The side of the chaos tests' tasks: a local HTTP server their `http:request` calls go to. It
 * records every execution (task, idempotency key, process, when it arrived and ended) in a side
 * file, counts executions of one task that overlap, and answers `{ value: 1 + sum(deps) }` so that
 * the workflow's outputs show whether every task saw its dependencies' true outputs.
 */
import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Execution {
  readonly task: string;
  readonly key: string;
  readonly at: number;
  endedAt?: number;
}

export interface Recorder {
  readonly base: string;
  readonly executions: Execution[];
  /** Idempotency keys of executions that began while another of the same task was in flight. */
  readonly overlaps: string[];
  close(): Promise<void>;
}

export async function startRecorder(sideFile: string, delayMs: () => number): Promise<Recorder> {
  const executions: Execution[] = [];
  const overlaps: string[] = [];
  const inFlight = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const task = /^\/task\/([\w-]+)$/.exec(req.url ?? '')?.[1];
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (task === undefined) {
        res.writeHead(404).end();
        return;
      }
      const execution: Execution = {
        task,
        key: String(req.headers['idempotency-key']),
        at: Date.now(),
      };
      executions.push(execution);
      appendFileSync(sideFile, `${JSON.stringify({ event: 'start', ...execution })}\n`);
      // One task of one run: its idempotency key.
      const n = (inFlight.get(execution.key) ?? 0) + 1;
      inFlight.set(execution.key, n);
      if (n > 1) overlaps.push(execution.key);
      let done = false;
      const end = (): void => {
        if (done) return;
        done = true;
        inFlight.set(execution.key, (inFlight.get(execution.key) ?? 1) - 1);
        execution.endedAt = Date.now();
      };
      // A killed client closes its socket: its execution ends there.
      res.on('close', end);
      const deps = (JSON.parse(body || '{}') as { deps?: unknown[] }).deps ?? [];
      const value = 1 + deps.reduce<number>((sum, d) => sum + Number(d), 0);
      setTimeout(() => {
        end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value }));
      }, delayMs());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${String(port)}`,
    executions,
    overlaps,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A workflow of `layers` × `width` tasks; each depends on every task of the layer before. */
export function layeredWorkflow(layers: number, width: number): { doc: unknown; expected: number } {
  const tasks: unknown[] = [];
  let value = 0;
  for (let l = 0; l < layers; l++) {
    value = l === 0 ? 1 : 1 + width * value;
    for (let w = 0; w < width; w++) {
      const deps =
        l === 0 ? [] : Array.from({ length: width }, (_, k) => `l${String(l - 1)}t${String(k)}`);
      tasks.push({
        id: `l${String(l)}t${String(w)}`,
        executor: 'http:request',
        ...(deps.length === 0 ? {} : { dependsOn: deps }),
        inputs: {
          url: `\${{ workflow.inputs.base }}/task/l${String(l)}t${String(w)}`,
          method: 'POST',
          body: { deps: deps.map((d) => `\${{ tasks.${d}.outputs.body.value }}`) },
        },
      });
    }
  }
  const last = `l${String(layers - 1)}t0`;
  return {
    doc: {
      apiVersion: 'orchestrator.llm/v1',
      kind: 'Workflow',
      metadata: { name: 'chaos', version: '1.0.0' },
      spec: {
        inputs: [{ name: 'base', type: 'string', required: true }],
        tasks,
        outputs: { total: `\${{ tasks.${last}.outputs.body.value }}` },
      },
    },
    expected: value,
  };
}
