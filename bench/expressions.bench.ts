/* Expression language throughput: compiling, evaluating and interpolating `${{ }}` values. */
import { opsPerSecond, type Benchmark } from './harness.js';
import { compileExpression, compileTemplate } from '@llm-orchestrator/core';

const context = {
  workflow: { inputs: { enabled: true, name: 'Ada Lovelace', tags: ['Alpha', 'Beta', 'Gamma'] } },
  tasks: { a: { outputs: { score: 0.42, summary: 'All good', items: [1, 2, 3, 4, 5] } } },
  env: { REGION: 'eu-west-1' },
};

const MEDIUM =
  "tasks.a.outputs.score >= 0.5 && contains(workflow.inputs.tags, 'Beta') ? " +
  "format('{0} scored {1}', workflow.inputs.name, round(tasks.a.outputs.score * 100, 1)) : " +
  "coalesce(tasks.b.outputs.summary, env.REGION, 'none')";
const SIMPLE = 'tasks.a.outputs.score < 0.7 && workflow.inputs.enabled';
const FUNCTIONS =
  "format('{0}: {1} [{2}]', upper(workflow.inputs.name), lower(tasks.a.outputs.summary), " +
  "join(workflow.inputs.tags, '|'))";
const TEMPLATE =
  'Summarise for ${{ workflow.inputs.name }} in ${{ env.REGION }}: ' +
  "${{ tasks.a.outputs.summary }} (score ${{ round(tasks.a.outputs.score, 2) }}, tags ${{ join(workflow.inputs.tags, ', ') }})";

/** Results land here so the optimiser cannot drop the work. */
export let sink: unknown;

export const benchmarks: Benchmark[] = [
  {
    name: 'expressions',
    run() {
      const simple = compileExpression(SIMPLE);
      const functions = compileExpression(FUNCTIONS);
      const template = compileTemplate(TEMPLATE);
      const figures = [
        {
          name: 'compile medium expression',
          value: opsPerSecond(() => {
            sink = compileExpression(MEDIUM);
          }),
          unit: 'ops/s',
          target: 20_000,
          better: 'higher',
        },
        {
          name: 'evaluate simple comparison',
          value: opsPerSecond(() => {
            sink = simple.evaluate(context);
          }),
          unit: 'ops/s',
          target: 1_000_000,
          better: 'higher',
        },
        {
          name: 'evaluate format/join/lower expression',
          value: opsPerSecond(() => {
            sink = functions.evaluate(context);
          }),
          unit: 'ops/s',
          target: 200_000,
          better: 'higher',
        },
        {
          name: 'interpolate template (5 markers)',
          value: opsPerSecond(() => {
            sink = template.evaluate(context);
          }),
          unit: 'ops/s',
          target: 100_000,
          better: 'higher',
        },
      ] as const;
      return figures;
    },
  },
];
