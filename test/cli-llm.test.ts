/**
 * LLM tasks through the real CLI: the README's main job (the design's pipeline on the test
 * provider), streamed text in the live view, a bad configuration, and a policy that holds a task
 * for approval: it waits across a killed worker until `approve`, and every decision is audited.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { repoRoot } from './cli.js';
import { StateDir, writeFile } from './cli-durable-helpers.js';

const INPUTS = [
  '-i',
  'user_prompt=What is the capital of France?',
  '-i',
  'expected_response=Paris is the capital of France.',
];

let hooks: Server;
let hookUrl = '';
const delivered: unknown[] = [];
beforeAll(async () => {
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      delivered.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${String((hooks.address() as AddressInfo).port)}/done`;
});
afterAll(async () => {
  await new Promise((r) => hooks.close(r));
});

/** The example pipeline with its onSuccess webhook on the local server (no test leaves 127.0.0.1). */
function pipeline(state: StateDir): string {
  const doc = parse(readFileSync(`${repoRoot}examples/llm-inference-pipeline.yaml`, 'utf8')) as {
    spec: { events: { onSuccess: { url: string }[] } };
  };
  (doc.spec.events.onSuccess[0] as { url: string }).url = hookUrl;
  return writeFile(state.dir, 'pipeline.yaml', stringify(doc));
}

const OFFLINE = `${repoRoot}config/llm-offline.yaml`;

describe('LLM tasks from the CLI', () => {
  // The runs below call the webhook server of this process: they are started asynchronously
  // (a synchronous spawn would block the server they wait for).
  it('runs the README main job on the deterministic test provider', async () => {
    const state = new StateDir();
    const run = await state.start(['run', pipeline(state), '--config', OFFLINE, ...INPUTS]).done;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { status: string; outputs: Record<string, unknown> };
    expect(out.status).toBe('completed');
    expect(out.outputs).toMatchObject({
      final_response: 'Paris is the capital of France.',
      quality_score: 1,
    });
    expect(out.outputs.total_cost as number).toBeGreaterThan(0);
    expect(delivered.length).toBeGreaterThan(0);
    const metrics = state.cli(['metrics', '--by', 'model', '-o', 'json']);
    expect(metrics.code).toBe(0);
    const rows = (JSON.parse(metrics.stdout) as { rows: { key: string }[] }).rows;
    expect(rows.map((r) => r.key)).toContain('test/test-claude');
  }, 60_000);

  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)(
    'streams the model text into the live view as it arrives',
    async () => {
      const state = new StateDir();
      const cli = [
        'node --conditions=llm-orchestrator-source --import tsx packages/cli/src/bin.ts run',
        pipeline(state),
        `--config ${OFFLINE}`,
        `-i "user_prompt=What is the capital of France?"`,
        `-i "expected_response=Paris is the capital of France."`,
      ].join(' ');
      const child = spawn('script', ['-qec', cli, '/dev/null'], {
        cwd: repoRoot,
        env: { ...process.env, ...state.env, NO_COLOR: '1' },
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(0);
      const screen = stdout.replace(/\r/g, '');
      expect(screen).toContain('model_inference ▸ Paris is the capital of France.');
      expect(screen).toMatch(/✓ model_inference \d+ms/);
    },
    60_000,
  );

  it('names the bad field of a bad configuration', () => {
    const state = new StateDir();
    const bad = writeFile(
      state.dir,
      'bad.yaml',
      'providers:\n  mine: { kind: gemini }\nbudgets:\n  - { scope: run }\n',
    );
    const run = state.cli(['run', pipeline(state), '--config', bad, ...INPUTS]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('providers.mine.kind');
    expect(run.stderr).toContain('budgets.0: a budget needs maxCostUsd or maxTokens');
    expect(run.stdout).toBe('');
  });

  it('holds a task for approval across a killed worker; approve runs it, audit shows it all', async () => {
    const state = new StateDir();
    const offline = parse(readFileSync(OFFLINE, 'utf8')) as Record<string, unknown>;
    const config = writeFile(
      state.dir,
      'llm.yaml',
      stringify({
        ...offline,
        policies: [
          {
            name: 'claude-needs-a-human',
            action: 'require-approval',
            when: { model: 'test-claude' },
            reason: 'the primary model is reviewed before each call',
          },
        ],
      }),
    );
    const file = pipeline(state);
    const started = state.cli([
      'run',
      file,
      '--config',
      config,
      '--detach',
      '--no-spawn',
      ...INPUTS,
    ]);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();

    // A worker takes the run and holds model_inference; then it dies.
    const worker = state.start(['worker', '--config', config, '--lease-ttl', '1000']);
    await state.waitFor(id, (v) =>
      v.tasks.some((t) => t.id === 'model_inference' && t.status === 'waiting_approval'),
    );
    worker.child.kill('SIGKILL');
    await worker.done;
    const waiting = state.status(id).tasks.find((t) => t.id === 'model_inference') as unknown;
    expect(waiting).toMatchObject({
      status: 'waiting_approval',
      approval: {
        state: 'waiting',
        reason: expect.stringContaining('claude-needs-a-human') as string,
      },
    });

    const early = state.cli(['approve', id, 'prompt_preprocessing', '--config', config]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('is not waiting for approval');

    // Once its lease is gone, approve takes the run over and finishes it here.
    await new Promise((r) => setTimeout(r, 1200));
    const approved = await state.start([
      'approve',
      id,
      'model_inference',
      '--config',
      config,
      '--as',
      'alice',
      '--comment',
      'looks fine',
    ]).done;
    expect(approved.code).toBe(0);
    const view = state.status(id);
    expect(view.status).toBe('completed');
    expect(view.outputs).toMatchObject({ final_response: 'Paris is the capital of France.' });

    const audit = state.cli(['audit', '--run', id, '-o', 'json']);
    const entries = JSON.parse(audit.stdout) as {
      action: string;
      outcome: string;
      actor: string;
    }[];
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'policy.decision', outcome: 'approval_required' }),
        expect.objectContaining({ action: 'task.approve', outcome: 'approved', actor: 'alice' }),
      ]),
    );
    const history = state.history(id).map((r) => r.type);
    expect(history).toContain('task.waiting');
    expect(history).toContain('task.decided');
  }, 120_000);
});
