/** Authentication: API keys, JWT bearer tokens, and the settings `serve` builds them from. */
import { AUTH_MODES } from '../contract.js';
import { readFile } from 'node:fs/promises';
import type { Store } from '@llm-orchestrator/core';
import type { Authenticator } from '../contract.js';
import { ApiKeys } from './api-keys.js';
import { createAuthenticator } from './authenticator.js';
import { AuthConfigError } from './errors.js';
import { limitAuthFailures, type AuthFailureLimitOptions } from './failure-limit.js';
import type { JwtSettings } from './jwt.js';

export {
  API_KEY_PREFIX,
  ApiKeys,
  parseApiKey,
  type ApiKeyInfo,
  type ApiKeysOptions,
  type NewApiKey,
} from './api-keys.js';
export {
  assertSafeBind,
  createAuthenticator,
  isLoopback,
  type AuthenticatorSettings,
} from './authenticator.js';
export { AuthConfigError } from './errors.js';
export { clientAddress, TRUST_NO_PROXY, trustProxies, type ProxyTrust } from './client-address.js';
export { limitAuthFailures, type AuthFailureLimitOptions } from './failure-limit.js';
export { ROLES, type Principal, type Role } from '../contract.js';
export {
  createJwtVerifier,
  DEFAULT_ROLE_CLAIM,
  JWT_SECRET_ENV,
  type JwtSettings,
  type JwtVerifier,
} from './jwt.js';

/** `serve --auth`: which credentials the server accepts. */
export { AUTH_MODES, type AuthMode } from '../contract.js';

export interface AuthOptions {
  /** The store API keys are kept in. */
  readonly store: Pick<Store, 'cache'>;
  /** Accept API keys. */
  readonly apiKeys: boolean;
  /**
   * Accept JWT bearer tokens. True: the JWT settings below are required; false: none of them may
   * be given (but `jwtSecret`, from the environment, is ignored); undefined: JWT is on when any of
   * them is given.
   */
  readonly jwt?: boolean;
  readonly jwtIssuer?: string;
  /** The HS256 secret, from JWT_SECRET_ENV. */
  readonly jwtSecret?: string;
  /** A PEM file holding the public key (RS256 or ES256). */
  readonly jwtPublicKeyFile?: string;
  readonly jwksUrl?: string;
  readonly jwtAudience?: string;
  readonly jwtRoleClaim?: string;
  /** Failed attempts allowed per client address (default 10 a minute). */
  readonly failureLimit?: AuthFailureLimitOptions;
}

/** `--auth <mode>` as the `apiKeys` and `jwt` of AuthOptions. */
export function authModeOptions(mode: string): { apiKeys: boolean; jwt: boolean } {
  if (!(AUTH_MODES as readonly string[]).includes(mode))
    throw new AuthConfigError(`--auth must be one of ${AUTH_MODES.join(', ')}; got "${mode}"`);
  return {
    apiKeys: mode === 'api-keys' || mode === 'both',
    jwt: mode === 'jwt' || mode === 'both',
  };
}

/**
 * The Authenticator `serve` uses, failed attempts limited per client address. Throws AuthConfigError when the settings do not hold together (a
 * JWT setting without an issuer or a key, two keys, an unreadable key file, a short secret...).
 */
export async function authenticatorFromOptions(options: AuthOptions): Promise<Authenticator> {
  const flags: [string, string | undefined][] = [
    ['--jwt-issuer', options.jwtIssuer],
    ['--jwt-public-key-file', options.jwtPublicKeyFile],
    ['--jwks-url', options.jwksUrl],
    ['--jwt-audience', options.jwtAudience],
    ['--jwt-role-claim', options.jwtRoleClaim],
  ];
  const given = flags.filter(([, v]) => v !== undefined).map(([flag]) => flag);
  const jwtOn = options.jwt ?? given.length > 0;
  if (!jwtOn && given.length > 0)
    throw new AuthConfigError(
      `${given.join(', ')} given, but JWT authentication is not on`,
      'use --auth jwt or --auth both',
    );
  let jwt: JwtSettings | undefined;
  if (jwtOn) {
    if (options.jwtIssuer === undefined)
      throw new AuthConfigError('JWT authentication needs an issuer', 'set --jwt-issuer');
    let publicKey: string | undefined;
    if (options.jwtPublicKeyFile !== undefined) {
      try {
        publicKey = await readFile(options.jwtPublicKeyFile, 'utf8');
      } catch (err) {
        throw new AuthConfigError(
          `cannot read the JWT public key file ${options.jwtPublicKeyFile}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    jwt = {
      issuer: options.jwtIssuer,
      ...(options.jwtAudience === undefined ? {} : { audience: options.jwtAudience }),
      ...(options.jwtSecret === undefined ? {} : { secret: options.jwtSecret }),
      ...(publicKey === undefined ? {} : { publicKey }),
      ...(options.jwksUrl === undefined ? {} : { jwksUrl: options.jwksUrl }),
      ...(options.jwtRoleClaim === undefined ? {} : { roleClaim: options.jwtRoleClaim }),
    };
  }
  return limitAuthFailures(
    createAuthenticator({
      ...(options.apiKeys ? { apiKeys: new ApiKeys(options.store.cache) } : {}),
      ...(jwt === undefined ? {} : { jwt }),
    }),
    options.failureLimit,
  );
}
