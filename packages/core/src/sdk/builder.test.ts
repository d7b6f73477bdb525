import { describe, expect, it } from 'vitest';
import { validateSource } from '../definition/validate.js';
import { workflow } from './builder.js';

function summarise() {
  return workflow('summarise')
    .version('2.1.0')
    .description('Summaries with a quality gate')
    .label('team', 'ai-platform')
    .config({ timeout: '10m', retryPolicy: { maxAttempts: 3 } })
    .input('text', 'string', { required: true, validation: { minLength: 1 } })
    .task('summary', {
      type: 'transform',
      executor: 'transform:template',
      inputs: { template: 'Summary: {{ t }}', values: { t: '${{ workflow.inputs.text }}' } },
      outputs: { result: 'string' },
    })
    .branch(
      '${{ length(tasks.summary.outputs.result) > 100 }}',
      [{ id: 'shorten', executor: 'expression', inputs: { value: 'too long' } }],
      [
        {
          id: 'keep',
          executor: 'expression',
          inputs: { value: '${{ tasks.summary.outputs.result }}' },
        },
      ],
    )
    .output('summary', {
      value: '${{ tasks.keep.outputs.result }}',
      fallback: '${{ tasks.shorten.outputs.result }}',
    })
    .on('onFailure', { type: 'alert', severity: 'high' });
}

describe('the workflow builder', () => {
  it('builds a definition that validates like a file', () => {
    expect(validateSource(JSON.stringify(summarise().build())).diagnostics).toEqual([]);
  });

  it('round-trips builder -> YAML -> parse to the same definition', () => {
    const builder = summarise();
    const yaml = builder.toYaml();
    const result = validateSource(yaml, { file: 'summarise.yaml' });
    expect(result.diagnostics).toEqual([]);
    expect(result.documents[0]?.document).toEqual(builder.build());
  });

  it('gives an empty workflow the fields a file must have', () => {
    expect(workflow('w').build()).toEqual({
      apiVersion: 'orchestrator.llm/v1',
      kind: 'Workflow',
      metadata: { name: 'w', version: '1.0.0' },
      spec: { tasks: [] },
    });
  });
});
