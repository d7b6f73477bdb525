/** The gRPC transport: the server over an `OrchestratorApi`, and a typed client of it. */
export { startGrpcServer } from './server.js';
export type { GrpcServer, GrpcServerOptions } from './server.js';
export { createGrpcClient } from './client.js';
export type { EventStreamOptions, GrpcClient, GrpcClientOptions } from './client.js';
export { GrpcCallError, GRPC_CODE_OF } from './status.js';
export { defaultProtoPath, SERVICE_NAME } from './proto.js';
