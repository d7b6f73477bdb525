/**
 * A tiny benchmark harness: each benchmark file exports `benchmarks`, a list of named functions that
 * return measured figures. `npm run bench` runs them all and prints each figure against its target.
 */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The figure we aim for; `better` says which direction passes. */
  readonly target?: number;
  readonly better?: 'higher' | 'lower';
}

export interface Benchmark {
  readonly name: string;
  run(): Promise<readonly Figure[]> | readonly Figure[];
}

/** Runs `fn` repeatedly for at least `minMs` and returns operations per second. */
export function opsPerSecond(fn: () => void, minMs = 500): number {
  // warm-up
  for (let i = 0; i < 1000; i++) fn();
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 1000; i++) fn();
    ops += 1000;
    elapsed = performance.now() - start;
  }
  return (ops / elapsed) * 1000;
}

/** Times one call of `fn` in milliseconds. */
export async function timeMs(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export function passes(f: Figure): boolean | undefined {
  if (f.target === undefined) return undefined;
  return f.better === 'lower' ? f.value <= f.target : f.value >= f.target;
}
