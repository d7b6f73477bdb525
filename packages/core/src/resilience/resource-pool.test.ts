import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RESOURCE_DIMENSIONS,
  type ResourceRequest,
  ResourcePool,
  resourceRequest,
} from './resource-pool.js';

const GI = 2 ** 30;

describe('ResourcePool', () => {
  it('grants what fits, refuses the rest, and accounts releases', () => {
    const pool = new ResourcePool({ cpu: 4, memory: 8 * GI, gpu: 1 });
    expect(pool.tryAcquire({ cpu: 2, memory: 4 * GI })).toBe(true);
    expect(pool.tryAcquire({ cpu: 2, gpu: 1 })).toBe(true);
    expect(pool.tryAcquire({ cpu: 0.5 })).toBe(false);
    expect(pool.tryAcquire({ memory: 4 * GI })).toBe(true);
    expect(pool.tryAcquire({ memory: 1 })).toBe(false);
    expect(pool.available()).toEqual({ cpu: 0, memory: 0, gpu: 0 });
    pool.release({ cpu: 2, gpu: 1 });
    expect(pool.inUse()).toEqual({ cpu: 2, memory: 8 * GI, gpu: 0 });
    expect(pool.available()).toEqual({ cpu: 2, memory: 0, gpu: 1 });
    expect(pool.tryAcquire({ gpu: 1 })).toBe(true);
  });

  it('is all or nothing across dimensions', () => {
    const pool = new ResourcePool({ cpu: 1, gpu: 1 });
    pool.tryAcquire({ gpu: 1 });
    expect(pool.tryAcquire({ cpu: 1, gpu: 1 })).toBe(false);
    expect(pool.inUse()).toEqual({ cpu: 0, memory: 0, gpu: 1 });
  });

  it('tells what could never fit from what does not fit now', () => {
    const pool = new ResourcePool({ cpu: 2 });
    pool.tryAcquire({ cpu: 2 });
    expect(pool.fits({ cpu: 2, memory: 100 * GI, gpu: 8 })).toBe(true); // unlimited dimensions
    expect(pool.canAcquire({ cpu: 1 })).toBe(false);
    expect(pool.fits({ cpu: 3 })).toBe(false);
  });

  it('treats undefined dimensions as unlimited but still counts them', () => {
    const pool = new ResourcePool({ cpu: 1 });
    expect(pool.tryAcquire({ memory: 1e15, gpu: 100 })).toBe(true);
    expect(pool.inUse()).toEqual({ cpu: 0, memory: 1e15, gpu: 100 });
    expect(pool.available()).toEqual({ cpu: 1 });
    expect(new ResourcePool().limits()).toEqual({});
  });

  it('throws on releasing more than is in use, without changing anything', () => {
    const pool = new ResourcePool({ cpu: 4, gpu: 2 });
    pool.tryAcquire({ cpu: 1, gpu: 1 });
    expect(() => {
      pool.release({ cpu: 1, gpu: 2 });
    }).toThrow(expect.objectContaining({ code: 'InternalError' }));
    expect(pool.inUse()).toEqual({ cpu: 1, memory: 0, gpu: 1 });
  });

  it('does not drift on fractional cores', () => {
    const pool = new ResourcePool({ cpu: 0.3 });
    expect(pool.tryAcquire({ cpu: 0.1 })).toBe(true);
    expect(pool.tryAcquire({ cpu: 0.2 })).toBe(true); // 0.1 + 0.2 > 0.3 in floating point
    pool.release({ cpu: 0.2 });
    pool.release({ cpu: 0.1 });
    expect(pool.inUse().cpu).toBe(0);
  });

  it('rejects negative or non-finite quantities', () => {
    expect(() => new ResourcePool({ cpu: -1 })).toThrow(
      expect.objectContaining({ code: 'InvalidInputError' }),
    );
    expect(() => new ResourcePool().tryAcquire({ memory: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'InvalidInputError' }),
    );
  });

  it('never exceeds capacity and accounts exactly under random acquire/release (property)', () => {
    const dims = fc.record(
      {
        cpu: fc.integer({ min: 0, max: 8 }),
        memory: fc.integer({ min: 0, max: 64 }),
        gpu: fc.nat(3),
      },
      { requiredKeys: [] },
    );
    const op = fc.oneof(
      dims.map((req) => ({ kind: 'acquire' as const, req })),
      fc.nat().map((i) => ({ kind: 'release' as const, i })),
    );
    fc.assert(
      fc.property(dims, fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const pool = new ResourcePool(capacity);
        const held: ResourceRequest[] = [];
        const check = (): void => {
          const used = pool.inUse();
          for (const dim of RESOURCE_DIMENSIONS) {
            const cap = capacity[dim];
            if (cap !== undefined) expect(used[dim]).toBeLessThanOrEqual(cap);
            expect(used[dim]).toBe(held.reduce((sum, r) => sum + (r[dim] ?? 0), 0));
          }
        };
        for (const o of ops) {
          if (o.kind === 'acquire') {
            const fitsNow = RESOURCE_DIMENSIONS.every(
              (d) =>
                capacity[d] === undefined ||
                pool.inUse()[d] + (o.req[d] ?? 0) <= (capacity[d] ?? 0),
            );
            expect(pool.tryAcquire(o.req)).toBe(fitsNow);
            if (fitsNow) held.push(o.req);
          } else if (held.length > 0) {
            const [req] = held.splice(o.i % held.length, 1);
            pool.release(req ?? {});
          }
          check();
        }
        for (const req of held.splice(0)) pool.release(req);
        expect(pool.inUse()).toEqual({ cpu: 0, memory: 0, gpu: 0 });
      }),
    );
  });
});

describe('resourceRequest', () => {
  it('parses the language quantities', () => {
    expect(resourceRequest({ cpu: '500m', memory: '2Gi', gpu: 1 })).toEqual({
      cpu: 0.5,
      memory: 2 * GI,
      gpu: 1,
    });
    expect(resourceRequest({ cpu: 2, memory: '1G' })).toEqual({ cpu: 2, memory: 1e9 });
    expect(resourceRequest(undefined)).toEqual({});
    expect(resourceRequest({})).toEqual({});
  });

  it('throws on quantities the validator should have refused', () => {
    expect(() => resourceRequest({ memory: '2 GB' })).toThrow(
      expect.objectContaining({ code: 'InvalidInputError' }),
    );
    expect(() => resourceRequest({ cpu: 'lots' })).toThrow(/invalid cpu/);
  });
});
