/**
 * A command's store and, for commands that execute or control runs, its engine: opened once,
 * closed exactly once (the engine first, which releases this process's leases, then the store).
 */
import { createEngine, type Engine, type LogSink, type Store } from '@llm-orchestrator/core';
import type { LlmPlugin } from '@llm-orchestrator/llm';
import { toCliError } from './errors.js';
import { configPath, loadLlmPlugin } from './llm-config.js';
import {
  describeStore,
  locateStore,
  openStore,
  parseLeaseTtl,
  type StoreLocation,
  type StoreSelection,
} from './store.js';

/** The options of every command that uses the store. */
export interface StoreOptions extends StoreSelection {
  /** `--lease-ttl`, in ms (commands that execute runs). */
  readonly leaseTtl?: string;
  readonly allowEnv?: readonly string[];
  readonly verbose?: boolean;
  /** Where the engine logs; default: JSON lines on standard error with `verbose`, else nowhere. */
  readonly log?: LogSink;
  /** `--config`: the LLM configuration file (providers, aliases, budgets, policies, ...). */
  readonly config?: string;
}

export interface Session {
  readonly store: Store;
  readonly location: StoreLocation;
  /** Closes the engine (if one was made), then the store. Safe to call more than once. */
  close(): Promise<void>;
}

export interface EngineSession extends Session {
  readonly engine: Engine;
  readonly leaseTtlMs: number;
  /** Closes the engine only: runs in progress here are given up, leases released. */
  closeEngine(): Promise<void>;
}

/** JSON log lines on standard error (`-v`), or nothing. */
export function logSink(verbose: boolean | undefined): LogSink {
  return verbose === true
    ? (level, message, fields) => {
        process.stderr.write(
          `${JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields })}\n`,
        );
      }
    : () => undefined;
}

async function closeQuietly(what: () => unknown): Promise<void> {
  try {
    await what();
  } catch (err) {
    const known = toCliError(err);
    process.stderr.write(
      `llm-orchestrator: closing the store failed: ${known?.message ?? String(err)}\n`,
    );
  }
}

export async function openSession(options: StoreOptions): Promise<Session> {
  const location = locateStore(options);
  const store = await openStore(location);
  let closing: Promise<void> | undefined;
  return {
    store,
    location,
    close() {
      closing ??= closeQuietly(() => store.close());
      return closing;
    },
  };
}

/** Opens the store and an engine on it, with the built-in executors. */
export async function openEngineSession(
  options: StoreOptions,
  wrap: (store: Store) => Store = (s) => s,
): Promise<EngineSession> {
  const leaseTtlMs = parseLeaseTtl(options.leaseTtl);
  const log = options.log ?? logSink(options.verbose);
  const session = await openSession(options);
  let llm: LlmPlugin;
  try {
    llm = await loadLlmPlugin(configPath(options.config), session.store, log);
  } catch (err) {
    await session.close();
    throw err;
  }
  const engine = createEngine({
    store: wrap(session.store),
    leaseTtlMs,
    allowEnv: options.allowEnv ?? [],
    log,
    ...(llm.taskGate === undefined ? {} : { taskGate: llm.taskGate }),
    // The workflow's `alert` handlers speak to the person running it: on standard error.
    alertSink: (alert) => {
      process.stderr.write(`alert [${alert.severity}] ${alert.channel}: ${alert.message}\n`);
    },
  });
  llm.install(engine);
  let engineClosing: Promise<void> | undefined;
  const closeEngine = (): Promise<void> => {
    engineClosing ??= closeQuietly(async () => {
      await engine.close();
      await llm.close();
    });
    return engineClosing;
  };
  let closing: Promise<void> | undefined;
  return {
    store: session.store,
    location: session.location,
    engine,
    leaseTtlMs,
    closeEngine,
    close() {
      closing ??= closeEngine().then(() => session.close());
      return closing;
    },
  };
}

/** Runs `fn` with a session, closing it whatever happens. */
export async function withSession<T>(
  options: StoreOptions,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  const session = await openSession(options);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

export async function withEngine<T>(
  options: StoreOptions,
  fn: (session: EngineSession) => Promise<T>,
  wrap?: (store: Store) => Store,
): Promise<T> {
  const session = await openEngineSession(options, wrap);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

export { describeStore };
