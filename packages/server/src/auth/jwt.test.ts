import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier, type JwtSettings } from './jwt.js';

const ISSUER = 'https://issuer.example';
const SECRET = 'a-test-secret-of-at-least-32-bytes-long!';
const secretKey = new TextEncoder().encode(SECRET);

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function token(
  claims: JWTPayload,
  key: Parameters<SignJWT['sign']>[0] = secretKey,
  header: { alg: string; kid?: string } = { alg: 'HS256' },
  { issuer = ISSUER, exp = now() + 300 }: { issuer?: string | null; exp?: number | null } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader(header).setIssuedAt();
  if (issuer !== null) jwt.setIssuer(issuer);
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

const hs = (extra: Partial<JwtSettings> = {}): JwtSettings => ({
  issuer: ISSUER,
  secret: SECRET,
  ...extra,
});

describe('JWT verification: HS256', () => {
  const verifier = createJwtVerifier(hs());

  it('accepts a valid token: its sub names the caller, its role claim the role', async () => {
    const jwt = await token({ sub: 'alice', role: 'operator' });
    expect(await verifier.verify(jwt)).toEqual({
      id: 'alice',
      name: 'alice',
      role: 'operator',
      via: 'jwt',
    });
  });

  it('takes the name claim without a sub, and the highest role of a list', async () => {
    const jwt = await token({ name: 'bob', role: ['viewer', 'other', 'admin'] });
    expect(await verifier.verify(jwt)).toMatchObject({ id: 'bob', name: 'bob', role: 'admin' });
    await expect(verifier.verify(await token({ role: 'viewer' }))).rejects.toMatchObject({
      kind: 'unauthenticated',
      code: 'TOKEN_NO_SUBJECT',
    });
  });

  it('refuses an expired token, beyond 30 s of clock skew', async () => {
    const skewed = await token({ sub: 'a', role: 'viewer' }, secretKey, undefined, {
      exp: now() - 10,
    });
    expect(await verifier.verify(skewed)).toMatchObject({ role: 'viewer' });
    const expired = await token({ sub: 'a', role: 'viewer' }, secretKey, undefined, {
      exp: now() - 60,
    });
    const err = await verifier.verify(expired).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ kind: 'unauthenticated', code: 'TOKEN_EXPIRED' });
    expect((err as Error).message).not.toContain(expired);
  });

  it('refuses a token without an expiry', async () => {
    const jwt = await token({ sub: 'a', role: 'viewer' }, secretKey, undefined, { exp: null });
    await expect(verifier.verify(jwt)).rejects.toMatchObject({ code: 'TOKEN_NO_EXPIRY' });
  });

  it('refuses a token of another issuer, or of none', async () => {
    const other = await token({ sub: 'a', role: 'viewer' }, secretKey, undefined, {
      issuer: 'https://evil.example',
    });
    await expect(verifier.verify(other)).rejects.toMatchObject({
      kind: 'unauthenticated',
      code: 'TOKEN_WRONG_ISSUER',
      message: 'the token is not from the configured issuer',
    });
    const none = await token({ sub: 'a', role: 'viewer' }, secretKey, undefined, {
      issuer: null,
    });
    await expect(verifier.verify(none)).rejects.toMatchObject({ code: 'TOKEN_WRONG_ISSUER' });
  });

  it('refuses a token without a role, or with a role that is none of ours', async () => {
    await expect(verifier.verify(await token({ sub: 'a' }))).rejects.toMatchObject({
      kind: 'unauthenticated',
      code: 'TOKEN_NO_ROLE',
      message: expect.stringContaining('no `role` claim') as unknown,
    });
    await expect(
      verifier.verify(await token({ sub: 'a', role: 'superuser' })),
    ).rejects.toMatchObject({ code: 'TOKEN_NO_ROLE' });
    await expect(verifier.verify(await token({ sub: 'a', role: 2 }))).rejects.toMatchObject({
      code: 'TOKEN_NO_ROLE',
    });
  });

  it('reads the role from the configured claim', async () => {
    const custom = createJwtVerifier(hs({ roleClaim: 'https://example.com/role' }));
    const jwt = await token({ sub: 'a', 'https://example.com/role': 'admin', role: 'viewer' });
    expect(await custom.verify(jwt)).toMatchObject({ role: 'admin' });
    await expect(custom.verify(await token({ sub: 'a', role: 'admin' }))).rejects.toMatchObject({
      code: 'TOKEN_NO_ROLE',
    });
  });

  it('checks the audience when one is configured', async () => {
    const withAud = createJwtVerifier(hs({ audience: 'llm-orchestrator' }));
    const good = await token({ sub: 'a', role: 'viewer', aud: ['x', 'llm-orchestrator'] });
    expect(await withAud.verify(good)).toMatchObject({ role: 'viewer' });
    await expect(
      withAud.verify(await token({ sub: 'a', role: 'viewer', aud: 'other' })),
    ).rejects.toMatchObject({ code: 'TOKEN_WRONG_AUDIENCE' });
    await expect(withAud.verify(await token({ sub: 'a', role: 'viewer' }))).rejects.toMatchObject({
      code: 'TOKEN_WRONG_AUDIENCE',
    });
  });

  it('refuses a wrong signature, another algorithm, an unsigned token and garbage', async () => {
    const wrong = await token(
      { sub: 'a', role: 'admin' },
      new TextEncoder().encode('another-secret-of-at-least-32-bytes!!'),
    );
    await expect(verifier.verify(wrong)).rejects.toMatchObject({ code: 'TOKEN_BAD_SIGNATURE' });
    const hs512 = await token({ sub: 'a', role: 'admin' }, secretKey, { alg: 'HS512' });
    await expect(verifier.verify(hs512)).rejects.toMatchObject({ code: 'TOKEN_WRONG_ALGORITHM' });
    const [, body] = (await token({ sub: 'a', role: 'admin' })).split('.');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body ?? ''}.`;
    await expect(verifier.verify(unsigned)).rejects.toMatchObject({ kind: 'unauthenticated' });
    await expect(verifier.verify('not-a-jwt')).rejects.toMatchObject({ code: 'TOKEN_MALFORMED' });
  });

  it('refuses settings that do not hold together', () => {
    expect(() => createJwtVerifier(hs({ secret: 'short' }))).toThrow(/at least 32 bytes/);
    expect(() => createJwtVerifier({ issuer: ISSUER })).toThrow(/needs a key/);
    expect(() => createJwtVerifier(hs({ jwksUrl: 'https://x.example/jwks' }))).toThrow(
      /one key only/,
    );
    expect(() => createJwtVerifier(hs({ issuer: ' ' }))).toThrow(/needs an issuer/);
    expect(() => createJwtVerifier({ issuer: ISSUER, publicKey: 'not a pem' })).toThrow(
      /not a PEM public key/,
    );
    expect(() => createJwtVerifier({ issuer: ISSUER, jwksUrl: 'http://idp.example/jwks' })).toThrow(
      /must be https/,
    );
    try {
      createJwtVerifier({ issuer: ISSUER });
    } catch (err) {
      expect(err).toMatchObject({ code: 'AUTH_CONFIG' });
    }
  });
});

describe('JWT verification: public keys', () => {
  it('verifies RS256 tokens with a PEM public key, and no others', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const verifier = createJwtVerifier({ issuer: ISSUER, publicKey: pem });
    const jwt = await token({ sub: 'svc', role: 'admin' }, privateKey, { alg: 'RS256' });
    expect(await verifier.verify(jwt)).toEqual({
      id: 'svc',
      name: 'svc',
      role: 'admin',
      via: 'jwt',
    });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = await token({ sub: 'svc', role: 'admin' }, other, { alg: 'RS256' });
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'TOKEN_BAD_SIGNATURE' });
    // HS256 "signed" with the public key's PEM: the algorithm is pinned by the key.
    const confused = await token({ sub: 'svc', role: 'admin' }, new TextEncoder().encode(pem));
    await expect(verifier.verify(confused)).rejects.toMatchObject({
      code: 'TOKEN_WRONG_ALGORITHM',
    });
  });

  it('verifies ES256 tokens with an EC P-256 PEM public key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const verifier = createJwtVerifier({ issuer: ISSUER, publicKey: pem });
    const jwt = await token({ sub: 'svc', role: 'viewer' }, privateKey, { alg: 'ES256' });
    expect(await verifier.verify(jwt)).toMatchObject({ role: 'viewer' });
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    expect(() => createJwtVerifier({ issuer: ISSUER, publicKey: ed.toString() })).toThrow(
      /RSA key \(RS256\) or an EC P-256 key/,
    );
  });
});

describe('JWT verification: JWKS', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let server: Server;
  let url = '';
  let requests = 0;

  beforeAll(async () => {
    const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((req, res) => {
      requests++;
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('verifies tokens with the key of the JWKS their kid names', async () => {
    const verifier = createJwtVerifier({
      issuer: ISSUER,
      jwksUrl: `${url}/.well-known/jwks.json`,
      audience: 'api',
    });
    const jwt = await token({ sub: 'carol', role: 'operator', aud: 'api' }, rsa.privateKey, {
      alg: 'RS256',
      kid: 'k1',
    });
    expect(await verifier.verify(jwt)).toEqual({
      id: 'carol',
      name: 'carol',
      role: 'operator',
      via: 'jwt',
    });
    expect(await verifier.verify(jwt)).toMatchObject({ role: 'operator' });
    expect(requests).toBe(1);

    const unknownKid = await token({ sub: 'c', role: 'admin', aud: 'api' }, rsa.privateKey, {
      alg: 'RS256',
      kid: 'k2',
    });
    await expect(verifier.verify(unknownKid)).rejects.toMatchObject({
      kind: 'unauthenticated',
      code: 'TOKEN_UNKNOWN_KEY',
    });
    const hs256 = await token({ sub: 'c', role: 'admin', aud: 'api' });
    await expect(verifier.verify(hs256)).rejects.toMatchObject({
      code: 'TOKEN_WRONG_ALGORITHM',
    });
  });

  it('reports a JWKS it cannot fetch as unavailable, not as the caller’s fault', async () => {
    const verifier = createJwtVerifier({ issuer: ISSUER, jwksUrl: `${url}/missing` });
    const jwt = await token({ sub: 'c', role: 'admin' }, rsa.privateKey, {
      alg: 'RS256',
      kid: 'k1',
    });
    await expect(verifier.verify(jwt)).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'JWKS_UNAVAILABLE',
    });
  });
});
