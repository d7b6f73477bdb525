/**
 * JWT bearer tokens: verified with a configured key (an HS256 secret, a PEM public key for RS256
 * or ES256, or the keys of a JWKS URL), issuer and, optionally, audience. The algorithm is pinned
 * by the key: a token signed otherwise is refused (no `none`, no HS256 with a public key). The
 * caller's role is a claim (`role` by default), its name the `sub` claim (or `name`).
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ROLES, ServiceError, type Principal, type Role } from '../contract.js';
import { AuthConfigError, unauthenticated } from './errors.js';
import { isLoopback } from './loopback.js';

export interface JwtSettings {
  /** The `iss` every token must carry. */
  readonly issuer: string;
  /** The `aud` every token must carry (one of them, when it lists several); none: not checked. */
  readonly audience?: string;
  /** The key, exactly one of: an HS256 secret (at least 32 bytes), ... */
  readonly secret?: string;
  /** ... a PEM public key (RSA: RS256; EC P-256: ES256), ... */
  readonly publicKey?: string;
  /** ... or a JWKS URL (https, or http on a loopback address), for RS256 and ES256 tokens. */
  readonly jwksUrl?: string;
  /** The claim that holds the role; default `role`. */
  readonly roleClaim?: string;
  /** Seconds of clock skew allowed for `exp` and `nbf`; default 30. */
  readonly clockToleranceSec?: number;
}

export const DEFAULT_ROLE_CLAIM = 'role';
/** The environment variable that holds the HS256 secret (a secret never goes in a flag). */
export const JWT_SECRET_ENV = 'LLM_ORCHESTRATOR_JWT_SECRET';
const CLOCK_TOLERANCE_SEC = 30;
const MIN_SECRET_BYTES = 32;
const ASYMMETRIC = ['RS256', 'ES256'];
const RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };

type Key = KeyObject | JWTVerifyGetKey;

export interface JwtVerifier {
  /** The principal of a valid token; a ServiceError (`unauthenticated`) for any other. */
  verify(token: string): Promise<Principal>;
}

/** Checks the settings (a wrong one throws AuthConfigError) and returns their verifier. */
export function createJwtVerifier(settings: JwtSettings): JwtVerifier {
  const issuer = settings.issuer.trim();
  if (issuer === '')
    throw new AuthConfigError('JWT authentication needs an issuer', 'set --jwt-issuer');
  const sources = [settings.secret, settings.publicKey, settings.jwksUrl].filter(
    (s) => s !== undefined,
  );
  if (sources.length !== 1)
    throw new AuthConfigError(
      sources.length === 0
        ? 'JWT authentication needs a key'
        : 'JWT authentication takes one key only',
      `give exactly one of: an HS256 secret (env ${JWT_SECRET_ENV}), --jwt-public-key-file or --jwks-url`,
    );
  const roleClaim = settings.roleClaim ?? DEFAULT_ROLE_CLAIM;
  if (roleClaim.trim() === '') throw new AuthConfigError('the JWT role claim name is empty');
  const { key, algorithms, remote } = resolveKey(settings);
  const options = {
    issuer,
    ...(settings.audience === undefined ? {} : { audience: settings.audience }),
    algorithms,
    clockTolerance: settings.clockToleranceSec ?? CLOCK_TOLERANCE_SEC,
    requiredClaims: ['exp'],
  };
  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        payload = (await jwtVerify(token, key, options)).payload;
      } catch (err) {
        throw tokenError(err, remote, algorithms);
      }
      return principalOf(payload, roleClaim);
    },
  };
}

