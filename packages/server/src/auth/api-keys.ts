/**
 * API keys, kept in the store's key-value cache under `apikey:<id>` (no time to live). A key is
 * `llmo_<id>_<secret>`: the id names it (in `keys list`, the audit log), the secret is 32 random
 * bytes. The store keeps the key's scrypt hash with a salt of its own, never the key: whoever reads
 * the store cannot call the service with what they find there.
 *
 * Verifying a key costs a scrypt derivation (tens of milliseconds of CPU, off the event loop).
 * A key verified once is remembered, in this process only, by its SHA-256 digest next to the hash
 * it matched: each later call still reads the key's record (a revoked key is refused at once, even
 * when another process revoked it), but skips the derivation while the record is unchanged.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { KeyValueCache } from '@llm-orchestrator/core';
import { ROLES, ServiceError, type Role } from '../contract.js';

/** What every API key starts with: a bearer value with it is a key, not a JWT. */
export const API_KEY_PREFIX = 'llmo_';

/** The cache keys of API key records start with this. */
export const API_KEY_RECORD_PREFIX = 'apikey:';

const KEY_PATTERN = /^llmo_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const ID_PATTERN = /^[0-9a-f]{16}$/;
const SECRET_BYTES = 32;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** scrypt's cost: N = 2^14, r = 8, p = 1 (node's defaults; about 16 MiB and 30-60 ms a key). */
const SCRYPT = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const MAX_NAME = 200;

/** What `keys list` shows of a key. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** The record in the store: the key's scrypt hash and salt (base64url), never the key. */
interface StoredApiKey extends ApiKeyInfo {
  readonly salt: string;
  readonly hash: string;
}

export interface NewApiKey {
  readonly id: string;
  /** `llmo_<id>_<secret>`: shown once, kept nowhere. */
  readonly key: string;
}

/** The id and secret of a well-formed key; undefined for anything else. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const m = KEY_PATTERN.exec(key);
  return m?.[1] === undefined || m[2] === undefined ? undefined : { id: m[1], secret: m[2] };
}

function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

function parseStored(value: unknown): StoredApiKey | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (
    typeof v.id !== 'string' ||
    typeof v.name !== 'string' ||
    !isRole(v.role) ||
    typeof v.createdAt !== 'number' ||
    typeof v.salt !== 'string' ||
    typeof v.hash !== 'string'
  )
    return undefined;
  return {
    id: v.id,
    name: v.name,
    role: v.role,
    createdAt: v.createdAt,
    salt: v.salt,
    hash: v.hash,
  };
}

function derive(key: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(key, salt, HASH_BYTES, SCRYPT, (err, derived) => {
      if (err === null) resolve(derived);
      else reject(err);
    });
  });
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export interface ApiKeysOptions {
  /** Epoch ms; default Date.now. */
  readonly now?: () => number;
}

export class ApiKeys {
  private readonly now: () => number;
  /** Keys verified by this process: id → the digest of the key and the record hash it matched. */
  private readonly verified = new Map<string, { digest: Buffer; hash: string }>();

  constructor(
    private readonly cache: KeyValueCache,
    options: ApiKeysOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** A new key for `name` with `role`; the key itself is returned here and never again. */
  async create(request: { name: string; role: Role }): Promise<NewApiKey> {
    const name = request.name.trim();
    if (name === '' || name.length > MAX_NAME || /\p{Cc}/u.test(name))
      throw new ServiceError(
        'invalid',
        'INVALID_KEY_NAME',
        `an API key's name must be 1 to ${String(MAX_NAME)} characters, without control characters`,
      );
    if (!isRole(request.role))
      throw new ServiceError(
        'invalid',
        'INVALID_ROLE',
        `an API key's role must be one of ${ROLES.join(', ')}`,
      );
    const id = randomBytes(8).toString('hex');
    const key = `${API_KEY_PREFIX}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
    const salt = randomBytes(SALT_BYTES);
    const hash = await derive(key, salt);
    const now = this.now();
    const stored: StoredApiKey = {
      id,
      name,
      role: request.role,
      createdAt: now,
      salt: salt.toString('base64url'),
      hash: hash.toString('base64url'),
    };
    await this.cache.put(`${API_KEY_RECORD_PREFIX}${id}`, stored, now);
    return { id, key };
  }

  /** The key's id, name and role; undefined when it is malformed, unknown, revoked or wrong. */
  async verify(key: string): Promise<ApiKeyInfo | undefined> {
    const parsed = parseApiKey(key);
    if (parsed === undefined) return undefined;
    const entry = await this.cache.get(`${API_KEY_RECORD_PREFIX}${parsed.id}`, this.now());
    const stored = parseStored(entry?.value);
    if (stored?.id !== parsed.id) {
      this.verified.delete(parsed.id);
      return undefined;
    }
    const digest = sha256(key);
    const known = this.verified.get(parsed.id);
    if (known?.hash === stored.hash && timingSafeEqual(known.digest, digest)) return info(stored);

    const expected = Buffer.from(stored.hash, 'base64url');
    const derived = await derive(key, Buffer.from(stored.salt, 'base64url'));
    if (derived.length !== expected.length || !timingSafeEqual(derived, expected)) return undefined;
    this.verified.set(parsed.id, { digest, hash: stored.hash });
    return info(stored);
  }

  /** One key (never its hash); undefined when there is none with this id. */
  async get(id: string): Promise<ApiKeyInfo | undefined> {
    if (!ID_PATTERN.test(id)) return undefined;
    const entry = await this.cache.get(`${API_KEY_RECORD_PREFIX}${id}`, this.now());
    const stored = parseStored(entry?.value);
    return stored?.id === id ? info(stored) : undefined;
  }

  /** Every key (never its hash), oldest first. */
  async list(): Promise<ApiKeyInfo[]> {
    const entries = await this.cache.list(API_KEY_RECORD_PREFIX, this.now());
    const out: ApiKeyInfo[] = [];
    for (const e of entries) {
      const stored = parseStored(e.value);
      if (stored !== undefined) out.push(info(stored));
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** Removes the key: it is refused from now on. True when it existed. */
  async revoke(id: string): Promise<boolean> {
    if (!ID_PATTERN.test(id)) return false;
    this.verified.delete(id);
    return this.cache.delete(`${API_KEY_RECORD_PREFIX}${id}`);
  }
}

function info(stored: StoredApiKey): ApiKeyInfo {
  return { id: stored.id, name: stored.name, role: stored.role, createdAt: stored.createdAt };
}
