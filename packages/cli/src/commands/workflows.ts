/** `llm-orchestrator workflows register <file> | list [name]`: the store's workflow registry. */
import { latestVersion, type WorkflowVersion } from '@llm-orchestrator/core';
import { loadWorkflowFile, type WorkflowOptions } from '../definition.js';
import { codeOf } from '../errors.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { iso } from '../format.js';
import { serialise, table, type OutputFormat } from '../output.js';
import { withEngine, withSession, type StoreOptions } from '../session.js';

export interface RegisterOptions extends WorkflowOptions, StoreOptions {}

export async function registerCommand(file: string, options: RegisterOptions): Promise<number> {
  return withEngine(options, async ({ engine, store }) => {
    const loaded = await loadWorkflowFile(engine, file, options);
    const { name, version } = loaded.plan;
    const before = (await store.listWorkflows(name)).find((v) => v.version === version);
    let registered: WorkflowVersion;
    try {
      registered = await engine.register(loaded.definition, loaded.workflow);
    } catch (err) {
      if (codeOf(err) === 'VERSION_EXISTS') {
        throw new CliError(
          `${name}@${version} is already registered with another definition; versions cannot change: raise metadata.version to register this one`,
          ExitCode.Invalid,
        );
      }
      throw err;
    }
    const again = before?.definition === registered.definition ? ' (already registered)' : '';
    process.stdout.write(`${name}@${version} ${registered.definition}${again}\n`);
    return ExitCode.Ok;
  });
}

export interface WorkflowsListOptions extends StoreOptions {
  readonly output: OutputFormat;
}

export async function workflowsListCommand(
  name: string | undefined,
  options: WorkflowsListOptions,
): Promise<number> {
  return withSession(options, async ({ store }) => {
    const versions = await store.listWorkflows(name);
    const latest = new Set<WorkflowVersion>();
    for (const n of new Set(versions.map((v) => v.name))) {
      const best = latestVersion(versions.filter((v) => v.name === n));
      if (best !== undefined) latest.add(best);
    }
    if (options.output === 'json' || options.output === 'yaml') {
      process.stdout.write(
        serialise(
          versions.map((v) => ({
            name: v.name,
            version: v.version,
            definition: v.definition,
            registeredAt: iso(v.registeredAt),
            latest: latest.has(v),
          })),
          options.output,
        ),
      );
      return ExitCode.Ok;
    }
    if (versions.length === 0) {
      process.stdout.write(
        name === undefined ? '(no registered workflows)\n' : `(no versions of ${name})\n`,
      );
      return ExitCode.Ok;
    }
    process.stdout.write(
      table(
        ['name', 'version', 'latest', 'definition', 'registered'],
        versions.map((v) => [
          v.name,
          v.version,
          latest.has(v) ? '*' : '',
          v.definition.slice(0, 12),
          iso(v.registeredAt),
        ]),
      ),
    );
    return ExitCode.Ok;
  });
}
