/**
 * Which store the commands use, and opening it: a SQLite file (default `<state dir>/state.db`), a
 * PostgreSQL URL (`postgres://...`, the package loaded only then), or `:memory:`.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { MemoryStore, type Store } from '@llm-orchestrator/core';
import { CliError, ExitCode } from './exit-codes.js';

export const STORE_ENV = 'LLM_ORCHESTRATOR_STORE';
export const HOME_ENV = 'LLM_ORCHESTRATOR_HOME';
export const LEASE_TTL_ENV = 'LLM_ORCHESTRATOR_LEASE_TTL_MS';

export interface StoreSelection {
  /** `--store`: a SQLite file, a `postgres://` URL or `:memory:`. */
  readonly store?: string;
  /** `--state-dir`: where the default SQLite file lives. */
  readonly stateDir?: string;
}

export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string }
  | { readonly kind: 'memory' };

/** `$XDG_STATE_HOME/llm-orchestrator`, or `~/.local/state/llm-orchestrator`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  return xdg !== undefined && xdg !== ''
    ? join(xdg, 'llm-orchestrator')
    : join(homedir(), '.local', 'state', 'llm-orchestrator');
}

function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** Where the store is: options first, then the environment, then the default file. */
export function locateStore(selection: StoreSelection): StoreLocation {
  const given = selection.store ?? nonEmpty(process.env[STORE_ENV]);
  if (given === ':memory:') return { kind: 'memory' };
  if (given !== undefined && isPostgresUrl(given)) {
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      throw new CliError(`--store ${redact(given)} is not a valid URL`, ExitCode.Usage);
    }
    // `?schema=name` picks the PostgreSQL schema; the driver does not see it.
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    return { kind: 'postgres', url: url.toString(), ...(schema === undefined ? {} : { schema }) };
  }
  if (given !== undefined) return { kind: 'sqlite', path: resolve(given) };
  const dir = selection.stateDir ?? nonEmpty(process.env[HOME_ENV]) ?? defaultStateDir();
  return { kind: 'sqlite', path: resolve(dir, 'state.db') };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The location as `--store` takes it (what a background worker is given). */
export function storeArgument(location: StoreLocation): string {
  switch (location.kind) {
    case 'memory':
      return ':memory:';
    case 'sqlite':
      return location.path;
    case 'postgres': {
      if (location.schema === undefined) return location.url;
      const url = new URL(location.url);
      url.searchParams.set('schema', location.schema);
      return url.toString();
    }
  }
}

/** A URL without its password, for messages. */
export function redact(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return value;
  }
}

/** The location for messages: the file, or the URL without its password. */
export function describeStore(location: StoreLocation): string {
  return location.kind === 'sqlite' ? location.path : redact(storeArgument(location));
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'a parent of it is not a directory';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Creates the store file's directory, one level at a time: `mkdirSync(..., { recursive: true })`
 * never returns on Node 20 for some paths it cannot create (under /proc, for one).
 */
function ensureDirectory(dir: string): void {
  const missing: string[] = [];
  let d = dir;
  while (!existsSync(d)) {
    missing.push(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  if (existsSync(d) && !statSync(d).isDirectory()) throw new Error(`${d} is not a directory`);
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      throw new Error(`cannot create the directory ${m}: ${reason(err)}`);
    }
  }
}

/** Opens the store; any failure is a CliError with exit code 3. */
export async function openStore(location: StoreLocation): Promise<Store> {
  const where = describeStore(location);
  try {
    switch (location.kind) {
      case 'memory':
        return new MemoryStore();
      case 'sqlite': {
        let isDirectory = false;
        try {
          isDirectory = statSync(location.path).isDirectory();
        } catch {
          // It does not exist yet: the store creates it.
        }
        if (isDirectory) throw new Error('it is a directory');
        ensureDirectory(dirname(location.path));
        const { openSqliteStore } = await import('@llm-orchestrator/sqlite');
        return openSqliteStore(location.path);
      }
      case 'postgres': {
        const { openPostgresStore } = await import('@llm-orchestrator/postgres');
        return await openPostgresStore({
          connectionString: location.url,
          poolSize: 4,
          ...(location.schema === undefined ? {} : { schema: location.schema }),
        });
      }
    }
  } catch (err) {
    throw new CliError(`cannot open the store ${where}: ${reason(err)}`, ExitCode.Io);
  }
}

/** Parses `--lease-ttl` (or its variable): a positive number of milliseconds. */
export function parseLeaseTtl(value: string | undefined): number {
  const raw = value ?? nonEmpty(process.env[LEASE_TTL_ENV]);
  if (raw === undefined) return 15_000;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100) {
    throw new CliError(
      `--lease-ttl must be a whole number of milliseconds, at least 100; got "${raw}"`,
      ExitCode.Usage,
    );
  }
  return ms;
}
