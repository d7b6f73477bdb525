/**
 * Time-ordered ids: UUID version 7 (RFC 9562), 48 bits of milliseconds since the epoch, then 74
 * random bits. Ids made later sort after (across milliseconds), so a store's indexes on them
 * take new rows at one end instead of all over: a batch of writes dirties few pages, which is
 * what a write costs in SQLite and PostgreSQL alike. Still unguessable: 74 bits are random.
 */
import { randomFillSync } from 'node:crypto';

/** Random bytes drawn in bulk: ten per id. */
const pool = Buffer.alloc(10 * 512);
let used = pool.length;
const id = Buffer.alloc(16);

export function timeOrderedId(now: number = Date.now()): string {
  if (used + 10 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  id.writeUIntBE(Math.max(0, Math.floor(now)) % 2 ** 48, 0, 6);
  pool.copy(id, 6, used, used + 10);
  used += 10;
  id[6] = ((id[6] as number) & 0x0f) | 0x70; // version 7
  id[8] = ((id[8] as number) & 0x3f) | 0x80; // variant 10
  const hex = id.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
