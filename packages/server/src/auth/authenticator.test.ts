import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryKeyValueCache } from '@llm-orchestrator/core';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_PRINCIPAL, ServiceError, type Authenticator } from '../contract.js';
import { ApiKeys } from './api-keys.js';
import { assertSafeBind, createAuthenticator, isLoopback } from './authenticator.js';
import { authenticatorFromOptions, authModeOptions } from './index.js';

const ISSUER = 'https://issuer.example';
const SECRET = 'a-test-secret-of-at-least-32-bytes-long!';

function jwt(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));
}

/** The error `authenticate` rejects with. */
async function failure(
  auth: Authenticator,
  headers: Record<string, string>,
): Promise<ServiceError> {
  const err = await auth.authenticate(headers).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ServiceError))
    throw new Error(`expected a ServiceError, got ${String(err)}`);
  return err;
}

describe('createAuthenticator', () => {
  const cache = new MemoryKeyValueCache();
  const apiKeys = new ApiKeys(cache);
  const both = createAuthenticator({ apiKeys, jwt: { issuer: ISSUER, secret: SECRET } });

  it('is off without settings: every caller is the local principal', async () => {
    const off = createAuthenticator({});
    expect(off.enabled).toBe(false);
    expect(await off.authenticate({})).toBe(LOCAL_PRINCIPAL);
    expect(both.enabled).toBe(true);
    expect(createAuthenticator({ apiKeys }).enabled).toBe(true);
  });

  it('accepts an API key as x-api-key or as a bearer value, whatever the header case', async () => {
    const { id, key } = await apiKeys.create({ name: 'ci', role: 'operator' });
    const expected = { id, name: 'ci', role: 'operator', via: 'api-key' };
    expect(await both.authenticate({ 'x-api-key': key })).toEqual(expected);
    expect(await both.authenticate({ authorization: `Bearer ${key}` })).toEqual(expected);
    expect(await both.authenticate({ Authorization: `bearer  ${key} ` })).toEqual(expected);
    expect(await both.authenticate({ 'X-Api-Key': key })).toEqual(expected);
    // Another scheme beside x-api-key (a proxy's): the key counts.
    expect(
      await both.authenticate({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': key }),
    ).toEqual(expected);
  });

  it('accepts a JWT as a bearer value', async () => {
    const token = await jwt({ sub: 'alice', role: 'viewer' });
    expect(await both.authenticate({ authorization: `Bearer ${token}` })).toEqual({
      id: 'alice',
      name: 'alice',
      role: 'viewer',
      via: 'jwt',
    });
  });

  it('says what is wrong, never what was sent', async () => {
    const { key } = await apiKeys.create({ name: 'k', role: 'admin' });
    const wrong = `${key.slice(0, -2)}zz`;
    const cases: [Record<string, string>, string][] = [
      [{}, 'CREDENTIALS_MISSING'],
      [{ authorization: '' }, 'CREDENTIALS_MISSING'],
      [{ authorization: 'Basic dXNlcjpwYXNz' }, 'CREDENTIALS_MALFORMED'],
      [{ authorization: 'Bearer' }, 'CREDENTIALS_MALFORMED'],
      [{ authorization: `Bearer ${key}`, 'x-api-key': key }, 'CREDENTIALS_AMBIGUOUS'],
      [{ 'x-api-key': wrong }, 'API_KEY_INVALID'],
      [{ authorization: `Bearer ${wrong}` }, 'API_KEY_INVALID'],
      [{ 'x-api-key': 'llmo_short' }, 'API_KEY_MALFORMED'],
      [{ 'x-api-key': 'secret-but-not-a-key' }, 'API_KEY_MALFORMED'],
      [{ authorization: 'Bearer not.a.jwt' }, 'TOKEN_MALFORMED'],
    ];
    for (const [headers, code] of cases) {
      const err = await failure(both, headers);
      expect(err.kind, code).toBe('unauthenticated');
      expect(err.code).toBe(code);
      for (const sent of Object.values(headers))
        if (sent.length > 8) expect(err.message).not.toContain(sent);
    }
    expect((await failure(both, {})).hint).toContain('x-api-key');
  });

  it('refuses the kind of credential it is not configured for', async () => {
    const keysOnly = createAuthenticator({ apiKeys });
    const token = await jwt({ sub: 'alice', role: 'viewer' });
    const err = await failure(keysOnly, { authorization: `Bearer ${token}` });
    expect(err).toMatchObject({ kind: 'unauthenticated', code: 'JWT_DISABLED' });
    expect(err.message).toContain('accepts API keys');

    const jwtOnly = createAuthenticator({ jwt: { issuer: ISSUER, secret: SECRET } });
    const { key } = await apiKeys.create({ name: 'k', role: 'viewer' });
    expect(await failure(jwtOnly, { 'x-api-key': key })).toMatchObject({
      code: 'API_KEYS_DISABLED',
    });
    expect(await failure(jwtOnly, { authorization: `Bearer ${key}` })).toMatchObject({
      code: 'API_KEYS_DISABLED',
    });
  });
});

describe('isLoopback and assertSafeBind', () => {
  it('knows loopback addresses', () => {
    for (const h of [
      'localhost',
      'LOCALHOST',
      '127.0.0.1',
      '127.1.2.3',
      '127.255.255.255',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ])
      expect(isLoopback(h), h).toBe(true);
    for (const h of [
      '0.0.0.0',
      '::',
      '',
      '128.0.0.1',
      '10.0.0.1',
      '192.168.1.10',
      '::ffff:10.0.0.1',
      'example.com',
      'localhost.example.com',
      '127.0.0.1.nip.io',
      'fe80::1',
    ])
      expect(isLoopback(h), h).toBe(false);
  });

  it('refuses a non-loopback address without authentication', () => {
    const off = createAuthenticator({});
    const on = createAuthenticator({ apiKeys: new ApiKeys(new MemoryKeyValueCache()) });
    expect(() => {
      assertSafeBind('127.0.0.1', off);
    }).not.toThrow();
    expect(() => {
      assertSafeBind('0.0.0.0', on);
    }).not.toThrow();
    expect(() => {
      assertSafeBind('0.0.0.0', off);
    }).toThrow(/refusing to listen on 0\.0\.0\.0 without authentication/);
    expect(() => {
      assertSafeBind('', off);
    }).toThrow(/every interface/);
    try {
      assertSafeBind('::', off);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'AUTH_CONFIG' });
      expect((err as { hint: string }).hint).toContain('--auth');
    }
  });
});

