/** A binary max-heap on priority, first-in-first-out among equal priorities. */
import type { PRIORITY_NAMES } from '../definition/schema.js';

export type PriorityName = (typeof PRIORITY_NAMES)[number];

export const PRIORITY_VALUES: Readonly<Record<PriorityName, number>> = Object.freeze({
  low: 0,
  normal: 50,
  high: 75,
  critical: 100,
});

/** `low` 0, `normal` 50 (the default), `high` 75, `critical` 100; numbers as given. */
export function priorityValue(p: number | PriorityName | undefined): number {
  if (p === undefined) return PRIORITY_VALUES.normal;
  return typeof p === 'number' ? p : PRIORITY_VALUES[p];
}

interface Entry<T> {
  readonly item: T;
  readonly priority: number;
  readonly seq: number;
}

/** Whether `a` must come out before `b`. */
function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);
}

export class PriorityQueue<T> {
  private heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** O(log n). `priority` defaults to normal (50); higher comes out first. */
  push(item: T, priority: number = PRIORITY_VALUES.normal): void {
    if (Number.isNaN(priority)) throw new TypeError('priority must be a number');
    this.heap.push({ item, priority, seq: this.seq++ });
    this.up(this.heap.length - 1);
  }

  /** The next item without removing it. */
  peek(): T | undefined {
    return this.heap[0]?.item;
  }

  /** The priority of the next item. */
  peekPriority(): number | undefined {
    return this.heap[0]?.priority;
  }

  /** Removes and returns the next item; O(log n). */
  pop(): T | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    this.removeAt(0);
    return top.item;
  }

  /** Removes the first entry holding `item` (by ===); O(n). */
  remove(item: T): boolean {
    const i = this.heap.findIndex((e) => e.item === item);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  /** Empties the queue, returning every item in pop order. */
  drain(): T[] {
    const out: T[] = [];
    for (let top = this.heap[0]; top !== undefined; top = this.heap[0]) {
      this.removeAt(0);
      out.push(top.item);
    }
    return out;
  }

  /** The items in no particular order (for inspection). */
  items(): T[] {
    return this.heap.map((e) => e.item);
  }

  private removeAt(i: number): void {
    const last = this.heap.pop();
    if (last === undefined || i === this.heap.length) return;
    this.heap[i] = last;
    this.down(i);
    this.up(i);
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i];
    if (e === undefined) return;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Entry<T>;
      if (!before(e, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  private down(i: number): void {
    const h = this.heap;
    const e = h[i];
    if (e === undefined) return;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(h[r] as Entry<T>, h[l] as Entry<T>)) c = r;
      const child = h[c] as Entry<T>;
      if (!before(child, e)) break;
      h[i] = child;
      i = c;
    }
    h[i] = e;
  }
}
