export * from './auth/index.js';
export * from './contract.js';
export {
  createOrchestratorServer,
  type ListenOptions,
  type OrchestratorServer,
  type OrchestratorServerOptions,
} from './server.js';
export {
  OrchestratorService,
  type OrchestratorServiceOptions,
} from './service/orchestrator-service.js';
export { toServiceError } from './service/error-mapping.js';
export { DEFAULT_INPUT_LIMITS, type InputLimits } from './service/input-limits.js';
export { buildRestApp, DEFAULT_BODY_LIMIT, type RestAppOptions } from './rest/app.js';
export { NO_AUTHENTICATION } from './rest/authentication.js';
export * from './grpc/index.js';
export * from './observability/index.js';
