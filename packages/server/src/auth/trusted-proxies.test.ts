/**
 * The failed-attempt limit behind reverse proxies, over both transports: with the proxy trusted,
 * failures count against the address it forwarded, so one caller's guessing does not lock out the
 * others behind the same proxy; with no proxy trusted, a forwarded address is ignored, so a caller
 * cannot dodge the limit by inventing one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '@llm-orchestrator/core';
import { ServiceError, type Authenticator, type Principal } from '../contract.js';
import { createGrpcClient, startGrpcServer, type GrpcServer } from '../grpc/index.js';
import { createOrchestratorServer, type OrchestratorServer } from '../server.js';
import { trustProxies, type ProxyTrust } from './client-address.js';
import { limitAuthFailures } from './failure-limit.js';

const alice: Principal = { id: 'k1', name: 'alice', role: 'viewer', via: 'api-key' };

/** Accepts `Bearer good`; two failures a minute per address. */
function limited(): Authenticator {
  return limitAuthFailures(
    {
      enabled: true,
      authenticate: (headers) =>
        headers['authorization'] === 'Bearer good'
          ? Promise.resolve(alice)
          : Promise.reject(new ServiceError('unauthenticated', 'BAD_CREDENTIALS', 'wrong')),
    },
    { maxFailures: 2, windowMs: 60_000 },
  );
}

let servers: OrchestratorServer[] = [];
let grpcServers: GrpcServer[] = [];
afterEach(async () => {
  for (const g of grpcServers) await g.close();
  for (const s of servers) await s.close();
  servers = [];
  grpcServers = [];
});

async function restServer(trustProxy?: ProxyTrust): Promise<OrchestratorServer> {
  const server = await createOrchestratorServer({
    engine: createEngine(),
    authenticator: limited(),
    claim: false,
    ...(trustProxy === undefined ? {} : { trustProxy }),
  });
  servers.push(server);
  return server;
}

/** GET /api/v1/workflows from `peer`, forwarded for `forwardedFor`: the status code. */
async function list(
  server: OrchestratorServer,
  peer: string,
  forwardedFor: string,
  key: string,
): Promise<number> {
  const res = await server.app.inject({
    url: '/api/v1/workflows',
    remoteAddress: peer,
    headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': forwardedFor },
  });
  return res.statusCode;
}

describe('failed attempts behind a proxy, over REST', () => {
  it('count against the address a trusted proxy forwarded', async () => {
    const server = await restServer(trustProxies(['10.0.0.0/8']));
    expect(await list(server, '10.0.0.2', '198.51.100.1', 'bad')).toBe(401);
    expect(await list(server, '10.0.0.2', '198.51.100.1', 'bad')).toBe(401);
    expect(await list(server, '10.0.0.2', '198.51.100.1', 'good')).toBe(429);
    // Another caller behind the same proxy is not locked out.
    expect(await list(server, '10.0.0.2', '198.51.100.2', 'good')).toBe(200);
  });

  it('count against the peer when it is not trusted, whatever it forwards', async () => {
    const server = await restServer();
    expect(await list(server, '203.0.113.9', '198.51.100.1', 'bad')).toBe(401);
    expect(await list(server, '203.0.113.9', '198.51.100.2', 'bad')).toBe(401);
    expect(await list(server, '203.0.113.9', '198.51.100.3', 'good')).toBe(429);
  });
});

describe('failed attempts behind a proxy, over gRPC', () => {
  async function grpcList(
    trustProxy?: ProxyTrust,
  ): Promise<(xff: string, key: string) => Promise<string>> {
    const rest = await restServer();
    const server = await startGrpcServer({
      api: rest.service,
      authenticator: limited(),
      host: '127.0.0.1',
      port: 0,
      ...(trustProxy === undefined ? {} : { trustProxy }),
    });
    grpcServers.push(server);
    return async (xff, key) => {
      const client = createGrpcClient(`127.0.0.1:${String(server.port)}`, {
        token: key,
        metadata: { 'x-forwarded-for': xff },
      });
      try {
        await client.list({});
        return 'ok';
      } catch (err) {
        return (err as ServiceError).kind;
      } finally {
        client.close();
      }
    };
  }

  it('count against the address a trusted proxy forwarded', async () => {
    const call = await grpcList(trustProxies(['127.0.0.1']));
    expect(await call('198.51.100.1', 'bad')).toBe('unauthenticated');
    expect(await call('198.51.100.1', 'bad')).toBe('unauthenticated');
    expect(await call('198.51.100.1', 'good')).toBe('rate_limited');
    expect(await call('198.51.100.2', 'good')).toBe('ok');
  });

  it('count against the peer when it is not trusted, whatever it forwards', async () => {
    const call = await grpcList();
    expect(await call('198.51.100.1', 'bad')).toBe('unauthenticated');
    expect(await call('198.51.100.2', 'bad')).toBe('unauthenticated');
    expect(await call('198.51.100.3', 'good')).toBe('rate_limited');
  });
});
