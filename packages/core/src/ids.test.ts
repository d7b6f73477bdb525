import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('is a UUID version 7 whose first 48 bits are the time in ms', () => {
    const at = Date.UTC(2026, 11, 4, 12, 0, 0, 123);
    const id = timeOrderedId(at);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts ids of later milliseconds after earlier ones, as text', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => timeOrderedId(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats, within one millisecond or across the random pool refills', () => {
    const ids = Array.from({ length: 20_000 }, () => timeOrderedId(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(UUID_V7);
  });
});