describe('authenticatorFromOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmo-auth-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const store = { cache: new MemoryKeyValueCache() };

  it('maps --auth modes', () => {
    expect(authModeOptions('none')).toEqual({ apiKeys: false, jwt: false });
    expect(authModeOptions('api-keys')).toEqual({ apiKeys: true, jwt: false });
    expect(authModeOptions('jwt')).toEqual({ apiKeys: false, jwt: true });
    expect(authModeOptions('both')).toEqual({ apiKeys: true, jwt: true });
    expect(() => authModeOptions('all')).toThrow(/--auth must be one of/);
  });

  it('builds API keys, JWT (secret or public key file) or nothing', async () => {
    expect((await authenticatorFromOptions({ store, apiKeys: false })).enabled).toBe(false);
    // A secret in the environment does not turn JWT on by itself.
    expect(
      (await authenticatorFromOptions({ store, apiKeys: false, jwtSecret: SECRET })).enabled,
    ).toBe(false);

    const keys = await authenticatorFromOptions({ store, apiKeys: true });
    const { key } = await new ApiKeys(store.cache).create({ name: 'k', role: 'admin' });
    expect(await keys.authenticate({ 'x-api-key': key })).toMatchObject({ role: 'admin' });

    const hs = await authenticatorFromOptions({
      store,
      apiKeys: false,
      jwt: true,
      jwtIssuer: ISSUER,
      jwtSecret: SECRET,
      jwtRoleClaim: 'grp',
    });
    const token = await jwt({ sub: 'a', grp: 'operator' });
    expect(await hs.authenticate({ authorization: `Bearer ${token}` })).toMatchObject({
      role: 'operator',
    });

    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pemFile = join(dir, 'key.pem');
    writeFileSync(pemFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const pem = await authenticatorFromOptions({
      store,
      apiKeys: true,
      jwtIssuer: ISSUER,
      jwtPublicKeyFile: pemFile,
    });
    expect(pem.enabled).toBe(true);
  });

  it('refuses settings that do not hold together', async () => {
    await expect(authenticatorFromOptions({ store, apiKeys: false, jwt: true })).rejects.toThrow(
      /needs an issuer/,
    );
    await expect(
      authenticatorFromOptions({ store, apiKeys: true, jwt: true, jwtIssuer: ISSUER }),
    ).rejects.toThrow(/needs a key/);
    await expect(
      authenticatorFromOptions({ store, apiKeys: true, jwt: false, jwtIssuer: ISSUER }),
    ).rejects.toThrow(/--jwt-issuer given, but JWT authentication is not on/);
    await expect(
      authenticatorFromOptions({ store, apiKeys: false, jwtAudience: 'x', jwtSecret: SECRET }),
    ).rejects.toThrow(/needs an issuer/);
    await expect(
      authenticatorFromOptions({
        store,
        apiKeys: false,
        jwtIssuer: ISSUER,
        jwtPublicKeyFile: join(dir, 'missing.pem'),
      }),
    ).rejects.toMatchObject({ code: 'AUTH_CONFIG' });
    await expect(
      authenticatorFromOptions({
        store,
        apiKeys: false,
        jwtIssuer: ISSUER,
        jwtSecret: SECRET,
        jwksUrl: 'https://idp.example/jwks',
      }),
    ).rejects.toThrow(/one key only/);
  });
});
