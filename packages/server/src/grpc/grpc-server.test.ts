/**
 * The gRPC server and client themselves: closing the server ends open event streams with
 * UNAVAILABLE, no unauthenticated listening beyond loopback, the client's credential options, and
 * finding the .proto. Each test starts what it needs.
 */
import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { LOCAL_PRINCIPAL, type Authenticator, type RunEvent } from '../contract.js';
import { createGrpcClient } from './client.js';
import { authenticator, EngineApi, failure, gated, until } from './grpc-test-helpers.js';
import { loadOrchestratorService } from './proto.js';
import { startGrpcServer } from './server.js';

/** Never dialled: the client refuses conflicting credentials before it connects. */
const address = '127.0.0.1:1';

describe('gRPC server lifecycle', () => {
  it('ends open event streams with UNAVAILABLE, so clients can resume', async () => {
    const api = new EngineApi();
    const local = await startGrpcServer({ api, authenticator, host: '127.0.0.1', port: 0 });
    const client = createGrpcClient(`127.0.0.1:${local.port}`, { apiKey: 'op-secret' });
    try {
      const run = await client.execute({ definition: gated('shutdown') });
      const seen: RunEvent[] = [];
      const reading = failure(
        (async () => {
          for await (const event of client.events(run.id)) seen.push(event);
        })(),
      );
      await until(() => seen.length > 0);
      await local.close({ graceMs: 2000 });
      const err = await reading;
      expect(err.grpcCode).toBe(Status.UNAVAILABLE);
      expect(err.message).toContain('after_seq');
      expect(api.aborted).toContain(run.id);
      api.engine.get(run.id)?.cancel();
    } finally {
      client.close();
      await local.close();
    }
  });

  it('refuses a non-loopback host when authentication is off', async () => {
    const open: Authenticator = {
      enabled: false,
      authenticate: () => Promise.resolve(LOCAL_PRINCIPAL),
    };
    await expect(
      startGrpcServer({ api: new EngineApi(), authenticator: open, host: '0.0.0.0', port: 0 }),
    ).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without authentication/);
    const local = await startGrpcServer({
      api: new EngineApi(),
      authenticator: open,
      host: '127.0.0.1',
      port: 0,
    });
    const client = createGrpcClient(`127.0.0.1:${local.port}`);
    try {
      expect((await client.list()).runs).toEqual([]);
    } finally {
      client.close();
      await local.close();
    }
  });

  it('refuses a client given both an API key and a token', () => {
    expect(() => createGrpcClient(address, { apiKey: 'a', token: 'b' })).toThrow(
      'give apiKey or token, not both',
    );
  });

  it('finds the .proto from the sources', () => {
    expect(Object.keys(loadOrchestratorService())).toContain('StreamExecutionEvents');
    expect(() => loadOrchestratorService('/nowhere/orchestrator.proto')).toThrow(
      /not found at \/nowhere\/orchestrator\.proto: pass protoPath/,
    );
  });
});
