/**
 * Who calls: the injected Authenticator reads the request's headers once (in `onRequest`) and the
 * principal stays with the request. Health, readiness and the OpenAPI document are public.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LOCAL_PRINCIPAL, ServiceError, type Authenticator, type Principal } from '../contract.js';

/** Authentication off: every caller is the local principal. */
export const NO_AUTHENTICATION: Authenticator = Object.freeze({
  enabled: false,
  authenticate: () => Promise.resolve(LOCAL_PRINCIPAL),
});

const PUBLIC_ROUTES = new Set(['/health', '/ready', '/openapi.json']);

const principals = new WeakMap<FastifyRequest, Principal>();

/** The request's principal (set for every non-public route before its handler runs). */
export function principalOf(request: FastifyRequest): Principal {
  const p = principals.get(request);
  if (p === undefined) {
    throw new ServiceError(
      'unauthenticated',
      'UNAUTHENTICATED',
      'the request is not authenticated',
    );
  }
  return p;
}

function flatHeaders(request: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function installAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.addHook('onRequest', async (request) => {
    const path = request.routeOptions.url;
    if (path !== undefined && PUBLIC_ROUTES.has(path)) return;
    if (!authenticator.enabled) {
      principals.set(request, LOCAL_PRINCIPAL);
      return;
    }
    const principal = await authenticator.authenticate(flatHeaders(request), request.ip);
    principals.set(request, principal);
    request.log = request.log.child({ principal: principal.name });
  });
}
