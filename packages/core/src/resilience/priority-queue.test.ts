import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriorityQueue, priorityValue } from './priority-queue.js';

describe('priorityValue', () => {
  it('maps names and passes integers through', () => {
    expect(priorityValue('low')).toBe(0);
    expect(priorityValue('normal')).toBe(50);
    expect(priorityValue(undefined)).toBe(50);
    expect(priorityValue('high')).toBe(75);
    expect(priorityValue('critical')).toBe(100);
    expect(priorityValue(7)).toBe(7);
    expect(priorityValue(-3)).toBe(-3);
  });
});

describe('PriorityQueue', () => {
  it('pops higher priorities first, FIFO among equals', () => {
    const q = new PriorityQueue<string>();
    q.push('n1');
    q.push('low', 0);
    q.push('crit', 100);
    q.push('n2', 50);
    q.push('high', 75);
    q.push('n3');
    expect(q.size).toBe(6);
    expect(q.peek()).toBe('crit');
    expect(q.peekPriority()).toBe(100);
    expect(q.drain()).toEqual(['crit', 'high', 'n1', 'n2', 'n3', 'low']);
    expect(q.size).toBe(0);
    expect(q.pop()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });

  it('removes an item from anywhere', () => {
    const q = new PriorityQueue<{ id: number }>();
    const items = Array.from({ length: 10 }, (_, id) => ({ id }));
    items.forEach((it, i) => {
      q.push(it, i % 3);
    });
    expect(q.remove(items[4] ?? { id: -1 })).toBe(true);
    expect(q.remove({ id: 4 })).toBe(false); // by identity
    expect(q.drain().map((it) => it.id)).toEqual([2, 5, 8, 1, 7, 0, 3, 6, 9]);
  });

  it('matches a stable sort under random push/pop/remove (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), p: fc.integer({ min: -3, max: 3 }) }),
      fc.record({ kind: fc.constant('pop' as const) }),
      fc.record({ kind: fc.constant('remove' as const), i: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const q = new PriorityQueue<number>();
        let ref: { id: number; p: number }[] = [];
        let next = 0;
        const order = (): number[] =>
          [...ref].sort((a, b) => b.p - a.p || a.id - b.id).map((e) => e.id);
        for (const o of ops) {
          if (o.kind === 'push') {
            q.push(next, o.p);
            ref.push({ id: next++, p: o.p });
          } else if (o.kind === 'pop') {
            const expected = order()[0];
            expect(q.pop()).toBe(expected);
            ref = ref.filter((e) => e.id !== expected);
          } else if (ref.length > 0) {
            const victim = ref[o.i % ref.length]?.id ?? -1;
            expect(q.remove(victim)).toBe(true);
            ref = ref.filter((e) => e.id !== victim);
          }
          expect(q.size).toBe(ref.length);
          expect(q.peek()).toBe(order()[0]);
        }
        expect(q.drain()).toEqual(order());
      }),
    );
  });
});
