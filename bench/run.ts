/*
 * Runs every benchmark and prints its figures against their targets. Each group runs in its own
 * process, so that heap figures and JIT state do not carry over from one group to the next.
 * Usage: npm run bench [group]: the groups whose name starts with `group` (`server`), or if none
 * does, those whose name contains it (`SQLite`).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { passes, type Benchmark, type Figure } from './harness.js';
import { benchmarks as expressionBenchmarks } from './expressions.bench.js';
import { benchmarks as validationBenchmarks } from './validation.bench.js';
import { benchmarks as engineBenchmarks } from './engine.bench.js';
import { benchmarks as durableBenchmarks } from './durable.bench.js';
import { benchmarks as llmBenchmarks } from './llm.bench.js';
import { benchmarks as serverBenchmarks } from './server.bench.js';

const all: Benchmark[] = [
  ...validationBenchmarks,
  ...expressionBenchmarks,
  ...engineBenchmarks,
  ...durableBenchmarks,
  ...llmBenchmarks,
  ...serverBenchmarks,
];
const filter = process.argv[2];

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

function line(f: Figure): string {
  const verdict = passes(f);
  const target =
    f.target === undefined
      ? ''
      : `  target ${f.better === 'lower' ? '<=' : '>='} ${fmt(f.target)} ${f.unit}` +
        `  (${(f.better === 'lower' ? f.target / f.value : f.value / f.target).toFixed(2)}x)  ${verdict === true ? 'PASS' : 'MISS'}`;
  return `  ${f.name.padEnd(52)} ${fmt(f.value).padStart(14)} ${f.unit}${target}`;
}

if (filter === undefined) {
  let missed = 0;
  for (const b of all) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), b.name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    process.stdout.write(child.stdout);
    missed += (child.stdout.match(/ MISS$/gm) ?? []).length;
    if (child.status !== 0) {
      console.log(`  (benchmark group "${b.name}" failed with exit code ${String(child.status)})`);
      missed++;
    }
  }
  console.log(missed === 0 ? '\nall targets met' : `\n${missed} target(s) missed`);
} else {
  const prefixed = all.some((b) => b.name.startsWith(filter));
  for (const b of all) {
    if (!(prefixed ? b.name.startsWith(filter) : b.name.includes(filter))) continue;
    console.log(b.name);
    for (const f of await b.run()) console.log(line(f));
  }
}
