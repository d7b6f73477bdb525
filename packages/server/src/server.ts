/**
 * The orchestrator server: the REST app over an `OrchestratorService`, on an engine that executes
 * the runs started through it and claims the runs no live process holds (so a restarted server
 * finishes the runs of one that died).
 */
import type { Engine, LogSink, Store } from '@llm-orchestrator/core';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { assertSafeBind } from './auth/authenticator.js';
import type { ProxyTrust } from './auth/client-address.js';
import type { Authenticator, MetricsSource } from './contract.js';
import { NO_AUTHENTICATION } from './rest/authentication.js';
import { buildRestApp } from './rest/app.js';
import type { InputLimits } from './service/input-limits.js';
import { OrchestratorService } from './service/orchestrator-service.js';

export interface OrchestratorServerOptions {
  readonly engine: Engine;
  /** Default: the engine's store. */
  readonly store?: Store;
  /** Default: authentication off, which allows loopback addresses only. */
  readonly authenticator?: Authenticator;
  readonly metrics?: MetricsSource;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Fastify's logger option (default: no logs). */
  readonly logger?: FastifyServerOptions['logger'];
  /** Where the service logs what is not a request (a failed audit write). */
  readonly log?: LogSink;
  readonly limits?: Partial<InputLimits>;
  /** Claim orphaned runs once listening (default true; false: only runs started here execute). */
  readonly claim?: boolean | Parameters<Engine['work']>[0];
  /** How often an idle event stream sends a keep-alive comment (default 15 s). */
  readonly sseKeepAliveMs?: number;
  /** The proxies whose X-Forwarded-For gives the caller's address (`trustProxies([...])`). */
  readonly trustProxy?: ProxyTrust;
}

export interface ListenOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
}

export interface OrchestratorServer {
  readonly app: FastifyInstance;
  readonly service: OrchestratorService;
  /** Listens (refusing a non-loopback host without authentication); the address it listens on. */
  listen(options?: ListenOptions): Promise<{ host: string; port: number; url: string }>;
  /** Stops claiming runs, closes the app (ending event streams), then the engine. */
  close(): Promise<void>;
}

export async function createOrchestratorServer(
  options: OrchestratorServerOptions,
): Promise<OrchestratorServer> {
  const { engine } = options;
  const authenticator = options.authenticator ?? NO_AUTHENTICATION;
  const service = new OrchestratorService({
    engine,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const app = await buildRestApp({
    api: service,
    authenticator,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.sseKeepAliveMs === undefined ? {} : { sseKeepAliveMs: options.sseKeepAliveMs }),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  });
  let stopClaiming: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  return {
    app,
    service,
    async listen(listen = {}) {
      const host = listen.host ?? '127.0.0.1';
      assertSafeBind(host, authenticator);
      await app.listen({ host, port: listen.port ?? 8080 });
      const address = app.server.address();
      const port =
        typeof address === 'object' && address !== null ? address.port : (listen.port ?? 8080);
      if (options.claim !== false && stopClaiming === undefined) {
        stopClaiming = engine.work(typeof options.claim === 'object' ? options.claim : {});
      }
      const urlHost = host.includes(':') ? `[${host}]` : host;
      return { host, port, url: `http://${urlHost}:${String(port)}` };
    },
    close() {
      closing ??= (async () => {
        stopClaiming?.();
        service.close();
        await app.close();
        await engine.close();
      })();
      return closing;
    },
  };
}
