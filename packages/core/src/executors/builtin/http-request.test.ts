import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../clock.js';
import { containing, matching, run, testContext } from '../test-helpers.js';
import { HttpRequestError } from './http-errors.js';
import { httpRequestExecutor } from './http-request.js';
import { startTestServer, type TestServer } from './http-test-server.js';

let server: TestServer;
let base: string;

beforeAll(async () => {
  server = await startTestServer();
  base = server.base;
});

afterAll(async () => {
  await server.close();
});

const whenArrived = (path: string): Promise<void> => server.whenArrived(path);

const http = (
  inputs: Record<string, unknown>,
  ctx = testContext(),
): Promise<Record<string, unknown>> => run(httpRequestExecutor, inputs, ctx);

describe('http:request', () => {
  it('GETs JSON with query and headers', async () => {
    const out = await http({
      url: `${base}/echo?fixed=1`,
      query: { q: 'a b', n: 2, many: ['x', 'y'], skip: null },
      headers: { 'X-Api-Key': 'k', 'x-num': 5 },
    });
    expect(out).toMatchObject({ status: 200, ok: true });
    const headers = out['headers'] as Record<string, string>;
    expect(headers['x-test']).toBe('yes');
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    const body = out['body'] as {
      method: string;
      query: string[][];
      headers: Record<string, string>;
    };
    expect(body.method).toBe('GET');
    expect(body.query).toEqual([
      ['fixed', '1'],
      ['q', 'a b'],
      ['n', '2'],
      ['many', 'x'],
      ['many', 'y'],
    ]);
    expect(body.headers['x-api-key']).toBe('k');
    expect(body.headers['x-num']).toBe('5');
    // Every attempt of a task sends the task's idempotency key.
    expect(body.headers['idempotency-key']).toBe('run-1:task-1');
  });

  it('sends an object body as JSON and a string body as is', async () => {
    const json = await http({ url: `${base}/echo`, method: 'post', body: { a: [1, 'é'] } });
    const jb = json['body'] as { method: string; body: string; headers: Record<string, string> };
    expect(jb.method).toBe('POST');
    expect(JSON.parse(jb.body)).toEqual({ a: [1, 'é'] });
    expect(jb.headers['content-type']).toBe('application/json');

    const text = await http({
      url: `${base}/echo`,
      method: 'PUT',
      body: 'raw=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const tb = text['body'] as { body: string; headers: Record<string, string> };
    expect(tb.body).toBe('raw=1');
    expect(tb.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('returns text for non-JSON types, parses +json, null for an empty JSON body', async () => {
    expect(await http({ url: `${base}/text` })).toMatchObject({
      status: 200,
      body: 'plain text ✓',
    });
    expect(await http({ url: `${base}/problem` })).toMatchObject({ body: { title: 'p' } });
    expect(await http({ url: `${base}/empty-json` })).toMatchObject({ body: null });
  });

  it('follows redirects', async () => {
    expect(await http({ url: `${base}/redirect` })).toMatchObject({
      status: 200,
      body: 'plain text ✓',
    });
  });

  it('maps 429 to RateLimitError with retryAfterMs from seconds or a date', async () => {
    const err = (await http({ url: `${base}/status/429?retryAfter=3` }).catch(
      (e: unknown) => e,
    )) as HttpRequestError;
    expect(err).toBeInstanceOf(HttpRequestError);
    expect(err).toMatchObject({
      code: 'RateLimitError',
      retryable: true,
      status: 429,
      retryAfterMs: 3000,
    });
    expect(err.message).toContain('429');

    const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    const date = encodeURIComponent('Tue, 01 Jan 2030 00:00:10 GMT');
    await expect(
      http({ url: `${base}/status/429?retryAfter=${date}` }, testContext({ clock })),
    ).rejects.toMatchObject({
      code: 'RateLimitError',
      retryAfterMs: 10_000,
    });
    await expect(http({ url: `${base}/status/429` })).rejects.toMatchObject({
      code: 'RateLimitError',
      retryAfterMs: undefined,
    });
  });

  it('maps 5xx to ServerError (retryable) and 4xx to HttpError (not)', async () => {
    await expect(http({ url: `${base}/status/503?retryAfter=1` })).rejects.toMatchObject({
      code: 'ServerError',
      retryable: true,
      status: 503,
      retryAfterMs: 1000,
      message: matching(
        /^GET http:\/\/127\.0\.0\.1:\d+\/status\/503 failed with status 503: status body 503$/,
      ),
    });
    await expect(http({ url: `${base}/nowhere` })).rejects.toMatchObject({
      code: 'HttpError',
      retryable: false,
      status: 404,
      message: containing('status 404: not found'),
    });
  });

  it('keeps the query string out of error messages', async () => {
    const err = (await http({ url: `${base}/nowhere?key=secret` }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).not.toContain('secret');
  });

  it('honours expectStatus', async () => {
    expect(await http({ url: `${base}/nowhere`, expectStatus: [200, 404] })).toMatchObject({
      status: 404,
      ok: false,
      body: 'not found',
    });
    await expect(http({ url: `${base}/text`, expectStatus: 201 })).rejects.toMatchObject({
      code: 'HttpError',
      retryable: false,
      status: 200,
      message: containing('returned status 200, expected 201'),
    });
  });

  it('times out on the context clock (FakeClock) with TimeoutError', async () => {
    const clock = new FakeClock();
    const seen = whenArrived('/hang');
    const p = http({ url: `${base}/hang`, timeout: '5s' }, testContext({ clock }));
    const caught = p.catch((e: unknown) => e);
    await seen;
    let settled = false;
    void caught.then(() => (settled = true));
    await clock.advance(4999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await caught).toMatchObject({ code: 'TimeoutError', retryable: true });
    expect(clock.pending).toBe(0);
  });

  it('times out for real with a tiny timeout (a number is milliseconds)', async () => {
    const started = Date.now();
    await expect(
      http({ url: `${base}/hang`, timeout: 50 }, testContext({ clock: systemClock })),
    ).rejects.toMatchObject({
      code: 'TimeoutError',
      message: containing('timed out after 50ms'),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('times out while the body is still arriving', async () => {
    await expect(
      http({ url: `${base}/slow-body`, timeout: 50 }, testContext({ clock: systemClock })),
    ).rejects.toMatchObject({ code: 'TimeoutError' });
  });

  it('rejects with the context signal reason when aborted mid-flight', async () => {
    const ac = new AbortController();
    const seen = whenArrived('/hang');
    const p = http({ url: `${base}/hang` }, testContext({ signal: ac.signal }));
    const caught = p.catch((e: unknown) => e);
    await seen;
    const reason = new Error('run cancelled');
    ac.abort(reason);
    expect(await caught).toBe(reason);
  });

  it('maps connection failures to NetworkError', async () => {
    await expect(http({ url: `${base}/reset` })).rejects.toMatchObject({
      code: 'NetworkError',
      retryable: true,
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) =>
      closed.close(() => {
        resolve();
      }),
    );
    await expect(http({ url: `http://127.0.0.1:${port}/` })).rejects.toMatchObject({
      code: 'NetworkError',
      retryable: true,
      message: containing('ECONNREFUSED'),
    });
    await expect(http({ url: `${base}/reset` })).rejects.toMatchObject({
      message: containing('other side closed'),
    });
  });

  it('caps the response body', async () => {
    const mib = 1024 * 1024;
    await expect(http({ url: `${base}/big?n=${2 * mib}`, maxBytes: mib })).rejects.toMatchObject({
      code: 'ResponseTooLarge',
      retryable: false,
    });
    await expect(
      http({ url: `${base}/big?n=${2 * mib}&length=1`, maxBytes: mib }),
    ).rejects.toMatchObject({
      code: 'ResponseTooLarge',
    });
    const ok = await http({ url: `${base}/big?n=${mib}`, maxBytes: mib });
    expect((ok['body'] as string).length).toBe(mib);
    // The default cap is 10 MiB.
    await expect(http({ url: `${base}/big?n=${11 * mib}` })).rejects.toMatchObject({
      code: 'ResponseTooLarge',
    });
  });

  it('fails with InvalidResponseError for a JSON content type with a bad body', async () => {
    await expect(http({ url: `${base}/bad-json` })).rejects.toMatchObject({
      code: 'InvalidResponseError',
      retryable: false,
    });
  });

  it('fails with InvalidInputError for bad inputs, before any request', async () => {
    const bad: Record<string, unknown>[] = [
      {},
      { url: 'not a url' },
      { url: 'file:///etc/passwd' },
      { url: 'ftp://example.com/' },
      { url: 'http://user:pw@127.0.0.1/' },
      { url: base, method: 'TRACE' },
      { url: base, method: 5 },
      { url: base, headers: { 'bad header': 'x' } },
      { url: base, headers: { a: { nested: true } } },
      { url: base, headers: 'x' },
      { url: base, query: { a: { b: 1 } } },
      { url: base, body: { a: 1 } },
      { url: base, timeout: 'soon' },
      { url: base, timeout: 0 },
      { url: base, expectStatus: [200, 'x'] },
      { url: base, expectStatus: 99 },
      { url: base, maxBytes: -1 },
    ];
    for (const inputs of bad) {
      await expect(http(inputs), JSON.stringify(inputs)).rejects.toMatchObject({
        code: 'InvalidInputError',
        retryable: false,
      });
    }
  });
});
