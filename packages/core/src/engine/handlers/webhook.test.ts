import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../clock.js';
import type { EventHandler } from '../../definition/schema.js';
import { runEventHandlers, verifyWebhook } from './index.js';
import {
  contextOf,
  drive,
  failedSummary,
  realTick,
  startServer,
  testDeps,
  until,
  type TestServer,
} from './test-helpers.js';
import { parseRetryAfter } from './webhook.js';

const START = 1_700_000_000_000;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function webhook(fields: Partial<Extract<EventHandler, { type: 'webhook' }>>): EventHandler {
  return { type: 'webhook', url: server?.url ?? 'http://unset', ...fields };
}

describe('webhook handler', () => {
  it('posts the run summary as JSON with the protocol headers and a verifiable signature', async () => {
    server = await startServer((_req, _n, res) => res.writeHead(204).end());
    const clock = new FakeClock(START);
    const deps = testDeps(clock);
    const summary = failedSummary();
    const handler = webhook({ url: `${server.url}/hook`, secret: '${{ secrets.hook }}' });
    const outcomes = await runEventHandlers(
      'onFailure',
      [handler],
      summary,
      contextOf(summary),
      deps,
    );

    expect(outcomes).toEqual([{ type: 'webhook', ok: true }]);
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0];
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/hook');
    expect(JSON.parse(req?.body ?? '')).toEqual(summary);
    expect(req?.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'llm-orchestrator',
      'x-orchestrator-event': 'onFailure',
      'x-orchestrator-run-id': 'run-1',
      'idempotency-key': 'run-1:onFailure:0',
      'x-orchestrator-timestamp': String(START),
    });
    const signature = String(req?.headers['x-orchestrator-signature']);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const verify = (secret: string, body: string, now = START): boolean =>
      verifyWebhook(secret, String(START), body, signature, { now, toleranceMs: 60_000 });
    expect(verify('s3cret', req?.body ?? '')).toBe(true);
    expect(verify('other', req?.body ?? '')).toBe(false);
    expect(verify('s3cret', `${req?.body ?? ''} `)).toBe(false);
    expect(verify('s3cret', req?.body ?? '', START + 60_001)).toBe(false);
  });

  it('evaluates expressions in url, headers and body', async () => {
    server = await startServer((_req, _n, res) => res.writeHead(200).end('ok'));
    const clock = new FakeClock(START);
    const deps = testDeps(clock);
    const summary = {
      ...failedSummary(),
      status: 'completed',
      error: null,
      outputs: { answer: 42 },
    };
    const context = { ...contextOf(summary), env: { HOOK_BASE: server.url } };
    const handlers: EventHandler[] = [
      {
        type: 'webhook',
        url: '${{ env.HOOK_BASE }}/runs/${{ workflow.metadata.name }}',
        headers: {
          'X-Workflow': '${{ workflow.metadata.name }}@${{ workflow.metadata.version }}',
          'X-Answer': '${{ workflow.outputs.answer }}',
          'Idempotency-Key': 'mine', // the engine's key wins
        },
        body: {
          run: '${{ workflow.execution_id }}',
          answer: '${{ workflow.outputs.answer }}',
          n: 1,
        },
      },
      {
        type: 'webhook',
        url: '${{ env.HOOK_BASE }}/text',
        method: 'PUT',
        headers: { 'Content-Type': 'text/markdown' },
        body: 'run ${{ workflow.id }} answered ${{ workflow.outputs.answer }}',
      },
    ];
    const outcomes = await runEventHandlers('onSuccess', handlers, summary, context, deps);

    expect(outcomes).toEqual([
      { type: 'webhook', ok: true },
      { type: 'webhook', ok: true },
    ]);
    const [json, text] = server.requests;
    expect(json?.path).toBe('/runs/demo');
    expect(json?.headers['x-workflow']).toBe('demo@1.2.3');
    expect(json?.headers['x-answer']).toBe('42');
    expect(json?.headers['idempotency-key']).toBe('run-1:onSuccess:0');
    expect(json?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(json?.body ?? '')).toEqual({ run: 'run-1', answer: 42, n: 1 });
    expect(json?.headers['x-orchestrator-signature']).toBeUndefined();
    expect(json?.headers['x-orchestrator-timestamp']).toBeUndefined();
    expect(text?.method).toBe('PUT');
    expect(text?.body).toBe('run run-1 answered 42');
    expect(text?.headers['content-type']).toBe('text/markdown');
    expect(text?.headers['idempotency-key']).toBe('run-1:onSuccess:1');
  });

  it('sends a string body as text/plain', async () => {
    server = await startServer((_req, _n, res) => res.writeHead(200).end());
    const deps = testDeps(new FakeClock(START));
    const summary = failedSummary();
    await runEventHandlers('onFailure', [webhook({ body: 'plain' })], summary, {}, deps);
    expect(server.requests[0]?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(server.requests[0]?.body).toBe('plain');
  });

  it('retries 503 with backoff on the clock, then succeeds, with the same idempotency key', async () => {
    server = await startServer((_req, n, res) => res.writeHead(n < 2 ? 503 : 200).end('busy'));
    const clock = new FakeClock(START);
    const deps = testDeps(clock, { webhookTimeoutMs: 1e9 });
    const summary = failedSummary();
    const handler = webhook({ secret: 'k' });
    const done = runEventHandlers('onFailure', [handler], summary, {}, deps);
    const outcomes = await drive(clock, done);

    expect(outcomes).toEqual([{ type: 'webhook', ok: true }]);
    expect(server.requests).toHaveLength(3);
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(new Set(keys)).toEqual(new Set(['run-1:onFailure:0']));
    const retries = deps.lines.filter((l) => l.message.includes('retrying'));
    expect(retries.map((l) => l.fields.delayMs)).toEqual([500, 1000]);
    expect(retries[0]?.fields).toMatchObject({ runId: 'run-1', handler: 0, attempt: 1 });
    // each retry is signed again at its own time
    const stamps = server.requests.map((r) => Number(r.headers['x-orchestrator-timestamp']));
    expect(stamps[1]).toBeGreaterThanOrEqual(START + 500);
    expect(stamps[2]).toBeGreaterThanOrEqual(START + 1500);
  });

  it('gives up after maxAttempts and reports the last status', async () => {
    server = await startServer((_req, _n, res) => res.writeHead(500).end('database down'));
    const clock = new FakeClock(START);
    const deps = testDeps(clock, { webhookTimeoutMs: 1e9, webhookRetry: { maxAttempts: 4 } });
    const summary = failedSummary();
    const outcomes = await drive(
      clock,
      runEventHandlers('onFailure', [webhook({})], summary, {}, deps),
    );

    expect(server.requests).toHaveLength(4);
    expect(outcomes[0]?.ok).toBe(false);
    expect(outcomes[0]?.error).toContain('HTTP 500: database down');
    expect(deps.lines.at(-1)).toMatchObject({
      level: 'error',
      fields: { runId: 'run-1', event: 'onFailure', handler: 0, code: 'WEBHOOK_HTTP_ERROR' },
    });
  });

  it('does not retry a 400', async () => {
    server = await startServer((_req, _n, res) => res.writeHead(400).end('bad payload'));
    const clock = new FakeClock(START);
    const deps = testDeps(clock);
    const outcomes = await runEventHandlers('onFailure', [webhook({})], failedSummary(), {}, deps);

    expect(server.requests).toHaveLength(1);
    expect(outcomes).toEqual([
      {
        type: 'webhook',
        ok: false,
        error: expect.stringContaining('HTTP 400: bad payload') as string,
      },
    ]);
    expect(deps.lines.some((l) => l.message.includes('retrying'))).toBe(false);
  });

  it('times each attempt out on the clock and retries', async () => {
    server = await startServer(() => undefined); // never answers
    const clock = new FakeClock(START);
    const deps = testDeps(clock, { webhookTimeoutMs: 1000, webhookRetry: { maxAttempts: 2 } });
    const done = runEventHandlers('onTimeout', [webhook({})], failedSummary(), {}, deps);

    await until(() => server?.requests.length === 1);
    await clock.advance(999);
    await realTick();
    expect(deps.lines.some((l) => l.message.includes('retrying'))).toBe(false);
    await clock.advance(1);
    await until(() => deps.lines.some((l) => l.message.includes('retrying')));
    expect(deps.lines[0]?.fields).toMatchObject({ code: 'WEBHOOK_TIMEOUT', delayMs: 500 });
    await clock.advance(500);
    await until(() => server?.requests.length === 2);
    await clock.advance(1000);
    const outcomes = await done;
    expect(outcomes[0]).toMatchObject({
      ok: false,
      error: expect.stringContaining('timed out after 1000ms') as string,
    });
  });

  it('honours Retry-After', async () => {
    server = await startServer((_req, n, res) =>
      n === 0 ? res.writeHead(429, { 'retry-after': '5' }).end() : res.writeHead(200).end(),
    );
    const clock = new FakeClock(START);
    const deps = testDeps(clock);
    const done = runEventHandlers('onFailure', [webhook({})], failedSummary(), {}, deps);

    await until(() => deps.lines.some((l) => l.message.includes('retrying')));
    expect(deps.lines[0]?.fields.delayMs).toBe(5000);
    await clock.advance(4999);
    for (let i = 0; i < 20; i++) await realTick();
    expect(server.requests).toHaveLength(1);
    await clock.advance(1);
    await until(() => server?.requests.length === 2);
    expect(await done).toEqual([{ type: 'webhook', ok: true }]);
  });

  it('parses Retry-After seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:00 GMT', now + 5000)).toBe(0);
  });

  it('retries network errors', async () => {
    const closed = await startServer(() => undefined);
    const url = closed.url;
    await closed.close();
    const clock = new FakeClock(START);
    const deps = testDeps(clock, { webhookRetry: { maxAttempts: 2 } });
    const outcomes = await drive(
      clock,
      runEventHandlers('onFailure', [{ type: 'webhook', url }], failedSummary(), {}, deps),
    );
    expect(outcomes[0]?.ok).toBe(false);
    expect(deps.lines.filter((l) => l.message.includes('retrying'))).toHaveLength(1);
    expect(deps.lines.at(-1)?.fields.code).toBe('WEBHOOK_NETWORK_ERROR');
  });

  it('stops at once when the signal aborts, without retrying', async () => {
    server = await startServer(() => undefined);
    const clock = new FakeClock(START);
    const deps = testDeps(clock);
    const controller = new AbortController();
    const done = runEventHandlers(
      'onFailure',
      [webhook({})],
      failedSummary(),
      {},
      deps,
      controller.signal,
    );
    await until(() => server?.requests.length === 1);
    controller.abort(new Error('engine shutting down'));
    expect(await done).toEqual([{ type: 'webhook', ok: false, error: 'engine shutting down' }]);
    expect(deps.lines.some((l) => l.message.includes('retrying'))).toBe(false);
  });

  it('rejects non-http urls without sending, and keeps url paths out of messages', async () => {
    server = await startServer((_req, _n, res) => res.writeHead(404).end());
    const deps = testDeps(new FakeClock(START));
    const handlers: EventHandler[] = [
      { type: 'webhook', url: 'ftp://example.com/x' },
      { type: 'webhook', url: '${{ secrets.missing }}' },
      webhook({ url: `${server.url}/hooks/T0KEN-123?sig=abc` }),
    ];
    const outcomes = await runEventHandlers(
      'onFailure',
      handlers,
      failedSummary(),
      { secrets: {} },
      deps,
    );
    expect(outcomes.map((o) => o.ok)).toEqual([false, false, false]);
    expect(outcomes[0]?.error).toContain('http or https');
    expect(outcomes[1]?.error).toContain('webhook url evaluated to an empty value');
    expect(outcomes[2]?.error).toContain('HTTP 404');
    expect(JSON.stringify([outcomes, deps.lines])).not.toMatch(/T0KEN|sig=abc/);
    expect(server.requests).toHaveLength(1);
  });
});
