import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './signature.js';

describe('webhook signatures', () => {
  const body = '{"runId":"run-1","emoji":"✓"}';

  it('is sha256= and the hex HMAC of `<timestamp>.<body>`', () => {
    const expected = createHmac('sha256', 'k').update(`1700.${body}`).digest('hex');
    expect(signWebhook('k', 1700, body)).toBe(`sha256=${expected}`);
    expect(signWebhook('k', '1700', Buffer.from(body))).toBe(`sha256=${expected}`);
  });

  it('verifies within the tolerance only, with the same secret, timestamp and body', () => {
    const sig = signWebhook('k', 10_000, body);
    const ok = (
      over: Partial<{
        secret: string;
        ts: string | number;
        body: string;
        sig: string;
        now: number;
      }>,
    ) =>
      verifyWebhook(over.secret ?? 'k', over.ts ?? 10_000, over.body ?? body, over.sig ?? sig, {
        now: over.now ?? 10_000,
        toleranceMs: 1000,
      });
    expect(ok({})).toBe(true);
    expect(ok({ ts: '10000' })).toBe(true);
    expect(ok({ sig: sig.slice('sha256='.length) })).toBe(true);
    expect(ok({ sig: sig.toUpperCase().replace('SHA256=', 'sha256=') })).toBe(true);
    expect(ok({ now: 11_000 })).toBe(true);
    expect(ok({ now: 11_001 })).toBe(false);
    expect(ok({ now: 8_999 })).toBe(false);
    expect(ok({ secret: 'K' })).toBe(false);
    expect(ok({ ts: 10_001 })).toBe(false);
    expect(ok({ body: body.replace('1', '2') })).toBe(false);
    expect(ok({ sig: 'sha256=abc' })).toBe(false);
    expect(ok({ sig: '' })).toBe(false);
    expect(ok({ ts: '1e4' })).toBe(false);
    expect(ok({ ts: '-5' })).toBe(false);
  });

  it('defaults the tolerance to five minutes', () => {
    const sig = signWebhook('k', 0, body);
    expect(verifyWebhook('k', 0, body, sig, { now: 300_000 })).toBe(true);
    expect(verifyWebhook('k', 0, body, sig, { now: 300_001 })).toBe(false);
  });

  it('refuses to sign with an invalid timestamp', () => {
    expect(() => signWebhook('k', 1.5, body)).toThrow(RangeError);
    expect(() => signWebhook('k', 'now', body)).toThrow(RangeError);
  });
});
