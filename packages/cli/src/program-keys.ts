/** `keys create | list | revoke`: the API keys the service accepts. */
import { Option, type Command } from 'commander';
// The contract only: the commands' registration must not load the server (fastify, gRPC, jose).
import { ROLES, type Role } from '@llm-orchestrator/server/contract';
import { keysCreateCommand, keysListCommand, keysRevokeCommand } from './commands/keys.js';
import {
  dataFormat,
  storeOptions,
  withOutputOption,
  withStoreOptions,
  type StoreFlags,
} from './options.js';
import { parseOutputFormat } from './output.js';

type SetExit = (code: number) => void;

export function registerKeysCommands(program: Command, setExit: SetExit): void {
  const keys = program
    .command('keys')
    .description('the API keys `serve` accepts (kept hashed in the store)');

  const create = keys
    .command('create')
    .description('create an API key and print it (once: it cannot be shown again)')
    .requiredOption('--name <name>', 'who or what the key is for (shown in the audit log)')
    .addOption(
      new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory(),
    )
    .addOption(new Option('-o, --output <format>', 'text, json or yaml').default('text'));
  withStoreOptions(create).action(
    async (opts: StoreFlags & { name: string; role: Role; output: string }) => {
      setExit(
        await keysCreateCommand({
          ...storeOptions(opts),
          name: opts.name,
          role: opts.role,
          output: parseOutputFormat(opts.output, ['text', 'json', 'yaml']),
        }),
      );
    },
  );

  const list = keys.command('list').description('list the API keys (never their secrets)');
  withStoreOptions(withOutputOption(list)).action(async (opts: StoreFlags & { output: string }) => {
    setExit(await keysListCommand({ ...storeOptions(opts), output: dataFormat(opts.output) }));
  });

  const revoke = keys
    .command('revoke')
    .description('revoke an API key: it is refused from now on')
    .argument('<id>', 'the key id (keys list shows them)');
  withStoreOptions(revoke).action(async (id: string, opts: StoreFlags) => {
    setExit(await keysRevokeCommand(id, storeOptions(opts)));
  });
}
