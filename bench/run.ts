/* Runs every benchmark and prints its figures against their targets. Usage: npm run bench [filter] */
import { passes, type Benchmark, type Figure } from './harness.js';
import { benchmarks as expressionBenchmarks } from './expressions.bench.js';
import { benchmarks as validationBenchmarks } from './validation.bench.js';
import { benchmarks as engineBenchmarks } from './engine.bench.js';

const all: Benchmark[] = [...validationBenchmarks, ...expressionBenchmarks, ...engineBenchmarks];
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
  return `  ${f.name.padEnd(48)} ${fmt(f.value).padStart(14)} ${f.unit}${target}`;
}

let missed = 0;
for (const b of all) {
  if (filter !== undefined && !b.name.includes(filter)) continue;
  console.log(b.name);
  for (const f of await b.run()) {
    console.log(line(f));
    if (passes(f) === false) missed++;
  }
}
console.log(missed === 0 ? '\nall targets met' : `\n${missed} target(s) missed`);
