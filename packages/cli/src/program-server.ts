/** `serve`: the orchestrator as a service. */
import { Option, type Command } from 'commander';
import { AUTH_MODES } from '@llm-orchestrator/server/contract';
import { serveCommand, type ServeAuthOptions } from './commands/serve.js';
import { CliError, ExitCode } from './exit-codes.js';
import {
  storeOptions,
  withExecutionOptions,
  withStoreOptions,
  type StoreFlags,
} from './options.js';

type SetExit = (code: number) => void;

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new CliError(
      `--port must be a port number from 0 to 65535; got "${value}"`,
      ExitCode.Usage,
    );
  }
  return n;
}

function parseBytes(value: string): number {
  const m = /^(\d+)\s*(b|kb|kib|mb|mib)?$/i.exec(value.trim());
  const unit = m?.[2]?.toLowerCase();
  const scale = unit === undefined || unit === 'b' ? 1 : unit.startsWith('k') ? 1024 : 1024 * 1024;
  const n = m === null ? Number.NaN : Number(m[1]) * scale;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new CliError(
      `--body-limit must be a size such as 1048576, 512kb or 2mb; got "${value}"`,
      ExitCode.Usage,
    );
  }
  return n;
}

export function registerServerCommands(program: Command, setExit: SetExit): void {
  const serve = program
    .command('serve')
    .description(
      'serve the REST API (OpenAPI at /openapi.json, event streams, /health, /ready), executing runs from the store',
    )
    .option(
      '--host <address>',
      'the address to listen on (non-loopback needs authentication)',
      '127.0.0.1',
    )
    .option('--port <port>', 'the port to listen on; 0 picks a free one', '8080')
    .option('--body-limit <size>', 'the largest request body (bytes, or 512kb, 2mb)', '1mb')
    .option('--grpc-port <port>', 'also serve gRPC on this port (0 picks a free one)')
    .option(
      '--trust-proxy <addresses>',
      'reverse proxies (IPs, CIDR ranges, comma-separated) whose X-Forwarded-For names the caller',
    )
    .addOption(
      new Option(
        '--auth <mode>',
        'how callers authenticate (default: jwt with --jwt-issuer, else none)',
      ).choices(AUTH_MODES),
    )
    .option('--jwt-issuer <iss>', 'the issuer JWTs must name')
    .option('--jwt-audience <aud>', 'the audience JWTs must name')
    .option('--jwt-public-key-file <file>', 'a PEM public key (RS256 or ES256) that signs JWTs')
    .option('--jwks-url <url>', 'a JWKS URL with the keys that sign JWTs')
    .option('--jwt-role-claim <name>', 'the claim that holds the role (default role)')
    .option(
      '--otlp-endpoint <url>',
      'export traces to this OTLP/HTTP collector (env OTEL_EXPORTER_OTLP_ENDPOINT)',
    );
  withExecutionOptions(withStoreOptions(serve)).action(
    async (
      opts: StoreFlags &
        ServeAuthOptions & {
          host: string;
          port: string;
          bodyLimit: string;
          grpcPort?: string;
          otlpEndpoint?: string;
          trustProxy?: string;
        },
    ) => {
      setExit(
        await serveCommand({
          ...storeOptions(opts),
          host: opts.host,
          port: parsePort(opts.port),
          bodyLimit: parseBytes(opts.bodyLimit),
          ...(opts.grpcPort === undefined ? {} : { grpcPort: parsePort(opts.grpcPort) }),
          ...(opts.otlpEndpoint === undefined ? {} : { otlpEndpoint: opts.otlpEndpoint }),
          ...(opts.trustProxy === undefined
            ? {}
            : { trustProxy: opts.trustProxy.split(',').filter((a) => a.trim() !== '') }),
          ...(opts.auth === undefined ? {} : { auth: opts.auth }),
          ...(opts.jwtIssuer === undefined ? {} : { jwtIssuer: opts.jwtIssuer }),
          ...(opts.jwtAudience === undefined ? {} : { jwtAudience: opts.jwtAudience }),
          ...(opts.jwtPublicKeyFile === undefined
            ? {}
            : { jwtPublicKeyFile: opts.jwtPublicKeyFile }),
          ...(opts.jwksUrl === undefined ? {} : { jwksUrl: opts.jwksUrl }),
          ...(opts.jwtRoleClaim === undefined ? {} : { jwtRoleClaim: opts.jwtRoleClaim }),
        }),
      );
    },
  );
}
