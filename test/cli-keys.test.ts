/**
 * `keys create | list | revoke` on a durable store: a key is printed once, listed afterwards
 * without its secret, verified from the store by the service's ApiKeys, and gone once revoked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '@llm-orchestrator/sqlite';
import { ApiKeys } from '@llm-orchestrator/server/auth';
import { describe, expect, it } from 'vitest';
import { StateDir } from './cli-durable-helpers.js';

interface ListedKey {
  id: string;
  name: string;
  role: string;
  createdAt: string;
}

describe('llm-orchestrator keys', { timeout: 180_000 }, () => {
  it('creates a key (shown once), lists it without the secret, revokes it', async () => {
    const state = new StateDir();
    const created = state.cli(['keys', 'create', '--name', 'ci deploy', '--role', 'operator']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const key = /(llmo_([0-9a-f]{16})_[A-Za-z0-9_-]{43})/.exec(created.stdout);
    expect(key).not.toBeNull();
    const [, secretKey = '', id = ''] = key ?? [];
    expect(created.stdout).toContain(`created API key ${id} (name ci deploy, role operator)`);
    expect(created.stdout).toMatch(/cannot be shown again/);

    const asJson = state.cli(['keys', 'list', '-o', 'json']);
    expect(asJson.code).toBe(0);
    const listed = JSON.parse(asJson.stdout) as ListedKey[];
    expect(listed).toEqual([
      { id, name: 'ci deploy', role: 'operator', createdAt: expect.any(String) as unknown },
    ]);
    const asTable = state.cli(['keys', 'list']);
    expect(asTable.stdout).toContain(id);
    expect(asTable.stdout).toContain('ci deploy');
    const asYaml = state.cli(['keys', 'list', '-o', 'yaml']);
    expect(asYaml.stdout).toContain(`id: ${id}`);
    for (const out of [asJson.stdout, asTable.stdout, asYaml.stdout]) {
      expect(out).not.toContain(secretKey);
      expect(out).not.toMatch(/hash|salt/);
    }
    // The store's files hold the key's hash, not the key.
    const files = readdirSync(state.dir).filter((f) => f.startsWith('state.db'));
    expect(files).toContain('state.db');
    for (const f of files) expect(readFileSync(join(state.dir, f)).includes(secretKey)).toBe(false);

    // The service's ApiKeys, on the same store, accepts the key.
    const store = openSqliteStore(join(state.dir, 'state.db'));
    try {
      expect(await new ApiKeys(store.cache).verify(secretKey)).toMatchObject({
        id,
        role: 'operator',
      });
    } finally {
      await store.close();
    }

    const audit = state.cli(['audit', '-o', 'json']);
    expect(audit.stdout).toContain('apikey.create');
    expect(audit.stdout).not.toContain(secretKey);

    const revoked = state.cli(['keys', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(`revoked API key ${id} (ci deploy)\n`);
    expect(JSON.parse(state.cli(['keys', 'list', '-o', 'json']).stdout)).toEqual([]);
    expect(state.cli(['keys', 'list']).stdout).toBe('(no API keys)\n');
    expect(state.cli(['audit', '-o', 'json']).stdout).toContain('apikey.revoke');

    const again = state.cli(['keys', 'revoke', id]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain(`no API key ${id}`);
  });

  it('prints a new key as JSON, and refuses a missing name or an unknown role', () => {
    const state = new StateDir();
    const created = state.cli([
      'keys',
      'create',
      '--name',
      'bot',
      '--role',
      'viewer',
      '-o',
      'json',
    ]);
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/cannot be shown again/);
    const out = JSON.parse(created.stdout) as ListedKey & { key: string };
    expect(out).toMatchObject({ name: 'bot', role: 'viewer' });
    expect(out.key.startsWith(`llmo_${out.id}_`)).toBe(true);

    const badRole = state.cli(['keys', 'create', '--name', 'x', '--role', 'root']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/viewer, operator, admin/);
    expect(state.cli(['keys', 'create', '--role', 'admin']).code).toBe(2);
    const blank = state.cli(['keys', 'create', '--name', ' ', '--role', 'admin']);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain("an API key's name must be");
    expect(JSON.parse(state.cli(['keys', 'list', '-o', 'json']).stdout)).toHaveLength(1);
  });
});
