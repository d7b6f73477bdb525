import { describe, expect, it } from 'vitest';
import { LOCAL_PRINCIPAL, ServiceError, type Authenticator, type Principal } from '../contract.js';
import { peerHost } from '../grpc/server.js';
import { limitAuthFailures } from './failure-limit.js';

const alice: Principal = { id: 'k1', name: 'alice', role: 'operator', via: 'api-key' };

/** Accepts `authorization: good`; counts what it was asked. */
function checker(): Authenticator & { asked: number } {
  const a = {
    enabled: true,
    asked: 0,
    authenticate(headers: Readonly<Record<string, string | undefined>>): Promise<Principal> {
      a.asked += 1;
      return headers['authorization'] === 'good'
        ? Promise.resolve(alice)
        : Promise.reject(new ServiceError('unauthenticated', 'BAD_CREDENTIALS', 'wrong'));
    },
  };
  return a;
}

async function kindOf(p: Promise<unknown>): Promise<[string, unknown] | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    const e = err as ServiceError;
    return [e.kind, e.details];
  }
}

describe('limitAuthFailures', () => {
  it('refuses an address after too many failures, until its window ends', async () => {
    let now = 1_000_000;
    const inner = checker();
    const limited = limitAuthFailures(inner, { maxFailures: 3, windowMs: 60_000, now: () => now });
    const bad = { authorization: 'bad' };
    for (let i = 0; i < 3; i++) {
      expect(await kindOf(limited.authenticate(bad, '10.0.0.1'))).toEqual([
        'unauthenticated',
        undefined,
      ]);
    }
    now += 20_000;
    // Refused before the credentials are looked at, even good ones.
    expect(await kindOf(limited.authenticate({ authorization: 'good' }, '10.0.0.1'))).toEqual([
      'rate_limited',
      { retryAfterSeconds: 40 },
    ]);
    expect(inner.asked).toBe(3);
    // Another address is not concerned; nor is a call that names none.
    await expect(limited.authenticate({ authorization: 'good' }, '10.0.0.2')).resolves.toBe(alice);
    await expect(limited.authenticate({ authorization: 'good' })).resolves.toBe(alice);
    now += 40_000;
    await expect(limited.authenticate({ authorization: 'good' }, '10.0.0.1')).resolves.toBe(alice);
  });

  it('counts only failed authentication, and forgets the oldest addresses first', async () => {
    const inner = checker();
    const limited = limitAuthFailures(inner, { maxFailures: 1, maxClients: 2 });
    for (let i = 0; i < 5; i++) await limited.authenticate({ authorization: 'good' }, 'a');
    await expect(limited.authenticate({ authorization: 'good' }, 'a')).resolves.toBe(alice);
    await kindOf(limited.authenticate({}, 'a'));
    await kindOf(limited.authenticate({}, 'b'));
    await kindOf(limited.authenticate({}, 'c')); // `a` is forgotten
    await expect(limited.authenticate({ authorization: 'good' }, 'a')).resolves.toBe(alice);
    expect((await kindOf(limited.authenticate({ authorization: 'good' }, 'c')))?.[0]).toBe(
      'rate_limited',
    );
  });

  it('leaves an authenticator that authenticates nobody as it is', () => {
    const none: Authenticator = {
      enabled: false,
      authenticate: () => Promise.resolve(LOCAL_PRINCIPAL),
    };
    expect(limitAuthFailures(none)).toBe(none);
  });
});

describe('peerHost', () => {
  it('drops the port of a gRPC peer', () => {
    expect(peerHost('127.0.0.1:5000')).toBe('127.0.0.1');
    expect(peerHost('ipv4:10.1.2.3:5000')).toBe('10.1.2.3');
    expect(peerHost('[::1]:5000')).toBe('::1');
    expect(peerHost('ipv6:[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(peerHost('unix:/tmp/sock')).toBe('unix:/tmp/sock');
  });
});
