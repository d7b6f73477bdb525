/**
 * A limit on failed authentication per client address: after `maxFailures` failed attempts within
 * `windowMs`, the address's calls are refused (429 / RESOURCE_EXHAUSTED, with when to try again)
 * until the window ends, before its credentials are even looked at. Guessing keys or tokens is
 * slowed down, and wrong API keys cannot make the server spend a scrypt derivation each at will.
 * The counts live in this process (REST and gRPC share them when they share the authenticator).
 */
import { ServiceError, type Authenticator, type Principal } from '../contract.js';

export interface AuthFailureLimitOptions {
  /** Failed attempts allowed per address and window; default 10. */
  readonly maxFailures?: number;
  /** Default 60 s. */
  readonly windowMs?: number;
  /** Addresses followed at most (the oldest windows are forgotten first); default 10,000. */
  readonly maxClients?: number;
  readonly now?: () => number;
}

interface Window {
  readonly startedAt: number;
  failures: number;
}

/**
 * `authenticator`, with failed attempts limited per client address (the `client` given to
 * `authenticate`). One that authenticates nobody (`enabled: false`) is returned as it is.
 */
export function limitAuthFailures(
  authenticator: Authenticator,
  options: AuthFailureLimitOptions = {},
): Authenticator {
  if (!authenticator.enabled) return authenticator;
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const maxClients = options.maxClients ?? 10_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();

  const current = (client: string, at: number): Window | undefined => {
    const w = windows.get(client);
    if (w !== undefined && at - w.startedAt >= windowMs) {
      windows.delete(client);
      return undefined;
    }
    return w;
  };

  return {
    enabled: true,
    async authenticate(headers, client): Promise<Principal> {
      if (client === undefined) return authenticator.authenticate(headers);
      const at = now();
      const w = current(client, at);
      if (w !== undefined && w.failures >= maxFailures) {
        const retryAfterSeconds = Math.max(1, Math.ceil((w.startedAt + windowMs - at) / 1000));
        throw new ServiceError(
          'rate_limited',
          'TOO_MANY_FAILED_ATTEMPTS',
          `too many failed authentications from this address: try again in ${String(retryAfterSeconds)} s`,
          {
            hint: 'check the credentials you send',
            details: { retryAfterSeconds },
          },
        );
      }
      try {
        return await authenticator.authenticate(headers, client);
      } catch (err) {
        if (err instanceof ServiceError && err.kind === 'unauthenticated') {
          if (w === undefined) {
            if (windows.size >= maxClients) {
              const oldest = windows.keys().next().value;
              if (oldest !== undefined) windows.delete(oldest);
            }
            windows.set(client, { startedAt: at, failures: 1 });
          } else {
            w.failures += 1;
          }
        }
        throw err;
      }
    },
  };
}
