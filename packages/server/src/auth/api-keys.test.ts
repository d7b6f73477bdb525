import { MemoryKeyValueCache } from '@llm-orchestrator/core';
import { describe, expect, it } from 'vitest';
import { ApiKeys, parseApiKey } from './api-keys.js';

function setup(): { cache: MemoryKeyValueCache; keys: ApiKeys; clock: { t: number } } {
  const cache = new MemoryKeyValueCache();
  const clock = { t: 1_700_000_000_000 };
  return { cache, keys: new ApiKeys(cache, { now: () => clock.t }), clock };
}

/** The same key with its secret's last character changed. */
function tamper(key: string): string {
  return `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
}

describe('ApiKeys', () => {
  it('creates a key llmo_<id>_<secret> that verifies to its id, name and role', async () => {
    const { keys } = setup();
    const { id, key } = await keys.create({ name: 'ci deploy', role: 'operator' });
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(key).toMatch(new RegExp(`^llmo_${id}_[A-Za-z0-9_-]{43}$`));
    expect(parseApiKey(key)).toEqual({ id, secret: key.slice(`llmo_${id}_`.length) });
    expect(await keys.verify(key)).toEqual({
      id,
      name: 'ci deploy',
      role: 'operator',
      createdAt: 1_700_000_000_000,
    });
    // Verified again (remembered): the same answer.
    expect(await keys.verify(key)).toMatchObject({ id, role: 'operator' });
  });

  it('keeps a salted scrypt hash, never the key or its secret', async () => {
    const { cache, keys } = setup();
    const a = await keys.create({ name: 'a', role: 'viewer' });
    const b = await keys.create({ name: 'b', role: 'viewer' });
    const entry = await cache.get(`apikey:${a.id}`, 0);
    const record = entry?.value as Record<string, unknown>;
    expect(Object.keys(record).sort()).toEqual(
      ['createdAt', 'hash', 'id', 'name', 'role', 'salt'].sort(),
    );
    expect(entry?.expiresAt).toBeUndefined();
    const text = JSON.stringify(await cache.list('', 0));
    for (const { key } of [a, b]) {
      const secret = parseApiKey(key)?.secret ?? '';
      expect(text).not.toContain(key);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(secret, 'base64url').toString('hex'));
    }
    const other = (await cache.get(`apikey:${b.id}`, 0))?.value as Record<string, unknown>;
    expect(other.salt).not.toBe(record.salt);
    expect(Buffer.from(record.hash as string, 'base64url')).toHaveLength(32);
  });

  it('refuses a wrong secret, an unknown id and a malformed key', async () => {
    const { keys } = setup();
    const { id, key } = await keys.create({ name: 'k', role: 'admin' });
    expect(await keys.verify(tamper(key))).toBeUndefined();
    // Refused even after the right key was verified (and remembered).
    expect(await keys.verify(key)).toBeDefined();
    expect(await keys.verify(tamper(key))).toBeUndefined();
    expect(await keys.verify(key.replace(id, '0123456789abcdef'))).toBeUndefined();
    expect(await keys.verify('llmo_nope')).toBeUndefined();
    expect(await keys.verify('')).toBeUndefined();
    expect(await keys.verify(`${key}x`)).toBeUndefined();
  });

  it('refuses a revoked key, also when another instance (process) revoked it', async () => {
    const { cache, keys } = setup();
    const { id, key } = await keys.create({ name: 'k', role: 'admin' });
    expect(await keys.verify(key)).toBeDefined();
    const elsewhere = new ApiKeys(cache);
    expect(await elsewhere.revoke(id)).toBe(true);
    expect(await keys.verify(key)).toBeUndefined();
    expect(await elsewhere.revoke(id)).toBe(false);
    expect(await keys.revoke('not an id')).toBe(false);
  });

  it('lists keys oldest first, without hashes, and gets one', async () => {
    const { cache, keys, clock } = setup();
    const first = await keys.create({ name: 'first', role: 'viewer' });
    clock.t += 1000;
    const second = await keys.create({ name: '  second  ', role: 'admin' });
    await cache.put('apikeyish', { not: 'a key' }, 0);
    await cache.put('apikey:broken', { id: 'broken' }, 0);
    await cache.put('llm:response', 'x', 0);
    const listed = await keys.list();
    expect(listed).toEqual([
      { id: first.id, name: 'first', role: 'viewer', createdAt: 1_700_000_000_000 },
      { id: second.id, name: 'second', role: 'admin', createdAt: 1_700_000_001_000 },
    ]);
    expect(await keys.get(second.id)).toEqual(listed[1]);
    expect(await keys.get('0123456789abcdef')).toBeUndefined();
    expect(await keys.revoke(first.id)).toBe(true);
    expect((await keys.list()).map((k) => k.id)).toEqual([second.id]);
  });

  it('refuses a name or role a key cannot have', async () => {
    const { keys } = setup();
    await expect(keys.create({ name: '  ', role: 'viewer' })).rejects.toMatchObject({
      kind: 'invalid',
      code: 'INVALID_KEY_NAME',
    });
    await expect(keys.create({ name: 'a\nb', role: 'viewer' })).rejects.toMatchObject({
      code: 'INVALID_KEY_NAME',
    });
    await expect(
      keys.create({ name: 'x', role: 'root' as unknown as 'admin' }),
    ).rejects.toMatchObject({ kind: 'invalid', code: 'INVALID_ROLE' });
    expect(await keys.list()).toEqual([]);
  });
});
