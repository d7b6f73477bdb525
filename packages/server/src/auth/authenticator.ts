/**
 * The Authenticator of the service: API keys, JWT bearer tokens, both, or neither (every caller is
 * then LOCAL_PRINCIPAL, allowed on a loopback address only: `assertSafeBind`).
 *
 * Credentials come in `authorization: Bearer <value>` (a value starting with `llmo_` is an API key,
 * any other a JWT) or `x-api-key: <api key>`. Header names are matched whatever their case. Errors
 * say what is wrong, never what was sent.
 */
import { LOCAL_PRINCIPAL, type Authenticator, type Principal } from '../contract.js';
import { API_KEY_PREFIX, parseApiKey, type ApiKeys } from './api-keys.js';
import { AuthConfigError, CREDENTIALS_HINT, unauthenticated } from './errors.js';
import { createJwtVerifier, type JwtSettings, type JwtVerifier } from './jwt.js';
import { isLoopback } from './loopback.js';

export { isLoopback };

export interface AuthenticatorSettings {
  /** Accept API keys (kept in the store). */
  readonly apiKeys?: ApiKeys;
  /** Accept JWT bearer tokens verified with these settings. */
  readonly jwt?: JwtSettings;
}

type Headers = Readonly<Record<string, string | undefined>>;

/** The value of a header, whatever the case of its name; undefined when absent or blank. */
function header(headers: Headers, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    for (const [k, v] of Object.entries(headers)) {
      if (k.toLowerCase() === name) {
        value = v;
        break;
      }
    }
  }
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** The Authenticator for these settings; throws AuthConfigError when the JWT settings are wrong. */
export function createAuthenticator(settings: AuthenticatorSettings = {}): Authenticator {
  const apiKeys = settings.apiKeys;
  const jwt: JwtVerifier | undefined =
    settings.jwt === undefined ? undefined : createJwtVerifier(settings.jwt);
  const enabled = apiKeys !== undefined || jwt !== undefined;
  const accepts =
    apiKeys !== undefined && jwt !== undefined
      ? 'API keys and JWT bearer tokens'
      : apiKeys !== undefined
        ? 'API keys'
        : 'JWT bearer tokens';

  async function byApiKey(key: string): Promise<Principal> {
    if (apiKeys === undefined)
      throw unauthenticated(
        'API_KEYS_DISABLED',
        `this server does not accept API keys (it accepts ${accepts})`,
      );
    if (parseApiKey(key) === undefined)
      throw unauthenticated(
        'API_KEY_MALFORMED',
        'the API key is malformed: API keys look like llmo_<id>_<secret>',
      );
    const found = await apiKeys.verify(key);
    if (found === undefined)
      throw unauthenticated(
        'API_KEY_INVALID',
        'the API key is not valid: it is unknown, revoked, or its secret is wrong',
        'ask an admin for a key: `llm-orchestrator keys create`',
      );
    return { id: found.id, name: found.name, role: found.role, via: 'api-key' };
  }

  async function byJwt(token: string): Promise<Principal> {
    if (jwt === undefined)
      throw unauthenticated(
        'JWT_DISABLED',
        `this server does not accept JWT bearer tokens (it accepts ${accepts}; API keys start with ${API_KEY_PREFIX})`,
      );
    return jwt.verify(token);
  }

  return {
    enabled,
    authenticate(headers) {
      if (!enabled) return Promise.resolve(LOCAL_PRINCIPAL);
      const apiKeyHeader = header(headers, 'x-api-key');
      const authorization = header(headers, 'authorization');
      let bearer: string | undefined;
      if (authorization !== undefined) {
        const m = /^bearer\s+(\S+)$/i.exec(authorization);
        if (m?.[1] !== undefined) bearer = m[1];
        else if (apiKeyHeader === undefined)
          // Another scheme (Basic...) beside x-api-key may be a proxy's: then x-api-key counts.
          return Promise.reject(
            unauthenticated(
              'CREDENTIALS_MALFORMED',
              'the authorization header must be `Bearer <api key or JWT>`',
              CREDENTIALS_HINT,
            ),
          );
      }
      if (apiKeyHeader !== undefined && bearer !== undefined)
        return Promise.reject(
          unauthenticated(
            'CREDENTIALS_AMBIGUOUS',
            'send one credential: either x-api-key or authorization, not both',
          ),
        );
      if (apiKeyHeader !== undefined) return byApiKey(apiKeyHeader);
      if (bearer === undefined)
        return Promise.reject(
          unauthenticated(
            'CREDENTIALS_MISSING',
            `authentication required: this server accepts ${accepts}`,
            CREDENTIALS_HINT,
          ),
        );
      return bearer.startsWith(API_KEY_PREFIX) ? byApiKey(bearer) : byJwt(bearer);
    },
  };
}

/**
 * Refuses to serve on a non-loopback address without authentication: anyone who can reach the
 * address would be an admin. Throws AuthConfigError.
 */
export function assertSafeBind(host: string, authenticator: Authenticator): void {
  if (authenticator.enabled || isLoopback(host)) return;
  throw new AuthConfigError(
    `refusing to listen on ${host === '' ? 'every interface' : host} without authentication: anyone who can reach it would have every permission`,
    'configure authentication (--auth api-keys, jwt or both), or listen on a loopback address (127.0.0.1, ::1, localhost)',
  );
}
