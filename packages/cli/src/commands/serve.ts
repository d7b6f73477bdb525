/**
 * `llm-orchestrator serve`: the orchestrator as a service on an engine over the store: REST with
 * event streams and health (always), gRPC (`--grpc-port`), Prometheus metrics at `/metrics`, and
 * OpenTelemetry traces (`--otlp-endpoint`). It executes the runs started through it and claims
 * the runs no live process holds. Callers authenticate with API keys and/or JWTs (`--auth`); without
 * authentication it listens on a loopback address only. Stops on SIGINT or SIGTERM: no more
 * requests, runs in progress here are released for another process to continue.
 */
import type { Authenticator, GrpcServer, ProxyTrust } from '@llm-orchestrator/server';
import type { Store } from '@llm-orchestrator/core';
import { describeStore, openEngineSession, type StoreOptions } from '../session.js';
import { poller } from '../watch.js';

export interface ServeAuthOptions {
  /** `api-keys`, `jwt`, `both` or `none`; default `jwt` with an issuer, else `none`. */
  readonly auth?: string;
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string;
  readonly jwtPublicKeyFile?: string;
  readonly jwksUrl?: string;
  readonly jwtRoleClaim?: string;
}

export interface ServeCommandOptions extends StoreOptions, ServeAuthOptions {
  readonly host: string;
  readonly port: number;
  /** gRPC's port (0: any free one); undefined: no gRPC. */
  readonly grpcPort?: number;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Where traces go (OTLP/HTTP); default `OTEL_EXPORTER_OTLP_ENDPOINT`, else nowhere. */
  readonly otlpEndpoint?: string;
  /** The reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For names the caller. */
  readonly trustProxy?: readonly string[];
}

function jsonLog(level: string, message: string, fields: Readonly<Record<string, unknown>>): void {
  process.stderr.write(
    `${JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields })}\n`,
  );
}

/** Loaded when `serve` runs only: the other commands do not need fastify, gRPC or OpenTelemetry. */
const loadServer = () => import('@llm-orchestrator/server');

async function authenticatorFor(
  options: ServeCommandOptions,
  store: Store,
): Promise<Authenticator> {
  const { authenticatorFromOptions, authModeOptions, JWT_SECRET_ENV } = await loadServer();
  const mode = options.auth ?? (options.jwtIssuer !== undefined ? 'jwt' : 'none');
  const secret = process.env[JWT_SECRET_ENV];
  return authenticatorFromOptions({
    store,
    ...authModeOptions(mode),
    ...(options.jwtIssuer === undefined ? {} : { jwtIssuer: options.jwtIssuer }),
    ...(secret === undefined || secret === '' ? {} : { jwtSecret: secret }),
    ...(options.jwtPublicKeyFile === undefined
      ? {}
      : { jwtPublicKeyFile: options.jwtPublicKeyFile }),
    ...(options.jwksUrl === undefined ? {} : { jwksUrl: options.jwksUrl }),
    ...(options.jwtAudience === undefined ? {} : { jwtAudience: options.jwtAudience }),
    ...(options.jwtRoleClaim === undefined ? {} : { jwtRoleClaim: options.jwtRoleClaim }),
  });
}

/** `--trust-proxy`, checked before anything is opened (a malformed entry is a usage error). */
async function proxyTrustFor(
  entries: readonly string[] | undefined,
): Promise<ProxyTrust | undefined> {
  if (entries === undefined) return undefined;
  const { AuthConfigError, trustProxies } = await loadServer();
  try {
    return trustProxies(entries);
  } catch (err) {
    throw new AuthConfigError(
      `--trust-proxy: ${err instanceof Error ? err.message : String(err)}`,
      'give IP addresses or CIDR ranges, separated by commas: 10.0.0.0/8,127.0.0.1',
    );
  }
}

export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  const {
    assertSafeBind,
    createMetrics,
    createOrchestratorServer,
    createTracing,
    startGrpcServer,
  } = await loadServer();
  const trustProxy = await proxyTrustFor(options.trustProxy);
  const poll = poller();
  const session = await openEngineSession(options);
  try {
    const authenticator = await authenticatorFor(options, session.store);
    // Before anything listens: a public address needs authentication.
    assertSafeBind(options.host, authenticator);
    const metrics = createMetrics(session.engine, { store: session.store });
    const otlp = options.otlpEndpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    const tracing = createTracing(session.engine, {
      ...(otlp === undefined || otlp === '' ? {} : { otlpEndpoint: otlp }),
    });
    const server = await createOrchestratorServer({
      engine: session.engine,
      store: session.store,
      authenticator,
      metrics,
      ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
      ...(trustProxy === undefined ? {} : { trustProxy }),
      logger: { level: options.verbose === true ? 'debug' : 'info', stream: process.stderr },
      log: jsonLog,
    });
    let grpc: GrpcServer | undefined;
    try {
      const address = await server.listen({ host: options.host, port: options.port });
      process.stderr.write(
        `listening on ${address.url} (port ${String(address.port)}; store ${describeStore(session.location)}; authentication ${authenticator.enabled ? 'on' : 'off'})\n`,
      );
      if (options.grpcPort !== undefined) {
        grpc = await startGrpcServer({
          api: server.service,
          authenticator,
          host: options.host,
          port: options.grpcPort,
          log: jsonLog,
          ...(trustProxy === undefined ? {} : { trustProxy }),
        });
        process.stderr.write(`grpc listening on ${options.host}:${String(grpc.port)}\n`);
      }
      if (tracing.enabled) process.stderr.write(`tracing to ${otlp ?? ''}\n`);
      await poll.whenInterrupted;
      process.stderr.write('stopping: runs in progress here are released\n');
    } finally {
      // The streams end before the engine they follow.
      await grpc?.close();
      await server.close();
      await tracing.close();
      metrics.close();
    }
  } finally {
    poll.dispose();
    await session.close();
  }
  return 0;
}
