/** The errors of authentication: a caller's wrong credentials, and a server's wrong settings. */
import { OrchestratorError } from '@llm-orchestrator/core';
import { ServiceError } from '../contract.js';

/**
 * Authentication is configured wrongly (a JWT setting is missing or invalid, the server would
 * listen on a non-loopback address with no authentication): the server must not start.
 */
export class AuthConfigError extends OrchestratorError {
  constructor(message: string, hint?: string) {
    super('AUTH_CONFIG', message, hint === undefined ? {} : { hint });
  }
}

/** Where a caller puts credentials, for the hints of `unauthenticated` errors. */
export const CREDENTIALS_HINT =
  'send `authorization: Bearer <api key or JWT>` or `x-api-key: <api key>`';

/** A caller's credentials are missing or wrong: 401 / UNAUTHENTICATED. */
export function unauthenticated(code: string, message: string, hint?: string): ServiceError {
  return new ServiceError('unauthenticated', code, message, hint === undefined ? {} : { hint });
}