function resolveKey(settings: JwtSettings): {
  key: Key;
  algorithms: string[];
  remote: boolean;
} {
  if (settings.secret !== undefined) {
    const secret = Buffer.from(settings.secret, 'utf8');
    if (secret.length < MIN_SECRET_BYTES)
      throw new AuthConfigError(
        `the HS256 secret is too short: it must be at least ${String(MIN_SECRET_BYTES)} bytes`,
        'generate one with `openssl rand -base64 48`',
      );
    return { key: createSecretKey(secret), algorithms: ['HS256'], remote: false };
  }
  if (settings.publicKey !== undefined) {
    let key: KeyObject;
    try {
      key = createPublicKey(settings.publicKey);
    } catch (err) {
      throw new AuthConfigError(
        `the JWT public key is not a PEM public key: ${err instanceof Error ? err.message : String(err)}`,
        'give an SPKI PEM file (-----BEGIN PUBLIC KEY-----) or an X.509 certificate',
      );
    }
    const type = key.asymmetricKeyType;
    if (type === 'rsa') return { key, algorithms: ['RS256'], remote: false };
    if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
      return { key, algorithms: ['ES256'], remote: false };
    throw new AuthConfigError(
      `the JWT public key must be an RSA key (RS256) or an EC P-256 key (ES256); got ${type === 'ec' ? `EC ${key.asymmetricKeyDetails?.namedCurve ?? ''}` : String(type)}`,
    );
  }
  const text = settings.jwksUrl ?? '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AuthConfigError(`the JWKS URL is not a URL: ${text}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
    throw new AuthConfigError(
      'the JWKS URL must be https (http only on a loopback address)',
      'keys fetched over plain http could be replaced on the way',
    );
  return { key: createRemoteJWKSet(url), algorithms: [...ASYMMETRIC], remote: true };
}

/** The role the claim names: a role, or a list of values of which the highest role counts. */
function roleOf(value: unknown): Role | undefined {
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  let best: Role | undefined;
  for (const v of values) {
    if (typeof v !== 'string' || !(ROLES as readonly string[]).includes(v)) continue;
    const role = v as Role;
    if (best === undefined || RANK[role] > RANK[best]) best = role;
  }
  return best;
}

function principalOf(payload: JWTPayload, roleClaim: string): Principal {
  const value = Object.hasOwn(payload, roleClaim) ? payload[roleClaim] : undefined;
  if (value === undefined)
    throw unauthenticated(
      'TOKEN_NO_ROLE',
      `the token has no \`${roleClaim}\` claim: it must name a role (${ROLES.join(', ')})`,
    );
  const role = roleOf(value);
  if (role === undefined)
    throw unauthenticated(
      'TOKEN_NO_ROLE',
      `the token's \`${roleClaim}\` claim names no known role: it must be one of ${ROLES.join(', ')}`,
    );
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
  const named = typeof payload.name === 'string' && payload.name !== '' ? payload.name : undefined;
  const name = sub ?? named;
  if (name === undefined)
    throw unauthenticated('TOKEN_NO_SUBJECT', 'the token names no caller: it has no `sub` claim');
  return { id: name, name, role, via: 'jwt' };
}

/** What is wrong with a token, without repeating it. */
function tokenError(err: unknown, remote: boolean, algorithms: readonly string[]): ServiceError {
  if (err instanceof errors.JWTExpired)
    return unauthenticated('TOKEN_EXPIRED', 'the token has expired', 'get a new token');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return unauthenticated(
          'TOKEN_WRONG_ISSUER',
          err.reason === 'missing'
            ? 'the token has no issuer (`iss` claim)'
            : 'the token is not from the configured issuer',
        );
      case 'aud':
        return unauthenticated(
          'TOKEN_WRONG_AUDIENCE',
          err.reason === 'missing'
            ? 'the token has no audience (`aud` claim)'
            : 'the token is not for this service (its audience does not match)',
        );
      case 'exp':
        return unauthenticated(
          'TOKEN_NO_EXPIRY',
          'the token has no expiry (`exp` claim): tokens must expire',
        );
      case 'nbf':
        return unauthenticated('TOKEN_NOT_YET_VALID', 'the token is not valid yet (`nbf` claim)');
      default:
        return unauthenticated('TOKEN_INVALID', `the token's \`${err.claim}\` claim is not valid`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return unauthenticated(
      'TOKEN_WRONG_ALGORITHM',
      `the token is signed with an algorithm this server does not accept (it accepts ${algorithms.join(', ')})`,
    );
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return unauthenticated('TOKEN_BAD_SIGNATURE', "the token's signature is not valid");
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
    return unauthenticated(
      'TOKEN_UNKNOWN_KEY',
      'no key of the configured JWKS matches the token (its `kid` or algorithm)',
    );
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid)
    return unauthenticated('TOKEN_MALFORMED', 'the bearer token is not a well-formed JWT');
  if (remote)
    // The JWKS could not be fetched or read: not the caller's fault.
    return new ServiceError(
      'unavailable',
      'JWKS_UNAVAILABLE',
      'the keys to verify the token with (JWKS) could not be fetched',
      { cause: err },
    );
  return unauthenticated('TOKEN_INVALID', 'the token could not be verified');
}
