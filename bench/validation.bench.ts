/* Validation of large generated workflows (goal: 100,000 tasks in under a second). */
import { validateDefinition, validateSource } from '@llm-orchestrator/core';
import { generateWorkflow } from './generate.js';
import { timeMs, type Benchmark, type Figure } from './harness.js';

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark input unexpectedly invalid: ${what}`);
}

/** Best of `runs` timings, after one warm-up. */
async function best(runs: number, fn: () => unknown): Promise<number> {
  await timeMs(fn);
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) min = Math.min(min, await timeMs(fn));
  return min;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'validation',
    async run(): Promise<Figure[]> {
      const figures: Figure[] = [];
      for (const n of [10_000, 100_000]) {
        const w = generateWorkflow(n);
        check(validateDefinition(w.value).ok, `${n} object`);
        const runs = n > 10_000 ? 3 : 5;
        const target = n === 100_000 ? 1000 : 100;
        figures.push({
          name: `${n.toLocaleString('en-US')} tasks, parsed definition`,
          value: await best(runs, () => validateDefinition(w.value)),
          unit: 'ms',
          target,
          better: 'lower',
        });
        figures.push({
          name: `${n.toLocaleString('en-US')} tasks, JSON text (${(w.json.length / 1e6).toFixed(1)} MB)`,
          value: await best(runs, () => validateSource(w.json, { file: 'w.json' })),
          unit: 'ms',
          target,
          better: 'lower',
        });
        check(validateSource(w.yaml).ok, `${n} yaml`);
        figures.push({
          name: `${n.toLocaleString('en-US')} tasks, YAML text (${(w.yaml.length / 1e6).toFixed(1)} MB)`,
          value: await best(runs, () => validateSource(w.yaml, { file: 'w.yaml' })),
          unit: 'ms',
        });
      }
      return figures;
    },
  },
];
