/**
 * `llm-orchestrator keys create | list | revoke`: the API keys `serve` accepts (with `--auth
 * api-keys` or `both`), kept hashed in the store. A key is shown once, when it is created.
 */
import { userInfo } from 'node:os';
import { OrchestratorError, type Store } from '@llm-orchestrator/core';
import type { ApiKeyInfo, Role } from '@llm-orchestrator/server/auth';
import { CliError, ExitCode } from '../exit-codes.js';
import { iso } from '../format.js';
import { serialise, table, type OutputFormat } from '../output.js';
import { withSession, type StoreOptions } from '../session.js';

/** Who ran the command, for the audit log. */
function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

async function audit(
  store: Store,
  action: 'apikey.create' | 'apikey.revoke',
  key: ApiKeyInfo,
): Promise<void> {
  await store.audit.append({
    at: Date.now(),
    actor: actor(),
    action,
    outcome: 'ok',
    details: { id: key.id, name: key.name, role: key.role },
  });
}

export interface KeysCreateOptions extends StoreOptions {
  readonly name: string;
  readonly role: Role;
  readonly output: OutputFormat;
}

export async function keysCreateCommand(options: KeysCreateOptions): Promise<number> {
  return withSession(options, async ({ store }) => {
    const keys = new (await import('@llm-orchestrator/server/auth')).ApiKeys(store.cache);
    let made;
    try {
      made = await keys.create({ name: options.name, role: options.role });
    } catch (err) {
      // A name or role the key cannot have.
      if (err instanceof OrchestratorError && err.code.startsWith('INVALID_'))
        throw new CliError(err.message, ExitCode.Usage);
      throw err;
    }
    const { id, key } = made;
    const created = await keys.get(id);
    if (created === undefined) throw new CliError(`API key ${id} was not kept`, ExitCode.Io);
    await audit(store, 'apikey.create', created);
    const warning =
      'Keep this key now: it cannot be shown again (the store keeps only its hash). A lost key cannot be recovered: revoke it and create another.';
    if (options.output === 'json' || options.output === 'yaml') {
      process.stdout.write(
        serialise({ ...created, createdAt: iso(created.createdAt), key }, options.output),
      );
      process.stderr.write(`${warning}\n`);
      return ExitCode.Ok;
    }
    process.stdout.write(
      `created API key ${id} (name ${created.name}, role ${created.role})\n\n  ${key}\n\n${warning}\n`,
    );
    return ExitCode.Ok;
  });
}

export interface KeysListOptions extends StoreOptions {
  readonly output: OutputFormat;
}

export async function keysListCommand(options: KeysListOptions): Promise<number> {
  return withSession(options, async ({ store }) => {
    const keys = await new (await import('@llm-orchestrator/server/auth')).ApiKeys(
      store.cache,
    ).list();
    if (options.output === 'json' || options.output === 'yaml') {
      process.stdout.write(
        serialise(
          keys.map((k) => ({ ...k, createdAt: iso(k.createdAt) })),
          options.output,
        ),
      );
      return ExitCode.Ok;
    }
    if (keys.length === 0) {
      process.stdout.write('(no API keys)\n');
      return ExitCode.Ok;
    }
    process.stdout.write(
      table(
        ['id', 'name', 'role', 'created'],
        keys.map((k) => [k.id, k.name, k.role, iso(k.createdAt)]),
      ),
    );
    return ExitCode.Ok;
  });
}

export async function keysRevokeCommand(id: string, options: StoreOptions): Promise<number> {
  return withSession(options, async ({ store }) => {
    const keys = new (await import('@llm-orchestrator/server/auth')).ApiKeys(store.cache);
    const found = await keys.get(id);
    if (found === undefined || !(await keys.revoke(id)))
      throw new CliError(`no API key ${id} (keys list shows the keys)`, ExitCode.NotFound);
    await audit(store, 'apikey.revoke', found);
    process.stdout.write(`revoked API key ${id} (${found.name})\n`);
    return ExitCode.Ok;
  });
}
