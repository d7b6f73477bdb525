import { describe, expect, it } from 'vitest';
import { LruCache } from './lru.js';

describe('LruCache', () => {
  it('evicts the least recently used entry', () => {
    const c = new LruCache<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
    expect(c.size).toBe(2);
  });

  it('creates once and caches nothing when creation throws', () => {
    const c = new LruCache<string, number>(4);
    let calls = 0;
    const make = (k: string): number => {
      calls += 1;
      if (k === 'bad') throw new Error('no');
      return k.length;
    };
    expect(c.getOrCreate('abc', make)).toBe(3);
    expect(c.getOrCreate('abc', make)).toBe(3);
    expect(calls).toBe(1);
    expect(() => c.getOrCreate('bad', make)).toThrow('no');
    expect(c.size).toBe(1);
  });

  it('rejects a bad capacity', () => {
    expect(() => new LruCache(0)).toThrow(RangeError);
  });
});
